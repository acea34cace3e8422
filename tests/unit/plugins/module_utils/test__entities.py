# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _entities (agents bound to their entities) against the loopback fake Rackspace service."""

from __future__ import annotations

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _entities as entities
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import ParameterError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import HttpClient
from ansible_collections.hostfactory.enrollment.plugins.module_utils._rackspace import EntityApi
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils import rackspace_fake


def api_for(fake, retries=3, page_limit=1000):
    http = HttpClient(timeout=5, retries=retries, sleep=lambda _delay: None)
    return EntityApi(http, fake.monitoring_url(), rackspace_fake.AUTH_TOKEN, page_limit=page_limit)


def agent(agent_id, **kwargs):
    return entities.check_agent(dict(kwargs, agent_id=agent_id))


def operations(fake):
    return [r['operation'] for r in fake.requests]


def writes(fake):
    return [(r['operation'], r['path'].rsplit('/', 1)[-1], r['body']) for r in fake.requests
            if r['operation'] in ('entity_create', 'entity_update', 'entity_delete')]


def bind(fake, *agents, **kwargs):
    return entities.ensure_bound(api_for(fake), list(agents), **kwargs)


# -- the three ways to find the entity, and creation ----------------------------------------------------------------

def test_an_entity_already_bound_is_kept_with_one_listing(fake):
    entity_id = fake.add_entity('web1', agent_id='web1')
    out = bind(fake, agent('web1'))
    assert out.changed is False and out.errors == []
    assert out.entities == [{'agent_id': 'web1', 'id': entity_id, 'label': 'web1', 'action': 'kept',
                             'matched': 'agent_id'}]
    assert out.diff['before'] == out.diff['after'] == {'web1': {'id': entity_id, 'label': 'web1', 'agent_id': 'web1'}}
    assert operations(fake) == ['entity_list']


def test_the_entity_with_the_label_is_bound_then_kept(fake):
    fake.add_entity('other')
    entity_id = fake.add_entity('web1', ip_addresses={'eth0_v4': '10.0.0.9'})
    out = bind(fake, agent('web1', ip_addresses={'eth0_v4': '10.0.0.5'}))
    assert out.changed is True
    assert out.entities[0] == {'agent_id': 'web1', 'id': entity_id, 'label': 'web1', 'action': 'bound',
                               'matched': 'label'}
    assert writes(fake) == [('entity_update', entity_id, {'agent_id': 'web1'})]
    assert fake.entities[entity_id]['agent_id'] == 'web1'
    assert fake.entities[entity_id]['ip_addresses'] == {'eth0_v4': '10.0.0.9'}  # nothing else changes
    assert out.diff == {'before': {'web1': {'id': entity_id, 'label': 'web1', 'agent_id': None}},
                        'after': {'web1': {'id': entity_id, 'label': 'web1', 'agent_id': 'web1'}}}
    fake.requests.clear()
    again = bind(fake, agent('web1', ip_addresses={'eth0_v4': '10.0.0.5'}))
    assert again.changed is False and again.entities[0]['action'] == 'kept'
    assert operations(fake) == ['entity_list']


def test_an_explicit_label_is_used_instead_of_the_agent_id(fake):
    fake.add_entity('3f1c0d2e-instance')
    entity_id = fake.add_entity('web1.example.com')
    out = bind(fake, agent('3f1c0d2e-instance', label='web1.example.com'))
    assert out.entities[0]['id'] == entity_id and out.entities[0]['matched'] == 'label'


def test_the_entity_that_lists_an_address_is_bound(fake):
    fake.add_entity('unrelated', ip_addresses={'public0_v4': '198.51.100.7'})
    entity_id = fake.add_entity('web1-console-name', ip_addresses={'public0_v6': '2001:DB8:0:0::10'})
    out = bind(fake, agent('web1', ip_addresses={'eth0_v6': '2001:db8::10', 'eth1_v4': '10.0.0.5'}))
    assert out.entities[0] == {'agent_id': 'web1', 'id': entity_id, 'label': 'web1-console-name',
                               'action': 'bound', 'matched': 'ip_address'}
    assert writes(fake) == [('entity_update', entity_id, {'agent_id': 'web1'})]


def test_a_label_match_wins_over_an_address_match(fake):
    fake.add_entity('vip', ip_addresses={'vip': '10.0.0.5'})
    entity_id = fake.add_entity('web1')
    out = bind(fake, agent('web1', ip_addresses={'eth0_v4': '10.0.0.5'}))
    assert out.entities[0]['id'] == entity_id and out.entities[0]['matched'] == 'label'


