# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared fixtures for module tests: run a module's main() with patched arguments."""

from __future__ import annotations

import json
from collections.abc import MutableMapping

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _conjur
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.conjur_fake import FakeServer

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    import contextlib
    from unittest import mock

    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args=None):
        payload = json.dumps({'ANSIBLE_MODULE_ARGS': args or {}})
        with mock.patch('ansible.module_utils.basic._ANSIBLE_ARGS', to_bytes(payload)):
            yield


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
def server(monkeypatch):
    """A scripted Conjur: every HttpClient a Conjur module builds talks to this fake (no retry sleeps)."""
    fake = FakeServer()
    real = _conjur.http_client

    def http_client(connection, **overrides):
        overrides.setdefault('sleep', lambda delay: None)
        return fake.attach(real(connection, **overrides))
    monkeypatch.setattr(_conjur, 'http_client', http_client)
    return fake
