# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Seed options of the Conjur section: host_branch, host_factories_enabled, authn_api_key_default."""

from __future__ import annotations

import base64

import pytest

from conftest import ACCOUNT, HF, HF_ID, KEYS, run_mock, seed_with, start_with_seed

BRANCH_HF = 'ansible-hf'
BRANCH_HF_ID = '%s:host_factory:%s' % (ACCOUNT, BRANCH_HF)
EXISTING = 'data/ansible/existing'
EXISTING_KEY = '1m2n3p4q5r6s7t8v9w0x1y2z3a4b5c6d7e8f9g0h1j2k3m4n5p6q7r8'
POLICY_INVALID = {'error': {'code': 'policy_invalid', 'message': (
    "API key authentication for hosts is disabled by default and will be removed in a future release. Add the "
    "'authn/api-key' annotation to this host with the value 'true' to ensure authentication works as expected for this "
    "host in the future.")}}


def _v4_header(server):
    response = server.post('/api/authn/users/admin/authenticate', data=KEYS['admin'])
    assert response.status_code == 200
    return {'Authorization': 'Token token="%s"' % base64.b64encode(response.content).decode()}


@pytest.fixture(scope='module')
def branch_server(tmp_path_factory):
    seed = seed_with(
        host_factories=[{'id': HF, 'layers': ['provisioning/layer']},
                        {'id': BRANCH_HF, 'layers': ['data/ansible/layer'], 'host_branch': 'data/ansible'}],
        hosts=[{'id': EXISTING, 'owner': BRANCH_HF_ID, 'api_key': EXISTING_KEY},
               {'id': 'data/ansible/foreign', 'owner': '%s:user:admin' % ACCOUNT}])
    server = start_with_seed(tmp_path_factory.mktemp('branch'), seed)
    yield server
    assert server.stop() == 0


@pytest.fixture
def branch(branch_server):
    branch_server.mock('reset', {})
    return branch_server


def test_host_branch_creates_hosts_under_the_branch(branch):
    token = branch.hf_token(hf=BRANCH_HF_ID)
    response = branch.create_host(token, 'web-01', **{'annotations[authn/api-key]': 'true'})
    assert response.status_code == 201
    body = response.json()
    assert body['id'] == '%s:host:data/ansible/web-01' % ACCOUNT and body['owner'] == BRANCH_HF_ID
    branch.authenticate('host/data/ansible/web-01', body['api_key'])
    hosts = {h['id']: h for h in branch.mock('hosts')}
    assert hosts['%s:host:data/ansible/web-01' % ACCOUNT]['layers'] == ['%s:layer:data/ansible/layer' % ACCOUNT]
    assert '%s:host:web-01' % ACCOUNT not in hosts


def test_host_branch_rotates_an_existing_host_of_the_factory(branch):
    token = branch.hf_token(hf=BRANCH_HF_ID)
    response = branch.create_host(token, 'existing')
    assert response.status_code == 201
    assert response.json()['id'] == '%s:host:%s' % (ACCOUNT, EXISTING) and response.json()['policy'] == '%s:policy:root' % ACCOUNT
    old = branch.post('/authn/%s/host%%2Fdata%%2Fansible%%2Fexisting/authenticate' % ACCOUNT, data=EXISTING_KEY)
    assert (old.status_code, old.content) == (401, b'')
    branch.authenticate('host/' + EXISTING, response.json()['api_key'])
    assert branch.mock('stats')['api_key_rotations'] == 1
    foreign = branch.create_host(token, 'foreign')
    assert (foreign.status_code, foreign.content) == (403, b'')


def test_host_branch_checks_the_requested_id(branch):
    token = branch.hf_token(hf=BRANCH_HF_ID)
    response = branch.create_host(token, 'conjur/x')
    assert response.status_code == 422 and response.json() == {'error': {'code': 'argument_error', 'message': 'Invalid id: conjur/x'}}


def test_host_branch_applies_to_v4_too(branch):
    token = branch.post('/api/host_factories/%s/tokens' % BRANCH_HF, headers=_v4_header(branch)).json()[0]['token']
    response = branch.post('/api/host_factories/hosts', params={'id': 'v4-host'}, headers={'Authorization': 'Token token="%s"' % token})
    assert response.status_code == 201
    body = response.json()
    assert body['id'] == 'data/ansible/v4-host' and body['roleid'] == '%s:host:data/ansible/v4-host' % ACCOUNT


def test_factory_without_branch_still_creates_at_the_root(branch):
    response = branch.create_host(branch.hf_token(), 'root-host')
    assert response.json()['id'] == '%s:host:root-host' % ACCOUNT


