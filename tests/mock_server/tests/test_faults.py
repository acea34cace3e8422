# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection through POST /_mock/faults and the command line: what clients see in each mode."""

from __future__ import annotations

import json
import socket
import time

import pytest
import requests

from conftest import ACCOUNT, FUTURE, HF, HF_ID, KEYS, RAX, MockProcess

AUTHN = '/authn/%s/admin/authenticate' % ACCOUNT


def test_status_mode_conjur_proxy_page(mock):
    settings = mock.mock('faults', {'fail_rate': 1, 'fail_status': 503})
    assert settings['mode'] == 'status' and settings['fail_status'] == 503
    response = mock.post(AUTHN, data=KEYS['admin'])
    assert response.status_code == 503 and response.headers['Content-Type'] == 'text/html'
    assert response.headers['Retry-After'] == '1' and '503 Service Temporarily Unavailable' in response.text
    assert mock.mock('stats')['requests'] == {'POST /authn/{account}/{login}/authenticate': 1}


def test_status_mode_conjur_500_json(mock):
    mock.mock('faults', {'fail_rate': 1.0, 'fail_status': 500})
    response = mock.post('/host_factories/hosts', data={'id': 'x'})
    assert response.status_code == 500 and response.json() == {'error': {'code': 'error', 'message': 'Injected fault'}}


@pytest.mark.parametrize('status,type_', [(500, 'internalError'), (503, 'systemFailureError'), (429, 'rateLimitReached')])
def test_status_mode_rackspace_bodies(mock, status, type_):
    mock.mock('faults', {'fail_rate': 1, 'fail_status': status})
    response = mock.rax('GET')
    assert response.status_code == status and response.headers['Content-Type'] == 'application/json'
    body = response.json()
    assert list(body) == ['type', 'code', 'message', 'details', 'txnId'] and body['type'] == type_
    identity = mock.post('/v2.0/tokens', json={})
    assert identity.status_code == status and list(identity.json().values())[0]['code'] == status


def test_malformed_json_mode(mock):
    mock.mock('faults', {'fail_rate': 1, 'mode': 'malformed_json'})
    response = mock.post('/host_factory_tokens', data={'host_factory': HF_ID})
    assert response.status_code == 200 and response.headers['Content-Type'].startswith('application/json')
    with pytest.raises(ValueError):
        json.loads(response.text)


def test_truncated_mode_runs_the_request_but_loses_the_response(mock):
    token = mock.hf_token()
    mock.mock('faults', {'fail_rate': 1, 'mode': 'truncated', 'routes': ['POST /host_factories/hosts']})
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        mock.create_host(token, 'lost-response')
    mock.mock('faults', {})
    assert mock.mock('stats')['hosts'] == 3
    again = mock.create_host(token, 'lost-response')
    assert again.status_code == 201 and mock.mock('stats')['api_key_rotations'] == 1


def test_reset_mode_closes_without_response(mock):
    mock.mock('faults', {'fail_rate': 1, 'mode': 'reset'})
    with pytest.raises(requests.exceptions.ConnectionError):
        mock.rax('POST', json={'label': 'never'})
    mock.mock('faults', {'fail_rate': 0})
    assert mock.mock('stats')['agent_tokens'] == 0
    assert mock.rax('POST', json={'label': 'now'}).status_code == 201


def test_routes_filter_and_count(mock):
    mock.mock('faults', {'fail_rate': 1, 'fail_status': 502, 'routes': ['/host_factories/hosts'], 'count': 2})
    assert mock.post(AUTHN, data=KEYS['admin']).status_code == 200
    statuses = [mock.post('/host_factories/hosts', data={'id': 'x'}).status_code for _index in range(3)]
    assert statuses == [502, 502, 401]
    assert mock.mock('faults')['count'] == 0


def test_partial_rate_fails_some(mock):
    mock.mock('faults', {'fail_rate': 0.5, 'fail_status': 503})
    statuses = [mock.post(AUTHN, data=KEYS['admin']).status_code for _index in range(200)]
    assert 20 < statuses.count(503) < 180 and statuses.count(503) + statuses.count(200) == 200


