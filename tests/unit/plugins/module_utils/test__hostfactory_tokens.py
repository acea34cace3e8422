# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _hostfactory_tokens: durations, expirations, CIDR restrictions, reuse selection, lost mint answers,
what may be shown of a token, revoking every token of a host factory, and which privileges a host factory shows for
a role."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import ConjurClient, ConjurError, http_client
from ansible_collections.hostfactory.enrollment.plugins.module_utils import _hostfactory_tokens as hostfactory_tokens
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import ConjurConnection
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import ParameterError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._hostfactory_tokens import (
    MAX_DURATION,
    describe,
    ensure_absent,
    ensure_present,
    expiration_after,
    mint_one,
    mint_tokens,
    minted_by,
    normalize_cidrs,
    parse_duration,
    parse_expiration,
    parse_iso8601,
    reusable_tokens,
    seconds_left,
    token_info,
    unconfirmed_privileges,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import ConnectionFailure, ResponseError
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.conjur_fake import (
    AUTHN_OK,
    BASE,
    HF_TOKEN,
    FakeServer,
    resolve,
)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)


# -- option parsing -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('text, seconds', [('3600', 3600), ('90s', 90), ('30m', 1800), ('2h', 7200), ('1d', 86400),
                                           ('1w', 604800), ('1h30m', 5400), (' 2H ', 7200)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize('text', ['', 'abc', '10x', '-5', '1.5h', 'h', '30 m', '0', '0m'])
def test_parse_duration_rejects(text):
    with pytest.raises(ParameterError) as info:
        parse_duration(text)
    assert "duration '%s'" % text in str(info.value)


@pytest.mark.parametrize('text', ['99999999999999999999w', '366d', '31536001', '52w2d', '9' * 400 + 's'])
def test_parse_duration_caps_at_one_year(text):
    with pytest.raises(ParameterError) as info:
        parse_duration(text, 'token_duration')
    assert str(info.value).startswith("token_duration '") and 'is too long: at most 365d (one year)' in str(info.value)
    assert len(str(info.value)) < 120  # a huge value is not echoed whole


def test_parse_duration_accepts_the_cap():
    assert parse_duration('365d') == parse_duration('31536000') == MAX_DURATION


@pytest.mark.parametrize('text', ['\u00b2', '\u0661\u0662', '5\u00b2m'])
def test_parse_duration_refuses_non_ascii_digits_cleanly(text):
    with pytest.raises(ParameterError, match='is not valid'):
        parse_duration(text)


def test_expiration_after_a_huge_duration_is_a_parameter_error_not_an_overflow():
    with pytest.raises(ParameterError, match='too long'):
        expiration_after('99999999999999999999w', NOW, 'duration')


def test_parse_duration_zero_allowed_for_min_remaining():
    assert parse_duration('0', 'min_remaining', allow_zero=True) == 0


@pytest.mark.parametrize('text, expected', [
    ('2050-12-31T00:00:00Z', '2050-12-31T00:00:00'),
    ('2050-12-31t00:00:00z', '2050-12-31T00:00:00'),
    ('2050-12-31T00:00:00+02:00', '2050-12-30T22:00:00'),
    ('2050-12-31T00:00:00-0130', '2050-12-31T01:30:00'),
    ('2050-12-31T10:11:12.123456789', '2050-12-31T10:11:12'),
    ('2050-12-31T10:11', '2050-12-31T10:11:00'),
    ('2050-12-31', '2050-12-31T00:00:00'),
])
def test_parse_iso8601(text, expected):
    moment = parse_iso8601(text)
    assert moment.tzinfo is not None
    assert moment.strftime('%Y-%m-%dT%H:%M:%S') == expected


@pytest.mark.parametrize('text', ['2050-12-31 00:00:00', '12345', 'tomorrow', '2050-13-01T00:00:00Z', ''])
def test_parse_iso8601_rejects(text):
    with pytest.raises(ParameterError, match='expiration'):
        parse_iso8601(text)


