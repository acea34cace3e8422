# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _rackspace: settings, Identity v2.0, catalog, agent-token calls over a real loopback HTTP server."""

from __future__ import annotations

import json

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import fail_result
from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import HttpClient
from ansible_collections.hostfactory.enrollment.plugins.module_utils._rackspace import (
    DEFAULT_MONITORING_ROOT,
    AgentTokenApi,
    EntityApi,
    RackspaceConfigError,
    RackspaceError,
    catalog_endpoint,
    connect,
    create_once,
    object_id_from_location,
    rackspace_error,
    identity_tokens_url,
    monitoring_base_url,
    rackspace_argument_spec,
    resolve_credentials,
    server_message,
    token_id_from_location,
)
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.rackspace_fake import (
    API_KEY,
    AUTH_TOKEN,
    PASSWORD,
    TENANT,
    USERNAME,
)


def quick_http(**kwargs):
    kwargs.setdefault('sleep', lambda _delay: None)
    kwargs.setdefault('timeout', 5)
    return HttpClient(**kwargs)


def params(fake, **overrides):
    result = {name: spec.get('default') for name, spec in rackspace_argument_spec().items()}
    result.update(username=USERNAME, api_key=API_KEY, identity_url=fake.base + '/v2.0')
    result.update(overrides)
    return result


def api_for(fake, **kwargs):
    return AgentTokenApi(quick_http(), fake.monitoring_url(), AUTH_TOKEN, **kwargs)


# -- settings -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('url, expected', [
    ('https://identity.example.com', 'https://identity.example.com/v2.0/tokens'),
    ('https://identity.example.com/', 'https://identity.example.com/v2.0/tokens'),
    ('https://identity.example.com/v2.0', 'https://identity.example.com/v2.0/tokens'),
    ('https://identity.example.com/v2.0/', 'https://identity.example.com/v2.0/tokens'),
    ('https://identity.example.com/v2.0/tokens', 'https://identity.example.com/v2.0/tokens'),
    ('https://h:8443/prefix/v2.0/tokens/', 'https://h:8443/prefix/v2.0/tokens'),
    (' http://127.0.0.1:1/v2.0 ', 'http://127.0.0.1:1/v2.0/tokens'),
])
def test_identity_tokens_url_normalises(url, expected):
    assert identity_tokens_url(url) == expected


@pytest.mark.parametrize('url', ['ftp://identity.example.com', 'identity.example.com/v2.0', '',
                                 'https://identity.example.com/v2.0?x=1'])
def test_identity_tokens_url_rejects(url):
    with pytest.raises(RackspaceConfigError, match='identity_url'):
        identity_tokens_url(url)


def test_monitoring_base_url():
    assert monitoring_base_url('https://m.example.com/v1.0/123456/') == 'https://m.example.com/v1.0/123456'
    with pytest.raises(RackspaceConfigError, match='must include the API version and tenant'):
        monitoring_base_url('https://m.example.com/')
    with pytest.raises(RackspaceConfigError, match='monitoring_url'):
        monitoring_base_url('m.example.com/v1.0/1')


def test_argument_spec_marks_secrets_and_is_fresh():
    spec = rackspace_argument_spec()
    assert spec['api_key']['no_log'] and spec['password']['no_log'] and spec['auth_token']['no_log']
    spec['username']['type'] = 'int'
    assert rackspace_argument_spec()['username']['type'] == 'str'


ENVIRON = {'RAX_USERNAME': 'envuser', 'RAX_API_KEY': 'envkey', 'RAX_AUTH_TOKEN': 'envtoken', 'RAX_PASSWORD': 'envpw'}


