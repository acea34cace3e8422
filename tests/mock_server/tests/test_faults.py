# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection through POST /_mock/faults and the command line: what clients see in each mode."""

from __future__ import annotations

import json
import time

import pytest
import requests

from conftest import ACCOUNT, HF_ID, KEYS, RAX, MockProcess

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


@pytest.mark.parametrize('settings', [{'fail_rate': 2}, {'fail_status': 200}, {'mode': 'explode'}, {'routes': 'x'}, {'count': 0},
                                      {'latency_ms': -1}, {'surprise': 1}, ['x']])
def test_invalid_fault_settings(mock, settings):
    response = mock.post('/_mock/faults', json=settings)
    assert response.status_code == 400 and 'error' in response.json()


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
