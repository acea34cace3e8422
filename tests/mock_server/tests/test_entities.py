# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rackspace Cloud Monitoring entities under /v1.0/{tenant}/entities."""

from __future__ import annotations

import copy
import json
import re

import pytest

from conftest import RAX, SEED, run_mock, start_with_seed

TENANT = RAX['tenant_id']
ENTITY_ID = re.compile(r'^en[A-Za-z0-9]{8}$')
KEYS = ['id', 'label', 'ip_addresses', 'metadata', 'managed', 'uri', 'agent_id', 'created_at', 'updated_at']


def _entities(mock, method, path='', **kwargs):
    return mock.rax(method, path, collection='entities', **kwargs)


def _assert_fault(response, status, type_, message=None):
    assert response.status_code == status and response.headers['Content-Type'] == 'application/json'
    body = response.json()
    assert list(body) == ['type', 'code', 'message', 'details', 'txnId'] and body['type'] == type_ and body['code'] == status
    if message is not None:
        assert body['message'] == message
    return body


def test_entity_lifecycle(mock):
    created = _entities(mock, 'POST', json={'label': 'web-01',
                                            'ip_addresses': {'public0_v4': '203.0.113.7', 'private0_v6': '2001:db8::7'},
                                            'metadata': {'role': 'web'}})
    assert (created.status_code, created.content) == (201, b'')
    entity_id = created.headers['X-Object-ID']
    assert ENTITY_ID.match(entity_id)
    assert created.headers['Location'] == '%s/v1.0/%s/entities/%s' % (mock.url, TENANT, entity_id)
    got = _entities(mock, 'GET', '/' + entity_id)
    assert got.status_code == 200 and got.headers['Content-Type'] == 'application/json'
    body = got.json()
    assert list(body) == KEYS
    assert body['id'] == entity_id and body['label'] == 'web-01' and body['metadata'] == {'role': 'web'}
    assert body['ip_addresses'] == {'public0_v4': '203.0.113.7', 'private0_v6': '2001:db8::7'}
    assert (body['managed'], body['uri'], body['agent_id']) == (False, None, None)
    assert isinstance(body['created_at'], int) and body['created_at'] == body['updated_at'] and body['created_at'] > 10 ** 12
    assert mock.mock('stats')['entities'] == 1 and mock.mock('stats')['entities_bound'] == 0
    mock.mock('clock', {'advance_seconds': 60})
    updated = _entities(mock, 'PUT', '/' + entity_id, json={'agent_id': 'web-01.example_com'})
    assert (updated.status_code, updated.content) == (204, b'')
    assert updated.headers['X-Object-ID'] == entity_id and updated.headers['Location'] == created.headers['Location']
    after = _entities(mock, 'GET', '/' + entity_id).json()
    assert after['agent_id'] == 'web-01.example_com' and after['updated_at'] >= body['created_at'] + 60000
    assert {k: v for k, v in after.items() if k not in ('agent_id', 'updated_at')} == \
        {k: v for k, v in body.items() if k not in ('agent_id', 'updated_at')}
    assert (mock.mock('stats')['entities'], mock.mock('stats')['entities_bound']) == (1, 1)
    unbound = _entities(mock, 'PUT', '/' + entity_id, json={'agent_id': None, 'ip_addresses': None, 'label': 'renamed'})
    assert unbound.status_code == 204
    final = _entities(mock, 'GET', '/' + entity_id).json()
    assert (final['agent_id'], final['ip_addresses'], final['label']) == (None, {}, 'renamed')
    deleted = _entities(mock, 'DELETE', '/' + entity_id)
    assert (deleted.status_code, deleted.content) == (204, b'')
    for method, kwargs in (('GET', {}), ('PUT', {'json': {'label': 'x'}}), ('DELETE', {})):
        _assert_fault(_entities(mock, method, '/' + entity_id, **kwargs), 404, 'notFoundError', 'Object does not exist')
    assert mock.mock('stats')['entities'] == 0


def test_create_with_every_writable_attribute(mock):
    body = {'label': 'db', 'agent_id': 'db-01', 'managed': True, 'uri': 'https://servers.example/db', 'ip_addresses': {},
            'metadata': {}}
    entity_id = _entities(mock, 'POST', json=body).headers['X-Object-ID']
    got = _entities(mock, 'GET', '/' + entity_id).json()
    assert {k: got[k] for k in body} == body and mock.mock('stats')['entities_bound'] == 1


