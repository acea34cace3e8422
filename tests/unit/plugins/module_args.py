# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""patch_module_args: run a module's main() on given arguments, with every supported ansible-core."""

from __future__ import annotations

try:
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=unused-import
except ImportError:  # ansible-core < 2.19
    import contextlib
    import json
    from unittest import mock

    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args=None):
        payload = json.dumps({'ANSIBLE_MODULE_ARGS': args or {}})
        with mock.patch('ansible.module_utils.basic._ANSIBLE_ARGS', to_bytes(payload)):
            yield
