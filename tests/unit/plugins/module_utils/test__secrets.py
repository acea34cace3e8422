# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _secrets: the one mask, the one fingerprint, the redactor."""

from __future__ import annotations

import hashlib
import json
import urllib.parse

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import ParameterError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import (
    MASK,
    Redactor,
    clean_module_secrets,
    clean_secret,
    clean_secrets,
    fingerprint,
    secret_options,
    spellings,
    url_credentials,
)

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


# -- cleaning secret values ----------------------------------------------------------------------------------------

@pytest.mark.parametrize('raw', [SECRET + '\n', SECRET + '\r\n', ' ' + SECRET, '\t%s \n' % SECRET,
                                 SECRET + '\u00a0', '\u2028' + SECRET + '\x0b\x0c'])
def test_surrounding_white_space_is_removed(raw):
    assert clean_secret(raw, 'api_key') == SECRET


@pytest.mark.parametrize('raw', [SECRET[:10] + '\x00' + SECRET[10:], SECRET + '\x00', SECRET[:10] + ' ' + SECRET[10:],
                                 SECRET[:10] + '\n' + SECRET[10:], SECRET[:10] + '\u00a0' + SECRET[10:],
                                 SECRET[:10] + '\u200b' + SECRET[10:], SECRET[:10] + '\x1b' + SECRET[10:],
                                 SECRET[:10] + '\x7f' + SECRET[10:], SECRET[:10] + '\ud800' + SECRET[10:]])
def test_white_space_or_a_control_character_inside_is_refused_without_the_value(raw):
    with pytest.raises(ParameterError) as caught:
        clean_secret(raw, 'host_factory_token')
    message = str(caught.value)
    assert message.startswith('host_factory_token holds white space or a control character')
    assert '\n' not in message
    for form in spellings(raw) | spellings(raw.strip()) | spellings(SECRET[:10]) | spellings(SECRET[10:]):
        assert form not in message


def test_lists_and_token_dicts_are_cleaned_element_by_element():
    assert clean_secret([SECRET + '\n', {'token': ' ' + SECRET, 'expiration': 'x'}], 'tokens') == [
        SECRET, {'token': SECRET, 'expiration': 'x'}]
    with pytest.raises(ParameterError, match=r'^tokens\[1\] holds white space'):
        clean_secret([SECRET, {'token': 'a\x00b'}], 'tokens')
    assert clean_secret(None, 'token') is None


def test_clean_secrets_cleans_in_place_and_returns_what_to_mask():
    spec = {'api_key': {'type': 'str', 'no_log': True}, 'tokens': {'type': 'list', 'no_log': True},
            'login': {'type': 'str'}, 'identity_file': {'type': 'path', 'no_log': False}}
    assert secret_options(spec) == ['api_key', 'tokens']
    params = {'api_key': SECRET + '\n', 'tokens': [SECRET[::-1] + '\r\n'], 'login': ' admin\n', 'identity_file': None}
    assert clean_secrets(params, secret_options(spec)) == [SECRET, SECRET[::-1]]
    assert params == {'api_key': SECRET, 'tokens': [SECRET[::-1]], 'login': ' admin\n', 'identity_file': None}


def test_clean_module_secrets_registers_the_cleaned_values():
    class Module:
        argument_spec = {'token': {'no_log': True}, 'label': {}}
        params = {'token': SECRET + '\n', 'label': 'x'}
        no_log_values = {SECRET + '\n'}
    clean_module_secrets(Module)
    assert Module.params['token'] == SECRET and SECRET in Module.no_log_values


def test_clean_module_secrets_masks_the_credentials_of_a_url():
    # the module refuses such a URL, but its invocation (shown at -vvv) would still echo it
    class Module:
        argument_spec = {'appliance_url': {}, 'label': {}}
        params = {'appliance_url': 'https://admin:%s@conjur.example.com/api' % SECRET, 'label': 'x'}
        no_log_values = set()
    clean_module_secrets(Module)
    assert Module.no_log_values == {'admin:' + SECRET, SECRET}


@pytest.mark.parametrize('value, parts', [
    ('https://admin:pw0@host:8443/path@x', ('admin:pw0', 'pw0')),
    ('https://token0@host', ('token0',)),
    ('https://host/path@x', ()),
    ('https://conjur.example.com', ()),
    ('admin:pw0@host', ()),
    (5, ()),
    (None, ()),
])
def test_url_credentials(value, parts):
    assert url_credentials(value) == parts
