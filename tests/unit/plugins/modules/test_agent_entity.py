# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the agent_entity module: main() against the loopback fake Rackspace service."""

from __future__ import annotations

import pytest

from ansible_collections.hostfactory.enrollment.plugins.modules import agent_entity
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.rackspace_fake import (
    API_KEY,
    AUTH_TOKEN,
)


@pytest.fixture
def call(call_rackspace):
    return lambda **args: call_rackspace(agent_entity, **args)


def test_bind_by_label_with_diff_then_nothing(fake, call):
    entity_id = fake.add_entity('web1')
    result, out = call(agent_id='web1', ip_addresses={'eth0_v4': '10.0.0.5'}, _ansible_diff=True)
    assert result['changed'] is True
    assert result['entity'] == {'agent_id': 'web1', 'id': entity_id, 'label': 'web1', 'action': 'bound',
                                'matched': 'label'}
    assert result['diff'] == {'before': {'web1': {'id': entity_id, 'label': 'web1', 'agent_id': None}},
                              'after': {'web1': {'id': entity_id, 'label': 'web1', 'agent_id': 'web1'}}}
    assert API_KEY not in out and AUTH_TOKEN not in out
    assert [r['operation'] for r in fake.requests] == ['identity', 'entity_list', 'entity_update']
    again, _out = call(agent_id='web1')
    assert again['changed'] is False and again['entity']['action'] == 'kept' and 'diff' not in again


def test_check_mode_writes_nothing(fake, call):
    result, _out = call(agent_id='web1', create=True, _ansible_check_mode=True, _ansible_diff=True)
    assert result['changed'] is True and fake.entities == {}
    assert result['entity']['action'] == 'created' and result['entity']['id'] is None
    assert result['diff']['before'] == {'web1': {}}


def test_agents_with_an_error_fail_with_the_others_bound(fake, call):
    fake.add_entity('web2')
    fake.add_entity('web2')
    bound = fake.add_entity('web1')
    result, _out = call(agents=[{'agent_id': 'web1'}, {'agent_id': 'web2'}], _ansible_diff=True)
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'].startswith("1 of 2 agents are not bound to an entity: agent 'web2': 2 entities have the "
                                    "label 'web2'")
    assert '\n' not in result['msg'] and 'diff' not in result
    assert [e['action'] for e in result['entities']] == ['bound', 'failed']
    assert set(result['entities'][1]) == {'agent_id', 'id', 'label', 'action', 'matched', 'error'}
    assert fake.entities[bound]['agent_id'] == 'web1'


def test_single_agent_error_is_its_line(fake, call):
    result, _out = call(agent_id='web1')
    assert result['failed'] is True and result['changed'] is False
    assert result['msg'].startswith("agent 'web1': no entity is bound to it, has the label 'web1'; set create=true")
    assert result['entity']['action'] == 'failed'


@pytest.mark.parametrize('args, match', [
    ({'agent_id': 'web 1'}, "agent_id 'web 1' is not a valid agent id"),
    ({'agent_id': 'web1', 'ip_addresses': {'eth0': '300.1.1.1'}}, "ip_addresses: '300.1.1.1' of eth0"),
    ({'agents': [{'agent_id': 'ok'}, {'agent_id': 'bad/id'}]}, "agents[1].agent_id 'bad/id'"),
    ({'agents': [{'agent_id': 'ok', 'colour': 'red'}]}, 'colour'),
    ({'agents': [{'agent_id': 'ok'}], 'label': 'x'}, 'mutually exclusive'),
    ({'label': 'x'}, 'one of the following is required: agent_id, agents'),
])
def test_bad_input_fails_before_any_request(fake, call, args, match):
    result, _out = call(**args)
    assert result['failed'] is True and match in result['msg'] and '\n' not in result['msg']
    assert fake.requests == []
