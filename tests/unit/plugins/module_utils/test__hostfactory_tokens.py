# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _hostfactory_tokens: durations, expirations, CIDR restrictions, reuse selection."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import ParameterError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._hostfactory_tokens import (
    normalize_cidrs,
    parse_duration,
    parse_expiration,
    parse_iso8601,
    reusable_tokens,
    seconds_left,
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
