# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _agent_tokens (desired state) against the loopback fake Rackspace service."""

from __future__ import annotations

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _agent_tokens as tokens
from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import HttpClient
from ansible_collections.hostfactory.enrollment.plugins.module_utils._rackspace import AgentTokenApi, RackspaceError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import fingerprint
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils import rackspace_fake


def api_for(fake, retries=3):
    http = HttpClient(timeout=5, retries=retries, sleep=lambda _delay: None)
    return AgentTokenApi(http, fake.monitoring_url(), rackspace_fake.AUTH_TOKEN)


def writes(fake):
    return [r['operation'] for r in fake.requests if r['operation'] in ('create', 'update', 'delete')]


def test_create_then_reuse_by_label(fake):
    api = api_for(fake)
    first = tokens.ensure_labels_present(api, ['web1'])
    assert first.changed is True
    assert len(fake.tokens) == 1
    (token_id,) = fake.tokens
    assert first.tokens == [{'label': 'web1', 'fingerprint': fingerprint(token_id)}]
    assert first.diff == {'before': {'web1': 'absent'}, 'after': {'web1': 'present'}}
    fake.requests.clear()
    second = tokens.ensure_labels_present(api, ['web1'])
    assert second.changed is False and second.tokens == first.tokens
    assert [r['operation'] for r in fake.requests] == ['list']


def test_reveal_reads_the_created_token_with_get(fake):
    api = api_for(fake)
    out = tokens.ensure_labels_present(api, ['web1'], reveal=True)
    (token_id,) = fake.tokens
    assert out.tokens == [{'label': 'web1', 'fingerprint': fingerprint(token_id), 'id': token_id, 'token': token_id}]
    assert [r['operation'] for r in fake.requests] == ['list', 'create', 'get']
    fake.requests.clear()
    again = tokens.ensure_labels_present(api, ['web1'], reveal=True)
    assert again.tokens == out.tokens
    assert [r['operation'] for r in fake.requests] == ['list']  # the listing carries the value


def test_reveal_gets_the_value_when_the_listing_omits_it(fake):
    token_id = fake.add('web1')
    fake.omit_token_in_list = True
    out = tokens.ensure_labels_present(api_for(fake), ['web1'], reveal=True)
    assert out.tokens[0]['token'] == token_id
    assert [r['operation'] for r in fake.requests] == ['list', 'get']


def test_reveal_fails_when_the_value_cannot_be_read(fake):
    fake.add('web1')
    fake.omit_token_in_list = True
    api = api_for(fake)
    api.get = lambda token_id: {'id': token_id, 'label': 'web1', 'token': None}
    with pytest.raises(RackspaceError, match="cannot read the value of the agent token labelled 'web1'"):
        tokens.ensure_labels_present(api, ['web1'], reveal=True)


def test_duplicates_use_the_lowest_id_and_warn(fake):
    ids = sorted([fake.add('web1'), fake.add('web1'), fake.add('web1')])
    out = tokens.ensure_labels_present(api_for(fake), ['web1'], reveal=True)
    assert out.changed is False
    assert out.tokens[0]['id'] == ids[0]
    assert len(out.warnings) == 1
    assert "3 agent tokens share the label 'web1'" in out.warnings[0]
    assert fingerprint(ids[0]) in out.warnings[0]
    assert not any(i in out.warnings[0] for i in ids)


def test_many_labels_need_one_listing(fake):
    for index in range(1500):
        fake.add('old-%d' % index)
    fake.add('web2')
    out = tokens.ensure_labels_present(api_for(fake), ['web1', 'web2', 'web3', 'web1'])
    assert [t['label'] for t in out.tokens] == ['web1', 'web2', 'web3']
    assert writes(fake) == ['create', 'create']
    assert fake.count('list') == 2  # 1501 tokens = two pages, listed once for all labels
    assert out.diff['before'] == {'web1': 'absent', 'web2': 'present', 'web3': 'absent'}


def test_no_labels_makes_no_call(fake):
    assert tokens.ensure_labels_present(api_for(fake), []).tokens == []
    assert tokens.ensure_labels_absent(api_for(fake), []).changed is False
    assert fake.requests == []


def test_check_mode_creates_nothing(fake):
    out = tokens.ensure_labels_present(api_for(fake), ['web1'], check_mode=True, reveal=True)
    assert out.changed is True
    assert out.tokens == [{'label': 'web1', 'fingerprint': None}]
    assert fake.tokens == {} and writes(fake) == []


def test_create_after_a_lost_response_adopts_the_created_token(fake):
    fake.faults['create'] = [{'status': 503, 'apply': True}]
    out = tokens.ensure_labels_present(api_for(fake), ['web1'])
    assert out.changed is True
    assert len(fake.tokens) == 1  # no duplicate
    assert [r['operation'] for r in fake.requests] == ['list', 'create', 'list']


