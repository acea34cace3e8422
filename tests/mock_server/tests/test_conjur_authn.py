# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Conjur v5 authentication: authenticate, Basic login, the access-token middleware, /whoami, client IP."""

from __future__ import annotations

import base64
import json
import re

import pytest

from conftest import ACCOUNT, HOST_KEYS, KEYS, decode_b64url

B64URL_PADDED = re.compile(r'^[A-Za-z0-9_-]+=*$')


def test_authenticate_returns_slosilo_shaped_token(mock):
    response = mock.post('/authn/%s/admin/authenticate' % ACCOUNT, data=KEYS['admin'], headers={'Content-Type': 'text/plain'})
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/json; charset=utf-8'
    token = json.loads(response.text)
    assert list(token) == ['protected', 'payload', 'signature']
    for part in token.values():
        assert B64URL_PADDED.match(part) and len(part) % 4 == 0
    protected = json.loads(decode_b64url(token['protected']))
    assert list(protected) == ['alg', 'kid'] and protected['alg'] == 'conjur.org/slosilo/v2'
    assert re.fullmatch(r'[0-9a-f]{64}', protected['kid'])
    payload = json.loads(decode_b64url(token['payload']))
    assert list(payload) == ['iat', 'sub', 'exp']
    assert payload['sub'] == 'admin' and payload['exp'] - payload['iat'] == 480
    assert len(token['signature']) == 384 and len(decode_b64url(token['signature'])) == 288
    assert '-' not in token['payload'] and '_' not in token['payload']


@pytest.mark.parametrize('header', ['base64', 'gzip ,  bASe64 ,br', 'base64,gzip,defalte,br'])
def test_authenticate_base64_encoding(mock, header):
    response = mock.post('/authn/%s/admin/authenticate' % ACCOUNT, data=KEYS['admin'], headers={'Accept-Encoding': header})
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'text/plain; charset=utf-8'
    assert response.headers['Content-Encoding'] == 'base64'
    assert re.fullmatch(r'[A-Za-z0-9+/]+=*', response.text)
    assert list(json.loads(base64.b64decode(response.text))) == ['protected', 'payload', 'signature']


@pytest.mark.parametrize('header', ['gzip,defalte,br', 'base64;q=1'])
def test_authenticate_without_base64_element_is_json(mock, header):
    response = mock.post('/authn/%s/admin/authenticate' % ACCOUNT, data=KEYS['admin'], headers={'Accept-Encoding': header})
    assert response.headers['Content-Type'] == 'application/json; charset=utf-8'
    assert 'Content-Encoding' not in response.headers


