# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the hostfactory_token_info module: one login and one read, fingerprints and never a token value.

What is shown of a token is tested in module_utils/test__hostfactory_tokens.py.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from ansible_collections.hostfactory.enrollment.plugins.modules import hostfactory_token_info as module
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.conjur_fake import (
    API_KEY,
    AUTHN_OK,
    HF_TOKEN,
)

CONN = {'appliance_url': 'https://conjur.example.com', 'account': 'myorg', 'login': 'admin', 'api_key': API_KEY,
        'config_file': '/nonexistent/conjur.conf', 'host_factory': 'provisioning/hosts'}
AUTHN = '/authn/myorg/admin/authenticate'
HF_URL = '/resources/myorg/host_factory/provisioning%2Fhosts'
LISTED = [{'expiration': '2050-01-01T00:00:00Z', 'cidr': ['10.0.0.0/8'], 'token': HF_TOKEN},
          {'expiration': '2001-01-01T00:00:00Z', 'cidr': [], 'token': HF_TOKEN[::-1]}]


@pytest.mark.parametrize('patch_ansible_module', [CONN, dict(CONN, _ansible_check_mode=True)], indirect=True)
def test_lists_fingerprints_never_values(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    server.on('GET', HF_URL, (200, {'id': 'x', 'tokens': LISTED, 'layers': []}))
    result = run_module(module.main)
    assert result['changed'] is False
    assert result['host_factory'] == 'myorg:host_factory:provisioning/hosts'
    assert result['tokens'] == [
        {'fingerprint': hashlib.sha256(HF_TOKEN.encode()).hexdigest()[:16], 'expiration': '2050-01-01T00:00:00Z',
         'cidr': ['10.0.0.0/8'], 'expired': False},
        {'fingerprint': hashlib.sha256(HF_TOKEN[::-1].encode()).hexdigest()[:16],
         'expiration': '2001-01-01T00:00:00Z', 'cidr': [], 'expired': True}]
    assert HF_TOKEN not in json.dumps(result) and HF_TOKEN[::-1] not in json.dumps(result)
    assert server.paths() == ['POST ' + AUTHN, 'GET ' + HF_URL]


@pytest.mark.parametrize('patch_ansible_module', [dict(CONN, api_version=4, appliance_url='https://conjur4/api')],
                         indirect=True)
def test_v4_route(patch_ansible_module, server, run_module):
    server.on('POST', '/api/authn/users/admin/authenticate', AUTHN_OK)
    server.on('GET', '/api/host_factories/provisioning%2Fhosts', (200, {'id': 'provisioning/hosts', 'tokens': LISTED}))
    result = run_module(module.main)
    assert len(result['tokens']) == 2 and HF_TOKEN not in json.dumps(result)


@pytest.mark.parametrize('patch_ansible_module, message', [
    ({k: v for k, v in CONN.items() if k != 'host_factory'}, 'missing required arguments: host_factory'),
    (dict(CONN, login=None, api_key=None), 'missing Conjur credentials'),
    (dict(CONN, appliance_url='ftp://conjur'), 'appliance_url must be an https:// URL'),
], indirect=['patch_ansible_module'])
def test_bad_options_fail_without_a_request(patch_ansible_module, message, server, run_module):
    result = run_module(module.main)
    assert result['failed'] is True and message in result['msg']
    assert server.calls == []


@pytest.mark.parametrize('patch_ansible_module', [CONN], indirect=True)
def test_an_invisible_host_factory_is_reported(patch_ansible_module, server, run_module):
    server.on('POST', AUTHN, AUTHN_OK)
    result = run_module(module.main)  # the fake answers 404 to the read
    assert result['failed'] is True
    assert result['msg'] == ("cannot read host factory: host factory 'myorg:host_factory:provisioning/hosts' not "
                             "found in account 'myorg' (or not visible to login 'admin', or host factories are "
                             "switched off on the server) (HTTP 404)")
