# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the hostfactory_token module: option validation, check mode, reuse, revoke, output hygiene.

The parsing of durations, expirations and CIDRs is tested in module_utils/test__hostfactory_tokens.py.
"""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._hostfactory_tokens import parse_iso8601, seconds_left
from ansible_collections.hostfactory.enrollment.plugins.modules import hostfactory_token as module
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.conjur_fake import (
    API_KEY,
    AUTHN_OK,
    HF_TOKEN,
    token_not_found,
)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)
CONN = {'appliance_url': 'https://conjur.example.com', 'account': 'myorg', 'login': 'admin', 'api_key': API_KEY,
        'config_file': '/nonexistent/conjur.conf'}
AUTHN = '/authn/myorg/admin/authenticate'
HF_URL = '/resources/myorg/host_factory/provisioning%2Fhosts'


def args(**kwargs):
    result = dict(CONN, host_factory='provisioning/hosts')
    result.update(kwargs)
    return result


def future(**delta):
    return (datetime.datetime.now(UTC) + datetime.timedelta(**delta)).strftime('%Y-%m-%dT%H:%M:%SZ')


# -- argument validation through AnsibleModule ----------------------------------------------------------------------

@pytest.mark.parametrize('patch_ansible_module, message', [
    (args(expiration='2050-01-01T00:00:00Z', duration='1h'), 'parameters are mutually exclusive: expiration|duration'),
    (args(duration='soon'), "duration 'soon' is not valid"),
    (args(duration='1h', cidr=['10.0.0.1/8']), "Did you mean '10.0.0.0/8'?"),
    (args(expiration='2001-01-01T00:00:00Z'), "expiration '2001-01-01T00:00:00Z' must be in the future"),
    (args(duration='1h', count=0), 'count must be 1 or more'),
    (args(), 'one of expiration or duration is required'),
    ({k: v for k, v in args(duration='1h').items() if k != 'host_factory'},
     'state is present but all of the following are missing: host_factory'),
    (args(state='absent'), 'state is absent but any of the following are missing: token, tokens, all_tokens'),
    ({k: v for k, v in args(state='absent', all_tokens=True).items() if k != 'host_factory'},
     'all_tokens is True but all of the following are missing: host_factory'),
    (args(state='absent', all_tokens=True, token=HF_TOKEN), 'do not also give token or tokens'),
    (args(state='absent', all_tokens=False), 'none of token, tokens or all_tokens=true is given'),
    (args(duration='1h', ca_path='/a', ca_content='b'), 'parameters are mutually exclusive: ca_path|ca_content'),
    (args(duration='1h', appliance_url='ftp://conjur'), 'appliance_url must be an https:// URL'),
    (args(duration='1h', login=None, api_key=None), 'missing Conjur credentials'),
], indirect=['patch_ansible_module'])
def test_invalid_options_fail_without_any_request(patch_ansible_module, message, server, run_module):
    result = run_module(module.main)
    assert result['failed'] is True
    assert message in result['msg']
    assert server.calls == []


# -- present --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('patch_ansible_module', [
    args(duration='2h', cidr=['192.0.2.1'], count=2, _ansible_check_mode=True, _ansible_diff=True),
], indirect=True)
def test_check_mode_sends_no_request_and_predicts_change(patch_ansible_module, server, run_module):
    result = run_module(module.main)
    assert server.calls == []
    assert result['changed'] is True
    assert result['tokens'] == []
    assert result['host_factory'] == 'myorg:host_factory:provisioning/hosts'
    after = result['diff']['after']['tokens']
    assert len(after) == 2 and after[0]['cidr'] == ['192.0.2.1/32']
    assert result['diff']['before']['tokens'] == []


@pytest.mark.parametrize('patch_ansible_module', [args(duration='2h', cidr=['192.0.2.1'], _ansible_diff=True)],
                         indirect=True)
def test_mint_with_duration_and_cidr(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('POST', '/host_factory_tokens',
              (200, [{'expiration': future(hours=2), 'cidr': ['192.0.2.1/32'], 'token': HF_TOKEN}]))
    before = datetime.datetime.now(UTC).replace(microsecond=0)
    result = run_module(module.main)
    assert result['changed'] is True
    assert result['tokens'][0]['token'] == HF_TOKEN
    assert result['reused'] == 0
    form = dict(server.form(1))
    sent = parse_iso8601(form['expiration'])
    assert before + datetime.timedelta(hours=2) <= sent <= before + datetime.timedelta(hours=2, seconds=5)
    assert form['cidr[]'] == '192.0.2.1/32'
    assert form['host_factory'] == 'myorg:host_factory:provisioning/hosts'
    assert HF_TOKEN not in json.dumps(result['diff'])


@pytest.mark.parametrize('patch_ansible_module', [args(expiration='2050-12-31T00:00:00+02:00', count=3)],
                         indirect=True)
def test_mint_with_expiration_sends_utc(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('POST', '/host_factory_tokens', (200, [
        {'expiration': '2050-12-30T22:00:00Z', 'cidr': [], 'token': HF_TOKEN + str(i)} for i in range(3)]))
    result = run_module(module.main)
    assert len(result['tokens']) == 3
    assert dict(server.form(1))['expiration'] == '2050-12-30T22:00:00Z'
    assert dict(server.form(1))['count'] == '3'


@pytest.mark.parametrize('patch_ansible_module', [args(duration='1h', api_version=4,
                                                       appliance_url='https://conjur4/api')], indirect=True)
def test_v4_mint_route(patch_ansible_module, server, run_module):
    server.on('POST', '/api/authn/users/admin/authenticate', AUTHN_OK)
    server.on('POST', '/api/host_factories/provisioning%2Fhosts/tokens',
              (200, [{'token': HF_TOKEN, 'expiration': future(hours=1), 'cidr': []}]))
    result = run_module(module.main)
    assert result['changed'] is True and result['tokens'][0]['token'] == HF_TOKEN


@pytest.mark.parametrize('patch_ansible_module', [args(api_version=4, appliance_url='https://conjur4/api')],
                         indirect=True)
def test_v4_expiration_is_optional(patch_ansible_module, server, run_module):
    server.on('POST', '/api/authn/users/admin/authenticate', AUTHN_OK)
    server.on('POST', '/api/host_factories/provisioning%2Fhosts/tokens',
              (200, [{'token': HF_TOKEN, 'expiration': future(hours=1), 'cidr': []}]))
    result = run_module(module.main)
    assert result['changed'] is True
    # the server's own default (one hour), sent explicitly so that a lost answer can be recognised
    assert 3590 < seconds_left(dict(server.form(1))['expiration']) <= 3600


REUSE = args(duration='1h', cidr=['10.0.0.0/8'], reuse=True, min_remaining='10m')


@pytest.mark.parametrize('patch_ansible_module', [REUSE, dict(REUSE, _ansible_check_mode=True)], indirect=True)
def test_reuse_returns_existing_token_without_minting(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('GET', HF_URL, (200, {'tokens': [
        {'token': 'short' * 10, 'expiration': future(minutes=5), 'cidr': ['10.0.0.0/8']},
        {'token': HF_TOKEN, 'expiration': future(minutes=50), 'cidr': ['10.0.0.0/8']},
        {'token': 'other' * 10, 'expiration': future(hours=5), 'cidr': []}]}))
    result = run_module(module.main)
    assert result['changed'] is False
    assert result['reused'] == 1
    assert [t['token'] for t in result['tokens']] == [HF_TOKEN]
    assert server.paths() == ['POST ' + AUTHN, 'GET ' + HF_URL]


@pytest.mark.parametrize('patch_ansible_module', [dict(REUSE, count=2)], indirect=True)
def test_reuse_tops_up_missing_tokens(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('GET', HF_URL, (200, {'tokens': [
        {'token': HF_TOKEN, 'expiration': future(minutes=50), 'cidr': ['10.0.0.0/8']}]}))
    server.on('POST', '/host_factory_tokens',
              (200, [{'token': 'new' * 18, 'expiration': future(hours=1), 'cidr': ['10.0.0.0/8']}]))
    result = run_module(module.main)
    assert result['changed'] is True
    assert [t['token'] for t in result['tokens']] == [HF_TOKEN, 'new' * 18]
    assert dict(server.form(2))['count'] == '1'


# -- absent ---------------------------------------------------------------------------------------------------------

TOKEN_B = 'b' * 52


@pytest.mark.parametrize('patch_ansible_module', [
    args(state='absent', token=HF_TOKEN, tokens=[{'token': TOKEN_B, 'expiration': 'x', 'cidr': []}])], indirect=True)
def test_revoke_counts_only_existing_tokens(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('DELETE', '/host_factory_tokens/' + HF_TOKEN, (204, ''))
    server.on('DELETE', '/host_factory_tokens/' + TOKEN_B, token_not_found(TOKEN_B))
    result = run_module(module.main)
    assert result['changed'] is True
    assert result['revoked'] == 1


@pytest.mark.parametrize('patch_ansible_module', [args(state='absent', tokens=[HF_TOKEN, TOKEN_B])], indirect=True)
def test_revoke_again_is_not_a_change(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    for token in (HF_TOKEN, TOKEN_B):
        server.on('DELETE', '/host_factory_tokens/' + token, token_not_found(token))
    result = run_module(module.main)
    assert result['changed'] is False
    assert result['revoked'] == 0
    assert len(server.calls) == 3
    assert HF_TOKEN not in json.dumps(result)


@pytest.mark.parametrize('patch_ansible_module', [args(state='absent', tokens=[HF_TOKEN])], indirect=True)
def test_revoke_without_host_factory_route_fails(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)  # the fake answers 404 with an empty body for every other route
    result = run_module(module.main)
    assert result['failed'] is True
    assert result['msg'].startswith('cannot revoke the host factory token: no host factory route at ')
    assert 'host factories are switched off on this server' in result['msg']
    assert HF_TOKEN not in json.dumps(result)


@pytest.mark.parametrize('patch_ansible_module', [args(state='absent', token=HF_TOKEN)], indirect=True)
def test_revoke_forbidden_never_shows_the_token(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('DELETE', '/host_factory_tokens/' + HF_TOKEN, (403, 'token %s' % HF_TOKEN))
    result = run_module(module.main)
    assert result['failed'] is True
    assert "login 'admin' has no update privilege" in result['msg']
    assert HF_TOKEN not in json.dumps(result)


@pytest.mark.parametrize('patch_ansible_module', [
    {k: v for k, v in args(state='absent', tokens=[HF_TOKEN], _ansible_check_mode=True).items()
     if k != 'host_factory'}], indirect=True)
def test_absent_check_mode_without_host_factory_sends_nothing(patch_ansible_module, server, run_module):
    result = run_module(module.main)
    assert server.calls == []
    assert result['changed'] is True and result['revoked'] == 1


@pytest.mark.parametrize('patch_ansible_module', [
    args(state='absent', tokens=[HF_TOKEN, TOKEN_B], _ansible_check_mode=True, _ansible_diff=True)], indirect=True)
def test_absent_check_mode_reads_the_host_factory(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('GET', HF_URL, (200, {'tokens': [{'token': TOKEN_B, 'expiration': future(hours=1), 'cidr': []}]}))
    result = run_module(module.main)
    assert server.paths() == ['POST ' + AUTHN, 'GET ' + HF_URL]
    assert result['revoked'] == 1 and result['changed'] is True
    assert result['diff'] == {'before': {'tokens_to_revoke': 1}, 'after': {'tokens_to_revoke': 0}}


@pytest.mark.parametrize('patch_ansible_module', [args(duration='1h', appliance_url='http://conjur.example.com')],
                         indirect=True)
def test_http_url_warns(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('POST', '/host_factory_tokens', (200, [{'token': HF_TOKEN, 'expiration': future(hours=1), 'cidr': []}]))
    result = run_module(module.main)
    assert 'appliance_url http://conjur.example.com uses http://' in json.dumps(result['warnings'])


# -- absent, all_tokens ------------------------------------------------------------------------------------------------

LISTED = [{'token': HF_TOKEN, 'expiration': future(hours=1), 'cidr': []},
          {'token': TOKEN_B, 'expiration': future(hours=2), 'cidr': ['10.0.0.0/8']}]
ALL = args(state='absent', all_tokens=True)


@pytest.mark.parametrize('patch_ansible_module', [dict(ALL, _ansible_diff=True)], indirect=True)
def test_all_tokens_revokes_what_the_host_factory_lists(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('GET', HF_URL, (200, {'tokens': LISTED}))
    server.on('DELETE', '/host_factory_tokens/' + HF_TOKEN, (204, ''))
    server.on('DELETE', '/host_factory_tokens/' + TOKEN_B, (204, ''))
    result = run_module(module.main)
    assert result['changed'] is True and result['revoked'] == 2 and result['tokens'] == []
    assert server.paths() == ['POST ' + AUTHN, 'GET ' + HF_URL, 'DELETE /host_factory_tokens/' + HF_TOKEN,
                              'DELETE /host_factory_tokens/' + TOKEN_B]
    assert len(result['diff']['before']['tokens']) == 2 and result['diff']['after']['tokens'] == []
    assert result['diff']['before']['tokens'][1]['cidr'] == ['10.0.0.0/8']
    assert HF_TOKEN not in json.dumps(result) and TOKEN_B not in json.dumps(result)


@pytest.mark.parametrize('patch_ansible_module', [dict(ALL, _ansible_check_mode=True, _ansible_diff=True)],
                         indirect=True)
def test_all_tokens_check_mode_counts_without_revoking(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('GET', HF_URL, (200, {'tokens': LISTED}))
    result = run_module(module.main)
    assert result['changed'] is True and result['revoked'] == 2
    assert server.paths() == ['POST ' + AUTHN, 'GET ' + HF_URL]
    assert HF_TOKEN not in json.dumps(result)


@pytest.mark.parametrize('patch_ansible_module', [ALL], indirect=True)
def test_all_tokens_without_tokens_changes_nothing(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('GET', HF_URL, (200, {'tokens': []}))
    result = run_module(module.main)
    assert result['changed'] is False and result['revoked'] == 0
    assert server.paths() == ['POST ' + AUTHN, 'GET ' + HF_URL]


@pytest.mark.parametrize('patch_ansible_module', [ALL], indirect=True)
def test_all_tokens_without_update_fails_clearly(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('GET', HF_URL, (200, {'tokens': LISTED}))
    server.on('DELETE', '/host_factory_tokens/' + HF_TOKEN, (403, ''))
    result = run_module(module.main)
    assert result['failed'] is True
    assert result['msg'] == ("cannot revoke the host factory token: login 'admin' has no update privilege on the "
                             "token's host factory (HTTP 403)")
    assert HF_TOKEN not in json.dumps(result)