def test_parse_expiration_must_be_future():
    with pytest.raises(ParameterError, match='must be in the future'):
        parse_expiration('2029-12-31T23:59:59Z', now=NOW)
    assert parse_expiration('2030-01-01T12:00:01Z', now=NOW) > NOW


@pytest.mark.parametrize('given, expected', [
    (['127.0.0.1'], ['127.0.0.1/32']),
    (['::1'], ['::1/128']),
    (['10.0.0.0/8', '10.0.0.0/8'], ['10.0.0.0/8']),
    (['10.0.0.0/255.255.0.0'], ['10.0.0.0/16']),
    (['2001:0db8::/32'], ['2001:db8::/32']),
    (['0.0.0.0/0', ' 192.0.2.1 '], ['0.0.0.0/0', '192.0.2.1/32']),
    ([], []),
    (None, []),
])
def test_normalize_cidrs(given, expected):
    assert normalize_cidrs(given) == expected


def test_cidr_with_host_bits_is_rejected_like_the_server():
    with pytest.raises(ParameterError) as info:
        normalize_cidrs(['10.0.0.1/8'])
    assert str(info.value) == ("cidr: Invalid IP address or CIDR range '10.0.0.1/8': Value has bits set to right of "
                               "mask. Did you mean '10.0.0.0/8'?")


@pytest.mark.parametrize('bad', ['1.895.abc.0/32', 'ip.address', '', 'localhost', '10.0.0.0/33'])
def test_invalid_cidr(bad):
    with pytest.raises(ParameterError) as info:
        normalize_cidrs([bad])
    assert str(info.value) == "cidr: Invalid IP address or CIDR range '%s'" % bad


def test_reusable_tokens_filters_by_cidr_and_remaining_lifetime():
    tokens = [
        {'token': 'a', 'expiration': '2030-01-01T12:04:00Z', 'cidr': []},            # too short
        {'token': 'b', 'expiration': '2030-01-01T13:00:00Z', 'cidr': []},
        {'token': 'c', 'expiration': '2030-01-01T14:00:00Z', 'cidr': ['10.0.0.0/8']},  # other cidr
        {'token': 'd', 'expiration': '2030-01-01T15:00:00Z', 'cidr': []},
        {'token': 'e', 'expiration': 'garbage', 'cidr': []},
    ]
    assert [t['token'] for t in reusable_tokens(tokens, [], 300, NOW)] == ['d', 'b']
    assert [t['token'] for t in reusable_tokens(tokens, ['10.0.0.0/8'], 300, NOW)] == ['c']
    assert [t['token'] for t in reusable_tokens(tokens, [], 0, NOW)] == ['d', 'b', 'a']
    assert reusable_tokens(tokens, [], 4 * 3600, NOW) == []


def test_reusable_tokens_never_outlive_the_requested_expiration():
    batch = {'token': 'batch', 'expiration': '2035-01-31T12:00:00Z', 'cidr': []}  # minted for another purpose
    mine = {'token': 'mine', 'expiration': '2030-01-01T12:50:00Z', 'cidr': []}
    late = {'token': 'late', 'expiration': '2030-01-01T13:01:00Z', 'cidr': []}  # a minute of clock rounding
    later = {'token': 'later', 'expiration': '2030-01-01T13:01:01Z', 'cidr': []}
    wanted = '2030-01-01T13:00:00Z'  # duration 1h from NOW
    found = reusable_tokens([batch, mine, late, later], [], 1800, NOW, wanted)
    assert [t['token'] for t in found] == ['late', 'mine']
    assert reusable_tokens([batch, mine], [], 3300, NOW, wanted) == []  # 50 minutes left is less than 55
    assert [t['token'] for t in reusable_tokens([batch, mine], [], 1800, NOW)] == ['batch', 'mine']  # v4 default


