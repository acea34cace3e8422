# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secret formats: Slosilo-style Crockford tokens and Conjur v5/v4 access tokens.

Access tokens are signed with HMAC-SHA256 (fast), laid out like Slosilo's RSA signature:
256 bytes of "signature" (the 32-byte MAC plus a deterministic expansion) and a 32-byte salt.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import json
import os
import struct
import time

CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz'
_HI = CROCKFORD[:4]
_PAIR = tuple(CROCKFORD[i >> 5] + CROCKFORD[i & 31] for i in range(1024))
_UNPACK8 = struct.Struct('>8I').unpack
V5_ALG = 'conjur.org/slosilo/v2'
TOKEN_TTL = 480
_V5_CLAIMS = frozenset(('iat', 'sub', 'exp', 'cidr'))
_B64_KEEP = bytes.maketrans(b'', b'')
_B64_ALPHABET = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='
_B64_DROP = bytes(c for c in range(256) if c not in _B64_ALPHABET)


def random_token():
    """32 random bytes read as 8 big-endian uint32, each Crockford base32 without padding, joined."""
    parts = []
    for n in _UNPACK8(os.urandom(32)):
        parts.append((_HI[n >> 30] + _PAIR[(n >> 20) & 1023] + _PAIR[(n >> 10) & 1023] + _PAIR[n & 1023]).lstrip('0') or '0')
    return ''.join(parts)


def b64url(data):
    return base64.urlsafe_b64encode(data).decode('ascii')


def b64url_decode(text):
    """Decode URL-safe base64 leniently (padding optional); raises ValueError."""
    if not isinstance(text, str):
        raise ValueError('not a string')
    raw = text.encode('ascii', 'strict').strip()
    return base64.urlsafe_b64decode(raw + b'=' * (-len(raw) % 4))


def ruby_decode64(text):
    """Ruby's Base64.decode64: skip non-alphabet characters, stop at padding, never fail."""
    data = text.encode('utf-8', 'replace').translate(_B64_KEEP, _B64_DROP)
    data = data.split(b'=', 1)[0]
    if len(data) % 4 == 1:
        data = data[:-1]
    return base64.b64decode(data + b'=' * (-len(data) % 4))


class Signer:
    """Signs and verifies access tokens for one account."""

    def __init__(self, account):
        self.account = account
        self.key = os.urandom(32)
        self.kid = hashlib.sha256(b'mock-slosilo-key:' + self.key).hexdigest()
        protected = json.dumps({'alg': V5_ALG, 'kid': self.kid}, separators=(',', ':'))
        self.protected = b64url(protected.encode('ascii'))
        self.v4_key = self.kid[:32]

    def _mac(self, data):
        return hmac.new(self.key, data, hashlib.sha256).digest()

    def _signature(self, mac):
        return mac + hashlib.shake_256(mac).digest(224) + os.urandom(32)

    def issue_v5(self, login, now):
        """Return the token JSON text (key order protected, payload, signature)."""
        iat = int(now)
        payload = b64url(_payload_json(iat, login, iat + TOKEN_TTL))
        mac = self._mac((self.protected + '.' + payload).encode('ascii'))
        return '{"protected":"%s","payload":"%s","signature":"%s"}' % (self.protected, payload, b64url(self._signature(mac)))

    def verify_v5(self, token, now):
        """Return the claims of a valid v5 token, else raise TokenError."""
        if not isinstance(token, dict):
            raise TokenError('invalid')
        protected, payload, signature = token.get('protected'), token.get('payload'), token.get('signature')
        try:
            header = json.loads(b64url_decode(protected))
            claims = json.loads(b64url_decode(payload))
            sig = b64url_decode(signature)
        except (ValueError, TypeError, UnicodeError):
            raise TokenError('invalid')
        if not isinstance(header, dict) or header.get('alg') != V5_ALG or header.get('kid') != self.kid:
            raise TokenError('invalid')
        mac = self._mac((protected + '.' + payload).encode('ascii'))
        if len(sig) != 288 or not hmac.compare_digest(sig[:32], mac) or not isinstance(claims, dict):
            raise TokenError('invalid')
        iat = claims.get('iat')
        exp = claims.get('exp', iat + TOKEN_TTL if isinstance(iat, int) else None)
        if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp <= now or not isinstance(claims.get('sub'), str):
            raise TokenError('invalid')
        if not _V5_CLAIMS.issuperset(claims):
            raise TokenError('claims')
        return claims

    def issue_v4(self, login, now):
        """Return a v4 token JSON text: data, timestamp, signature, key."""
        stamp = time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(int(now)))
        mac = self._mac(('%s\n%s' % (login, stamp)).encode('utf-8'))
        sig = b64url(self._signature(mac)[:256])
        return json.dumps({'data': login, 'timestamp': stamp, 'signature': sig, 'key': self.v4_key}, separators=(',', ':'))

    def verify_v4(self, token, now):
        """Return the login of a valid v4 token, else raise TokenError."""
        if not isinstance(token, dict) or token.get('key') != self.v4_key:
            raise TokenError('invalid')
        login, stamp = token.get('data'), token.get('timestamp')
        if not isinstance(login, str) or not isinstance(stamp, str):
            raise TokenError('invalid')
        try:
            sig = b64url_decode(token.get('signature'))
            issued = calendar.timegm(time.strptime(stamp, '%Y-%m-%d %H:%M:%S UTC'))
        except (ValueError, TypeError, UnicodeError):
            raise TokenError('invalid')
        mac = self._mac(('%s\n%s' % (login, stamp)).encode('utf-8'))
        if len(sig) != 256 or not hmac.compare_digest(sig[:32], mac) or issued + TOKEN_TTL <= now:
            raise TokenError('invalid')
        return login


class TokenError(Exception):
    """An access token that does not verify ('invalid') or carries unknown claims ('claims')."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _payload_json(iat, sub, exp):
    """Compact payload JSON; pads after "sub": when that keeps '-'/'_' out of its base64url form.

    Go's SDK decodes the payload with the standard alphabet, so the mock prefers payloads whose
    URL-safe encoding happens to be valid standard base64 too.  Whitespace is legal JSON.
    """
    sub_json = json.dumps(sub, ensure_ascii=False)
    first = None
    for pad in ('', ' ', '  '):
        raw = ('{"iat":%d,"sub":%s%s,"exp":%d}' % (iat, pad, sub_json, exp)).encode('utf-8')
        if first is None:
            first = raw
        enc = base64.b64encode(raw)
        if b'+' not in enc and b'/' not in enc:
            return raw
    return first
