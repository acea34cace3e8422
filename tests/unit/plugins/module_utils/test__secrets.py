# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _secrets: the one mask, the one fingerprint, the redactor."""

from __future__ import annotations

import hashlib
import json
import urllib.parse

from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import MASK, Redactor, fingerprint

SECRET = '1bcarsc2bqvsxt6cnd74xem8yf15gtma71vp23y315n0z201c1jza7'


def test_fingerprint_is_the_first_16_hex_digits_of_the_sha256():
    assert fingerprint(SECRET) == hashlib.sha256(SECRET.encode()).hexdigest()[:16]
    assert fingerprint(SECRET) != fingerprint(SECRET + 'x')
    assert fingerprint(None) is None


def test_redactor_masks_every_spelling():
    odd = SECRET + '\n'
    redact = Redactor([odd])
    for text in (SECRET, repr(odd), json.dumps(odd), urllib.parse.quote(odd, safe=''), repr(odd.encode())):
        assert SECRET not in redact('before %s after' % text)
        assert MASK in redact('before %s after' % text)


def test_redactor_ignores_short_values_and_none():
    redact = Redactor(['abc', None])
    assert redact('abc def') == 'abc def'
    assert redact(None) is None
