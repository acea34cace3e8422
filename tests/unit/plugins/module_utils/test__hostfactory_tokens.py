# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _hostfactory_tokens: durations, expirations, CIDR restrictions, reuse selection, what may be shown of a
token, revoking every token of a host factory, and which privileges a host factory shows for a role."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import ConjurConnection
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import ParameterError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._hostfactory_tokens import (
    describe,
    ensure_absent,
    normalize_cidrs,
    parse_duration,
    parse_expiration,
    parse_iso8601,
    reusable_tokens,
    seconds_left,
    token_info,
    unconfirmed_privileges,
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


def test_seconds_left():
    soon = (datetime.datetime.now(UTC) + datetime.timedelta(seconds=3600)).strftime('%Y-%m-%dT%H:%M:%SZ')
    assert 3590 < seconds_left(soon) <= 3600
    assert seconds_left(None) is None
    assert seconds_left('not a date') is None


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
