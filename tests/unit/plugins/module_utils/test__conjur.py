# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _conjur: the argspec, routes, authentication, error mapping (settings: test__conjur_settings.py).

The HTTP layer is the real HttpClient with its single network attempt (_attempt) replaced by a scripted fake.
"""

from __future__ import annotations

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import (
    CONJUR_MUTUALLY_EXCLUSIVE,
    ConjurClient,
    ConjurError,
    conjur_argument_spec,
    conjur_error,
    http_client,
    login_role,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import ConjurConfigError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import (
    ApiError,
    ConnectionFailure,
    HttpClient,
)
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.conjur_fake import (
    ALL_ENV,
    API_KEY,
    AUTHN_OK,
    BASE,
    HF_TOKEN,
    TOKEN_B64,
    TOKEN_JSON,
    FakeServer,
    resolve,
    token_not_found,
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)


def make_client(args=None, **http_kwargs):
    connection = resolve(dict(BASE, **(args or {})))
    http = http_client(connection, sleep=lambda delay: None, **http_kwargs)
    server = FakeServer(http)
    return ConjurClient(connection, http=http), server


# -- argument spec --------------------------------------------------------------------------------------------------

def test_argument_spec_is_fresh_and_login_options_are_optional():
    first = conjur_argument_spec()
    first['appliance_url']['type'] = 'changed'
    assert conjur_argument_spec()['appliance_url']['type'] == 'str'
    assert 'login' not in conjur_argument_spec()
    spec = conjur_argument_spec(with_login=True)
    assert spec['api_key']['no_log'] is True
    assert spec['authn_token_file']['no_log'] is False
    assert spec['config_file']['no_log'] is False
    assert spec['api_version']['choices'] == [4, 5]
    assert CONJUR_MUTUALLY_EXCLUSIVE == [('ca_path', 'ca_content')]


def test_http_client_registers_api_key_as_secret():
    http = http_client(resolve(BASE))
    assert isinstance(http, HttpClient)
    assert http.redact('key=' + API_KEY) == 'key=********'


# -- authentication -------------------------------------------------------------------------------------------------

def test_v5_authenticate_percent_encodes_login_and_sends_raw_key():
    client, server = make_client({'login': 'host/app 1'})
    server.on('POST', '/authn/myorg/host%2Fapp%201/authenticate', AUTHN_OK)
    assert client.authenticate() == TOKEN_B64
    call = server.calls[0]
    assert call['data'] == API_KEY.encode()
    assert call['headers']['Accept-Encoding'] == 'base64'
    assert call['headers']['Content-Type'] == 'text/plain'
    assert client.authenticate() == TOKEN_B64
    assert len(server.calls) == 1  # cached for the run


def test_json_access_token_is_base64_encoded():
    client, server = make_client()
    server.on('POST', '/authn/myorg/admin/authenticate', (200, TOKEN_JSON))
    assert client.authenticate() == TOKEN_B64
    assert client.http.redact(TOKEN_B64) == '********'


def test_v4_authenticate_route():
    client, server = make_client({'appliance_url': 'https://conjur4/api', 'api_version': 4, 'login': 'host/a'})
    server.on('POST', '/api/authn/users/host%2Fa/authenticate', (200, TOKEN_JSON))
    client.authenticate()
    assert server.paths() == ['POST /api/authn/users/host%2Fa/authenticate']


def test_authentication_failure_message_and_no_retry():
    client, server = make_client({'login': 'ghost'})
    server.on('POST', '/authn/myorg/ghost/authenticate', (401, ''))
    with pytest.raises(ConjurError) as info:
        client.authenticate()
    assert str(info.value) == ("cannot authenticate to Conjur: authentication failed for login 'ghost' "
                               "(wrong api_key or unknown login) (HTTP 401)")
    assert info.value.status == 401
    assert len(server.calls) == 1


def test_token_file_raw_json_is_encoded_and_used(tmp_path):
    token_file = tmp_path / 'access-token'
    token_file.write_bytes(TOKEN_JSON + b'\n')
    client, server = make_client({'login': None, 'api_key': None, 'authn_token_file': str(token_file)})
    server.on('POST', '/host_factory_tokens', (200, [{'expiration': 'e', 'cidr': [], 'token': HF_TOKEN}]))
    client.create_tokens('hf', '2050-01-01T00:00:00Z')
    assert server.paths() == ['POST /host_factory_tokens']
    assert server.calls[0]['headers']['Authorization'] == 'Token token="%s"' % TOKEN_B64


def test_expired_token_file_gives_clear_error(tmp_path):
    token_file = tmp_path / 'access-token'
    token_file.write_bytes(TOKEN_JSON)
    client, server = make_client({'login': None, 'api_key': None, 'authn_token_file': str(token_file)})
    server.on('POST', '/host_factory_tokens', (401, 'Unauthorized: Invalid token'))
    with pytest.raises(ConjurError) as info:
        client.create_tokens('hf', '2050-01-01T00:00:00Z')
    assert "access token in authn_token_file '%s' was rejected" % token_file in str(info.value)
    assert len(server.calls) == 1


def test_unreadable_token_file(tmp_path):
    client, server = make_client({'login': None, 'api_key': None, 'authn_token_file': str(tmp_path / 'none')})
    with pytest.raises(ConjurConfigError, match='cannot be read'):
        client.authenticate()
    assert server.calls == []


def test_reauthenticates_once_on_401_from_protected_endpoint():
    client, server = make_client()
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('GET', '/resources/myorg/host_factory/hf', (401, 'Unauthorized: Invalid token'), (200, {'tokens': []}))
    client.authenticate()
    assert client.get_host_factory('hf')['tokens'] == []
    assert server.paths() == ['POST /authn/myorg/admin/authenticate', 'GET /resources/myorg/host_factory/hf',
                              'POST /authn/myorg/admin/authenticate', 'GET /resources/myorg/host_factory/hf']
    assert server.paths().count('POST /authn/myorg/admin/authenticate') == 2


def test_second_401_is_reported():
    client, server = make_client()
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('GET', '/resources/myorg/host_factory/hf', (401, 'Unauthorized: Invalid token'))
    with pytest.raises(ConjurError) as info:
        client.get_host_factory('hf')
    assert 'access token was rejected (Unauthorized: Invalid token)' in str(info.value)
    assert len(server.calls) == 4


def test_token_file_falls_back_to_api_key_on_401(tmp_path):
    token_file = tmp_path / 'access-token'
    token_file.write_bytes(TOKEN_JSON)
    client, server = make_client({'authn_token_file': str(token_file)})
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('DELETE', '/host_factory_tokens/' + HF_TOKEN, (401, ''), (204, ''))
    assert client.revoke_token(HF_TOKEN) is True
    assert server.paths()[1] == 'POST /authn/myorg/admin/authenticate'


# -- host factory tokens --------------------------------------------------------------------------------------------

def test_v5_create_tokens_form_body():
    client, server = make_client()
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('POST', '/host_factory_tokens', (200, [
        {'expiration': '2050-01-01T00:00:00Z', 'cidr': ['10.0.0.0/8'], 'token': HF_TOKEN},
        {'expiration': '2050-01-01T00:00:00Z', 'cidr': ['10.0.0.0/8'], 'token': HF_TOKEN[::-1]}]))
    tokens = client.create_tokens('provisioning/hosts', '2050-01-01T00:00:00Z', count=2,
                                  cidr=['10.0.0.0/8', '192.0.2.1/32'])
    assert [t['token'] for t in tokens] == [HF_TOKEN, HF_TOKEN[::-1]]
    assert tokens[0] == {'token': HF_TOKEN, 'expiration': '2050-01-01T00:00:00Z', 'cidr': ['10.0.0.0/8']}
    call = server.calls[1]
    assert call['headers']['Authorization'] == 'Token token="%s"' % TOKEN_B64
    assert call['headers']['Content-Type'] == 'application/x-www-form-urlencoded'
    assert server.form(1) == [('host_factory', 'myorg:host_factory:provisioning/hosts'),
                              ('expiration', '2050-01-01T00:00:00Z'), ('count', '2'),
                              ('cidr[]', '10.0.0.0/8'), ('cidr[]', '192.0.2.1/32')]
    assert client.http.redact(HF_TOKEN) == '********'


def test_v5_create_tokens_requires_expiration():
    client, server = make_client()
    with pytest.raises(ConjurConfigError, match='expiration is required'):
        client.create_tokens('hf', None)
    assert server.calls == []


def test_v4_create_tokens_route_and_optional_expiration():
    client, server = make_client({'appliance_url': 'https://conjur4/api', 'api_version': 4})
    server.on('POST', '/api/authn/users/admin/authenticate', (200, '{"data":"admin","signature":"x"}'))
    server.on('POST', '/api/host_factories/provisioning%2Fhosts/tokens',
              (200, [{'token': HF_TOKEN, 'expiration': '2050-01-01T00:00:00Z', 'cidr': []}]))
    assert client.create_tokens('myorg:host_factory:provisioning/hosts', None)[0]['token'] == HF_TOKEN
    assert server.form(1) == [('count', '1')]


@pytest.mark.parametrize('status, body, expected', [
    (403, '', "cannot create host factory tokens: login 'admin' has no execute privilege on host factory "
              "'myorg:host_factory:provisioning/hosts' (HTTP 403)"),
    (404, {'error': {'code': 'not_found', 'message': "Host_factory 'x' not found"}},
     "cannot create host factory tokens: host factory 'myorg:host_factory:provisioning/hosts' not found in account "
     "'myorg' (or not visible to login 'admin', or host factories are switched off on the server) (HTTP 404)"),
    # no route at all (host factories switched off, or not the API's URL): 404 with an empty body
    (404, '', "cannot create host factory tokens: no host factory route at https://conjur.example.com/host_factory_tokens: "
              "host factories are switched off on this server (CONJUR_HOST_FACTORIES_ENABLED=false; ask its "
              "administrators), or appliance_url is not the Conjur API (Conjur Cloud and Edge serve it under /api) "
              "(HTTP 404)"),
    (422, {'error': {'code': 'unprocessable_entity', 'message': "Invalid IP address or CIDR range '1.2.3'"}},
     "cannot create host factory tokens: the server rejected the request: Invalid IP address or CIDR range '1.2.3' "
     "(HTTP 422)"),
])
def test_create_tokens_error_messages(status, body, expected):
    client, server = make_client()
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('POST', '/host_factory_tokens', (status, body))
    with pytest.raises(ConjurError) as info:
        client.create_tokens('provisioning/hosts', '2050-01-01T00:00:00Z')
    assert str(info.value) == expected
    assert info.value.status == status


def test_server_error_after_retries():
    client, server = make_client({'retries': 2})
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('POST', '/host_factory_tokens', (503, 'busy'))
    with pytest.raises(ConjurError) as info:
        client.create_tokens('hf', '2050-01-01T00:00:00Z')
    assert 'server error 503 after 3 attempts' in str(info.value)
    assert server.paths().count('POST /host_factory_tokens') == 3


def test_connection_failure_is_wrapped():
    client, server = make_client({'retries': 0})

    def refuse(method, url, data, headers):
        raise ConnectionFailure('POST %s failed: connection refused' % url, url=url)
    client.http._attempt = refuse
    with pytest.raises(ConjurError, match='cannot authenticate to Conjur: POST .* connection refused'):
        client.authenticate()


def test_revoke_token_routes_and_results():
    client, server = make_client()
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('DELETE', '/host_factory_tokens/' + HF_TOKEN, (204, ''), token_not_found(HF_TOKEN), (403, ''),
              (404, ''))
    assert client.revoke_token(HF_TOKEN) is True
    assert client.revoke_token(HF_TOKEN) is False
    with pytest.raises(ConjurError) as info:
        client.revoke_token(HF_TOKEN)
    assert 'no update privilege' in str(info.value)
    assert HF_TOKEN not in str(info.value) and HF_TOKEN not in info.value.url
    with pytest.raises(ConjurError) as info:  # no route: the token was not revoked, whatever became of it
        client.revoke_token(HF_TOKEN)
    assert 'no host factory route at' in str(info.value) and HF_TOKEN not in str(info.value)


def test_v4_revoke_route():
    client, server = make_client({'appliance_url': 'https://conjur4/api', 'api_version': 4})
    server.on('POST', '/api/authn/users/admin/authenticate', AUTHN_OK)
    server.on('DELETE', '/api/host_factories/tokens/' + HF_TOKEN, (204, ''), (404, ''))
    assert client.revoke_token(HF_TOKEN) is True
    assert client.revoke_token(HF_TOKEN) is False  # v4 error bodies are undocumented: every 404 means gone


def test_get_host_factory_v5_and_v4():
    tokens = [{'expiration': '2050-01-01T00:00:00Z', 'cidr': ['10.0.0.0/8'], 'token': HF_TOKEN}]
    client, server = make_client()
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    document = {'id': 'x', 'tokens': tokens, 'layers': ['myorg:layer:l']}
    server.on('GET', '/resources/myorg/host_factory/provisioning%2Fhosts', (200, document))
    result = client.get_host_factory('provisioning/hosts')
    assert result['id'] == 'myorg:host_factory:provisioning/hosts'
    assert result['tokens'] == [{'token': HF_TOKEN, 'expiration': '2050-01-01T00:00:00Z', 'cidr': ['10.0.0.0/8']}]
    assert result['layers'] == ['myorg:layer:l']

    client, server = make_client({'appliance_url': 'https://conjur4/api', 'api_version': 4})
    server.on('POST', '/api/authn/users/admin/authenticate', AUTHN_OK)
    server.on('GET', '/api/host_factories/provisioning%2Fhosts', (200, {'id': 'provisioning/hosts', 'tokens': tokens}))
    assert client.get_host_factory('provisioning/hosts')['tokens'][0]['token'] == HF_TOKEN


def test_get_host_factory_not_found():
    client, server = make_client({'login': 'bob'})
    server.on('POST', '/authn/myorg/bob/authenticate', AUTHN_OK)
    with pytest.raises(ConjurError) as info:
        client.get_host_factory('apps/web')
    assert str(info.value) == ("cannot read host factory: host factory 'myorg:host_factory:apps/web' not found in "
                               "account 'myorg' (or not visible to login 'bob', or host factories are switched off on "
                               "the server) (HTTP 404)")


# -- API key rotation (un-enrollment) --------------------------------------------------------------------------------

NEW_KEY = '3y9e4r7t2u1i0o9p8a7s6d5f4g3h2j1k0l9z8x7c6v5b4n3m2q1w'


@pytest.mark.parametrize('login, role', [('host/web-01', 'host:web-01'), ('host/a/b', 'host:a/b'),
                                         ('user/alice', 'user:alice'), ('admin', 'user:admin'),
                                         ('host/', 'user:host/'), ('layer/x', 'user:layer/x')])
def test_login_role_maps_like_conjur(login, role):
    assert login_role(login) == role


def test_rotate_api_key_puts_with_the_access_token_and_discards_the_new_key():
    client, server = make_client()
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('PUT', '/authn/myorg/api_key', (200, NEW_KEY, {'Content-Type': 'text/plain; charset=utf-8'}))
    assert client.rotate_api_key('host/apps/web-01') is None
    call = server.calls[1]
    assert call['method'] == 'PUT' and call['query'] == 'role=host%3Aapps%2Fweb-01'
    assert call['headers']['Authorization'] == 'Token token="%s"' % TOKEN_B64
    assert call['data'] is None
    assert client.http.redact('key ' + NEW_KEY) == 'key ********'  # registered as a secret on sight


@pytest.mark.parametrize('status, body, expected', [
    (403, '', "cannot invalidate the API key of host 'web-01': login 'admin' has no update privilege on host "
              "'web-01' (HTTP 403)"),
    (404, {'error': {'code': 'not_found',
                     'message': "CONJ00123E Resource 'myorg:host:web-01' requested by role 'myorg:user:admin' not found"}},
     "cannot invalidate the API key of host 'web-01': host 'web-01' not found in account 'myorg' (or not visible to "
     "login 'admin') (HTTP 404)"),
    (405, {'error': {'code': 'method_not_allowed',
                     'message': "CONJ00126E Role 'myorg:host:web-01' is not applicable for key rotation"}},
     "cannot invalidate the API key of host 'web-01': the server refused: CONJ00126E Role 'myorg:host:web-01' is not "
     "applicable for key rotation (HTTP 405)"),
    (422, {'error': {'code': 'argument_error', 'message': 'Expected at least 2 tokens in web-01'}},
     "cannot invalidate the API key of host 'web-01': the server rejected the request: Expected at least 2 tokens in "
     "web-01 (HTTP 422)"),
])
def test_rotate_api_key_errors(status, body, expected):
    client, server = make_client()
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('PUT', '/authn/myorg/api_key', (status, body))
    with pytest.raises(ConjurError) as info:
        client.rotate_api_key('host/web-01')
    assert str(info.value) == expected and info.value.status == status
    assert server.paths().count('PUT /authn/myorg/api_key') == 1  # 4xx are not retried


def test_rotate_api_key_retries_a_lost_answer_and_logs_in_again_on_401():
    client, server = make_client({'retries': 1})
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('PUT', '/authn/myorg/api_key', (401, 'Unauthorized: Invalid token'), (503, ''), (200, NEW_KEY))
    client.rotate_api_key('host/web-01')
    assert server.paths() == ['POST /authn/myorg/admin/authenticate', 'PUT /authn/myorg/api_key',
                              'POST /authn/myorg/admin/authenticate', 'PUT /authn/myorg/api_key',
                              'PUT /authn/myorg/api_key']


def test_rotate_api_key_needs_the_v5_api():
    client, server = make_client({'appliance_url': 'https://conjur4/api', 'api_version': 4})
    with pytest.raises(ConjurConfigError, match='needs the Conjur v5 API'):
        client.rotate_api_key('host/web-01')
    assert server.calls == []


# -- hosts ----------------------------------------------------------------------------------------------------------

HOST_V5 = {'created_at': '2017-08-07T22:30:00.145+00:00', 'id': 'myorg:host:web-01',
           'owner': 'myorg:host_factory:provisioning/hosts', 'permissions': [],
           'annotations': [{'name': 'authn/api-key', 'value': 'true'}], 'restricted_to': [], 'api_key': API_KEY[::-1]}


def test_create_host_v5_uses_raw_hf_token_and_no_login():
    client, server = make_client({'login': None, 'api_key': None, 'authn_token_file': '/nonexistent'})
    server.on('POST', '/host_factories/hosts', (201, HOST_V5))
    host = client.create_host(HF_TOKEN, 'web-01', {'authn/api-key': 'true', 'a': 'b'})
    assert host == HOST_V5
    assert server.paths() == ['POST /host_factories/hosts']
    assert server.calls[0]['headers']['Authorization'] == 'Token token="%s"' % HF_TOKEN
    assert server.form(0) == [('id', 'web-01'), ('annotations[a]', 'b'), ('annotations[authn/api-key]', 'true')]
    assert client.http.redact(API_KEY[::-1]) == '********'


def test_create_host_v4_normalises_response():
    client, server = make_client({'appliance_url': 'https://conjur4/api', 'api_version': 4})
    server.on('POST', '/api/host_factories/hosts', (201, {
        'id': 'web-01', 'userid': 'deputy/hf', 'created_at': '2015-11-13T22:57:14Z', 'ownerid': 'myorg:group:ops',
        'roleid': 'myorg:host:web-01', 'resource_identifier': 'myorg:host:web-01', 'api_key': 'k' * 50}))
    host = client.create_host(HF_TOKEN, 'web-01')
    assert host == {'id': 'myorg:host:web-01', 'created_at': '2015-11-13T22:57:14Z', 'owner': 'myorg:group:ops',
                    'permissions': [], 'annotations': [], 'api_key': 'k' * 50}
    assert server.calls[0]['query'] == 'id=web-01'


API_KEY_OFF = ("API key authentication for hosts is disabled by default and will be removed in a future release. Add "
               "the 'authn/api-key' annotation to this host with the value 'true' to ensure authentication works as "
               "expected for this host in the future.")


@pytest.mark.parametrize('status, body, text', [
    (401, '', "the host factory token was refused: it has expired, was revoked or is unknown to this server, or this "
              "machine's address (as the server sees it) is outside the token's CIDR restriction; use a valid token "
              "whose CIDR includes this machine"),
    (403, '', "host 'web-01' already exists and belongs to another owner than this host factory; choose another id, "
              "or have the host deleted or given to the host factory"),
    (404, '', "no host factory route at https://conjur.example.com/host_factories/hosts: host factories are switched "
              "off on this server (CONJUR_HOST_FACTORIES_ENABLED=false; ask its administrators), or appliance_url is "
              "not the Conjur API (Conjur Cloud and Edge serve it under /api)"),
    (422, {'error': {'code': 'parameter_missing', 'message': 'param is missing or the value is empty: id'}},
     'the server rejected the request: param is missing or the value is empty: id'),
    (422, {'error': {'code': 'policy_invalid', 'message': API_KEY_OFF}},
     "the server requires the annotation authn/api-key=true on new hosts (API key authentication is off by default "
     "there); drop the null or false value of authn/api-key from annotations (true is sent by default)"),
    (422, {'error': {'code': 'argument_error', 'message': 'Invalid id: conjurweb-01'}},  # Conjur 1.22.1's rule
     "the server refuses id 'web-01' (Invalid id: conjurweb-01): ids under conjur/ belong to Conjur itself; choose "
     "another id"),
])
def test_create_host_errors(status, body, text):
    client, server = make_client()
    server.on('POST', '/host_factories/hosts', (status, body))
    with pytest.raises(ConjurError) as info:
        client.create_host(HF_TOKEN, 'web-01')
    assert str(info.value) == 'cannot create host: %s (HTTP %s)' % (text, status)
    assert len(server.calls) == 1


@pytest.mark.parametrize('retry_after, attempts, text', [
    ('1', 3, 'the server is rate-limiting requests (HTTP 429 after 3 attempts); run again later or with fewer forks'),
    ('3600', 1, 'the server is rate-limiting requests (HTTP 429 after 1 attempt); run again later or with fewer '
                'forks; the server asks to wait 3600 seconds before a retry'),
])
def test_rate_limited_create_host(retry_after, attempts, text):
    client, server = make_client({'retries': 2})
    server.on('POST', '/host_factories/hosts', (429, '<html>429 Too Many Requests</html>', {'Retry-After': retry_after}))
    with pytest.raises(ConjurError) as info:
        client.create_host(HF_TOKEN, 'web-01')
    assert str(info.value) == 'cannot create host: ' + text
    assert len(server.calls) == attempts


def test_authentication_without_route_names_the_api_prefix():
    client, server = make_client({'appliance_url': 'https://edge.example.com:8443'})
    with pytest.raises(ConjurError) as info:
        client.authenticate()
    assert str(info.value) == ('cannot authenticate to Conjur: no Conjur authentication at '
                               'https://edge.example.com:8443/authn/myorg/admin/authenticate; check appliance_url '
                               '(Conjur Cloud and Edge serve the API under /api) (HTTP 404)')


def test_routes_under_a_path_prefix():
    client, server = make_client({'appliance_url': 'https://edge.example.com:8443/api/'})
    server.on('POST', '/api/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('POST', '/api/host_factory_tokens', (200, [{'token': HF_TOKEN, 'expiration': 'x', 'cidr': []}]))
    server.on('POST', '/api/host_factories/hosts', (201, HOST_V5))
    server.on('DELETE', '/api/host_factory_tokens/' + HF_TOKEN, (204, ''))
    client.create_tokens('provisioning/hosts', '2050-01-01T00:00:00Z')
    client.create_host(HF_TOKEN, 'web-01')
    assert client.revoke_token(HF_TOKEN) is True
    assert server.paths() == ['POST /api/authn/myorg/admin/authenticate', 'POST /api/host_factory_tokens',
                              'POST /api/host_factories/hosts', 'DELETE /api/host_factory_tokens/' + HF_TOKEN]


def test_create_host_response_without_api_key():
    client, server = make_client()
    server.on('POST', '/host_factories/hosts', (201, {'id': 'x'}))
    with pytest.raises(Exception, match='has no api_key'):
        client.create_host(HF_TOKEN, 'web-01')


def test_check_api_key():
    client, server = make_client()
    server.on('POST', '/authn/myorg/host%2Fweb-01/authenticate', AUTHN_OK, (401, ''), (500, ''))
    assert client.check_api_key('host/web-01', 'new-key-value') is True
    assert client.check_api_key('host/web-01', 'new-key-value') is False
    with pytest.raises(ConjurError, match='server error 500'):
        client.check_api_key('host/web-01', 'new-key-value')
    assert server.calls[0]['data'] == b'new-key-value'
    assert client.http.redact('new-key-value') == '********'


def test_conjur_error_passes_conjur_errors_through_and_has_generic_fallback():
    original = ConjurError('x')
    assert conjur_error(original, 'create_tokens') is original
    err = conjur_error(ApiError('m', 409, url='https://c/x', body='conflict'), 'create_tokens')
    assert str(err) == 'cannot create host factory tokens: unexpected answer from https://c/x: conflict (HTTP 409)'
