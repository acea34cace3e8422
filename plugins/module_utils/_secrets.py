# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Secrets: the one mask, the one fingerprint, and a redactor for text that may quote a secret.

Standard library only (shipped with the node probe).
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse

MASK = '********'
FINGERPRINT_DIGITS = 16
# Shorter values are not registered for redaction: masking them would mangle ordinary text.
MIN_SECRET_LENGTH = 4


def fingerprint(value):
    """A short, non-reversible fingerprint of a secret (the first 16 hex digits of its SHA-256), or None.

    Safe to log: it tells secrets apart and shows that a file holds a given one, without revealing it.
    """
    if value is None:
        return None
    return hashlib.sha256(str(value).encode('utf-8')).hexdigest()[:FINGERPRINT_DIGITS]


def spellings(value):
    """Every form in which C(value) may appear in a message: raw, repr-, JSON- and percent-escaped."""
    value = str(value)
    forms = {value, repr(value)[1:-1], json.dumps(value)[1:-1], urllib.parse.quote(value, safe=''),
             urllib.parse.quote_plus(value, safe='')}
    try:
        forms.add(repr(value.encode('utf-8'))[2:-1])
    except UnicodeEncodeError:
        pass
    return forms


class Redactor:
    """Replaces every registered secret, in every spelling, by the mask."""

    def __init__(self, secrets=()):
        self._forms = set()
        for secret in secrets:
            self.add(secret)

    def add(self, value):
        if value is None:
            return
        value = str(value)
        for form in (value, value.strip()):
            if len(form) >= MIN_SECRET_LENGTH:
                self._forms.update(f for f in spellings(form) if len(f) >= MIN_SECRET_LENGTH)

    def __call__(self, text):
        if text is None:
            return None
        text = str(text)
        for form in sorted(self._forms, key=len, reverse=True):
            if form in text:
                text = text.replace(form, MASK)
        return text