def test_latency_is_added(mock):
    mock.mock('faults', {'latency_ms': 150})
    started = time.monotonic()
    assert mock.post(AUTHN, data=KEYS['admin']).status_code == 200
    assert time.monotonic() - started >= 0.15


def test_mock_endpoints_are_never_faulted_or_counted(mock):
    mock.mock('faults', {'fail_rate': 1, 'mode': 'reset'})
    for _index in range(3):
        assert mock.get('/_mock/stats').status_code == 200
    assert mock.mock('stats')['requests_total'] == 0


@pytest.mark.parametrize('settings,message', [
    ({'fail_rate': 2}, 'fail_rate must be a number between 0 and 1'),
    ({'fail_status': 200}, 'fail_status must be an integer between 400 and 599'),
    ({'mode': 'explode'}, 'mode must be one of status, malformed_json, truncated, reset, hang'),
    ({'routes': 'x'}, 'routes must be a list of route patterns'),
    ({'count': 0}, 'count must be a positive integer'),
    ({'latency_ms': -1}, 'latency_ms must be a number between 0 and 60000'),
    ({'surprise': 1}, "unknown fault setting: surprise"),
    (['x'], 'body must be a JSON object'),
    ({'retry_after': -1}, 'retry_after must be an integer between 0 and 86400'),
    ({'retry_after': 1.5}, 'retry_after must be an integer between 0 and 86400'),
    ({'retry_after': True}, 'retry_after must be an integer between 0 and 86400'),
    ({'retry_after': '3'}, 'retry_after must be an integer between 0 and 86400'),
    ({'retry_after': 86401}, 'retry_after must be an integer between 0 and 86400'),
    ({'mode': 'hang', 'hang_ms': 30001}, "hang_ms must be a number between 0 and 30000 (the connection's socket timeout)"),
    ({'hang_ms': -1}, "hang_ms must be a number between 0 and 30000 (the connection's socket timeout)"),
    ({'hang_ms': 'long'}, "hang_ms must be a number between 0 and 30000 (the connection's socket timeout)"),
])
def test_invalid_fault_settings(mock, settings, message):
    mock.mock('faults', {'fail_rate': 0.5, 'retry_after': 9})
    response = mock.post('/_mock/faults', json=settings)
    assert response.status_code == 400 and response.json() == {'error': message}
    assert mock.mock('faults')['retry_after'] == 9  # a refused setting changes nothing


def test_fault_settings_defaults(mock):
    assert mock.mock('faults', {}) == {'fail_rate': 0.0, 'fail_status': 503, 'latency_ms': 0.0, 'mode': 'status', 'routes': None,
                                       'count': None, 'retry_after': 1, 'hang_ms': 30000.0}


@pytest.mark.parametrize('retry_after', [0, 7, 3600])
def test_retry_after_setting(mock, retry_after):
    mock.mock('faults', {'fail_rate': 1, 'fail_status': 503, 'retry_after': retry_after})
    conjur = mock.post(AUTHN, data=KEYS['admin'])
    assert conjur.status_code == 503 and conjur.headers['Retry-After'] == str(retry_after)
    rackspace = mock.rax('GET')
    assert rackspace.status_code == 503 and rackspace.headers['Retry-After'] == str(retry_after)
    mock.mock('faults', {'fail_rate': 1, 'fail_status': 429, 'retry_after': retry_after})
    assert mock.post(AUTHN, data=KEYS['admin']).headers['Retry-After'] == str(retry_after)
    assert mock.rax('GET').headers['Retry-After'] == str(retry_after)
    mock.mock('faults', {'fail_rate': 1, 'fail_status': 500, 'retry_after': retry_after})
    assert 'Retry-After' not in mock.post(AUTHN, data=KEYS['admin']).headers


