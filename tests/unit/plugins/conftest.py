# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures shared by the module_utils, module and action tests."""

from __future__ import annotations

import pytest

from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils import rackspace_fake
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.enrollment_node import make_node


@pytest.fixture
def fake():
    """A Rackspace identity + monitoring fake on a loopback port; yields its state."""
    state, server = rackspace_fake.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def node(tmp_path):
    """A node in the layout hostfactory_host writes; yields (directory, {file name: path}, the action's arguments)."""
    return make_node(tmp_path)