def test_create_after_a_transient_failure_is_sent_again(fake):
    fake.faults['create'] = [{'status': 503}, {'status': 502}]
    tokens.ensure_labels_present(api_for(fake), ['web1'])
    assert len(fake.tokens) == 1
    assert [r['operation'] for r in fake.requests] == ['list', 'create', 'list', 'create', 'create']


def test_create_is_not_resent_when_retries_are_off_or_error_is_permanent(fake):
    fake.faults['create'] = [{'status': 503}]
    with pytest.raises(RackspaceError, match='server error 503'):
        tokens.ensure_labels_present(api_for(fake, retries=0), ['web1'])
    fake.faults['create'] = [{'status': 400}]
    with pytest.raises(RackspaceError, match=r"cannot create an agent token labelled 'web1'.*\(HTTP 400\)"):
        tokens.ensure_labels_present(api_for(fake), ['web1'])
    assert fake.count('create') == 2 and fake.tokens == {}


def test_absent_by_label_deletes_every_token_with_it(fake):
    fake.add('web1')
    fake.add('web1')
    keep = fake.add('web2')
    out = tokens.ensure_labels_absent(api_for(fake), ['web1', 'nothing'])
    assert out.changed is True and len(out.tokens) == 2
    assert list(fake.tokens) == [keep]
    assert out.diff == {'before': {'web1': 'present', 'nothing': 'absent'},
                        'after': {'web1': 'absent', 'nothing': 'absent'}}
    again = tokens.ensure_labels_absent(api_for(fake), ['web1'])
    assert again.changed is False and again.tokens == []


def test_absent_by_label_in_check_mode(fake):
    fake.add('web1')
    out = tokens.ensure_labels_absent(api_for(fake), ['web1'], check_mode=True)
    assert out.changed is True and len(fake.tokens) == 1 and writes(fake) == []


def test_relabel_by_id(fake):
    token_id = fake.add('old')
    api = api_for(fake)
    preview = tokens.ensure_id_present(api, token_id, 'new', check_mode=True)
    assert preview.changed is True and fake.tokens[token_id]['label'] == 'old'
    out = tokens.ensure_id_present(api, token_id, 'new')
    assert out.changed is True and fake.tokens[token_id]['label'] == 'new'
    assert out.diff == {'before': {'state': 'present', 'label': 'old', 'fingerprint': fingerprint(token_id)},
                        'after': {'state': 'present', 'label': 'new', 'fingerprint': fingerprint(token_id)}}
    fake.requests.clear()
    same = tokens.ensure_id_present(api, token_id, 'new')
    assert same.changed is False and [r['operation'] for r in fake.requests] == ['get']
    assert tokens.ensure_id_present(api, token_id).tokens == [{'label': 'new', 'fingerprint': fingerprint(token_id)}]


def test_present_by_unknown_id_fails(fake):
    with pytest.raises(RackspaceError, match='no agent token with this id') as info:
        tokens.ensure_id_present(api_for(fake), 'nope.123456', 'x')
    assert info.value.status == 404 and 'nope.123456' not in str(info.value)


def test_relabel_of_a_token_deleted_meanwhile_fails(fake):
    token_id = fake.add('old')
    api = api_for(fake)
    api.update = lambda *_args: False
    with pytest.raises(RackspaceError, match='deleted while it was being relabelled'):
        tokens.ensure_id_present(api, token_id, 'new')


def test_absent_by_id(fake):
    token_id = fake.add('web1')
    api = api_for(fake)
    assert tokens.ensure_id_absent(api, token_id, check_mode=True).changed is True
    assert token_id in fake.tokens
    out = tokens.ensure_id_absent(api, token_id)
    assert out.changed is True and fake.tokens == {}
    assert out.tokens == [{'label': 'web1', 'fingerprint': fingerprint(token_id)}]
    again = tokens.ensure_id_absent(api, token_id)
    assert again.changed is False and again.diff == {'before': {'state': 'absent'}, 'after': {'state': 'absent'}}


def test_list_tokens_filters_and_reveals(fake):
    first = fake.add('web1')
    fake.add('web2')
    api = api_for(fake)
    assert [t['label'] for t in tokens.list_tokens(api)] == [fake.tokens[i]['label'] for i in sorted(fake.tokens)]
    assert all(set(t) == {'label', 'fingerprint'} for t in tokens.list_tokens(api))
    assert tokens.list_tokens(api, 'web1', reveal=True) == [
        {'label': 'web1', 'fingerprint': fingerprint(first), 'id': first, 'token': first}]