@pytest.mark.parametrize('address', ['127.0.0.1', '::1', 'fe80::1', '169.254.10.10', '0.0.0.0', '224.0.0.1'])
def test_weak_addresses_never_match(fake, address):
    fake.add_entity('somewhere-else', ip_addresses={'x': address})
    out = bind(fake, agent('web1', ip_addresses={'lo': address}))
    assert out.entities[0]['action'] == 'failed'
    assert "no entity is bound to it, has the label 'web1'; set create=true" in out.entities[0]['error']
    assert writes(fake) == []


def test_create_when_asked_with_label_agent_id_and_addresses(fake):
    fake.add_entity('elsewhere', agent_id='db1', ip_addresses={'eth0_v4': '10.0.0.5'})  # bound: never matched by address
    out = bind(fake, agent('web1', ip_addresses={'eth0_v4': '10.0.0.5', 'eth0_v6': '2001:DB8::5'}), create=True)
    (entity_id,) = [i for i, e in fake.entities.items() if e['agent_id'] == 'web1']
    assert writes(fake) == [('entity_create', 'entities', {'label': 'web1', 'agent_id': 'web1',
                                                           'ip_addresses': {'eth0_v4': '10.0.0.5',
                                                                            'eth0_v6': '2001:db8::5'}})]
    assert out.entities[0] == {'agent_id': 'web1', 'id': entity_id, 'label': 'web1', 'action': 'created',
                               'matched': None}
    assert out.diff == {'before': {'web1': {}}, 'after': {'web1': {'id': entity_id, 'label': 'web1',
                                                                   'agent_id': 'web1'}}}
    fake.requests.clear()
    assert bind(fake, agent('web1'), create=True).entities[0]['action'] == 'kept'
    assert writes(fake) == []


def test_create_without_addresses_sends_none(fake):
    bind(fake, agent('web1'), create=True)
    assert writes(fake)[0][2] == {'label': 'web1', 'agent_id': 'web1'}


def test_nothing_to_bind_without_create_names_the_way_out(fake):
    out = bind(fake, agent('web1', ip_addresses={'eth0_v4': '10.0.0.5', 'lo': '127.0.0.1'}))
    assert out.changed is False and writes(fake) == []
    assert out.error_message() == ("agent 'web1': no entity is bound to it, has the label 'web1' or lists one of its "
                                   "addresses (10.0.0.5); set create=true to create one, or entity_id to bind an "
                                   "existing one")


# -- check mode --------------------------------------------------------------------------------------------------

def test_check_mode_predicts_binding_and_creation_without_writing(fake):
    entity_id = fake.add_entity('web1')
    out = bind(fake, agent('web1'), agent('web2'), create=True, check_mode=True)
    assert out.changed is True and writes(fake) == []
    assert [e['action'] for e in out.entities] == ['bound', 'created']
    assert out.entities[1]['id'] is None
    assert out.diff['before'] == {'web1': {'id': entity_id, 'label': 'web1', 'agent_id': None}, 'web2': {}}
    assert out.diff['after']['web2'] == {'id': None, 'label': 'web2', 'agent_id': 'web2'}
    assert fake.entities[entity_id]['agent_id'] is None and len(fake.entities) == 1


# -- nothing is guessed -------------------------------------------------------------------------------------------

def test_several_entities_with_the_label_are_named(fake):
    first, second = fake.add_entity('web1'), fake.add_entity('web1')
    out = bind(fake, agent('web1'), create=True)
    assert writes(fake) == []
    assert out.entities[0]['action'] == 'failed'
    assert out.error_message() == ("agent 'web1': 2 entities have the label 'web1' and none is bound to it: "
                                   "%s (label 'web1'), %s (label 'web1'); name the one to bind with entity_id"
                                   % (first, second))


def test_several_entities_with_an_address_are_named(fake):
    first = fake.add_entity('a', ip_addresses={'x': '10.0.0.5'})
    second = fake.add_entity('b', ip_addresses={'y': '10.0.0.5', 'z': '10.0.0.6'})
    out = bind(fake, agent('web1', ip_addresses={'eth0': '10.0.0.5', 'eth1': '10.0.0.6'}))
    assert writes(fake) == []
    assert out.errors == ["agent 'web1': 2 entities list one of its addresses (10.0.0.5, 10.0.0.6) and none is bound "
                          "to it: %s (label 'a'), %s (label 'b'); name the one to bind with entity_id"
                          % (first, second)]


def test_long_lists_of_candidates_are_cut(fake):
    for _index in range(8):
        fake.add_entity('web1')
    error = bind(fake, agent('web1')).errors[0]
    assert error.count("(label 'web1')") == entities.SHOWN and 'and 3 more' in error


