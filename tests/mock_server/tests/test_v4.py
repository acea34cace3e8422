# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Legacy Conjur v4 routes under /api, sharing users, host factories and hosts with v5."""

from __future__ import annotations

import base64
import collections
import json
import time

import pytest

from conftest import ACCOUNT, HF, KEYS, OTHER_HF


def _v4_header(mock, login='admin'):
    response = mock.post('/api/authn/users/%s/authenticate' % login, data=KEYS[login])
    assert response.status_code == 200
    return {'Authorization': 'Token token="%s"' % base64.b64encode(response.content).decode()}


def test_v4_authenticate_token_shape(mock):
    response = mock.post('/api/authn/users/admin/authenticate', data=KEYS['admin'], headers={'Content-Type': 'text/plain'})
    token = json.loads(response.text, object_pairs_hook=collections.OrderedDict)
    assert list(token) == ['data', 'timestamp', 'signature', 'key']
    assert token['data'] == 'admin' and token['timestamp'].endswith(' UTC') and len(token['key']) == 32
    assert time.strptime(token['timestamp'], '%Y-%m-%d %H:%M:%S UTC')
    assert mock.post('/api/authn/users/admin/authenticate', data='nope').status_code == 401


def test_v4_login(mock):
    response = mock.get('/api/authn/users/login', auth=('alice', KEYS['alice']))
    assert response.status_code == 200 and response.text == KEYS['alice']
    assert response.headers['Content-Type'] == 'text/html; charset=utf-8'
    assert mock.get('/api/authn/users/login', auth=('alice', 'bad')).status_code == 401


def test_v4_create_tokens_defaults_to_one_hour(mock):
    before = time.time()
    response = mock.post('/api/host_factories/%s/tokens' % HF.replace('/', '%2F'), headers=_v4_header(mock))
    assert response.status_code == 200
    tokens = json.loads(response.text, object_pairs_hook=collections.OrderedDict)
    assert len(tokens) == 1 and list(tokens[0]) == ['token', 'expiration', 'cidr']
    expires = time.mktime(time.strptime(tokens[0]['expiration'], '%Y-%m-%dT%H:%M:%SZ')) - time.timezone
    assert before + 3590 <= expires <= time.time() + 3600


def test_v4_create_tokens_query_params(mock):
    response = mock.post('/api/host_factories/%s/tokens' % HF, params={'expiration': '2050-12-31T00:00:00-05:00', 'count': 2,
                                                                       'cidr[]': ['10.0.0.0/8']}, headers=_v4_header(mock))
    assert response.json() == [{'token': t['token'], 'expiration': '2050-12-31T05:00:00Z', 'cidr': ['10.0.0.0/8']} for t in response.json()]
    assert len(response.json()) == 2


def test_v4_show_host_factory_lists_its_tokens(mock):
    header = _v4_header(mock)
    minted = mock.post('/api/host_factories/%s/tokens' % HF, params={'cidr[]': ['10.0.0.1']}, headers=header).json()
    response = mock.get('/api/host_factories/%s' % HF.replace('/', '%2F'), headers=header)
    assert response.status_code == 200
    body = json.loads(response.text, object_pairs_hook=collections.OrderedDict)
    assert list(body) == ['id', 'layers', 'roleid', 'resourceid', 'tokens']
    assert body['id'] == HF and body['resourceid'] == '%s:host_factory:%s' % (ACCOUNT, HF)
    assert body['layers'] and all(':' not in layer for layer in body['layers'])
    assert minted[0] in body['tokens'] and list(body['tokens'][0]) == ['token', 'expiration', 'cidr']
    assert mock.request('DELETE', '/api/host_factories/tokens/' + minted[0]['token'], headers=header).status_code == 204
    assert minted[0] not in mock.get('/api/host_factories/%s' % HF, headers=header).json()['tokens']


@pytest.mark.parametrize('login,hf,status', [('admin', HF, 200), ('alice', HF, 200), ('alice', OTHER_HF, 404),
                                             ('admin', 'nope', 404)])