@pytest.mark.parametrize('body,key', [
    ({}, 'label'),
    ({'label': ''}, 'label'),
    ({'label': 'x' * 256}, 'label'),
    ({'label': 5}, 'label'),
    ({'label': None}, 'label'),
    ({'label': 'ok', 'surprise': 1}, 'surprise'),
    ({'label': 'ok', 'ip_addresses': {'a': 'not-an-ip'}}, 'ip_addresses'),
    ({'label': 'ok', 'ip_addresses': {'a': '10.0.0.1 '}}, 'ip_addresses'),
    ({'label': 'ok', 'ip_addresses': {'a': 'fe80::1%eth0'}}, 'ip_addresses'),
    ({'label': 'ok', 'ip_addresses': {'': '10.0.0.1'}}, 'ip_addresses'),
    ({'label': 'ok', 'ip_addresses': ['10.0.0.1']}, 'ip_addresses'),
    ({'label': 'ok', 'ip_addresses': {'n%d' % i: '10.0.0.1' for i in range(65)}}, 'ip_addresses'),
    ({'label': 'ok', 'metadata': {'k': 5}}, 'metadata'),
    ({'label': 'ok', 'metadata': {'k': ''}}, 'metadata'),
    ({'label': 'ok', 'metadata': 'k=v'}, 'metadata'),
    ({'label': 'ok', 'agent_id': 'bad id!'}, 'agent_id'),
    ({'label': 'ok', 'agent_id': 'x' * 256}, 'agent_id'),
    ({'label': 'ok', 'agent_id': 5}, 'agent_id'),
    ({'label': 'ok', 'managed': 'no'}, 'managed'),
    ({'label': 'ok', 'uri': 5}, 'uri'),
])
def test_validation(mock, body, key):
    _assert_fault(_entities(mock, 'POST', json=body), 400, 'badRequest', "Validation error for key '%s'" % key)
    assert mock.mock('stats')['entities'] == 0
    if body:  # on update every attribute is optional, but the same rules apply to those given
        entity_id = _entities(mock, 'POST', json={'label': 'ok'}).headers['X-Object-ID']
        _assert_fault(_entities(mock, 'PUT', '/' + entity_id, json=body), 400, 'badRequest', "Validation error for key '%s'" % key)
        assert _entities(mock, 'GET', '/' + entity_id).json()['label'] == 'ok'


@pytest.mark.parametrize('raw', ['not json', '["label"]', '"web"'])
def test_body_must_be_a_json_object(mock, raw):
    _assert_fault(_entities(mock, 'POST', data=raw), 400, 'badRequest', 'Validation error')
    entity_id = _entities(mock, 'POST', json={'label': 'ok'}).headers['X-Object-ID']
    _assert_fault(_entities(mock, 'PUT', '/' + entity_id, data=raw), 400, 'badRequest', 'Validation error')


def test_empty_update_changes_nothing_but_updated_at(mock):
    entity_id = _entities(mock, 'POST', json={'label': 'ok', 'agent_id': 'a'}).headers['X-Object-ID']
    before = _entities(mock, 'GET', '/' + entity_id).json()
    assert _entities(mock, 'PUT', '/' + entity_id, data=b'').status_code == 204
    after = _entities(mock, 'GET', '/' + entity_id).json()
    assert {k: v for k, v in after.items() if k != 'updated_at'} == {k: v for k, v in before.items() if k != 'updated_at'}


def test_auth_tenant_and_not_found_like_agent_tokens(mock):
    entity_id = _entities(mock, 'POST', json={'label': 'ok'}).headers['X-Object-ID']
    for method, path, kwargs in (('GET', '', {}), ('POST', '', {'json': {'label': 'x'}}), ('GET', '/' + entity_id, {}),
                                 ('PUT', '/' + entity_id, {'json': {'label': 'x'}}), ('DELETE', '/' + entity_id, {})):
        body = _assert_fault(_entities(mock, method, path, token=None, **kwargs), 401, 'unauthorizedError')
        assert body['details'] == 'No valid X-Auth-Token was supplied.'
        _assert_fault(_entities(mock, method, path, token='bogus', **kwargs), 401, 'unauthorizedError')
        body = _assert_fault(_entities(mock, method, path, tenant='654321', **kwargs), 403, 'forbiddenError')
        assert body['details'] == 'The token is not valid for tenant 654321.'
    body = _assert_fault(_entities(mock, 'GET', '/enNope0000'), 404, 'notFoundError')
    assert body['details'] == 'Object "Entity" does not exist.'
    _assert_fault(_entities(mock, 'PUT', '/enNope0000', json={'label': 5}), 404, 'notFoundError')  # 404 before validation
    assert mock.mock('stats')['entities'] == 1