def test_seconds_left():
    soon = (datetime.datetime.now(UTC) + datetime.timedelta(seconds=3600)).strftime('%Y-%m-%dT%H:%M:%SZ')
    assert 3590 < seconds_left(soon) <= 3600
    assert seconds_left(None) is None
    assert seconds_left('not a date') is None


# -- minting without orphans: a lost answer is recovered by listing, never by a blind retry ---------------------------

HF = 'myorg:host_factory:provisioning/hosts'
MINT = 'POST /host_factory_tokens'
LIST = 'GET /resources/myorg/host_factory/provisioning%2Fhosts'
EXPIRATION = '2050-01-01T00:00:00Z'


def make_client(retries=3, api_version=5):
    args = dict(BASE, retries=retries)
    if api_version == 4:
        args.update(appliance_url='https://conjur4/api', api_version=4)
    connection = resolve(args)
    delays = []
    http = http_client(connection, sleep=delays.append)
    server = FakeServer(http)
    server.on('POST', '/authn/myorg/admin/authenticate', AUTHN_OK)
    server.on('POST', '/api/authn/users/admin/authenticate', (200, '{"data":"admin","signature":"x"}'))
    return ConjurClient(connection, http=http), server, delays


def token(value, expiration=EXPIRATION, cidr=()):
    return {'expiration': expiration, 'cidr': list(cidr), 'token': value}


def truncated():
    return ResponseError('POST https://conjur.example.com/host_factory_tokens: truncated response body (10 bytes '
                         'read, 90 more expected)', status=200, transient=True)


def timed_out():
    return ConnectionFailure('POST https://conjur.example.com/host_factory_tokens failed: timed out reading the '
                             'response after 2s')


def listing(*tokens):
    return (200, {'id': HF, 'tokens': list(tokens)})


def test_minted_by_matches_the_exact_second_and_cidr_set():
    tokens = [token('a'), token('b', '2050-01-01T00:00:01Z'), token('c', cidr=['10.0.0.0/8']),
              token('d', '2050-01-01T00:00:00.000+00:00'), token('e', 'garbage'), token('f')]
    assert [t['token'] for t in minted_by(tokens, EXPIRATION, [])] == ['a', 'd', 'f']
    assert [t['token'] for t in minted_by(tokens, '2050-01-01T01:00:00+01:00', [], known=['a'])] == ['d', 'f']
    assert [t['token'] for t in minted_by(tokens, EXPIRATION, ['10.0.0.0/8'])] == ['c']


@pytest.mark.parametrize('lost', [truncated, timed_out, lambda: (503, '<html>busy</html>')])
def test_a_lost_answer_adopts_what_the_server_minted_without_minting_again(lost):
    client, server, delays = make_client()
    server.on('POST', '/host_factory_tokens', lost())
    server.on('GET', '/resources/myorg/host_factory/provisioning%2Fhosts',
              listing(token('old', '2049-01-01T00:00:00Z'), token(HF_TOKEN), token('other', cidr=['10.0.0.0/8'])))
    tokens = mint_tokens(client, HF, EXPIRATION, 1, [])
    assert [t['token'] for t in tokens] == [HF_TOKEN]
    assert server.paths().count(MINT) == 1 and server.paths().count(LIST) == 1
    assert delays == []


def test_nothing_minted_then_it_mints_again_once_per_attempt_with_backoff():
    client, server, delays = make_client(retries=3)
    server.on('POST', '/host_factory_tokens', (502, ''), timed_out(), (200, [token(HF_TOKEN)]))
    server.on('GET', '/resources/myorg/host_factory/provisioning%2Fhosts', listing(token('old', '2049-01-01T00:00:00Z')))
    assert mint_tokens(client, HF, EXPIRATION, 1, [])[0]['token'] == HF_TOKEN
    assert server.paths().count(MINT) == 3 and server.paths().count(LIST) == 2
    assert len(delays) == 2


