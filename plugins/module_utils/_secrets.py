# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Secrets: the one mask, the one fingerprint, the one cleaning of secret values, and a redactor for text that may
quote a secret.

Standard library only (shipped with the node probe).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import urllib.parse

from ._errors import ParameterError

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


# Unicode categories refused inside a secret: control characters (NUL, ESC, DEL, C1), invisible format characters
# (zero-width spaces, BOM, bidi controls) and lone surrogates (not encodable, so never sendable).
_REFUSED_CATEGORIES = frozenset(('Cc', 'Cf', 'Cs'))


def _refused(char):
    return char.isspace() or unicodedata.category(char) in _REFUSED_CATEGORIES


def clean_secret(value, option):
    """C(value) without surrounding white space (what a file lookup, C(slurp) or C(echo | encrypt_string) add).

    Raises C(ParameterError) naming C(option), never the value, when white space or a control or invisible
    character is left inside: no credential holds one, and such a value would reach an HTTP header (where it makes
    the request fail with the header in the error) or a file line. A list is cleaned element by element, and a
    dict element by its C(token) key (the shape of M(hostfactory.enrollment.hostfactory_token)'s result).
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [_clean_element(item, '%s[%d]' % (option, index)) for index, item in enumerate(value)]
    text = str(value).strip()
    if any(_refused(char) for char in text):
        raise ParameterError('%s holds white space or a control character inside the value (surrounding white '
                             'space is removed; the value is not shown): check how it was produced' % option)
    return text


def _clean_element(item, option):
    if isinstance(item, dict):
        if 'token' not in item:
            return item
        return dict(item, token=clean_secret(item['token'], option))
    return clean_secret(item, option)


def secret_options(argument_spec):
    """The names of the options an argument spec marks C(no_log=True)."""
    return sorted(name for name, spec in argument_spec.items() if spec.get('no_log'))


def secret_strings(value):
    """The strings of a cleaned secret value (a string, a list of strings, a list of dicts with a C(token))."""
    if value is None:
        return []
    if isinstance(value, list):
        return [s for item in value for s in secret_strings(item.get('token') if isinstance(item, dict) else item)]
    return [value] if value else []


def clean_secrets(params, names):
    """Clean C(params[name]) in place for every name (see L(clean_secret)); return the strings now in C(params)."""
    found = []
    for name in names:
        if params.get(name) is not None:
            params[name] = clean_secret(params[name], name)
            found.extend(secret_strings(params[name]))
    return found


def clean_module_secrets(module):
    """Clean every C(no_log) option of an C(AnsibleModule) in place and register the cleaned values for masking.

    Every module calls this before anything else (before any request and any file read), inside its
    C(CollectionError) handler.
    """
    for value in clean_secrets(module.params, secret_options(module.argument_spec)):
        module.no_log_values.add(value)
    for value in module.params.values():  # a URL refused for its password is still echoed in the invocation
        for part in url_credentials(value):
            module.no_log_values.add(part)


def url_credentials(value):
    """The C(user:password) of a URL with credentials, and the password alone, to be masked; () for anything else."""
    if not isinstance(value, str) or '://' not in value:
        return ()
    netloc = value.split('://', 1)[1].split('/', 1)[0]
    if '@' not in netloc:
        return ()
    userinfo = netloc.rsplit('@', 1)[0]
    return tuple(part for part in (userinfo, userinfo.partition(':')[2]) if part)


def spellings(value):
    """Every form in which C(value) may appear in a message: raw, repr-, JSON- and percent-escaped."""
    value = str(value)
    forms = {value, repr(value)[1:-1], json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    # a lone surrogate cannot be encoded: such a value cannot be sent either, so it has no encoded spelling
    encoded = value.encode('utf-8', errors='surrogatepass')
    forms.update((urllib.parse.quote(encoded, safe=''), urllib.parse.quote_plus(encoded, safe=''),
                  repr(encoded)[2:-1]))
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
