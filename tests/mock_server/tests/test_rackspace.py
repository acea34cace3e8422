# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rackspace identity v2.0 and Cloud Monitoring agent tokens."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from conftest import RAX, MockProcess

TENANT = RAX['tenant_id']
TOKEN_ID = re.compile(r'^[0-9a-f]{64}\.%s$' % TENANT)


def _assert_fault(response, status, type_):
    assert response.status_code == status
    assert response.headers['Content-Type'] == 'application/json'
    body = response.json()
    assert list(body) == ['type', 'code', 'message', 'details', 'txnId']
    assert body['type'] == type_ and body['code'] == status
    return body


@pytest.mark.parametrize('credentials,method', [
    ({'RAX-KSKEY:apiKeyCredentials': {'username': RAX['username'], 'apiKey': RAX['api_key']}}, 'APIKEY'),
    ({'passwordCredentials': {'username': RAX['username'], 'password': RAX['password']}}, 'PASSWORD'),
])
def test_identity_issues_token_with_monitoring_catalog(mock, credentials, method):
    response = mock.post('/v2.0/tokens', json={'auth': credentials}, headers={'Host': 'identity.example:8443'})
    assert response.status_code == 200 and response.headers['Content-Type'] == 'application/json'
    access = response.json()['access']
    assert access['token']['tenant'] == {'id': TENANT, 'name': TENANT}
    assert access['token']['RAX-AUTH:authenticatedBy'] == [method]
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z', access['token']['expires'])
    monitor = [s for s in access['serviceCatalog'] if s['type'] == 'rax:monitor'][0]
    assert monitor['name'] == 'cloudMonitoring'
    assert monitor['endpoints'] == [{'tenantId': TENANT, 'publicURL': 'http://identity.example:8443/v1.0/%s' % TENANT}]
    listed = mock.rax('GET', token=access['token']['id'])
    assert listed.status_code == 200


def test_identity_catalog_points_back_at_the_mock(mock):
    auth = {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': RAX['username'], 'apiKey': RAX['api_key']}}}
    url = mock.post('/v2.0/tokens', json=auth).json()['access']['serviceCatalog'][0]['endpoints'][0]['publicURL']
    assert url == '%s/v1.0/%s' % (mock.url, TENANT)


@pytest.mark.parametrize('body,status,key,message', [
    ('not json', 400, 'badRequest', 'Invalid request body: unable to parse Auth data. Please review XML or JSON formatting.'),
    ({'auth': {}}, 400, 'badRequest', 'Invalid request body: unable to parse Auth data. Please review XML or JSON formatting.'),
    ({'auth': {'passwordCredentials': {'username': RAX['username']}}}, 400, 'badRequest',
     'Invalid request body: unable to parse Auth data. Please review XML or JSON formatting.'),
    ({'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': RAX['username'], 'apiKey': 'nope'}}}, 401, 'unauthorized',
     'Unable to authenticate user with credentials provided.'),
    ({'auth': {'passwordCredentials': {'username': 'someone', 'password': RAX['password']}}}, 401, 'unauthorized',
     'Unable to authenticate user with credentials provided.'),
    ({'auth': {'tenantId': '999', 'RAX-KSKEY:apiKeyCredentials': {'username': RAX['username'], 'apiKey': RAX['api_key']}}}, 401,
     'unauthorized', 'Unable to authenticate user with credentials provided.'),
])
def test_identity_errors(mock, body, status, key, message):
    kwargs = {'data': body} if isinstance(body, str) else {'json': body}
    response = mock.post('/v2.0/tokens', **kwargs)
    assert response.status_code == status and response.json() == {key: {'code': status, 'message': message}}


def test_agent_token_lifecycle(mock):
    created = mock.rax('POST', json={'label': 'web-01'})
    assert (created.status_code, created.content) == (201, b'')
    token_id = created.headers['X-Object-ID']
    assert TOKEN_ID.match(token_id)
    assert created.headers['Location'] == '%s/v1.0/%s/agent_tokens/%s' % (mock.url, TENANT, token_id)
    assert urlsplit(created.headers['Location']).path.split('/')[1:] == ['v1.0', TENANT, 'agent_tokens', token_id]
    got = mock.rax('GET', '/' + token_id)
    assert got.status_code == 200 and got.headers['Content-Type'] == 'application/json'
    assert list(got.json().items()) == [('id', token_id), ('label', 'web-01'), ('token', token_id)]
    updated = mock.rax('PUT', '/' + token_id, json={'label': 'web-01b'})
    assert (updated.status_code, updated.content) == (204, b'')
    assert updated.headers['X-Object-ID'] == token_id and updated.headers['Location'].endswith('/agent_tokens/' + token_id)
    assert mock.rax('GET', '/' + token_id).json()['label'] == 'web-01b'
    assert mock.mock('stats')['agent_tokens'] == 1
    assert token_id in mock.mock('secrets')['agent_tokens']
    deleted = mock.rax('DELETE', '/' + token_id)
    assert (deleted.status_code, deleted.content) == (204, b'')
    _assert_fault(mock.rax('GET', '/' + token_id), 404, 'notFoundError')
    _assert_fault(mock.rax('DELETE', '/' + token_id), 404, 'notFoundError')
    _assert_fault(mock.rax('PUT', '/' + token_id, json={'label': 'x'}), 404, 'notFoundError')


