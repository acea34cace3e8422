# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _enrollment, the planner: the decision, and the verdict the probe reports."""

from __future__ import annotations

import os

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


# -- the files of a plan (issue 12) -----------------------------------------------------------------------------------

def test_read_files_refuses_one_path_for_two_options_before_reading_it(tmp_path):
    fifo = str(tmp_path / 'conjur.identity')
    os.mkfifo(fifo)  # reading it would be refused too: the path comparison comes first
    with pytest.raises(planner.EnrollmentError) as err:
        planner.read_files({'identity_file': fifo, 'conf_file': str(tmp_path / '.' / 'conjur.identity')})
    assert str(err.value) == 'identity_file and conf_file name the same file %s: each must be a file of its own' % fifo


def test_read_files_compares_inodes_of_existing_files(tmp_path):
    (tmp_path / 'a').write_text('x')
    os.link(str(tmp_path / 'a'), str(tmp_path / 'b'))
    (tmp_path / 'c').write_text('x')
    with pytest.raises(planner.EnrollmentError, match=r'^conf_file \S+/a and cert_file \S+/b are the same file'):
        planner.read_files({'conf_file': str(tmp_path / 'a'), 'cert_file': str(tmp_path / 'b')})
    states = planner.read_files({'identity_file': str(tmp_path / 'a'), 'conf_file': str(tmp_path / 'c'),
                                 'cert_file': str(tmp_path / 'absent')})
    assert states['cert_file'] is None and states['conf_file'].text == 'x'
