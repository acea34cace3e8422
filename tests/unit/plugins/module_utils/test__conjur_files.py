# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the conf/CA file rendering; the YAML is checked by reading it back with PyYAML (controller side)."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_files import (
    normalize_pem,
    render_conf,
    yaml_scalar,
)

# What the official cyberark.conjur role renders (templates/conjur.conf.j2) for the same settings, plus
# credential_storage: file (without it conjur-api-go and Summon read a reachable keyring instead of the netrc).
OFFICIAL = ('account: myorg\n'
            'appliance_url: https://conjur.example.com\n'
            'cert_file: /etc/conjur.pem\n'
            'credential_storage: file\n'
            'netrc_path: /etc/conjur.identity\n'
            'plugins: []\n')


def test_render_conf_is_the_official_role_plus_credential_storage_file():
    assert render_conf('myorg', 'https://conjur.example.com', '/etc/conjur.identity', '/etc/conjur.pem') == OFFICIAL


def test_values_outside_the_bmp_are_written_as_utf8_not_surrogate_escapes():
    text = render_conf('myorg', 'https://conjur.example.com', '/etc/\U0001f510/conjur.identity')
    assert 'netrc_path: "/etc/\U0001f510/conjur.identity"\n' in text
    assert '\\ud83d' not in text and '\\U' not in text
    assert yaml.safe_load(text)['netrc_path'] == '/etc/\U0001f510/conjur.identity'
    text.encode('utf-8')  # nothing left that UTF-8 cannot hold


@pytest.mark.parametrize('char', ['\x7f', '\x85', '\x9f', '\u2028', '\u2029', '\ufeff', '\ufffe'])
def test_characters_yaml_readers_break_on_are_escaped(char):
    scalar = yaml_scalar('/etc/a%sb' % char)
    assert char not in scalar and scalar == '"/etc/a\\u%04xb"' % ord(char)
    assert yaml.safe_load('key: %s\n' % scalar) == {'key': '/etc/a%sb' % char}


def test_render_conf_v4_and_without_cert():
    text = render_conf('myorg', 'https://conjur/api', '/etc/conjur.identity', api_version=4)
    assert yaml.safe_load(text) == {'account': 'myorg', 'appliance_url': 'https://conjur/api',
                                    'credential_storage': 'file', 'netrc_path': '/etc/conjur.identity',
                                    'plugins': [], 'version': 4}


@pytest.mark.parametrize('value', [
    'myorg', 'https://conjur.example.com:8443/api', '/etc/conjur.pem', 'yes', 'No', 'null', '~', '123', '1.5',
    '0x10', '', 'with space', 'a: b', 'trailing:', '#hash', '-dash', "quo'te", 'quo"te', '[list]', '{map}', '*ref',
    '&anchor', '!tag', '@at', '%pct', 'üñí', 'back\\slash', 'tab\there', '1_000', '\U0001f510', 'a\u2028b',
    'nul\x00', 'nel\x85',
])
def test_yaml_scalar_reads_back_as_the_same_string(value):
    assert yaml.safe_load('key: %s\n' % yaml_scalar(value)) == {'key': value}


def test_yaml_scalar_is_plain_when_safe():
    assert yaml_scalar('https://conjur.example.com/api') == 'https://conjur.example.com/api'
    assert yaml_scalar('true') == '"true"'


@pytest.mark.parametrize('text', [
    '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----',
    '\n\n-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n\n\n',
    '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n',
])
def test_normalize_pem(text):
    assert normalize_pem(text) == '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n'