def test_v4_show_host_factory_visibility(mock, login, hf, status):
    response = mock.get('/api/host_factories/%s' % hf, headers=_v4_header(mock, login))
    assert response.status_code == status
    if status == 404:
        assert response.json()['error']['kind'] == 'RecordNotFound'


def test_v4_show_host_factory_needs_a_v4_token(mock):
    assert mock.get('/api/host_factories/%s' % HF).text == 'Authorization missing'


@pytest.mark.parametrize('login,hf,status', [('alice', HF, 403), ('alice', OTHER_HF, 404), ('admin', 'nope', 404), ('bob', HF, 200)])
def test_v4_create_tokens_permissions(mock, login, hf, status):
    assert mock.post('/api/host_factories/%s/tokens' % hf, headers=_v4_header(mock, login)).status_code == status


def test_v4_rejects_v5_tokens_and_vice_versa(mock):
    v5 = mock.token_header()
    assert mock.post('/api/host_factories/%s/tokens' % HF, headers=v5).text == 'Unauthorized: Invalid token'
    assert mock.get('/whoami', headers=_v4_header(mock)).text == 'Unauthorized: Invalid token'
    assert mock.post('/api/host_factories/%s/tokens' % HF).text == 'Authorization missing'


def test_v4_bad_params_are_422(mock):
    response = mock.post('/api/host_factories/%s/tokens' % HF, data={'count': 'x'}, headers=_v4_header(mock))
    assert response.status_code == 422 and response.json()['error']['message'] == "Invalid value for parameter 'count': x"


def test_v4_create_host_and_rotate(mock):
    token = mock.post('/api/host_factories/%s/tokens' % HF, headers=_v4_header(mock)).json()[0]['token']
    header = {'Authorization': 'Token token="%s"' % token}
    response = mock.post('/api/host_factories/hosts', params={'id': 'v4-host'}, headers=header)
    assert response.status_code == 201
    body = json.loads(response.text, object_pairs_hook=collections.OrderedDict)
    assert list(body) == ['id', 'userid', 'created_at', 'ownerid', 'roleid', 'resource_identifier', 'api_key']
    assert body['id'] == 'v4-host' and body['userid'] == 'deputy/%s' % HF
    assert body['roleid'] == body['resource_identifier'] == '%s:host:v4-host' % ACCOUNT
    again = mock.post('/api/host_factories/hosts', data={'id': 'v4-host'}, headers=header).json()
    assert again['api_key'] != body['api_key']
    mock.authenticate('host/v4-host', again['api_key'])
    assert mock.post('/api/authn/users/host%2Fv4-host/authenticate', data=again['api_key']).status_code == 200
    assert mock.post('/api/host_factories/hosts', params={'id': 'taken-host'}, headers=header).status_code == 403
    assert mock.post('/api/host_factories/hosts', headers=header).status_code == 422
    assert mock.post('/api/host_factories/hosts', params={'id': 'x'}).status_code == 401


def test_v4_and_v5_share_state(mock):
    v5_token = mock.hf_token()
    mock.create_host(v5_token, 'shared-host')
    v4 = mock.post('/api/host_factories/hosts', params={'id': 'shared-host'}, headers={'Authorization': 'Token token="%s"' % v5_token})
    assert v4.status_code == 201 and mock.mock('stats')['api_key_rotations'] == 1


def test_v4_revoke(mock):
    token = mock.hf_token()
    assert mock.request('DELETE', '/api/host_factories/tokens/' + token, headers=_v4_header(mock, 'bob')).status_code == 403
    done = mock.request('DELETE', '/api/host_factories/tokens/' + token, headers=_v4_header(mock))
    assert (done.status_code, done.content) == (204, b'')
    again = mock.request('DELETE', '/api/host_factories/tokens/' + token, headers=_v4_header(mock))
    assert again.status_code == 404 and 'not found' in again.json()['error']['message']
    assert token not in again.text
    other = mock.hf_token(hf='myorg:host_factory:%s' % OTHER_HF)
    assert mock.request('DELETE', '/api/host_factories/tokens/' + other, headers=_v4_header(mock, 'alice')).status_code == 404
    assert mock.mock('stats')['requests']['DELETE /api/host_factories/tokens/{token}'] == 4