@pytest.mark.parametrize('given, environ, expected', [
    ({'username': 'u', 'api_key': 'k'}, ENVIRON, ('api_key', 'k', 'u')),
    ({'username': 'u', 'password': 'p'}, ENVIRON, ('password', 'p', 'u')),
    ({'auth_token': 't'}, ENVIRON, ('auth_token', 't', None)),
    ({}, ENVIRON, ('auth_token', 'envtoken', None)),
    ({'username': 'u'}, ENVIRON, ('api_key', 'envkey', 'u')),
    ({'api_key': 'k'}, ENVIRON, ('api_key', 'k', 'envuser')),
    ({}, {'RAX_USERNAME': 'envuser', 'RAX_API_KEY': 'envkey'}, ('api_key', 'envkey', 'envuser')),
    ({}, {'RAX_USERNAME': 'envuser', 'RAX_PASSWORD': 'envpw'}, ('password', 'envpw', 'envuser')),
])
def test_resolve_credentials_precedence(given, environ, expected):
    creds = resolve_credentials(given, environ)
    assert (creds.method, creds.secret, creds.username) == expected


@pytest.mark.parametrize('given, environ, match', [
    ({}, {}, 'missing Rackspace credentials'),
    ({'api_key': 'k'}, {}, 'missing Rackspace setting username'),
    ({'username': 'u'}, {}, "missing the API key of Rackspace user 'u'"),
])
def test_resolve_credentials_errors(given, environ, match):
    with pytest.raises(RackspaceConfigError, match=match):
        resolve_credentials(given, environ)


# -- catalog and error text -----------------------------------------------------------------------------------------

MON = {'name': 'cloudMonitoring', 'type': 'rax:monitor', 'endpoints': [{'publicURL': 'https://global/v1.0/1'}]}


def test_catalog_endpoint_by_type_then_name():
    other = {'name': 'cloudFiles', 'type': 'object-store', 'endpoints': [{'publicURL': 'https://files'}]}
    assert catalog_endpoint([other, MON]) == 'https://global/v1.0/1'
    renamed = {'name': 'cloudMonitoring', 'type': 'x', 'endpoints': [{'publicURL': 'https://by-name'}]}
    assert catalog_endpoint([other, renamed]) == 'https://by-name'
    with pytest.raises(RackspaceConfigError, match='no Cloud Monitoring endpoint'):
        catalog_endpoint([other])
    with pytest.raises(RackspaceConfigError, match='no Cloud Monitoring endpoint'):
        catalog_endpoint(None)


def test_catalog_endpoint_region():
    regional = {'name': 'cloudMonitoring', 'type': 'rax:monitor',
                'endpoints': [{'region': 'DFW', 'publicURL': 'https://dfw'}, {'region': 'ORD', 'publicURL': 'https://ord'}]}
    assert catalog_endpoint([regional], 'ord') == 'https://ord'
    assert catalog_endpoint([MON], 'ORD') == 'https://global/v1.0/1'
    with pytest.raises(RackspaceConfigError, match="region 'LON' .*DFW, ORD"):
        catalog_endpoint([regional], 'LON')


@pytest.mark.parametrize('body, expected', [
    (json.dumps({'type': 'badRequest', 'code': '400', 'message': 'Validation error', 'details': 'label too long'}),
     'badRequest: Validation error (label too long)'),
    (json.dumps({'type': 'childrenExistError', 'code': 400, 'message': 'Children exist',
                 'details': {'type': 'Check', 'message': 'has checks'}}), 'childrenExistError: Children exist (has checks)'),
    (json.dumps({'unauthorized': {'code': 401, 'message': 'Unable to authenticate'}}), 'unauthorized: Unable to authenticate'),
    ('plain\ntext', 'plain text'),
    ('', None),
])
def test_server_message(body, expected):
    assert server_message(body) == expected


def test_token_id_from_location():
    assert token_id_from_location('https://h/v1.0/hybrid:0/agent_tokens/abc.hybrid:000000') == 'abc.hybrid:000000'
    assert token_id_from_location('/v1.0/1/agent_tokens/a%3Ab/') == 'a:b'
    assert token_id_from_location('https://h/v1.0/1/checks/abc') is None
    assert token_id_from_location(None) is None


# -- identity over HTTP ---------------------------------------------------------------------------------------------

