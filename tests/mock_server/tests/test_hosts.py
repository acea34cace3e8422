# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""POST /host_factories/hosts: create, rotate, refuse; the new host's identity works."""

from __future__ import annotations

import collections
import json
import re
import threading

import pytest
import requests

from conftest import ACCOUNT, HF_ID

TOKEN_RE = re.compile(r'^[0-9a-hjkmnp-tv-z]+$')


def test_create_host_201_shape(mock):
    token = mock.hf_token()
    response = mock.create_host(token, 'web-01', **{'annotations[zeta]': 'z', 'annotations[authn/api-key]': 'true'})
    assert response.status_code == 201
    assert response.headers['Content-Type'] == 'application/json; charset=utf-8'
    body = json.loads(response.text, object_pairs_hook=collections.OrderedDict)
    assert list(body) == ['created_at', 'id', 'owner', 'permissions', 'annotations', 'restricted_to', 'api_key']
    assert body['id'] == '%s:host:web-01' % ACCOUNT and body['owner'] == HF_ID
    assert body['permissions'] == [] and body['restricted_to'] == []
    assert body['annotations'] == [{'name': 'authn/api-key', 'value': 'true'}, {'name': 'zeta', 'value': 'z'}]
    assert TOKEN_RE.match(body['api_key'])
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00', body['created_at'])
    record = [h for h in mock.mock('hosts') if h['id'] == body['id']][0]
    assert record['layers'] == ['myorg:layer:provisioning/layer'] and record['owner'] == HF_ID
    assert record['api_key_rotations'] == 0


def test_new_host_authenticates(mock):
    api_key = mock.create_host(mock.hf_token(), 'app/host-01').json()['api_key']
    token = json.loads(mock.authenticate('host/app/host-01', api_key))
    assert token['payload']
    assert mock.get('/authn/%s/login' % ACCOUNT, auth=('host/app/host-01', api_key)).text == api_key


def test_create_again_rotates_the_key(mock):
    token = mock.hf_token()
    first = mock.create_host(token, 'web-02', **{'annotations[a]': '1'}).json()
    second_response = mock.create_host(token, 'web-02', **{'annotations[b]': '2'})
    assert second_response.status_code == 201
    second = second_response.json()
    assert second['api_key'] != first['api_key']
    assert second['annotations'] == first['annotations'] and second['created_at'] == first['created_at']
    old = mock.post('/authn/%s/host%%2Fweb-02/authenticate' % ACCOUNT, data=first['api_key'])
    assert old.status_code == 401
    mock.authenticate('host/web-02', second['api_key'])
    stats = mock.mock('stats')
    assert stats['api_key_rotations'] == 1 and stats['hosts'] == 3


def test_seeded_hf_host_rotates_with_policy_keys(mock):
    body = mock.create_host(mock.hf_token(), 'existing-host').json()
    assert list(body) == ['created_at', 'id', 'owner', 'policy', 'permissions', 'annotations', 'restricted_to', 'api_key']
    assert body['policy'] == '%s:policy:root' % ACCOUNT


def test_host_owned_by_someone_else_is_403(mock):
    response = mock.create_host(mock.hf_token(), 'taken-host')
    assert (response.status_code, response.content) == (403, b'')


@pytest.mark.parametrize('host_id,status,body', [
    ('conjur/factories/malicious-template', 422, {'error': {'code': 'argument_error', 'message': 'Invalid id: conjur/factories/malicious-template'}}),
    ('/conjur/x', 422, {'error': {'code': 'argument_error', 'message': 'Invalid id: /conjur/x'}}),
    ('', 422, {'error': {'code': 'parameter_missing', 'message': 'param is missing or the value is empty: id'}}),
    ('   ', 422, {'error': {'code': 'parameter_missing', 'message': 'param is missing or the value is empty: id'}}),
])
def test_bad_ids(mock, host_id, status, body):
    response = mock.create_host(mock.hf_token(), host_id)
    assert response.status_code == status and response.json() == body


def test_missing_id_and_allowed_conjur_like_ids(mock):
    token = mock.hf_token()
    missing = mock.post('/host_factories/hosts', headers={'Authorization': 'Token token="%s"' % token})
    assert missing.json()['error']['code'] == 'parameter_missing'
    assert mock.create_host(token, 'conjur-in-root-policy-branch').status_code == 201


def test_id_in_query_or_json(mock):
    header = {'Authorization': 'Token token="%s"' % mock.hf_token()}
    assert mock.post('/host_factories/hosts', params={'id': 'q-host'}, headers=header).json()['id'] == 'myorg:host:q-host'
    response = mock.post('/host_factories/hosts', json={'id': 'j-host', 'annotations': {'n': 5, 'b': True}}, headers=header)
    assert response.json()['annotations'] == [{'name': 'b', 'value': 'true'}, {'name': 'n', 'value': '5'}]


@pytest.mark.parametrize('authorization', [None, 'Token token=%s', 'Bearer %s', 'Token token="nosuchtoken"'])
def test_bad_hf_token_is_401_empty(mock, authorization):
    token = mock.hf_token()
    headers = {'Authorization': authorization.replace('%s', token)} if authorization else {}
    response = mock.post('/host_factories/hosts', data={'id': 'x'}, headers=headers)
    assert (response.status_code, response.content) == (401, b'')


def test_401_precedes_422(mock):
    response = mock.post('/host_factories/hosts', data={'id': 'conjur/x'})
    assert response.status_code == 401


@pytest.mark.parametrize('forwarded,status', [
    (None, 401), ('10.1.2.3', 201), ('192.168.1.1', 401), ('10.1.2.3, 192.168.1.1', 401), ('192.168.1.1, 10.1.2.3', 201),
    ('10.1.2.3, 127.0.0.1', 201), ('garbage', 401),
])
def test_token_cidr_checks_client_ip(mock, forwarded, status):
    token = mock.hf_token(cidr=['10.0.0.0/8'])
    headers = {'X-Forwarded-For': forwarded} if forwarded else {}
    assert mock.create_host(token, 'cidr-host', headers=headers).status_code == status


def test_loopback_cidr_allows_direct_client(mock):
    assert mock.create_host(mock.hf_token(cidr=['127.0.0.1']), 'lo-host').status_code == 201


def test_concurrent_creation_is_exact(mock):
    token = mock.hf_token()
    keys, errors = [], []
    lock = threading.Lock()

    def worker(n):
        session = requests.Session()
        for i in range(25):
            response = session.post(mock.url + '/host_factories/hosts', data={'id': 'c-%02d-%02d' % (n, i)},
                                    headers={'Authorization': 'Token token="%s"' % token}, timeout=30)
            with lock:
                (keys if response.status_code == 201 else errors).append(response.json().get('api_key'))
        session.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(keys) == 800 and len(set(keys)) == 800
    hosts = [h['id'] for h in mock.mock('hosts') if h['id'].startswith('myorg:host:c-')]
    assert len(hosts) == 800 and len(set(hosts)) == 800
    stats = mock.mock('stats')
    assert stats['hosts'] == 802 and stats['requests']['POST /host_factories/hosts'] == 800
