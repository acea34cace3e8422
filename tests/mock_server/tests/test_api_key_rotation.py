# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PUT /authn/{account}/api_key: rotate one's own API key (Basic) or another role's (access token + update)."""

from __future__ import annotations

import base64
import re

import pytest

from conftest import ACCOUNT, HF, HF_ID, HOST_KEYS, KEYS, seed_with, start_with_seed

ROTATE = '/authn/%s/api_key' % ACCOUNT
TOKEN_RE = re.compile(r'^[0-9a-hjkmnp-tv-z]+$')
USERS = {
    'hfowner': 'hfowner-key',          # owns the host factory, so every host it created
    'rotator': 'rotator-key',          # read+update on taken-host, read only on existing-host
    'reader': 'reader-key',            # read on the host factory only
    'hfupdater': 'hfupdater-key',      # update (without read) on the host factory
    'remote': 'remote-key',            # restricted to 10.0.0.0/8
}


@pytest.fixture(scope='module')
def rotation_server(tmp_path_factory):
    users = list(seed_with()['conjur']['users']) + [
        {'login': 'hfowner', 'api_key': USERS['hfowner'], 'privileges': {}},
        {'login': 'rotator', 'api_key': USERS['rotator'],
         'privileges': {'host:taken-host': ['read', 'update'], '%s:host:existing-host' % ACCOUNT: ['read']}},
        {'login': 'reader', 'api_key': USERS['reader'], 'privileges': {HF: ['read']}},
        {'login': 'hfupdater', 'api_key': USERS['hfupdater'], 'privileges': {HF: ['update']}},
        {'login': 'remote', 'api_key': USERS['remote'], 'password': 'Remote-Passw0rd', 'restricted_to': ['10.0.0.0/8']},
    ]
    hfs = [{'id': HF, 'layers': ['provisioning/layer'], 'owner': '%s:user:hfowner' % ACCOUNT}]
    server = start_with_seed(tmp_path_factory.mktemp('rotate'), seed_with(users=users, host_factories=hfs))
    yield server
    assert server.stop() == 0


@pytest.fixture
def mock(rotation_server):
    rotation_server.mock('reset', {})
    return rotation_server


def _key(login):
    return USERS.get(login) or KEYS[login]


def _token(mock, login='admin'):
    return mock.token_header(login, _key(login))


def _rotate(mock, role=None, headers=None, **kwargs):
    params = {'role': role} if role is not None else None
    return mock.request('PUT', ROTATE, params=params, headers=headers, **kwargs)


def _not_found(resource, caller):
    return {'error': {'code': 'not_found', 'message': "CONJ00123E Resource '%s' requested by role '%s' not found" % (resource, caller)}}


def _assert_new_key(response, old):
    assert response.status_code == 200 and response.headers['Content-Type'] == 'text/plain; charset=utf-8'
    assert TOKEN_RE.match(response.text) and response.text != old
    return response.text


def test_admin_rotates_a_host_key_with_an_access_token(mock):
    new = _assert_new_key(_rotate(mock, 'host:existing-host', _token(mock)), HOST_KEYS['existing-host'])
    old = mock.post('/authn/%s/host%%2Fexisting-host/authenticate' % ACCOUNT, data=HOST_KEYS['existing-host'])
    assert (old.status_code, old.content) == (401, b'')
    mock.authenticate('host/existing-host', new)
    stats = mock.mock('stats')
    assert stats['api_key_rotations'] == 1 and stats['requests']['PUT /authn/{account}/api_key'] == 1
    record = [h for h in mock.mock('hosts') if h['id'] == '%s:host:existing-host' % ACCOUNT][0]
    assert record['api_key_rotations'] == 1
    assert new in mock.mock('secrets')['api_keys']


def test_role_forms_query_body_and_full_id(mock):
    header = _token(mock)
    _assert_new_key(_rotate(mock, '%s:host:taken-host' % ACCOUNT, header), HOST_KEYS['taken-host'])
    as_json = mock.request('PUT', ROTATE, json={'role': 'host:taken-host'}, headers=header)
    as_form = mock.request('PUT', ROTATE, data={'role': 'host:taken-host'}, headers=header)
    assert as_json.status_code == 200 and as_form.status_code == 200 and as_json.text != as_form.text
    assert mock.mock('stats')['api_key_rotations'] == 3


def test_owner_of_the_host_factory_rotates_the_hosts_it_created(mock):
    api_key = mock.create_host(mock.hf_token(headers=_token(mock, 'hfowner')), 'fresh').json()['api_key']
    _assert_new_key(_rotate(mock, 'host:fresh', _token(mock, 'hfowner')), api_key)
    _assert_new_key(_rotate(mock, 'host:existing-host', _token(mock, 'hfowner')), HOST_KEYS['existing-host'])


