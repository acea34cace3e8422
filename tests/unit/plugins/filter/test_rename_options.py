# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter is the module_utils function (tested in test__errors.py) under its name."""

from __future__ import annotations

from ansible_collections.hostfactory.enrollment.plugins.filter.rename_options import FilterModule
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import rename_options


def test_the_filter_is_rename_options():
    rename = FilterModule().filters()['rename_options']
    assert rename is rename_options
    assert rename('missing Rackspace credentials: set username and api_key',
                  {'username': 'monitoring_agent_username', 'api_key': 'monitoring_agent_api_key'}) == \
        'missing Rackspace credentials: set monitoring_agent_username and monitoring_agent_api_key'