def test_connect_with_api_key_uses_catalog_and_hides_secrets(fake):
    warnings = []
    connection = connect(params(fake), environ={}, http=quick_http(), warn=warnings.append)
    assert connection.api.base_url == fake.monitoring_url()
    assert connection.api.auth_token == AUTH_TOKEN
    assert set(connection.secrets) == {API_KEY, AUTH_TOKEN}
    sent = fake.requests[0]
    assert sent['path'] == '/v2.0/tokens'
    assert sent['body'] == {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': USERNAME, 'apiKey': API_KEY}}}
    assert any('http://' in w for w in warnings)


def test_connect_with_password_and_identity_root(fake):
    connection = connect(params(fake, api_key=None, password=PASSWORD, identity_url=fake.base), environ={},
                         http=quick_http())
    assert fake.requests[0]['body']['auth']['passwordCredentials']['password'] == PASSWORD
    assert connection.api.list() == []


def test_connect_monitoring_url_overrides_catalog(fake):
    fake.catalog = []
    connection = connect(params(fake, monitoring_url=fake.monitoring_url() + '/'), environ={}, http=quick_http())
    assert connection.api.base_url == fake.monitoring_url()
    fake.catalog = []
    with pytest.raises(RackspaceConfigError, match='set monitoring_url'):
        connect(params(fake), environ={}, http=quick_http())


def test_connect_wrong_api_key_is_one_line_without_secret(fake):
    with pytest.raises(RackspaceError) as info:
        connect(params(fake, api_key='wrong-key-123'), environ={}, http=quick_http())
    text = str(info.value)
    assert "authentication failed for user 'rackuser'" in text and '(HTTP 401)' in text
    assert 'Unable to authenticate' in text
    assert 'wrong-key-123' not in text and '\n' not in text
    assert info.value.status == 401
    assert fake.count('identity') == 1  # 401 is never retried


def test_connect_with_auth_token_makes_no_identity_call(fake):
    connection = connect({'auth_token': AUTH_TOKEN, 'tenant_id': TENANT}, environ={}, http=quick_http())
    assert connection.api.base_url == '%s/%s' % (DEFAULT_MONITORING_ROOT, TENANT)
    assert fake.requests == []
    connection = connect({'auth_token': AUTH_TOKEN, 'monitoring_url': fake.monitoring_url()}, environ={},
                         http=quick_http())
    assert connection.api.list() == []
    with pytest.raises(RackspaceConfigError, match='auth_token needs tenant_id'):
        connect({'auth_token': AUTH_TOKEN}, environ={}, http=quick_http())


def test_connect_reads_credentials_from_environment(fake):
    environ = {'RAX_USERNAME': USERNAME, 'RAX_API_KEY': API_KEY}
    connection = connect(params(fake, username=None, api_key=None), environ=environ, http=quick_http())
    assert API_KEY in connection.secrets


def test_identity_retries_5xx_then_succeeds(fake):
    fake.faults['identity'] = [{'status': 503}, {'status': 500}]
    connect(params(fake), environ={}, http=quick_http(retries=3))
    assert fake.count('identity') == 3


def test_identity_without_token_in_answer(fake):
    fake.catalog = []
    http = quick_http()
    http.request = lambda *a, **k: type('R', (), {'json': lambda self: {'access': {}}, 'url': 'u', 'status': 200})()
    with pytest.raises(RackspaceError, match='no access.token.id'):
        connect(params(fake), environ={}, http=http)


# -- agent tokens over HTTP -----------------------------------------------------------------------------------------

def test_list_follows_pages(fake):
    for index in range(2501):
        fake.add('host-%04d' % index)
    items = api_for(fake).list()
    assert len(items) == 2501
    assert [i['id'] for i in items] == sorted(fake.tokens)
    lists = [r for r in fake.requests if r['operation'] == 'list']
    assert len(lists) == 3
    assert 'limit=1000' in lists[0]['path'] and 'marker=' not in lists[0]['path']
    assert 'marker=' in lists[1]['path']


def test_list_small_pages(fake):
    for index in range(7):
        fake.add('h%d' % index)
    items = api_for(fake, page_limit=2).list()
    assert len(items) == 7 and fake.count('list') == 4


def test_list_detects_a_marker_loop(fake):
    api = api_for(fake)
    pages = iter([{'values': [], 'metadata': {'next_marker': 'm1'}}, {'values': [], 'metadata': {'next_marker': 'm1'}}])
    api.http.request = lambda *a, **k: type('R', (), {'json': lambda self: next(pages), 'url': 'u', 'status': 200})()
    with pytest.raises(RackspaceError, match='same next_marker twice'):
        api.list()


def test_list_rejects_a_document_without_values(fake):
    api = api_for(fake)
    api.http.request = lambda *a, **k: type('R', (), {'json': lambda self: {'metadata': {}}, 'url': 'u', 'status': 200})()
    with pytest.raises(RackspaceError, match='no values list'):
        api.list()


def test_create_reads_x_object_id_then_location(fake):
    api = api_for(fake)
    first = api.create('web1')
    assert fake.tokens[first]['label'] == 'web1'
    assert fake.requests[-1]['body'] == {'label': 'web1'}
    assert fake.requests[-1]['headers']['Content-Type'] == 'application/json'
    fake.omit_object_id = True
    second = api.create('web2')
    assert fake.tokens[second]['label'] == 'web2'
    fake.omit_location = True
    with pytest.raises(RackspaceError, match='names no id'):
        api.create('web3')


def test_get_update_delete(fake):
    api = api_for(fake)
    token_id = fake.add('old')
    assert api.get(token_id) == {'id': token_id, 'label': 'old', 'token': token_id}
    assert api.update(token_id, 'new') is True
    assert fake.tokens[token_id]['label'] == 'new'
    assert api.delete(token_id) is True
    assert api.get(token_id) is None
    assert api.update(token_id, 'x') is False
    assert api.delete(token_id) is False


def test_ids_are_redacted_from_errors(fake):
    api = api_for(fake)
    token_id = fake.add('web1')
    fake.faults['get'] = [{'status': 500}] * 4
    with pytest.raises(RackspaceError) as info:
        api.get(token_id)
    text = str(info.value)
    assert token_id not in text and AUTH_TOKEN not in text
    assert 'server error 500 after 4 attempt(s)' in text
    assert info.value.transient is True
    assert token_id not in (info.value.url or '')


@pytest.mark.parametrize('status, match, transient', [
    (400, r'the server rejected the request: fakeFault: injected fault \(fake details\) \(HTTP 400\)', False),
    (401, r'auth token was rejected .*\(HTTP 401\)', False),
    (403, r'permission denied .*Admin role.*\(HTTP 403\)', False),
    (404, r'not found at .*check monitoring_url or tenant_id.*\(HTTP 404\)', False),
    (429, r'server error 429 after 2 attempt\(s\)', True),
    (503, r'server error 503 after 2 attempt\(s\)', True),
])
def test_list_errors_are_mapped(fake, status, match, transient):
    fake.faults['list'] = [{'status': status}] * 2
    api = AgentTokenApi(quick_http(retries=1), fake.monitoring_url(), AUTH_TOKEN)
    with pytest.raises(RackspaceError, match=match) as info:
        api.list()
    assert info.value.status == status
    assert info.value.transient is transient
    assert fake.count('list') == (2 if transient else 1)
    assert str(info.value).startswith('cannot list agent tokens: ')
    assert fail_result(info.value)['status'] == status


def test_wrong_auth_token_is_401(fake):
    api = AgentTokenApi(quick_http(), fake.monitoring_url(), 'not-the-token')
    with pytest.raises(RackspaceError, match='auth token was rejected') as info:
        api.list()
    assert 'not-the-token' not in str(info.value)


def test_rackspace_error_passes_through_and_wraps_connection_failures():
    from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import ConnectionFailure
    own = RackspaceError('x')
    assert rackspace_error(own, 'doing') is own
    wrapped = rackspace_error(ConnectionFailure('GET https://h failed: connection refused', url='https://h'), 'doing')
    assert str(wrapped) == 'doing: GET https://h failed: connection refused'
    assert wrapped.transient is True
    assert fail_result(wrapped) == {'msg': str(wrapped), 'url': 'https://h'}


def test_connection_refused_is_reported(fake):
    http = quick_http(retries=1)
    api = AgentTokenApi(http, 'http://127.0.0.1:9/v1.0/1', AUTH_TOKEN)
    with pytest.raises(RackspaceError, match='cannot list agent tokens: .*failed') as info:
        api.list()
    assert info.value.transient is True and info.value.status is None


# -- entities over HTTP (the same collection code as agent tokens) ---------------------------------------------------

def entity_api(fake, **kwargs):
    return EntityApi(quick_http(**kwargs), fake.monitoring_url(), AUTH_TOKEN)


def test_object_id_from_location():
    assert object_id_from_location('https://h/v1.0/1/entities/enAbC', 'entities') == 'enAbC'
    assert object_id_from_location('https://h/v1.0/1/agent_tokens/enAbC', 'entities') is None
    assert object_id_from_location('', 'entities') is None


def test_entities_list_get_create_update(fake):
    api = entity_api(fake)
    seeded = fake.add_entity('web1', ip_addresses={'eth0_v4': '10.0.0.5'})
    fake.entities[seeded]['ip_addresses'] = None  # a server that sends null
    created = api.create({'label': 'web2', 'agent_id': 'web2'})
    assert fake.requests[-1]['body'] == {'label': 'web2', 'agent_id': 'web2'}
    assert api.list() == [{'id': seeded, 'label': 'web1', 'agent_id': None, 'ip_addresses': {}},
                          {'id': created, 'label': 'web2', 'agent_id': 'web2', 'ip_addresses': {}}]
    assert api.update(seeded, {'agent_id': 'web1'}) is True
    assert fake.requests[-1]['body'] == {'agent_id': 'web1'} and fake.requests[-1]['method'] == 'PUT'
    assert api.get(seeded)['agent_id'] == 'web1'
    assert api.delete(seeded) is True
    assert api.get(seeded) is None and api.update(seeded, {'agent_id': 'x'}) is False
    fake.omit_object_id = True
    assert api.create({'label': 'web3'}) in fake.entities
    fake.omit_location = True
    with pytest.raises(RackspaceError, match=r'the entity was created but .* a Location ending in /entities/ID'):
        api.create({'label': 'web4'})


def test_entity_errors_name_the_collection_and_the_role(fake):
    fake.faults['entity_list'] = [{'status': 403}]
    with pytest.raises(RackspaceError, match=r'^cannot list entities: permission denied \(binding an existing entity '
                                             r'needs the Admin role, creating one the Creator or Admin role\)'):
        entity_api(fake).list()
    fake.faults['entity_update'] = [{'status': 400}]
    with pytest.raises(RackspaceError, match=r"^cannot update the entity 'en1': the server rejected"):
        entity_api(fake).update('en1', {'agent_id': 'x'})


def test_entity_ids_are_not_secrets_but_the_auth_token_is(fake):
    api = entity_api(fake, retries=0)
    entity_id = fake.add_entity('web1')
    fake.faults['entity_get'] = [{'status': 500}]
    with pytest.raises(RackspaceError) as info:
        api.get(entity_id)
    assert entity_id in info.value.url and AUTH_TOKEN not in str(info.value)


def test_create_once():
    calls = []

    def create(retry):
        calls.append(retry)
        if len(calls) == 1:
            raise RackspaceError('lost', transient=True)
        return 'second'
    assert create_once(create, lambda: 'found', retries=3) == 'found' and calls == [False]
    calls.clear()
    assert create_once(create, lambda: None, retries=3) == 'second' and calls == [False, True]
    calls.clear()
    with pytest.raises(RackspaceError, match='lost'):
        create_once(create, lambda: 'found', retries=0)

    def refused(_retry):
        raise RackspaceError('refused', status=400)
    with pytest.raises(RackspaceError, match='refused'):
        create_once(refused, lambda: 'found', retries=3)
