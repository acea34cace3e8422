# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""--path-prefix: the v5 API under a prefix (Conjur Cloud and Edge serve it under /api), v4 off, the root empty."""

from __future__ import annotations

import base64

import pytest

from conftest import ACCOUNT, HF, HF_ID, HOST_KEYS, KEYS, RAX, MockProcess, run_mock

V5_HOST_KEYS = ['created_at', 'id', 'owner', 'permissions', 'annotations', 'restricted_to', 'api_key']


@pytest.fixture(scope='module')
def prefixed_server(tmp_path_factory):
    server = MockProcess(tmp_path_factory.mktemp('prefix'), prefix='/api')
    yield server
    assert server.stop() == 0


@pytest.fixture
def api(prefixed_server):
    prefixed_server.mock('reset', {})
    return prefixed_server


def test_v5_routes_are_served_under_the_prefix(api):
    header = api.token_header()
    whoami = api.get('/api/whoami', headers=header)
    assert whoami.status_code == 200 and whoami.json()['username'] == 'admin'
    assert api.get('/api/authn/%s/login' % ACCOUNT, auth=('admin', KEYS['admin'])).text == KEYS['admin']
    tokens = api.mint(headers=header, count=2)
    created = api.create_host(tokens[0]['token'], 'edge-01')
    assert created.status_code == 201 and list(created.json()) == V5_HOST_KEYS
    assert created.json()['id'] == '%s:host:edge-01' % ACCOUNT
    shown = api.get('/api/resources/%s/host_factory/%s' % (ACCOUNT, HF.replace('/', '%2F')), headers=header)
    assert shown.status_code == 200 and shown.json()['tokens'] == tokens
    revoked = api.request('DELETE', '/api/host_factory_tokens/' + tokens[1]['token'], headers=header)
    assert (revoked.status_code, revoked.content) == (204, b'')
    rotated = api.request('PUT', '/api/authn/%s/api_key' % ACCOUNT, params={'role': 'host:existing-host'}, headers=header)
    assert rotated.status_code == 200 and rotated.text != HOST_KEYS['existing-host']
    assert api.mock('stats')['requests'] == {
        'POST /api/authn/{account}/{login}/authenticate': 1, 'GET /api/whoami': 1, 'GET /api/authn/{account}/login': 1,
        'POST /api/host_factory_tokens': 1, 'POST /api/host_factories/hosts': 1, 'GET /api/resources/{account}/host_factory/{id}': 1,
        'DELETE /api/host_factory_tokens/{token}': 1, 'PUT /api/authn/{account}/api_key': 1}


def test_routes_at_the_root_answer_as_no_route(api):
    header = api.token_header()
    for method, path, kwargs in (('POST', '/authn/%s/admin/authenticate' % ACCOUNT, {'data': KEYS['admin']}),
                                 ('GET', '/whoami', {'headers': header}),
                                 ('GET', '/whoami', {}),
                                 ('POST', '/host_factory_tokens', {'data': {'host_factory': HF_ID}, 'headers': header}),
                                 ('POST', '/host_factories/hosts', {'data': {'id': 'x'}}),
                                 ('PUT', '/authn/%s/api_key' % ACCOUNT, {'auth': ('admin', KEYS['admin'])})):
        response = api.request(method, path, **kwargs)
        assert (response.status_code, response.content) == (404, b''), (method, path)
    assert api.mock('stats')['requests'] == {'POST /api/authn/{account}/{login}/authenticate': 1, 'POST (no route)': 3,
                                             'GET (no route)': 2, 'PUT (no route)': 1}


def test_v4_routes_are_off(api):
    v5 = api.token_header()
    minted = api.post('/api/host_factories/%s/tokens' % HF.replace('/', '%2F'), headers=v5)
    assert (minted.status_code, minted.content) == (404, b'')  # v5 middleware, then no route
    unauthenticated = api.post('/api/host_factories/%s/tokens' % HF)
    assert (unauthenticated.status_code, unauthenticated.text) == (401, 'Authorization missing')
    # /api/authn/users/... is the v5 authenticate route for an account named "users": refused like any account
    v4_login = api.post('/api/authn/users/admin/authenticate', data=KEYS['admin'])
    assert (v4_login.status_code, v4_login.content) == (401, b'')
    shown = api.get('/api/host_factories/%s' % HF, headers=v5)
    assert (shown.status_code, shown.content) == (404, b'')


def test_host_route_under_the_prefix_is_v5(api):
    token = api.hf_token()
    response = api.post('/api/host_factories/hosts', params={'id': 'v5-not-v4'}, headers={'Authorization': 'Token token="%s"' % token})
    assert response.status_code == 201 and list(response.json()) == V5_HOST_KEYS


def test_mock_and_rackspace_stay_at_the_root(api):
    assert api.get('/_mock/health').json() == {'ok': True}
    inside = api.get('/api/_mock/health')
    assert (inside.status_code, inside.text) == (401, 'Authorization missing')
    assert api.rax('GET').status_code == 200
    auth = {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': RAX['username'], 'apiKey': RAX['api_key']}}}
    catalog = api.post('/v2.0/tokens', json=auth).json()['access']['serviceCatalog']
    assert catalog[0]['endpoints'][0]['publicURL'] == '%s/v1.0/%s' % (api.url, RAX['tenant_id'])
    assert api.get('/api/v1.0/%s/agent_tokens' % RAX['tenant_id'], headers={'X-Auth-Token': RAX['auth_token']}).status_code == 401


def test_faults_match_the_prefixed_patterns(api):
    api.mock('faults', {'fail_rate': 1, 'fail_status': 503, 'routes': ['POST /api/host_factory_tokens']})
    header = api.token_header()
    response = api.post('/api/host_factory_tokens', data={'host_factory': HF_ID}, headers=header)
    assert response.status_code == 503 and response.headers['Retry-After'] == '1'
    assert api.get('/api/whoami', headers=header).status_code == 200


def test_trailing_slash_is_ignored(tmp_path):
    server = MockProcess(tmp_path, '--path-prefix', '/conjur/api/')
    try:
        token = server.post('/conjur/api/authn/%s/admin/authenticate' % ACCOUNT, data=KEYS['admin'])
        assert token.status_code == 200
        header = {'Authorization': 'Token token="%s"' % base64.b64encode(token.content).decode()}
        assert server.get('/conjur/api/whoami', headers=header).status_code == 200
        assert server.get('/conjur/whoami', headers=header).status_code == 404
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize('prefix', ['api', '/_mock', '/v1.0', '/a b', '/api//x', '/api?x'])
def test_bad_prefix_exits_2(prefix):
    result = run_mock('--path-prefix', prefix)
    assert result.returncode == 2 and '--path-prefix must look like /api' in result.stderr and result.stdout == ''