def test_an_entity_bound_to_another_agent_is_not_taken_without_rebind(fake):
    entity_id = fake.add_entity('web1', agent_id='old-instance-id')
    out = bind(fake, agent('web1'), create=True)
    assert writes(fake) == []
    assert out.errors == ["agent 'web1': entity %s (label 'web1') is bound to agent 'old-instance-id'; set "
                          "rebind=true to take it over, or entity_id to bind another one" % entity_id]
    taken = bind(fake, agent('web1'), rebind=True)
    assert taken.entities[0]['action'] == 'bound'
    assert taken.diff['before']['web1']['agent_id'] == 'old-instance-id'
    assert fake.entities[entity_id]['agent_id'] == 'web1'


def test_an_entity_of_another_agent_of_the_run_is_never_taken(fake):
    entity_id = fake.add_entity('web1', agent_id='web2')
    out = bind(fake, agent('web1'), agent('web2'), rebind=True)
    assert [e['action'] for e in out.entities] == ['failed', 'kept']
    assert out.errors == ["agent 'web1': entity %s (label 'web1') is bound to agent 'web2', which is also in this "
                          "run" % entity_id]
    assert writes(fake) == []


def test_one_entity_matched_by_two_agents_binds_neither(fake):
    entity_id = fake.add_entity('shared', ip_addresses={'vip': '10.0.0.100'})
    out = bind(fake, agent('web1', ip_addresses={'a': '10.0.0.100'}), agent('web2', ip_addresses={'a': '10.0.0.100'}),
               agent('web3'), create=True)
    assert [e['action'] for e in out.entities] == ['failed', 'failed', 'created']
    assert "entity %s (label 'shared') matches 2 agents of this run ('web1', 'web2')" % entity_id in out.errors[0]
    assert [w[0] for w in writes(fake)] == ['entity_create']


def test_an_agent_id_given_twice_binds_neither_and_the_others_go_on(fake):
    fake.add_entity('web1')
    out = bind(fake, agent('web1'), agent('web2'), agent('web1'), create=True)
    assert [e['action'] for e in out.entities] == ['failed', 'created', 'failed']
    assert out.errors[0] == "agent 'web1': the agent id is given 2 times (each agent needs its own id)"
    assert out.error_message() == ("2 of 3 agents are not bound to an entity: agent 'web1': the agent id is given 2 "
                                   "times (each agent needs its own id)")


def test_only_duplicates_need_no_listing(fake):
    out = bind(fake, agent('web1'), agent('web1'))
    assert len(out.errors) == 2 and fake.requests == []


def test_several_entities_bound_to_the_agent_are_kept_with_a_warning(fake):
    first, second = fake.add_entity('a', agent_id='web1'), fake.add_entity('b', agent_id='web1')
    out = bind(fake, agent('web1'))
    assert out.entities[0]['id'] == first and out.changed is False
    assert out.warnings == ["agent 'web1' is bound to 2 entities: %s (label 'a'), %s (label 'b'); all are kept as "
                            "they are" % (first, second)]


# -- an explicit entity ---------------------------------------------------------------------------------------------

def test_entity_id_binds_that_entity(fake):
    fake.add_entity('web1')
    chosen = fake.add_entity('web1')
    out = bind(fake, agent('web1', entity_id=chosen))
    assert out.entities[0] == {'agent_id': 'web1', 'id': chosen, 'label': 'web1', 'action': 'bound',
                               'matched': 'entity_id'}
    assert bind(fake, agent('web1', entity_id=chosen)).entities[0]['action'] == 'kept'


def test_entity_id_that_does_not_exist_or_is_taken(fake):
    taken = fake.add_entity('db1', agent_id='db1')
    assert bind(fake, agent('web1', entity_id='enMissing1')).errors == [
        "agent 'web1': there is no entity with the id 'enMissing1' (entity_id)"]
    assert "is bound to agent 'db1'; set rebind=true" in bind(fake, agent('web1', entity_id=taken)).errors[0]
    assert 'also in this run' in bind(fake, agent('web1', entity_id=taken), agent('db1'), rebind=True).errors[0]
    assert writes(fake) == []
    assert bind(fake, agent('web1', entity_id=taken), rebind=True).entities[0]['action'] == 'bound'


# -- one listing, pages, lost answers, failures -----------------------------------------------------------------------

def test_a_fleet_needs_one_listing_of_all_pages(fake):
    for index in range(25):
        fake.add_entity('host-%02d' % index)
    agents = [agent('host-%02d' % index) for index in range(25)]
    out = entities.ensure_bound(api_for(fake, page_limit=10), agents)
    assert [e['action'] for e in out.entities] == ['bound'] * 25
    assert operations(fake) == ['entity_list'] * 3 + ['entity_update'] * 25
    fake.requests.clear()
    again = entities.ensure_bound(api_for(fake, page_limit=10), agents)
    assert again.changed is False and operations(fake) == ['entity_list'] * 3


