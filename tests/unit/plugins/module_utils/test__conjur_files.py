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

# What the official cyberark.conjur role renders (templates/conjur.conf.j2) for the same settings.
OFFICIAL = ('account: myorg\n'
            'appliance_url: https://conjur.example.com\n'
            'cert_file: /etc/conjur.pem\n'
            'netrc_path: /etc/conjur.identity\n'
            'plugins: []\n')


def test_render_conf_matches_official_role():
    assert render_conf('myorg', 'https://conjur.example.com', '/etc/conjur.identity', '/etc/conjur.pem') == OFFICIAL


def test_render_conf_v4_and_without_cert():
    text = render_conf('myorg', 'https://conjur/api', '/etc/conjur.identity', api_version=4)
    assert yaml.safe_load(text) == {'account': 'myorg', 'appliance_url': 'https://conjur/api',
                                    'netrc_path': '/etc/conjur.identity', 'plugins': [], 'version': 4}


@pytest.mark.parametrize('value', [
    'myorg', 'https://conjur.example.com:8443/api', '/etc/conjur.pem', 'yes', 'No', 'null', '~', '123', '1.5',
    '0x10', '', 'with space', 'a: b', 'trailing:', '#hash', '-dash', "quo'te", 'quo"te', '[list]', '{map}', '*ref',
    '&anchor', '!tag', '@at', '%pct', 'üñí', 'back\\slash', 'tab\there', '1_000',
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