def test_the_retry_budget_bounds_the_mints_and_the_message_counts_them():
    client, server, _delays = make_client(retries=2)
    server.on('POST', '/host_factory_tokens', (503, ''))
    server.on('GET', '/resources/myorg/host_factory/provisioning%2Fhosts', listing())
    with pytest.raises(ConjurError) as info:
        mint_tokens(client, HF, EXPIRATION, 1, [])
    assert 'cannot create host factory tokens: server error 503 after 3 attempts' in str(info.value)
    assert server.paths().count(MINT) == 3 and server.paths().count(LIST) == 3


def test_a_failed_login_is_not_a_lost_answer():
    client, server, _delays = make_client(retries=1)
    server.on('POST', '/authn/myorg/admin/authenticate', (503, ''))
    with pytest.raises(ConjurError) as info:
        mint_tokens(client, HF, EXPIRATION, 1, [])
    assert str(info.value) == 'cannot authenticate to Conjur: server error 503 after 2 attempts'
    assert MINT not in server.paths() and LIST not in server.paths()


def test_a_refusal_is_not_recovered():
    client, server, _delays = make_client()
    server.on('POST', '/host_factory_tokens', (403, ''))
    with pytest.raises(ConjurError, match='no execute privilege'):
        mint_tokens(client, HF, EXPIRATION, 1, [])
    assert server.paths().count(MINT) == 1 and LIST not in server.paths()


@pytest.mark.parametrize('status, why', [(403, "login 'admin' may not read host factory '%s' (HTTP 403)" % HF),
                                         (404, "login 'admin' may not read host factory '%s' (HTTP 404)" % HF)])
def test_without_read_a_lost_answer_fails_and_says_when_a_token_would_expire(status, why):
    client, server, _delays = make_client()
    server.on('POST', '/host_factory_tokens', truncated())
    server.on('GET', '/resources/myorg/host_factory/provisioning%2Fhosts', (status, ''))
    with pytest.raises(ConjurError) as info:
        mint_tokens(client, HF, EXPIRATION, 1, [])
    message = str(info.value)
    assert message.startswith('cannot create host factory tokens: the answer to the request was lost (POST ')
    assert why in message and 'stays valid until %s unless revoked' % EXPIRATION in message
    assert '\n' not in message and server.paths().count(MINT) == 1


def test_a_concurrent_identical_mint_is_adopted_too_and_reported():
    client, server, _delays = make_client()
    server.on('POST', '/host_factory_tokens', truncated())
    server.on('GET', '/resources/myorg/host_factory/provisioning%2Fhosts',
              listing(token(HF_TOKEN), token(HF_TOKEN[::-1])))
    result = ensure_present(client, {'host_factory': 'provisioning/hosts', 'duration': None,
                                     'expiration': EXPIRATION, 'count': 1, 'cidr': []})
    assert [t['token'] for t in result['tokens']] == [HF_TOKEN, HF_TOKEN[::-1]]
    assert 'all are returned' in result['warnings'][0] and HF_TOKEN not in result['warnings'][0]


def test_reused_tokens_are_not_adopted_again():
    client, server, _delays = make_client()
    server.on('GET', '/resources/myorg/host_factory/provisioning%2Fhosts', listing(token('reused-token-value')))
    server.on('POST', '/host_factory_tokens', truncated(), (200, [token(HF_TOKEN)]))
    result = ensure_present(client, {'host_factory': 'provisioning/hosts', 'duration': None, 'reuse': True,
                                     'min_remaining': '0', 'expiration': EXPIRATION, 'count': 2, 'cidr': []})
    assert [t['token'] for t in result['tokens']] == ['reused-token-value', HF_TOKEN]
    assert server.paths().count(MINT) == 2