def test_create_without_label(mock):
    for kwargs in ({'json': {}}, {'data': b''}, {'json': {'label': None}}):
        token_id = mock.rax('POST', **kwargs).headers['X-Object-ID']
        assert mock.rax('GET', '/' + token_id).json()['label'] is None


@pytest.mark.parametrize('body', [{'label': 5}, {'label': 'x' * 256}, {'label': ['a']}, {'labels': 'x'}, ['x'], 'nope'])
def test_label_validation(mock, body):
    kwargs = {'data': body} if isinstance(body, str) else {'json': body}
    _assert_fault(mock.rax('POST', **kwargs), 400, 'badRequest')
    token_id = mock.rax('POST', json={'label': 'ok'}).headers['X-Object-ID']
    _assert_fault(mock.rax('PUT', '/' + token_id, **kwargs), 400, 'badRequest')
    assert mock.rax('POST', json={'label': 'x' * 255}).status_code == 201


def test_auth_and_tenant_checks(mock):
    _assert_fault(mock.rax('GET', token=None), 401, 'unauthorizedError')
    _assert_fault(mock.rax('POST', token='bogus', json={}), 401, 'unauthorizedError')
    _assert_fault(mock.rax('GET', tenant='654321'), 403, 'forbiddenError')
    _assert_fault(mock.rax('GET', '/whatever', tenant='654321', token=None), 401, 'unauthorizedError')
    _assert_fault(mock.get('/v1.0/%s/checks' % TENANT), 404, 'notFoundError')


def test_identity_token_expires_after_a_day(mock):
    auth = {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': RAX['username'], 'apiKey': RAX['api_key']}}}
    token = mock.post('/v2.0/tokens', json=auth).json()['access']['token']['id']
    assert mock.rax('GET', token=token).status_code == 200
    mock.mock('clock', {'advance_seconds': 86400})
    _assert_fault(mock.rax('GET', token=token), 401, 'unauthorizedError')
    assert mock.rax('GET').status_code == 200


@pytest.mark.parametrize('limit', ['0', '1001', 'abc', '-1', ''])
def test_invalid_limit(mock, limit):
    _assert_fault(mock.rax('GET', params={'limit': limit}), 400, 'invalidLimit')


@pytest.fixture(scope='module')
def many_tokens(tmp_path_factory):
    path = tmp_path_factory.mktemp('seed') / 'seed.json'
    path.write_text(json.dumps({'rackspace': dict(RAX, agent_tokens=[{'label': 'seeded-%04d' % i} for i in range(1005)])}))
    server = MockProcess(path.parent, '--seed', str(path))
    yield server
    assert server.stop() == 0


def test_pagination_past_1000(many_tokens):
    seen, url, pages = [], '/v1.0/%s/agent_tokens' % TENANT, 0
    response = many_tokens.get(url, headers={'X-Auth-Token': RAX['auth_token']})
    while True:
        pages += 1
        body = response.json()
        assert list(body) == ['values', 'metadata'] and body['metadata']['limit'] == 100
        assert body['metadata']['count'] == len(body['values'])
        seen.extend(v['id'] for v in body['values'])
        if body['metadata']['next_marker'] is None:
            assert body['metadata']['next_href'] is None
            break
        assert body['values'][-1]['id'] < body['metadata']['next_marker']
        response = many_tokens.session.get(body['metadata']['next_href'], headers={'X-Auth-Token': RAX['auth_token']}, timeout=10)
    assert pages == 11 and len(seen) == 1005 and len(set(seen)) == 1005 and seen == sorted(seen)
    big = many_tokens.rax('GET', params={'limit': 1000}).json()
    assert len(big['values']) == 1000 and big['metadata']['next_marker'] == seen[1000]
    assert 'limit=1000' in big['metadata']['next_href']
    rest = many_tokens.rax('GET', params={'limit': 1000, 'marker': big['metadata']['next_marker']}).json()
    assert [v['id'] for v in rest['values']] == seen[1000:] and rest['metadata']['marker'] == seen[1000]
    assert rest['metadata']['next_marker'] is None
    middle = many_tokens.rax('GET', params={'limit': 3, 'marker': seen[500]}).json()
    assert [v['id'] for v in middle['values']] == seen[500:503]
    labels = {v['label'] for v in many_tokens.rax('GET', params={'limit': 1000}).json()['values']}
    assert all(label.startswith('seeded-') for label in labels)