@pytest.mark.parametrize('login,role,status,body', [
    ('hfowner', 'host:taken-host', 404, _not_found('%s:host:taken-host' % ACCOUNT, '%s:user:hfowner' % ACCOUNT)),
    ('rotator', 'host:existing-host', 403, None),
    ('reader', 'host:existing-host', 404, _not_found('%s:host:existing-host' % ACCOUNT, '%s:user:reader' % ACCOUNT)),
    ('admin', 'host:nope', 404, _not_found('host:nope', '%s:user:admin' % ACCOUNT)),
    ('admin', '%s:host:nope' % ACCOUNT, 404, _not_found('%s:host:nope' % ACCOUNT, '%s:user:admin' % ACCOUNT)),
    ('admin', 'otherorg:host:existing-host', 404, _not_found('otherorg:host:existing-host', '%s:user:admin' % ACCOUNT)),
    ('admin', 'existing-host', 422, {'error': {'code': 'argument_error', 'message': 'Expected at least 2 tokens in existing-host'}}),
    ('admin', '', 422, {'error': {'code': 'argument_error', 'message': 'Expected at least 2 tokens in '}}),
    ('admin', 'layer:provisioning/layer', 403, None),
    ('reader', 'host_factory:%s' % HF, 403, None),
    ('hfupdater', 'host_factory:%s' % HF, 405,
     {'error': {'code': 'method_not_allowed', 'message': "CONJ00126E Role '%s' is not applicable for key rotation" % HF_ID}}),
    ('rotator', 'user:admin', 404, _not_found('%s:user:admin' % ACCOUNT, '%s:user:rotator' % ACCOUNT)),
])
def test_refusals_with_an_access_token(mock, login, role, status, body):
    response = _rotate(mock, role, _token(mock, login))
    assert response.status_code == status
    if body is None:
        assert response.content == b''
    else:
        assert response.headers['Content-Type'] == 'application/json; charset=utf-8' and response.json() == body
    assert mock.mock('stats')['api_key_rotations'] == 0
    mock.authenticate('host/existing-host', HOST_KEYS['existing-host'])


def test_privilege_listed_for_the_host_allows_rotation(mock):
    _assert_new_key(_rotate(mock, 'host:taken-host', _token(mock, 'rotator')), HOST_KEYS['taken-host'])


@pytest.mark.parametrize('authorization,status,text', [
    (None, 401, ''),
    ('Bearer abc', 401, ''),
    ('Token token="bm90IGpzb24="', 401, 'Malformed authorization token'),
    ('Token token="%s"' % base64.b64encode(b'{"protected":"x","payload":"y","signature":"z"}').decode(), 401, 'Unauthorized: Invalid token'),
    ('Basic ' + base64.b64encode(b'admin:wrong').decode(), 401, ''),
    ('Basic ' + base64.b64encode(b'ghost:x').decode(), 401, ''),
])
def test_unauthenticated_is_401(mock, authorization, status, text):
    response = _rotate(mock, 'host:existing-host', {'Authorization': authorization} if authorization else {})
    assert (response.status_code, response.text) == (status, text)
    assert mock.mock('stats')['api_key_rotations'] == 0


def test_own_key_needs_basic_auth(mock):
    header = _token(mock)
    for role in (None, 'user:admin'):
        refused = _rotate(mock, role, header)
        assert refused.status_code == 401
        assert refused.json() == {'error': {'code': 'unauthorized', 'message': 'Credential strength is insufficient'}}
    new = _assert_new_key(_rotate(mock, auth=('admin', KEYS['admin'])), KEYS['admin'])
    assert mock.post('/authn/%s/admin/authenticate' % ACCOUNT, data=KEYS['admin']).status_code == 401
    mock.authenticate('admin', new)
    newer = _assert_new_key(_rotate(mock, 'user:admin', auth=('admin', 'MockAdmin-Passw0rd')), new)
    mock.authenticate('admin', newer)
    host = _assert_new_key(_rotate(mock, 'host:existing-host', auth=('host/existing-host', HOST_KEYS['existing-host'])),
                           HOST_KEYS['existing-host'])
    mock.authenticate('host/existing-host', host)
    assert mock.mock('stats')['api_key_rotations'] == 3


def test_basic_auth_cannot_rotate_another_role(mock):
    response = _rotate(mock, 'host:existing-host', auth=('admin', KEYS['admin']))
    assert (response.status_code, response.content) == (401, b'')
    missing = _rotate(mock, 'host:nope', auth=('admin', KEYS['admin']))
    assert missing.status_code == 404 and missing.json() == _not_found('host:nope', '%s:user:admin' % ACCOUNT)


def test_basic_auth_outside_restricted_to_is_403(mock):
    response = _rotate(mock, auth=('remote', USERS['remote']))
    assert (response.status_code, response.content) == (403, b'')
    allowed = _rotate(mock, auth=('remote', 'Remote-Passw0rd'), headers={'X-Forwarded-For': '10.1.2.3'})
    _assert_new_key(allowed, USERS['remote'])


def test_account_in_the_path(mock):
    other = mock.request('PUT', '/authn/otherorg/api_key', params={'role': 'host:existing-host'}, headers=_token(mock))
    assert other.status_code == 404 and other.json() == _not_found('host:existing-host', '%s:user:admin' % ACCOUNT)
    basic = mock.request('PUT', '/authn/otherorg/api_key', auth=('admin', KEYS['admin']))
    assert (basic.status_code, basic.content) == (401, b'')


def test_reset_restores_seeded_keys(mock):
    _rotate(mock, 'host:existing-host', _token(mock))
    mock.mock('reset', {})
    mock.authenticate('host/existing-host', HOST_KEYS['existing-host'])
    assert mock.mock('stats')['api_key_rotations'] == 0
