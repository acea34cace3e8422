# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _transport: the shared transport options reach the HTTP client of both services."""

from __future__ import annotations

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _conjur, _rackspace
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import ParameterError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._transport import (
    transport_argument_spec,
    transport_settings,
)
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.conjur_fake import BASE, resolve


def validated(**params):
    result = ArgumentSpecValidator(transport_argument_spec()).validate(params)
    assert not result.error_messages
    return result.validated_parameters


def test_defaults():
    assert transport_settings(validated()) == dict(validate_certs=True, ca_path=None, ca_content=None, timeout=30,
                                                   retries=3, use_proxy=True)


@pytest.mark.parametrize('use_proxy', [True, False])
def test_use_proxy_reaches_the_client_of_both_services(use_proxy):
    assert _rackspace.http_client(validated(use_proxy=use_proxy)).use_proxy is use_proxy
    assert _conjur.http_client(resolve(dict(BASE, use_proxy=use_proxy))).use_proxy is use_proxy


@pytest.mark.parametrize('params, message', [({'timeout': 0}, 'timeout must be at least 1 second, got 0'),
                                             ({'retries': -1}, 'retries must be 0 or more, got -1')])
def test_bad_values(params, message):
    with pytest.raises(ParameterError, match=message):
        transport_settings(validated(**params))
