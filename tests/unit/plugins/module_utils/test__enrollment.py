# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _enrollment, the planner: the decision, and the verdict the probe reports."""

from __future__ import annotations

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _enrollment as planner

OLD_KEY = '2k4vq0m8x5rj3t1pkyzx6w9c0a8s7d6f5g4h3j2k1l0zxcvbnm9qw'


@pytest.mark.parametrize('existing, rotate, token, missing, expected', [
    (OLD_KEY, False, False, 'fail', planner.KEEP),
    (OLD_KEY, False, True, 'fail', planner.KEEP),
    (OLD_KEY, True, True, 'fail', planner.ENROLL),
    (OLD_KEY, True, False, 'skip', planner.SKIP),
    (OLD_KEY, True, False, 'fail', planner.FAIL),
    (None, False, True, 'fail', planner.ENROLL),
    (None, False, False, 'skip', planner.SKIP),
    (None, False, False, 'fail', planner.FAIL),
    (None, True, True, 'skip', planner.ENROLL),
])
def test_decide(existing, rotate, token, missing, expected):
    assert planner.decide(existing, rotate, token, missing) == expected