@pytest.mark.parametrize('limit', ['0', '1001', 'abc', '-1', ''])
def test_invalid_limit(mock, limit):
    _assert_fault(_entities(mock, 'GET', params={'limit': limit}), 400, 'invalidLimit')


def test_faults_apply_to_entity_routes(mock):
    mock.mock('faults', {'fail_rate': 1, 'fail_status': 503, 'routes': ['POST /v1.0/{tenant}/entities'], 'count': 1})
    failed = _entities(mock, 'POST', json={'label': 'ok'})
    _assert_fault(failed, 503, 'systemFailureError')
    assert failed.headers['Retry-After'] == '1'
    assert _entities(mock, 'GET').json()['values'] == []
    assert _entities(mock, 'POST', json={'label': 'ok'}).status_code == 201
    assert mock.mock('stats')['requests'] == {'POST /v1.0/{tenant}/entities': 2, 'GET /v1.0/{tenant}/entities': 1}


def _seed(entities):
    seed = copy.deepcopy(SEED)
    seed['rackspace']['entities'] = entities
    return seed


@pytest.fixture(scope='module')
def many_entities(tmp_path_factory):
    items = [{'label': 'seeded-%04d' % i, 'agent_id': 'agent-%04d' % i if i % 3 == 0 else None,
              'ip_addresses': {'default': '10.0.%d.%d' % (i // 250, i % 250)}} for i in range(1005)]
    items.append({'id': 'enFixed0001', 'label': 'fixed', 'metadata': {'team': 'ops'}})
    server = start_with_seed(tmp_path_factory.mktemp('entities'), _seed(items))
    yield server
    assert server.stop() == 0


def test_seeded_entities_pagination(many_entities):
    seen, page = [], _entities(many_entities, 'GET').json()
    pages = 1
    while True:
        assert list(page) == ['values', 'metadata'] and page['metadata']['limit'] == 100
        assert page['metadata']['count'] == len(page['values']) and all(list(v) == KEYS for v in page['values'])
        seen.extend(v['id'] for v in page['values'])
        if page['metadata']['next_marker'] is None:
            assert page['metadata']['next_href'] is None
            break
        expected = '%s/v1.0/%s/entities?limit=100&marker=%s' % (many_entities.url, TENANT, page['metadata']['next_marker'])
        assert page['metadata']['next_href'] == expected
        page = many_entities.session.get(page['metadata']['next_href'], headers={'X-Auth-Token': RAX['auth_token']}, timeout=10).json()
        pages += 1
    assert pages == 11 and len(seen) == 1006 and len(set(seen)) == 1006 and seen == sorted(seen)
    middle = _entities(many_entities, 'GET', params={'limit': 3, 'marker': seen[500]}).json()
    assert [v['id'] for v in middle['values']] == seen[500:503] and middle['metadata']['marker'] == seen[500]
    assert middle['metadata']['next_marker'] == seen[503]
    fixed = _entities(many_entities, 'GET', '/enFixed0001').json()
    assert (fixed['label'], fixed['metadata'], fixed['agent_id'], fixed['ip_addresses']) == ('fixed', {'team': 'ops'}, None, {})
    stats = many_entities.mock('stats')
    assert (stats['entities'], stats['entities_bound']) == (1006, 335)


def test_reset_restores_seeded_entities(many_entities):
    assert _entities(many_entities, 'DELETE', '/enFixed0001').status_code == 204
    assert _entities(many_entities, 'POST', json={'label': 'extra'}).status_code == 201
    assert many_entities.mock('stats')['entities'] == 1006
    many_entities.mock('reset', {})
    assert _entities(many_entities, 'GET', '/enFixed0001').json()['label'] == 'fixed'
    assert many_entities.mock('stats')['entities'] == 1006


@pytest.mark.parametrize('entities,message', [
    ([{'agent_id': 'x'}], "rackspace.entities[0].label: Missing required key."),
    ([{'label': 'a', 'ip_addresses': {'a': 'nope'}}], 'rackspace.entities[0].ip_addresses: Must be an object'),
    ([{'label': 'a', 'id': 'en1'}, {'label': 'b', 'id': 'en1'}], 'rackspace.entities[1].id must be a unique string'),
    ([{'label': 'a', 'id': 'en/1'}], 'rackspace.entities[0].id must be a unique string'),
    ({'label': 'a'}, 'rackspace.entities must be a list'),
])
def test_bad_seeded_entities_exit_2(tmp_path, entities, message):
    seed = tmp_path / 'seed.json'
    seed.write_text(json.dumps({'rackspace': dict(RAX, entities=entities)}))
    result = run_mock('--seed', str(seed))
    assert result.returncode == 2 and message in result.stderr and result.stdout == ''
