# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The /_mock/ introspection API."""

from __future__ import annotations

import base64

from conftest import ACCOUNT, HF_ID, KEYS, RAX


def test_stats_counts_by_route_pattern(mock):
    header = mock.token_header()
    token = mock.hf_token(headers=header)
    mock.create_host(token, 'a')
    mock.create_host(token, 'a')
    mock.request('DELETE', '/host_factory_tokens/' + token, headers=header)
    mock.get('/resources/%s/host_factory/x' % ACCOUNT, headers=header)
    mock.rax('GET')
    mock.rax('GET', '/abc')
    mock.get('/nowhere')
    stats = mock.mock('stats')
    assert list(stats) == ['requests_total', 'requests', 'hosts', 'api_key_rotations', 'tokens_active', 'agent_tokens', 'entities',
                           'entities_bound']
    assert stats['requests'] == {
        'POST /authn/{account}/{login}/authenticate': 1, 'POST /host_factory_tokens': 1, 'POST /host_factories/hosts': 2,
        'DELETE /host_factory_tokens/{token}': 1, 'GET /resources/{account}/host_factory/{id}': 1,
        'GET /v1.0/{tenant}/agent_tokens': 1, 'GET /v1.0/{tenant}/agent_tokens/{id}': 1, 'GET (no route)': 1}
    assert stats['requests_total'] == 9
    assert (stats['hosts'], stats['api_key_rotations'], stats['tokens_active'], stats['agent_tokens']) == (3, 1, 0, 0)
    assert (stats['entities'], stats['entities_bound']) == (0, 0)


def test_secrets_lists_everything_issued(mock):
    raw = mock.authenticate()
    encoded = mock.post('/authn/%s/admin/authenticate' % ACCOUNT, data=KEYS['admin'], headers={'Accept-Encoding': 'base64'}).text
    token = mock.hf_token()
    api_key = mock.create_host(token, 'h').json()['api_key']
    agent = mock.rax('POST', json={}).headers['X-Object-ID']
    auth = mock.post('/v2.0/tokens', json={'auth': {'passwordCredentials': {'username': RAX['username'], 'password': RAX['password']}}})
    secrets = mock.mock('secrets')
    assert raw in secrets['access_tokens'] and base64.b64encode(raw.encode()).decode() in secrets['access_tokens']
    assert base64.b64decode(encoded).decode() in secrets['access_tokens'] and encoded in secrets['access_tokens']
    assert token in secrets['hf_tokens'] and api_key in secrets['api_keys'] and agent in secrets['agent_tokens']
    assert auth.json()['access']['token']['id'] in secrets['auth_tokens']
    for value in list(KEYS.values()) + [RAX['api_key'], RAX['password'], RAX['auth_token']]:
        assert value in secrets['seeded']


def test_hosts_listing(mock):
    mock.create_host(mock.hf_token(), 'listed', **{'annotations[b]': '2', 'annotations[a]': '1'})
    hosts = {h['id']: h for h in mock.mock('hosts')}
    record = hosts['myorg:host:listed']
    assert list(record) == ['id', 'owner', 'annotations', 'layers', 'api_key_rotations', 'created_at']
    assert record['owner'] == HF_ID and [a['name'] for a in record['annotations']] == ['a', 'b']
    assert hosts['myorg:host:taken-host']['owner'] == 'myorg:user:admin'


def test_clock_and_reset(mock):
    assert mock.mock('clock', {'advance_seconds': 90})['offset_seconds'] == 90
    assert mock.mock('clock', {'advance_seconds': 10.5})['offset_seconds'] == 100.5
    token = mock.hf_token()
    mock.create_host(token, 'temp')
    mock.rax('POST', json={'label': 'temp'})
    assert mock.post('/_mock/clock', json={'advance_seconds': 'soon'}).status_code == 400
    assert mock.mock('reset', {}) == {'reset': True}
    stats = mock.mock('stats')
    assert (stats['requests_total'], stats['hosts'], stats['agent_tokens']) == (0, 2, 0)
    assert mock.mock('clock')['offset_seconds'] == 0
    assert token in mock.mock('secrets')['hf_tokens']  # a reset never hides what was issued from a leak check


def test_unknown_mock_endpoint(mock):
    response = mock.get('/_mock/nothing')
    assert response.status_code == 404 and response.json() == {'error': 'no such mock endpoint'}