@pytest.mark.parametrize('branch_value', ['/data', 'data/', 'data//ansible', '', 5])
def test_bad_host_branch_exits_2(tmp_path, branch_value):
    seed = tmp_path / 'seed.json'
    seed.write_text('{"conjur": {"account": "a", "host_factories": [{"id": "hf", "host_branch": %s}]}}'
                    % ('"%s"' % branch_value if isinstance(branch_value, str) else branch_value))
    result = run_mock('--seed', str(seed))
    assert result.returncode == 2 and 'host_factories[].host_branch must be a policy path' in result.stderr


@pytest.fixture(scope='module')
def disabled_server(tmp_path_factory):
    server = start_with_seed(tmp_path_factory.mktemp('hf-off'), seed_with(host_factories_enabled=False))
    yield server
    assert server.stop() == 0


@pytest.fixture
def disabled(disabled_server):
    disabled_server.mock('reset', {})
    return disabled_server


def test_disabled_host_factory_routes_are_no_routes(disabled):
    header = disabled.token_header()
    for method, path, kwargs in (('POST', '/host_factory_tokens', {'data': {'host_factory': HF_ID, 'expiration': '2050-01-01'}}),
                                 ('DELETE', '/host_factory_tokens/sometoken', {})):
        guarded = disabled.request(method, path, **kwargs)
        assert (guarded.status_code, guarded.text) == (401, 'Authorization missing')  # the middleware still runs
        response = disabled.request(method, path, headers=header, **kwargs)
        assert (response.status_code, response.content) == (404, b'')
    for headers in ({}, {'Authorization': 'Token token="anything"'}):
        response = disabled.post('/host_factories/hosts', data={'id': 'x'}, headers=headers)
        assert (response.status_code, response.content) == (404, b'')  # not guarded by the middleware


def test_disabled_host_factory_resource_is_not_found(disabled):
    response = disabled.get('/resources/%s/host_factory/%s' % (ACCOUNT, HF.replace('/', '%2F')), headers=disabled.token_header())
    assert response.status_code == 404 and response.headers['Content-Type'] == 'application/json; charset=utf-8'
    assert response.json() == {'error': {'code': 'not_found', 'message': "Host_factory '%s' not found in account '%s'" % (HF, ACCOUNT),
                                         'target': 'host_factory', 'details': {'code': 'not_found', 'target': 'id', 'message': HF_ID}}}


def test_disabled_v4_host_factory_routes_are_no_routes(disabled):
    header = _v4_header(disabled)
    for method, path in (('POST', '/api/host_factories/%s/tokens' % HF), ('GET', '/api/host_factories/%s' % HF),
                         ('DELETE', '/api/host_factories/tokens/sometoken'), ('POST', '/api/host_factories/hosts')):
        response = disabled.request(method, path, headers=header)
        assert (response.status_code, response.content) == (404, b''), (method, path)


def test_disabled_host_factories_leave_the_rest_working(disabled):
    header = disabled.token_header()
    assert disabled.get('/whoami', headers=header).status_code == 200
    disabled.post('/host_factory_tokens', data={'host_factory': HF_ID}, headers=header)
    stats = disabled.mock('stats')
    assert stats['requests']['POST /host_factory_tokens'] == 1 and stats['tokens_active'] == 0


@pytest.mark.parametrize('key', ['host_factories_enabled', 'authn_api_key_default'])
def test_flags_must_be_booleans(tmp_path, key):
    seed = tmp_path / 'seed.json'
    seed.write_text('{"conjur": {"account": "a", "%s": "false"}}' % key)
    result = run_mock('--seed', str(seed))
    assert result.returncode == 2 and 'conjur.%s must be true or false' % key in result.stderr


def test_api_key_default_false_refuses_new_hosts_without_annotation(tmp_path):
    server = start_with_seed(tmp_path, seed_with(authn_api_key_default=False))
    try:
        token = server.hf_token()
        refused = server.create_host(token, 'plain-host')
        assert refused.status_code == 422 and refused.headers['Content-Type'] == 'application/json; charset=utf-8'
        assert refused.json() == POLICY_INVALID
        false_annotation = server.create_host(token, 'plain-host', **{'annotations[authn/api-key]': 'false'})
        assert false_annotation.json() == POLICY_INVALID
        v4 = server.post('/api/host_factories/hosts', params={'id': 'v4-plain'}, headers={'Authorization': 'Token token="%s"' % token})
        assert v4.status_code == 422 and v4.json() == {'error': {'kind': 'ArgumentError', 'message': POLICY_INVALID['error']['message']}}
        assert server.mock('stats')['hosts'] == 2
        assert server.create_host(token, 'plain-host', **{'annotations[authn/api-key]': 'true'}).status_code == 201
        assert server.create_host(token, 'existing-host').status_code == 201  # rotation of an existing host is not refused
    finally:
        assert server.stop() == 0
