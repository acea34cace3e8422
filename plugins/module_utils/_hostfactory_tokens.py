# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Host factory tokens: durations, expirations, CIDR restrictions, reuse, mint and revoke, over a C(ConjurClient).

The mirror of C(_agent_tokens) for Conjur: M(hostfactory.enrollment.hostfactory_token) and the controller side of
M(hostfactory.enrollment.hostfactory_enroll) (mint for a run, revoke what the run minted) both use these functions.
Time parsing is standard library only.

Minting is not idempotent, so it is never blindly retried (L(mint_tokens)): a lost answer is recovered by listing
the host factory's tokens and adopting those of the lost mint, recognised by their exact expiration and CIDR set.
"""

from __future__ import annotations

import datetime
import ipaddress
import re

from ._conjur import ConjurError
from ._errors import ParameterError
from ._http import HttpError, ResponseError
from ._secrets import fingerprint

UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
# The longest duration accepted: one year. Far beyond any enrollment, and far below what the date arithmetic can
# hold (a huge value used to end in an OverflowError).
MAX_DURATION = 365 * 86400
MAX_DURATION_TEXT = '365d'
DURATION_RE = re.compile(r'([0-9]+)([smhdw])')
ISO_RE = re.compile(r'^(\d{4}-\d{2}-\d{2})(?:[Tt](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)([Zz]|[+-]\d{2}:?\d{2})?)?$')


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def format_utc(moment):
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def parse_duration(value, option='duration', allow_zero=False):
    """Seconds from C(3600), C(30m), C(2h), C(1d), C(1h30m); at most L(MAX_DURATION)."""
    shown = str(value).strip()
    shown = shown if len(shown) <= 40 else shown[:37] + '...'
    text = str(value).strip().lower()
    if text.isascii() and text.isdigit():
        seconds = int(text)
    elif text and DURATION_RE.sub('', text) == '':
        seconds = sum(int(number) * UNITS[unit] for number, unit in DURATION_RE.findall(text))
    else:
        raise ParameterError("%s '%s' is not valid: use seconds or a number with a unit s, m, h, d or w, "
                             "for example 30m, 2h, 1d or 1h30m" % (option, shown))
    if seconds <= 0 and not allow_zero:
        raise ParameterError("%s '%s' must be longer than 0 seconds" % (option, shown))
    if seconds > MAX_DURATION:
        raise ParameterError("%s '%s' is too long: at most %s (one year)" % (option, shown, MAX_DURATION_TEXT))
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


# What a v4 server picks when no expiration is sent; it is sent explicitly, so that a lost answer can be recovered.
V4_DEFAULT_DURATION = '1h'


def describe(token, now=None):
    """What may be shown of one token: its fingerprint, expiration, CIDR restriction, whether it has expired.

    C(expired) is judged by this machine's clock; the server keeps an expired token until it is revoked.
    """
    expires = _expiration_of(token)
    return dict(fingerprint=fingerprint(token.get('token')), expiration=token.get('expiration'),
                cidr=list(token.get('cidr') or []), expired=expires is not None and expires <= (now or utcnow()))


def token_info(client, params):
    """The tokens of a host factory as L(describe) shows them; the result of
    M(hostfactory.enrollment.hostfactory_token_info). Never a token value."""
    full_id = client.connection.full_host_factory_id(params['host_factory'])
    now = utcnow()
    found = client.get_host_factory(full_id)['tokens']
    return dict(changed=False, host_factory=full_id, tokens=[describe(token, now) for token in found])


def unconfirmed_privileges(document, role, wanted=('execute', 'update')):
    """The privileges of C(wanted) that a host factory document does not show C(role) (a full role id) holding.

    Ownership and direct grants show in the document; grants through a group or a layer do not, so a privilege
    listed here may still be held. None when the document shows no permissions at all (the v4 API).
    """
    if 'permissions' not in document:
        return None
    if document.get('owner') == role:
        return []
    held = set(item.get('privilege') for item in document.get('permissions') or ()
               if isinstance(item, dict) and item.get('role') == role)
    return [privilege for privilege in wanted if privilege not in held]


def requested_expiration(params, v4, now):
    """The expiration to mint with, from C(duration) or C(expiration) (with API v4, one hour by default)."""
    if params.get('duration') is not None:
        return expiration_after(params['duration'], now)
    if params.get('expiration') is not None:
        return format_utc(parse_expiration(params['expiration'], now))
    if v4:
        return expiration_after(V4_DEFAULT_DURATION, now)
    raise ParameterError('one of expiration or duration is required to create host factory tokens')


def minted_by(tokens, expiration, cidr, known=()):
    """The tokens of C(tokens) that a mint with exactly this C(expiration) (to the second, as the server stores it)
    and this CIDR set created, leaving out the token values in C(known) (tokens the caller already had)."""
    wanted = parse_iso8601(expiration).replace(microsecond=0)
    found = []
    for token in tokens:
        expires = _expiration_of(token)
        if expires is None or expires.replace(microsecond=0) != wanted or token['token'] in known:
            continue
        if set(normalize_cidrs(token.get('cidr'))) == set(cidr):
            found.append(token)
    return found


MINT_FAILED = 'cannot create host factory tokens: '


def _lost_answer(exc):
    """Whether the mint request may have been carried out although its answer did not arrive in full: a network
    failure or timeout, a truncated or unreadable answer, a 5xx or 429 (never a 4xx: the server refused; never a
    failed login: the mint was not sent)."""
    if getattr(exc, 'operation', None) == 'authenticate':
        return False
    return isinstance(exc, ResponseError) or (isinstance(exc, HttpError) and exc.transient)


def mint_tokens(client, full_id, expiration, count=1, cidr=(), known=()):
    """Mint C(count) tokens so that every token the server creates for this call is returned, even when an answer
    is lost; return the list of C({token, expiration, cidr}).

    The request is sent once, without retries. When its answer is lost (L(_lost_answer)) the host factory is listed
    and the tokens with exactly this expiration and CIDR set (L(minted_by)) are adopted: they are what the lost
    request created. Only when there is none is the request sent again, within the client's retry budget and with
    its backoff. Another client that minted on the same host factory with the same CIDR set and an expiration in
    the same second would have its tokens adopted too: all of them are returned (more than C(count)), so that the
    caller revokes everything that may be its own. Without the C(read) privilege on the host factory, a lost answer
    fails with a message that says when a token that may have been minted expires.
    """
    http = client.http
    attempts = http.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            return client.create_tokens(full_id, expiration, count=count, cidr=cidr, retry=False, attempt=attempt)
        except HttpError as exc:
            if not _lost_answer(exc):
                raise
            lost = exc
        adopted = minted_by(_tokens_after_lost_answer(client, full_id, expiration, lost), expiration, cidr, known)
        if adopted:
            return adopted
        if attempt < attempts:
            http.sleep(http._delay(attempt - 1))  # pylint: disable=protected-access
    if isinstance(lost, ResponseError):
        lost.set_attempts(attempts)
    raise lost


def _tokens_after_lost_answer(client, full_id, expiration, lost):
    try:
        return client.get_host_factory(full_id)['tokens']
    except HttpError as exc:
        if exc.status in (403, 404):
            why = "login '%s' may not read host factory '%s' (HTTP %s)" % (client.connection.login, full_id, exc.status)
        else:
            why = 'the host factory could not be read: %s' % exc
        reason = str(lost).replace(MINT_FAILED, '', 1)
        raise ConjurError('%sthe answer to the request was lost (%s) and %s, so whether it minted cannot be told: a '
                          'token it may have minted stays valid until %s unless revoked; grant read on the host '
                          'factory to recover from lost answers' % (MINT_FAILED, reason, why, expiration),
                          status=exc.status, url=exc.url)


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
        minted = mint_tokens(client, full_id, expiration, missing, cidr, known=[t['token'] for t in reused])
    planned = [{'expiration': expiration, 'cidr': cidr}] * missing
    result = dict(changed=missing > 0, host_factory=full_id, tokens=reused + minted, reused=len(reused))
    if len(minted) > missing:
        result['warnings'] = [adopted_warning(len(minted), missing, expiration)]
    if diff:
        result['diff'] = dict(before={'host_factory': full_id, 'tokens': summary(reused)},
                              after={'host_factory': full_id, 'tokens': summary(reused + (minted or planned))})
    return result


def revoke_all(client, full_id, check_mode=False, diff=False):
    """Revoke every token the host factory C(full_id) has now, without knowing their values (C(all_tokens=true)).

    Needs C(read) on the host factory to list them and C(update) to revoke them. A token that vanishes between the
    listing and its revocation (revoked by someone else) does not count.
    """
    found = client.get_host_factory(full_id)['tokens']
    revoked = len(found) if check_mode else len([t for t in found if client.revoke_token(t['token'])])
    result = dict(changed=revoked > 0, host_factory=full_id, tokens=[], revoked=revoked)
    if diff:
        now = utcnow()
        result['diff'] = dict(before={'host_factory': full_id, 'tokens': [describe(t, now) for t in found]},
                              after={'host_factory': full_id, 'tokens': []})
    return result


def ensure_absent(client, params, check_mode=False, diff=False):
    """Revoke C(token)/C(tokens), or every token of the host factory with C(all_tokens); the result of
    M(hostfactory.enrollment.hostfactory_token) with C(state=absent)."""
    values = token_values(params.get('token'), params.get('tokens'))
    if params.get('all_tokens'):
        if params.get('token') is not None or params.get('tokens') is not None:
            raise ParameterError('all_tokens revokes every token of the host factory: do not also give token or tokens')
        if not params.get('host_factory'):
            raise ParameterError('all_tokens needs host_factory: the host factory whose tokens to revoke')
        return revoke_all(client, client.connection.full_host_factory_id(params['host_factory']), check_mode, diff)
    if params.get('token') is None and params.get('tokens') is None:
        raise ParameterError('state is absent but none of token, tokens or all_tokens=true is given: nothing to revoke')
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


def adopted_warning(found, wanted, expiration):
    return ('the answer to the mint was lost and %d tokens with its expiration (%s) and CIDR restriction were found '
            'instead of %d: all are returned, since any of them may be the one minted here (another client may have '
            'minted the others at the same moment); revoke them all when done' % (found, expiration, wanted))


def mint_one(client, host_factory, duration, cidr=None):
    """Mint one token valid for C(duration) (the controller's mint for a run) with L(mint_tokens); return every
    token the mint may have created (usually one), as C({token, expiration, cidr}): all must be revoked."""
    cidr = normalize_cidrs(cidr)
    expiration = expiration_after(duration)
    full_id = client.connection.full_host_factory_id(host_factory)
    return mint_tokens(client, full_id, expiration, 1, cidr)
