# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _errors: one-line messages and the one failure shape."""

from __future__ import annotations

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import (
    CollectionError,
    ParameterError,
    fail_result,
    one_line,
    rename_options,
)


def test_messages_are_one_line_but_keep_what_is_on_a_line():
    assert one_line('first\n  second\r\nthird\u2028fourth') == 'first second third fourth'
    assert str(ParameterError("id 'web\t01' is bad\n")) == "id 'web\t01' is bad"


def test_failure_shape_is_message_then_fields_then_result_without_diff():
    error = CollectionError('cannot do it', status=403, url='https://c/x', body=None)
    kwargs = fail_result(error, {'changed': False, 'diff': [{'before': 'x'}], 'login': 'host/a'})
    assert kwargs == {'msg': 'cannot do it', 'status': 403, 'url': 'https://c/x', 'changed': False,
                      'login': 'host/a'}
    assert fail_result(ParameterError('bad')) == {'msg': 'bad'}


ROLE_NAMES = {'token': 'host_identity_token', 'rotate': 'host_identity_rotate', 'login': 'host_identity_login',
              'api_key': 'host_identity_api_key', 'host_factory': 'host_identity_host_factory',
              'appliance_url': 'host_identity_appliance_url', 'account': 'host_identity_account',
              'cidr': 'host_identity_token_cidr', 'duration': 'host_identity_token_duration',
              'id': 'host_identity_host_id', 'ca_path': 'host_identity_ca_path', 'username': 'monitoring_agent_username'}


@pytest.mark.parametrize('message, expected', [
    ('host/web-01 must be enrolled but has no host factory token: host_factory is required to mint one (or pass a '
     'pre-minted token in token)',
     'host/web-01 must be enrolled but has no host factory token: host_identity_host_factory is required to mint one '
     '(or pass a pre-minted token in host_identity_token)'),
    ('the API key in /etc/conjur.identity for host/a is rejected by Conjur at https://c; set rotate: true to enroll '
     'the host again (this rotates its key)',
     'the API key in /etc/conjur.identity for host/a is rejected by Conjur at https://c; set host_identity_rotate: '
     'true to enroll the host again (this rotates its key)'),
    ('missing Conjur connection setting appliance_url (set option appliance_url or environment variable '
     'CONJUR_APPLIANCE_URL)',
     'missing Conjur connection setting host_identity_appliance_url (set host_identity_appliance_url or environment '
     'variable CONJUR_APPLIANCE_URL)'),
    ('missing Conjur connection setting account (set option account or environment variable CONJUR_ACCOUNT)',
     'missing Conjur connection setting host_identity_account (set host_identity_account or environment variable '
     'CONJUR_ACCOUNT)'),
    ('cannot mint one on the controller: missing Conjur credentials: set login and api_key (environment variables '
     'CONJUR_AUTHN_LOGIN and CONJUR_AUTHN_API_KEY)',
     'cannot mint one on the controller: missing Conjur credentials: set host_identity_login and '
     'host_identity_api_key (environment variables CONJUR_AUTHN_LOGIN and CONJUR_AUTHN_API_KEY)'),
    ("cannot mint one on the controller: cidr: Invalid IP address or CIDR range '10.0.0.1/8'",
     "cannot mint one on the controller: host_identity_token_cidr: Invalid IP address or CIDR range '10.0.0.1/8'"),
    ("duration '5x' is not valid", "host_identity_token_duration '5x' is not valid"),
    ("id 'a b' cannot be written to the netrc identity file", "host_identity_host_id 'a b' cannot be written to the "
                                                              "netrc identity file"),
    ('token is set but empty', 'host_identity_token is set but empty'),
    ("missing Rackspace setting username (set option username or environment variable RAX_USERNAME)",
     "missing Rackspace setting monitoring_agent_username (set monitoring_agent_username or environment variable "
     "RAX_USERNAME)"),
])
def test_rename_options_speaks_in_the_callers_names(message, expected):
    assert rename_options(message, ROLE_NAMES) == expected


@pytest.mark.parametrize('message', [
    'cannot create host: the host factory token is invalid, expired or revoked (HTTP 401)',
    "host factory 'myorg:host_factory:provisioning/hosts' not found in the token list",
    'POST https://c/host_factory_tokens failed: connection refused; check ca_path_x',
    'the rotate button, an id card, a username field, the login page',
    'DELETE https://c/host_factories/tokens/{token} answered 404',
    "cannot authenticate to Conjur: authentication failed for login 'admin' (HTTP 401)",
    "host factory 'provisioning/hosts' not found in account 'myorg'",
])
def test_rename_options_leaves_words_and_other_identifiers_alone(message):
    assert rename_options(message, ROLE_NAMES) == message


def test_rename_options_without_names_is_the_identity():
    assert rename_options('set rotate: true', {}) == 'set rotate: true'
    assert rename_options('', ROLE_NAMES) == ''
