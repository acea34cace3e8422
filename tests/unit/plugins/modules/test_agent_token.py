# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the agent_token and agent_token_info modules: main() against the loopback fake Rackspace service.

The whole JSON a module prints is checked for secrets, as Ansible would receive it.
"""

from __future__ import annotations

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import fingerprint
from ansible_collections.hostfactory.enrollment.plugins.modules import agent_token, agent_token_info
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.rackspace_fake import (
    API_KEY,
    AUTH_TOKEN,
    TENANT,
)


@pytest.fixture
def call(call_rackspace):
    return call_rackspace


def test_create_then_reuse_without_revealing(fake, call):
    result, out = call(agent_token, label='web1')
    (token_id,) = fake.tokens
    assert result['changed'] is True
    assert result['agent_token'] == {'label': 'web1', 'fingerprint': fingerprint(token_id)}
    assert token_id not in out and API_KEY not in out and AUTH_TOKEN not in out
    assert [r['operation'] for r in fake.requests] == ['identity', 'list', 'create']
    again, _out = call(agent_token, label='web1')
    assert again['changed'] is False and again['agent_token'] == result['agent_token']
    assert 'diff' not in again


def test_return_token(fake, call):
    result, _out = call(agent_token, label='web1', return_token=True)
    (token_id,) = fake.tokens
    assert result['agent_token'] == {'label': 'web1', 'fingerprint': fingerprint(token_id), 'id': token_id,
                                     'token': token_id}


def test_labels_and_duplicate_warning(fake, call):
    low = min(fake.add('web2'), fake.add('web2'))
    result, out = call(agent_token, labels=['web1', 'web2'], return_token=True)
    assert [t['label'] for t in result['agent_tokens']] == ['web1', 'web2']
    assert result['agent_tokens'][1]['id'] == low
    assert "2 agent tokens share the label 'web2'" in str(result['warnings'])
    assert 'agent_token' not in result


def test_check_mode_and_diff(fake, call):
    result, _out = call(agent_token, label='web1', _ansible_check_mode=True, _ansible_diff=True)
    assert result['changed'] is True and fake.tokens == {}
    assert result['agent_token'] == {'label': 'web1', 'fingerprint': None}
    assert result['diff'] == {'before': {'web1': 'absent'}, 'after': {'web1': 'present'}}


def test_absent_by_label_counts_deleted(fake, call):
    fake.add('web1')
    fake.add('web1')
    result, out = call(agent_token, label='web1', state='absent')
    assert result['changed'] is True and result['deleted'] == 2 and fake.tokens == {}
    assert set(result['agent_token']) == {'label', 'fingerprint'}
    again, _out = call(agent_token, label='web1', state='absent')
    assert again['changed'] is False and again['deleted'] == 0 and again['agent_token'] == {}


def test_relabel_by_id_masks_the_given_id(fake, call):
    token_id = fake.add('old')
    result, out = call(agent_token, id=token_id, label='new', return_token=True, _ansible_diff=True)
    assert fake.tokens[token_id]['label'] == 'new'
    assert result['changed'] is True
    assert result['agent_token']['id'] == result['agent_token']['token'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert result['diff']['after']['label'] == 'new'
    assert token_id not in out


def test_absent_by_id(fake, call):
    token_id = fake.add('web1')
    result, _out = call(agent_token, id=token_id, state='absent')
    assert result['changed'] is True and result['deleted'] == 1 and fake.tokens == {}


def test_wrong_api_key_fails_in_one_line(fake, call):
    result, out = call(agent_token, label='web1', api_key='not-the-right-key')
    assert result['failed'] is True and result['status'] == 401
    assert "authentication failed for user 'rackuser'" in result['msg'] and '\n' not in result['msg']
    assert 'not-the-right-key' not in out
    assert fake.tokens == {}


def test_empty_label_fails_before_any_request(fake, call):
    result, _out = call(agent_token, labels=['web1', ' '])
    assert result['failed'] is True and 'label must not be empty' in result['msg']
    assert fake.requests == []


def test_server_error_is_reported_with_status(fake, call):
    fake.faults['list'] = [{'status': 500}] * 2
    result, _out = call(agent_token, label='web1', retries=1)
    assert result['failed'] is True and result['status'] == 500
    assert result['msg'].startswith('cannot list agent tokens: server error 500 after 2 attempt(s)')


def test_auth_token_and_username_are_mutually_exclusive(fake, call):
    result, _out = call(agent_token, label='web1', auth_token=AUTH_TOKEN, api_key=None)
    assert result['failed'] is True and 'mutually exclusive' in result['msg']
    assert fake.requests == []


def test_credentials_from_the_environment_are_masked(fake, call, monkeypatch):
    monkeypatch.setenv('RAX_AUTH_TOKEN', AUTH_TOKEN)
    monkeypatch.setenv('RAX_TENANT_ID', TENANT)
    result, out = call(agent_token_info, username=None, api_key=None, monitoring_url=fake.monitoring_url(),
                       label=AUTH_TOKEN)
    assert result['agent_tokens'] == []
    assert AUTH_TOKEN not in out  # it is in no_log_values, so even the label filter echoed in invocation is masked
    assert [r['operation'] for r in fake.requests] == ['list']


def test_info_hides_ids_unless_asked(fake, call):
    first = fake.add('web1')
    fake.add('web2')
    result, out = call(agent_token_info)
    assert result['changed'] is False
    assert sorted(t['label'] for t in result['agent_tokens']) == ['web1', 'web2']
    assert all(set(t) == {'label', 'fingerprint'} for t in result['agent_tokens'])
    assert not any(i in out for i in fake.tokens)
    shown, out = call(agent_token_info, label='web1', include_tokens=True)
    assert shown['agent_tokens'] == [{'label': 'web1', 'fingerprint': fingerprint(first), 'id': first, 'token': first}]
