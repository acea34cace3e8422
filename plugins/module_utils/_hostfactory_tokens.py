# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Host factory tokens: durations, expirations, CIDR restrictions, reuse, mint and revoke, over a C(ConjurClient).

The mirror of C(_agent_tokens) for Conjur: M(hostfactory.enrollment.hostfactory_token) and the controller side of
M(hostfactory.enrollment.hostfactory_enroll) (mint for a run, revoke what the run minted) both use these functions.
Time parsing is standard library only.
"""

from __future__ import annotations

import datetime
import ipaddress
import re

from ._errors import ParameterError

UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
DURATION_RE = re.compile(r'(\d+)([smhdw])')
ISO_RE = re.compile(r'^(\d{4}-\d{2}-\d{2})(?:[Tt](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)([Zz]|[+-]\d{2}:?\d{2})?)?$')


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def format_utc(moment):
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def parse_duration(value, option='duration', allow_zero=False):
    """Seconds from C(3600), C(30m), C(2h), C(1d), C(1h30m)."""
    text = str(value).strip().lower()
    if text.isdigit():
        seconds = int(text)
    elif text and DURATION_RE.sub('', text) == '':
        seconds = sum(int(number) * UNITS[unit] for number, unit in DURATION_RE.findall(text))
    else:
        raise ParameterError("%s '%s' is not valid: use seconds or a number with a unit s, m, h, d or w, "
                             "for example 30m, 2h, 1d or 1h30m" % (option, value))
    if seconds <= 0 and not allow_zero:
        raise ParameterError("%s '%s' must be longer than 0 seconds" % (option, value))
    return seconds


def parse_iso8601(value):
    """An aware UTC datetime from ISO 8601 text; a missing offset means UTC, a date alone midnight UTC."""
    match = ISO_RE.match(str(value).strip())
    if not match:
        raise ParameterError("expiration '%s' is not an ISO 8601 date/time such as 2030-01-31T12:00:00Z" % value)
    date, clock, zone = match.groups()
    clock = clock or '00:00'
    if '.' in clock:
        clock, fraction = clock.split('.')
        clock += '.' + fraction[:6].ljust(6, '0')
    if not zone or zone in 'Zz':
        zone = '+00:00'
    elif ':' not in zone:
        zone = zone[:3] + ':' + zone[3:]
    try:
        moment = datetime.datetime.fromisoformat('%sT%s%s' % (date, clock, zone))
    except ValueError as exc:
        raise ParameterError("expiration '%s' is not a valid date/time: %s" % (value, exc))
    return moment.astimezone(datetime.timezone.utc)


def parse_expiration(value, now=None):
    """Like L(parse_iso8601), and the moment must be in the future."""
    moment = parse_iso8601(value)
    if moment <= (now or utcnow()):
        raise ParameterError("expiration '%s' must be in the future" % value)
    return moment


def seconds_left(expiration, now=None):
    """Seconds until C(expiration) (ISO 8601), or None when it is unknown or unreadable."""
    if not expiration:
        return None
    try:
        moment = parse_iso8601(expiration)
    except ParameterError:
        return None
    return (moment - (now or utcnow())).total_seconds()


def expiration_after(duration, now=None, option='duration'):
    """The ISO 8601 UTC expiration C(duration) (see L(parse_duration)) from now."""
    return format_utc((now or utcnow()) + datetime.timedelta(seconds=parse_duration(duration, option)))


def normalize_cidrs(values):
    """Canonical C(addr/prefix) strings, as the server stores them; duplicates dropped."""
    result = []
    for value in values or ():
        text = str(value).strip()
        try:
            canonical = str(ipaddress.ip_network(text))
        except ValueError:
            try:
                suggestion = ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise ParameterError("cidr: Invalid IP address or CIDR range '%s'" % value)
            raise ParameterError("cidr: Invalid IP address or CIDR range '%s': Value has bits set to right of mask. "
                                 "Did you mean '%s'?" % (value, suggestion))
        if canonical not in result:
            result.append(canonical)
    return result


def _expiration_of(token):
    try:
        return parse_iso8601(token.get('expiration'))
    except ParameterError:
        return None


# How much longer than requested a reused token may live (clock rounding between two runs, not another purpose).
REUSE_TOLERANCE = 60


def reusable_tokens(tokens, cidr, min_remaining, now=None, expiration=None):
    """Tokens with exactly the wanted CIDR set and at least C(min_remaining) seconds left, longest-lived first.

    With C(expiration) (the ISO 8601 expiration a new token would get), a token that outlives it by more than
    C(REUSE_TOLERANCE) seconds was minted for something else (a batch for a later rollout, say) and is not reused.
    """
    deadline = (now or utcnow()) + datetime.timedelta(seconds=min_remaining)
    latest = parse_iso8601(expiration) + datetime.timedelta(seconds=REUSE_TOLERANCE) if expiration else None
    wanted = set(cidr)
    found = []
    for token in tokens:
        expires = _expiration_of(token)
        if expires is None or expires <= deadline or (latest is not None and expires > latest):
            continue
        if set(normalize_cidrs(token.get('cidr'))) != wanted:
            continue
        found.append((expires, token))
    found.sort(key=lambda item: item[0], reverse=True)
    return [token for expires, token in found]


def token_values(token=None, tokens=None):
    """The distinct token strings of C(token) and C(tokens) (strings or dicts with a C(token) key)."""
    values = []
    if token:
        values.append(token)
    for item in tokens or ():
        value = item.get('token') if isinstance(item, dict) else item
        if not isinstance(value, str) or not value.strip():
            raise ParameterError('tokens must be a list of token strings or of dictionaries with a token key')
        values.append(value)
    return list(dict.fromkeys(v.strip() for v in values))


def summary(tokens):
    """What may be shown of tokens: their expirations and CIDR restrictions, never their values."""
    return [{'expiration': t.get('expiration'), 'cidr': list(t.get('cidr') or [])} for t in tokens]


def requested_expiration(params, v4, now):
    """The expiration to mint with, from C(duration) or C(expiration); None lets a v4 server pick its default."""
    if params.get('duration') is not None:
        return expiration_after(params['duration'], now)
    if params.get('expiration') is not None:
        return format_utc(parse_expiration(params['expiration'], now))
    if v4:
        return None
    raise ParameterError('one of expiration or duration is required to create host factory tokens')


def ensure_present(client, params, check_mode=False, diff=False):
    """Mint (or with C(reuse), reuse) C(count) tokens; the result of M(hostfactory.enrollment.hostfactory_token)."""
    count = params.get('count', 1)
    if count < 1:
        raise ParameterError('count must be 1 or more, got %s' % count)
    cidr = normalize_cidrs(params.get('cidr'))
    now = utcnow()
    expiration = requested_expiration(params, client.v4, now)
    min_remaining = parse_duration(params.get('min_remaining') or '0', 'min_remaining', allow_zero=True)
    full_id = client.connection.full_host_factory_id(params['host_factory'])

    reused = []
    if params.get('reuse'):
        existing = client.get_host_factory(full_id)['tokens']
        reused = reusable_tokens(existing, cidr, min_remaining, now, expiration)[:count]
    missing = count - len(reused)
    minted = []
    if missing and not check_mode:
        minted = client.create_tokens(full_id, expiration, count=missing, cidr=cidr)
    planned = [{'expiration': expiration, 'cidr': cidr}] * missing
    result = dict(changed=missing > 0, host_factory=full_id, tokens=reused + minted, reused=len(reused))
    if diff:
        result['diff'] = dict(before={'host_factory': full_id, 'tokens': summary(reused)},
                              after={'host_factory': full_id, 'tokens': summary(reused + (minted or planned))})
    return result


def ensure_absent(client, params, check_mode=False, diff=False):
    """Revoke C(token)/C(tokens); the result of M(hostfactory.enrollment.hostfactory_token) with C(state=absent)."""
    values = token_values(params.get('token'), params.get('tokens'))
    result = dict(changed=False, tokens=[], revoked=0)
    full_id = None
    if params.get('host_factory'):
        full_id = client.connection.full_host_factory_id(params['host_factory'])
        result['host_factory'] = full_id
    if check_mode:
        if full_id:
            known = set(t['token'] for t in client.get_host_factory(full_id)['tokens'])
            result['revoked'] = len([v for v in values if v in known])
        else:
            result['revoked'] = len(values)
    else:
        result['revoked'] = len([v for v in values if client.revoke_token(v)])
    result['changed'] = result['revoked'] > 0
    if diff:
        result['diff'] = dict(before={'tokens_to_revoke': result['revoked']}, after={'tokens_to_revoke': 0})
    return result


def mint_one(client, host_factory, duration, cidr=None):
    """Mint one token valid for C(duration) (the controller's mint for a run); return C({token, expiration, cidr})."""
    cidr = normalize_cidrs(cidr)
    expiration = expiration_after(duration)
    full_id = client.connection.full_host_factory_id(host_factory)
    return client.create_tokens(full_id, expiration, count=1, cidr=cidr)[0]