def test_mint_one_returns_every_token_of_a_lost_answer(monkeypatch):
    monkeypatch.setattr(hostfactory_tokens, 'utcnow', lambda: NOW)
    client, server, _delays = make_client()
    server.on('POST', '/host_factory_tokens', timed_out())
    server.on('GET', '/resources/myorg/host_factory/provisioning%2Fhosts',
              listing(token(HF_TOKEN, '2030-01-01T12:10:00Z', ['10.0.0.0/8']), token('x', '2030-01-01T12:10:00Z')))
    tokens = mint_one(client, 'provisioning/hosts', '10m', ['10.0.0.0/8'])
    assert [t['token'] for t in tokens] == [HF_TOKEN]
    assert dict(server.form(1))['expiration'] == '2030-01-01T12:10:00Z'


def test_v4_sends_the_server_default_expiration_explicitly(monkeypatch):
    monkeypatch.setattr(hostfactory_tokens, 'utcnow', lambda: NOW)
    client, server, _delays = make_client(api_version=4)
    server.on('POST', '/api/host_factories/provisioning%2Fhosts/tokens', (200, [token(HF_TOKEN, '2030-01-01T13:00:00Z')]))
    result = ensure_present(client, {'host_factory': 'provisioning/hosts', 'duration': None, 'expiration': None,
                                     'count': 1, 'cidr': []})
    assert result['tokens'][0]['token'] == HF_TOKEN
    assert dict(server.form(1))['expiration'] == '2030-01-01T13:00:00Z'


# -- what may be shown of a token -----------------------------------------------------------------------------------

TOKEN_A = '1bcarsc2bqvsxt6cnd74xem8yf15gtma71vp23y315n0z201c1jza7'
TOKEN_B = '2hq4r8t0w2y5z7b9d1f3h5k7m9p1r3t5v7x9z1b3d5f7h9k1m3p5r'


def test_describe_shows_a_fingerprint_never_the_value():
    token = {'token': TOKEN_A, 'expiration': '2030-01-01T13:00:00Z', 'cidr': ['10.0.0.0/8']}
    shown = describe(token, NOW)
    assert shown == {'fingerprint': hashlib.sha256(TOKEN_A.encode()).hexdigest()[:16],
                     'expiration': '2030-01-01T13:00:00Z', 'cidr': ['10.0.0.0/8'], 'expired': False}
    assert TOKEN_A not in json.dumps(shown)


@pytest.mark.parametrize('expiration, expired', [('2030-01-01T11:59:59Z', True), ('2030-01-01T12:00:00Z', True),
                                                 ('2030-01-01T12:00:01Z', False), ('garbage', False)])
def test_describe_expired_by_the_clock(expiration, expired):
    assert describe({'token': TOKEN_A, 'expiration': expiration, 'cidr': []}, NOW)['expired'] is expired


class FakeClient:
    """Stands in for ConjurClient: one host factory with tokens; revoking removes them."""

    def __init__(self, tokens, gone=()):
        self.connection = ConjurConnection('https://conjur.example.com', 'myorg')
        self.tokens = [dict(t) for t in tokens]
        self.gone = set(gone)  # revoked by someone else between the listing and the revocation
        self.calls = []

    def get_host_factory(self, full_id):
        self.calls.append(('get', full_id))
        return {'id': full_id, 'tokens': [dict(t) for t in self.tokens]}

    def revoke_token(self, token):
        self.calls.append(('revoke', token))
        self.tokens = [t for t in self.tokens if t['token'] != token]
        return token not in self.gone


TOKENS = [{'token': TOKEN_A, 'expiration': '2050-01-01T00:00:00Z', 'cidr': []},
          {'token': TOKEN_B, 'expiration': '2001-01-01T00:00:00Z', 'cidr': ['10.0.0.0/8']}]
HF = 'myorg:host_factory:provisioning/hosts'