def test_a_create_whose_answer_was_lost_is_adopted(fake):
    fake.faults['entity_create'] = [{'status': 503, 'apply': True}]
    out = bind(fake, agent('web1'), create=True)
    assert len(fake.entities) == 1 and out.entities[0]['action'] == 'created'
    assert out.entities[0]['id'] == next(iter(fake.entities))
    assert operations(fake) == ['entity_list', 'entity_create', 'entity_list']


def test_a_create_that_did_not_happen_is_sent_again(fake):
    fake.faults['entity_create'] = [{'status': 503}]
    out = bind(fake, agent('web1'), create=True)
    assert len(fake.entities) == 1 and out.errors == []
    assert operations(fake) == ['entity_list', 'entity_create', 'entity_list', 'entity_create']


def test_a_failed_write_stops_the_writes_and_every_agent_says_why(fake):
    fake.add_entity('web1')
    fake.add_entity('web2')
    fake.faults['entity_update'] = [{'status': 500}] * 4
    out = bind(fake, agent('web1'), agent('web2'))
    assert [e['action'] for e in out.entities] == ['failed', 'failed']
    assert "agent 'web1': cannot update the entity" in out.errors[0] and 'server error 500 after 4' in out.errors[0]
    assert out.errors[1].startswith("agent 'web2': not done after an earlier failure: cannot update the entity")
    assert operations(fake).count('entity_update') == 4  # retried, then nothing more


def test_an_entity_deleted_while_binding(fake):
    entity_id = fake.add_entity('web1')
    api = api_for(fake)
    api.update = lambda *_args: False
    out = entities.ensure_bound(api, [agent('web1')])
    assert out.errors == ["agent 'web1': entity %s (label 'web1') was deleted while agent web1 was being bound to it "
                          "(HTTP 404)" % entity_id]


def test_no_agents_no_request(fake):
    assert bind(fake).entities == [] and fake.requests == []


# -- validation (before any request) --------------------------------------------------------------------------------

@pytest.mark.parametrize('values, match', [
    ({'agent_id': 'web 1'}, r"^agent_id 'web 1' is not a valid agent id"),
    ({'agent_id': 'wéb1'}, r'ASCII'),
    ({'agent_id': 'x' * 256}, r'not a valid agent id'),
    ({'agent_id': None}, r"agent_id 'None' is not a valid agent id"),
    ({'agent_id': 'web1', 'label': ' '}, r'^label must be a label of 1 to 255 characters'),
    ({'agent_id': 'web1', 'label': 'x' * 256}, r'^label must be'),
    ({'agent_id': 'web1', 'ip_addresses': ['10.0.0.1']}, r'^ip_addresses must be a dictionary'),
    ({'agent_id': 'web1', 'ip_addresses': {'eth0': '10.0.0.300'}}, r"'10.0.0.300' of eth0 is not an IPv4 or IPv6"),
    ({'agent_id': 'web1', 'ip_addresses': {'eth0': 'fe80::1%eth0'}}, r'without a zone index'),
    ({'agent_id': 'web1', 'ip_addresses': {'eth0': ' 10.0.0.1'}}, r'not an IPv4 or IPv6'),
    ({'agent_id': 'web1', 'ip_addresses': {'': '10.0.0.1'}}, r"the name '' must have 1 to 64 characters"),
    ({'agent_id': 'web1', 'ip_addresses': dict(('n%d' % i, '10.0.0.1') for i in range(65))}, r'at most 64'),
    ({'agent_id': 'web1', 'entity_id': 'en/../x'}, r"^entity_id 'en/../x' is not an entity id"),
    ({'agent_id': 'web1', 'colour': 'red'}, r'^colour is not a key of an agent'),
])
def test_check_agent_names_the_option(values, match):
    with pytest.raises(ParameterError, match=match):
        entities.check_agent(values)


def test_check_agents_names_the_element():
    with pytest.raises(ParameterError, match=r'^agents\[1\]\.ip_addresses: '):
        entities.check_agents([{'agent_id': 'a'}, {'agent_id': 'b', 'ip_addresses': {'x': 'nope'}}])
    with pytest.raises(ParameterError, match=r'^agents\[0\] must be a dictionary'):
        entities.check_agents(['web1'])
    checked = entities.check_agents([{'agent_id': 'a', 'ip_addresses': {'x': '2001:DB8::1'}}])
    assert checked[0].label == 'a' and checked[0].ip_addresses == {'x': '2001:db8::1'}


def test_error_message_of_many_agents_is_cut():
    out = entities.Outcome()
    out.entities = [{'error': 'e%d' % i} for i in range(8)] + [{'action': 'kept'}]
    assert out.error_message() == '8 of 9 agents are not bound to an entity: e0; e1; e2; e3; e4; and 3 more (see entities)'
