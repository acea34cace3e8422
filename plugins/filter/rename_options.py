# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: rename_options
short_description: Name the options in a message of this collection as a role names them
version_added: 0.1.0
description:
  - Rewrites the option names in a failure message or warning of this collection's modules into the names a caller
    exposes them under, for example a role's variables (V(username) becomes V(monitoring_agent_username)).
  - Names with an underscore are renamed wherever they stand as a name; plain words (V(token), V(username),
    V(rotate)) only where the messages use them as option names (C(set username), C(rotate) before C(true) or a
    quoted value), so that English words stay as they are.
  - The role P(hostfactory.enrollment.monitoring_agent#role) reports its failures through it (the role
    P(hostfactory.enrollment.host_identity#role) through the same rules, with
    O(hostfactory.enrollment.hostfactory_enroll#module:option_names)).
options:
  _input:
    description: The message.
    type: str
    required: true
  names:
    description: A mapping of option name to the name to show.
    type: dict
    required: true
author:
  - hostfactory.enrollment contributors (@hostfactory)
"""

EXAMPLES = r"""
- name: Name the options of a message as the role's variables
  ansible.builtin.debug:
    msg: >-
      {{ 'missing Rackspace setting username (set option username or environment variable RAX_USERNAME)'
         | hostfactory.enrollment.rename_options({'username': 'monitoring_agent_username'}) }}
"""

RETURN = r"""
_value:
  description: The message with the options renamed.
  type: str
"""

from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import rename_options


class FilterModule:
    def filters(self):
        return {'rename_options': rename_options}
