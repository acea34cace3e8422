# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared fixtures for module tests: run a module's main() with patched arguments."""

from __future__ import annotations

import json
from collections.abc import MutableMapping

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _conjur
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_args import patch_module_args
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.conjur_fake import FakeServer
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.rackspace_fake import API_KEY, USERNAME


@pytest.fixture(autouse=True)
def on_the_node(monkeypatch):
    """Modules run on the node. Once a test of the same process has imported controller code, ansible-core >= 2.19
    sends module warnings to the controller's display instead of the module's result (module_utils._internal's
    is_controller); ansible-test units forks a process per test, a plain pytest run does not."""
    try:
        from ansible.module_utils import _internal  # pylint: disable=import-outside-toplevel
    except ImportError:  # ansible-core < 2.19: module warnings always go to the result
        return
    monkeypatch.setattr(_internal, 'is_controller', False)


@pytest.fixture
def patch_ansible_module(request):
    """Use with C(@pytest.mark.parametrize('patch_ansible_module', [{...module args...}], indirect=True))."""
    args = request.param
    if not isinstance(args, MutableMapping):
        raise TypeError('patch_ansible_module expects a dict of module arguments')
    args = dict(args)
    args.setdefault('_ansible_remote_tmp', '/tmp')
    args.setdefault('_ansible_keep_remote_files', False)
    with patch_module_args(args):
        yield args


@pytest.fixture
def run_module(capfd):
    """Call a module's main(); return its parsed JSON result (exit_json and fail_json both end in SystemExit)."""
    def run(main):
        with pytest.raises(SystemExit):
            main()
        out, err = capfd.readouterr()
        return json.loads(out)
    return run


@pytest.fixture
def call_module(capfd):
    """Run a module's main() with the given arguments; return (result, raw stdout)."""
    def run(module, **args):
        args.update(_ansible_remote_tmp='/tmp', _ansible_keep_remote_files=False)
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        out, _err = capfd.readouterr()
        return json.loads(out), out
    return run


@pytest.fixture
def call_rackspace(fake, call_module):
    """L(call_module) for a Rackspace module, with credentials for the fake; arguments set to None are left out."""
    def run(module, **args):
        args.setdefault('username', USERNAME)
        args.setdefault('api_key', API_KEY)
        args.setdefault('identity_url', fake.base + '/v2.0')
        return call_module(module, **{k: v for k, v in args.items() if v is not None})
    return run


@pytest.fixture
def server(monkeypatch):
    """A scripted Conjur: every HttpClient a Conjur module builds talks to this fake (no retry sleeps)."""
    fake = FakeServer()
    real = _conjur.http_client

    def http_client(connection, **overrides):
        overrides.setdefault('sleep', lambda delay: None)
        return fake.attach(real(connection, **overrides))
    monkeypatch.setattr(_conjur, 'http_client', http_client)
    return fake