@pytest.mark.parametrize('login,body,account', [
    ('admin', 'wrong-key', ACCOUNT),
    ('admin', KEYS['admin'] + '\n', ACCOUNT),
    ('admin', '', ACCOUNT),
    ('nobody', KEYS['admin'], ACCOUNT),
    ('admin', KEYS['admin'], 'otherorg'),
    ('host%2Fnope', KEYS['admin'], ACCOUNT),
])
def test_authenticate_failures_are_401_empty(mock, login, body, account):
    response = mock.post('/authn/%s/%s/authenticate' % (account, login), data=body,
                         headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert response.status_code == 401 and response.content == b''


def test_authenticate_nul_in_login_is_400(mock):
    assert mock.post('/authn/%s/ad%%00min/authenticate' % ACCOUNT, data=KEYS['admin']).status_code == 400


def test_seeded_host_authenticates_with_encoded_login(mock):
    token = json.loads(mock.authenticate('host/taken-host', HOST_KEYS['taken-host']))
    assert json.loads(decode_b64url(token['payload']))['sub'] == 'host/taken-host'
    raw_slash = mock.post('/authn/%s/host/taken-host/authenticate' % ACCOUNT, data=HOST_KEYS['taken-host'])
    assert raw_slash.status_code == 404


def test_basic_login_returns_api_key_for_key_or_password(mock):
    for secret in (KEYS['admin'], 'MockAdmin-Passw0rd'):
        response = mock.get('/authn/%s/login' % ACCOUNT, auth=('admin', secret))
        assert response.status_code == 200
        assert response.headers['Content-Type'] == 'text/plain; charset=utf-8'
        assert response.text == KEYS['admin']
    assert mock.get('/authn/%s/login' % ACCOUNT, auth=('host/taken-host', HOST_KEYS['taken-host'])).text == HOST_KEYS['taken-host']


@pytest.mark.parametrize('headers', [
    {},
    {'Authorization': 'Basic ' + base64.b64encode(b'admin:wrong').decode()},
    {'Authorization': 'Basic ' + base64.b64encode(b':' + KEYS['admin'].encode()).decode()},
    {'Authorization': 'Basic ' + base64.b64encode(b'ghost:x').decode()},
    {'Authorization': 'Bearer abc'},
])
def test_basic_login_failures_are_401_empty(mock, headers):
    response = mock.get('/authn/%s/login' % ACCOUNT, headers=headers)
    assert response.status_code == 401 and response.content == b''


@pytest.mark.parametrize('authorization,status,body', [
    (None, 401, 'Authorization missing'),
    ('Token token=abc', 401, 'Authorization missing'),
    ('Bearer abc', 401, 'Authorization missing'),
    ('Token token="bm90IGpzb24="', 401, 'Malformed authorization token'),
    ('Token token="%s"' % base64.b64encode(b'{"protected":"x","payload":"y","signature":"z"}').decode(), 401, 'Unauthorized: Invalid token'),
])
def test_middleware_errors_are_text_plain(mock, authorization, status, body):
    headers = {'Authorization': authorization} if authorization else {}
    response = mock.get('/whoami', headers=headers)
    assert (response.status_code, response.text) == (status, body)
    assert response.headers['Content-Type'] == 'text/plain'


def test_middleware_v2beta_accept_gives_empty_body(mock):
    response = mock.get('/whoami', headers={'Accept': 'application/x.secretsmgr.v2beta+json'})
    assert response.status_code == 401 and response.content == b''


def test_tampered_signature_is_invalid(mock):
    token = json.loads(mock.authenticate())
    token['payload'] = base64.urlsafe_b64encode(b'{"iat":1,"sub":"admin","exp":9999999999}').decode()
    header = {'Authorization': 'Token token="%s"' % base64.b64encode(json.dumps(token).encode()).decode()}
    assert mock.get('/whoami', headers=header).text == 'Unauthorized: Invalid token'


def test_access_token_expires_after_8_minutes(mock):
    header = mock.token_header()
    assert mock.get('/whoami', headers=header).status_code == 200
    mock.mock('clock', {'advance_seconds': 479})
    assert mock.get('/whoami', headers=header).status_code == 200
    mock.mock('clock', {'advance_seconds': 1})
    response = mock.get('/whoami', headers=header)
    assert (response.status_code, response.text) == (401, 'Unauthorized: Invalid token')


def test_token_decoding_is_lenient(mock):
    token = mock.authenticate()
    encoded = base64.b64encode(token.encode()).decode()
    noisy = ' '.join(encoded[i:i + 60] for i in range(0, len(encoded), 60))
    assert mock.get('/whoami', headers={'Authorization': 'Token token=" %s "' % noisy}).status_code == 200
    reserialised = json.dumps(json.loads(token), indent=2)
    header = {'Authorization': 'Token token="%s"' % base64.b64encode(reserialised.encode()).decode()}
    assert mock.get('/whoami', headers=header).status_code == 200


def test_reset_invalidates_access_tokens(mock):
    header = mock.token_header()
    mock.mock('reset', {})
    assert mock.get('/whoami', headers=header).text == 'Unauthorized: Invalid token'


def test_whoami_reports_caller_and_client_ip(mock):
    header = mock.token_header('alice')
    body = mock.get('/whoami', headers=dict(header, **{'User-Agent': 'probe/1'})).json()
    assert list(body) == ['client_ip', 'user_agent', 'account', 'username', 'token_issued_at']
    assert body['client_ip'] == '127.0.0.1' and body['user_agent'] == 'probe/1'
    assert body['account'] == ACCOUNT and body['username'] == 'alice'
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+00:00', body['token_issued_at'])


@pytest.mark.parametrize('forwarded,expected', [
    ('10.1.2.3', '10.1.2.3'),
    ('203.0.113.9, 10.1.2.3', '10.1.2.3'),
    ('10.1.2.3, 127.0.0.1', '10.1.2.3'),
    ('127.0.0.1, ::1', '127.0.0.1'),
    ('10.1.2.3:8443', '10.1.2.3'),
])
def test_client_ip_from_forwarded_for(mock, forwarded, expected):
    header = mock.token_header()
    header['X-Forwarded-For'] = forwarded
    assert mock.get('/whoami', headers=header).json()['client_ip'] == expected


def test_unknown_conjur_route_needs_token_then_404(mock):
    assert mock.get('/secrets/%s/variable/x' % ACCOUNT).status_code == 401
    response = mock.get('/secrets/%s/variable/x' % ACCOUNT, headers=mock.token_header())
    assert response.status_code == 404


@pytest.mark.parametrize('method,path', [('GET', '/host_factories/hosts'), ('GET', '/authn/%s/nothing' % ACCOUNT),
                                         ('GET', '/authn-jwt/svc/%s/status' % ACCOUNT), ('PUT', '/api/host_factories/hosts'),
                                         ('POST', '/api/authn/users/nothing')])
def test_unknown_route_on_an_unguarded_path_is_404_without_token(mock, method, path):
    response = mock.request(method, path)
    assert (response.status_code, response.content) == (404, b'')