def test_truncated_mint_loses_the_answer_after_minting(mock):
    header = mock.token_header()
    issued_before = set(mock.mock('secrets')['hf_tokens'])  # secrets outlive resets: only what this test issues counts
    mock.mock('faults', {'fail_rate': 1, 'mode': 'truncated', 'routes': ['POST /host_factory_tokens'], 'count': 1})
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        mock.post('/host_factory_tokens', data={'host_factory': HF_ID, 'expiration': FUTURE}, headers=header)
    assert mock.mock('faults')['count'] == 0
    stats = mock.mock('stats')
    assert stats['tokens_active'] == 1 and stats['requests']['POST /host_factory_tokens'] == 1
    lost = [t for t in mock.mock('secrets')['hf_tokens'] if t not in issued_before]
    assert len(lost) == 1
    shown = mock.get('/resources/%s/host_factory/%s' % (ACCOUNT, HF), headers=header).json()
    assert [t['token'] for t in shown['tokens']] == lost
    assert mock.create_host(lost[0], 'made-with-the-lost-token').status_code == 201
    again = mock.mint(headers=header)
    assert len(again) == 1 and mock.mock('stats')['tokens_active'] == 2


def test_hang_mode_acts_then_sends_nothing_until_the_client_gives_up(mock):
    header = mock.token_header()
    mock.mock('faults', {'fail_rate': 1, 'mode': 'hang', 'routes': ['POST /host_factory_tokens'], 'count': 1})
    with pytest.raises(requests.exceptions.ReadTimeout):
        mock.session.post(mock.url + '/host_factory_tokens', data={'host_factory': HF_ID, 'expiration': FUTURE}, headers=header,
                          timeout=(10, 0.5))
    assert mock.mock('stats')['tokens_active'] == 1  # the side effect happened
    assert mock.get('/_mock/health').status_code == 200
    assert len(mock.mint(headers=header)) == 1  # count exhausted: answered normally


def test_hang_mode_is_bounded_by_hang_ms(mock):
    token = mock.hf_token()
    mock.mock('faults', {'fail_rate': 1, 'mode': 'hang', 'hang_ms': 200, 'routes': ['/host_factories/hosts']})
    with pytest.raises(requests.exceptions.ConnectionError) as info:  # the server closes before the 10 s read timeout
        mock.session.post(mock.url + '/host_factories/hosts', data={'id': 'hung-host'},
                          headers={'Authorization': 'Token token="%s"' % token}, timeout=(10, 10))
    assert not isinstance(info.value, requests.exceptions.ReadTimeout)
    assert 'myorg:host:hung-host' in [h['id'] for h in mock.mock('hosts')]


def test_hang_mode_over_tls(tls_mock):
    tls_mock.mock('faults', {'fail_rate': 1, 'mode': 'hang', 'hang_ms': 200, 'routes': ['GET /whoami']})
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        tls_mock.session.get(tls_mock.url + '/whoami', timeout=(10, 10))
    assert not isinstance(info.value, requests.exceptions.ReadTimeout)
    assert tls_mock.get('/_mock/health').json() == {'ok': True}


def test_hang_mode_on_rackspace_and_raw_socket(mock):
    mock.mock('faults', {'fail_rate': 1, 'mode': 'hang', 'hang_ms': 100, 'routes': ['POST /v1.0/{tenant}/agent_tokens']})
    request = (b'POST /v1.0/%s/agent_tokens HTTP/1.1\r\nHost: x\r\nX-Auth-Token: %s\r\nContent-Length: 2\r\n\r\n{}'
               % (RAX['tenant_id'].encode(), RAX['auth_token'].encode()))
    with socket.create_connection(('127.0.0.1', mock.port), timeout=10) as sock:
        sock.sendall(request)
        assert sock.recv(1024) == b''  # closed without a single byte of response
    assert mock.mock('stats')['agent_tokens'] == 1


def test_reset_clears_faults(mock):
    mock.mock('faults', {'fail_rate': 1})
    mock.mock('reset', {})
    assert mock.mock('faults')['fail_rate'] == 0
    assert mock.post(AUTHN, data=KEYS['admin']).status_code == 200


def test_command_line_faults(tmp_path):
    server = MockProcess(tmp_path, '--fail-rate', '1', '--fail-status', '429', '--latency-ms', '1')
    try:
        response = server.rax('GET', token=RAX['auth_token'])
        assert response.status_code == 429 and response.json()['type'] == 'rateLimitReached'
        assert server.mock('faults')['latency_ms'] == 1
    finally:
        assert server.stop() == 0