def test_token_info_lists_every_token_without_values():
    client = FakeClient(TOKENS)
    result = token_info(client, {'host_factory': 'provisioning/hosts'})
    assert result['changed'] is False and result['host_factory'] == HF
    assert [t['expired'] for t in result['tokens']] == [False, True]
    assert [t['fingerprint'] for t in result['tokens']] == [describe(t)['fingerprint'] for t in TOKENS]
    assert TOKEN_A not in json.dumps(result) and TOKEN_B not in json.dumps(result)
    assert client.calls == [('get', HF)]


def test_revoke_all_revokes_every_token_and_is_idempotent():
    client = FakeClient(TOKENS)
    params = {'host_factory': 'provisioning/hosts', 'all_tokens': True}
    result = ensure_absent(client, params, diff=True)
    assert result['changed'] is True and result['revoked'] == 2 and result['tokens'] == []
    assert [c for c in client.calls if c[0] == 'revoke'] == [('revoke', TOKEN_A), ('revoke', TOKEN_B)]
    assert [t['fingerprint'] for t in result['diff']['before']['tokens']] == [describe(t)['fingerprint']
                                                                              for t in TOKENS]
    assert result['diff']['after'] == {'host_factory': HF, 'tokens': []}
    assert TOKEN_A not in json.dumps(result) and TOKEN_B not in json.dumps(result)
    again = ensure_absent(client, params)
    assert again['changed'] is False and again['revoked'] == 0


def test_revoke_all_in_check_mode_counts_and_revokes_nothing():
    client = FakeClient(TOKENS)
    result = ensure_absent(client, {'host_factory': 'provisioning/hosts', 'all_tokens': True}, check_mode=True)
    assert result['changed'] is True and result['revoked'] == 2
    assert client.calls == [('get', HF)]


def test_revoke_all_does_not_count_a_token_revoked_meanwhile():
    client = FakeClient(TOKENS, gone=[TOKEN_A])
    result = ensure_absent(client, {'host_factory': 'provisioning/hosts', 'all_tokens': True})
    assert result['revoked'] == 1


@pytest.mark.parametrize('params, message', [
    ({'host_factory': 'hf', 'all_tokens': True, 'token': TOKEN_A}, 'do not also give token or tokens'),
    ({'host_factory': 'hf', 'all_tokens': True, 'tokens': []}, 'do not also give token or tokens'),
    ({'all_tokens': True}, 'all_tokens needs host_factory'),
    ({'host_factory': 'hf', 'all_tokens': False}, 'none of token, tokens or all_tokens=true is given'),
])
def test_ensure_absent_refuses_unclear_requests_without_a_request(params, message):
    client = FakeClient(TOKENS)
    with pytest.raises(ParameterError, match=message):
        ensure_absent(client, params)
    assert client.calls == []


def test_ensure_absent_with_an_empty_token_list_changes_nothing():
    client = FakeClient(TOKENS)
    assert ensure_absent(client, {'tokens': []})['revoked'] == 0
    assert client.calls == []


# -- privileges the host factory shows --------------------------------------------------------------------------------

ALICE = 'myorg:user:alice'


@pytest.mark.parametrize('document, missing', [
    ({'owner': ALICE, 'permissions': []}, []),
    ({'owner': 'myorg:user:admin', 'permissions': [{'privilege': 'execute', 'role': ALICE},
                                                   {'privilege': 'update', 'role': ALICE}]}, []),
    ({'owner': 'myorg:user:admin', 'permissions': [{'privilege': 'read', 'role': ALICE}]}, ['execute', 'update']),
    ({'owner': 'myorg:user:admin', 'permissions': [{'privilege': 'execute', 'role': ALICE},
                                                   {'privilege': 'update', 'role': 'myorg:group:ops'}]}, ['update']),
    ({'owner': 'myorg:user:admin', 'permissions': None}, ['execute', 'update']),
    ({'id': 'hf', 'layers': [], 'tokens': []}, None),  # v4: no permissions shown
])
def test_unconfirmed_privileges(document, missing):
    assert unconfirmed_privileges(document, ALICE) == missing
