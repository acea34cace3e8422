# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _errors: one-line messages and the one failure shape."""

from __future__ import annotations

from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import (
    CollectionError,
    ParameterError,
    fail_result,
    one_line,
)


def test_messages_are_one_line_but_keep_what_is_on_a_line():
    assert one_line('first\n  second\r\nthird\u2028fourth') == 'first second third fourth'
    assert str(ParameterError("id 'web\t01' is bad\n")) == "id 'web\t01' is bad"


def test_failure_shape_is_message_then_fields_then_result_without_diff():
    error = CollectionError('cannot do it', status=403, url='https://c/x', body=None)
    kwargs = fail_result(error, {'changed': False, 'diff': [{'before': 'x'}], 'login': 'host/a'})
    assert kwargs == {'msg': 'cannot do it', 'status': 403, 'url': 'https://c/x', 'changed': False,
                      'login': 'host/a'}
    assert fail_result(ParameterError('bad')) == {'msg': 'bad'}
