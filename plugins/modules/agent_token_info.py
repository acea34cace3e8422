#!/usr/bin/python
# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: agent_token_info
short_description: List Rackspace Cloud Monitoring agent tokens
version_added: 0.1.0
description:
  - Lists the Cloud Monitoring agent tokens of the tenant (all pages), optionally only those with a given O(label).
  - "B(Ids are secrets.) On the current service a token's id is its value: whoever knows the id can enroll an agent
    into the account. By default each token is therefore returned as its C(label) and a non-reversible
    C(fingerprint) only; the ids and values are returned only with O(include_tokens=true)."
  - Why not return the ids masked? Ansible masks secrets by replacing them in the whole result, so a masked id
    cannot be used by later tasks either; a fingerprint tells tokens apart and can be compared with the
    fingerprint that M(hostfactory.enrollment.agent_token) and M(hostfactory.enrollment.agent_config) report.
author:
  - hostfactory.enrollment contributors (@hostfactory)
extends_documentation_fragment:
  - hostfactory.enrollment.rackspace
  - hostfactory.enrollment.transport
  - hostfactory.enrollment.attributes
  - hostfactory.enrollment.attributes.info_module
  - hostfactory.enrollment.attributes.action_group_rackspace
attributes:
  platform:
    support: full
    platforms: posix
options:
  label:
    description:
      - Return only the tokens with this label.
    type: str
  include_tokens:
    description:
      - Add the id and the value of every returned token (RV(agent_tokens[].id), RV(agent_tokens[].token)).
      - "B(The registered result is then printed) with C(-v) or higher, by callbacks and in logs: set C(no_log: true)
        on the task. Combine it with O(label) to reveal only the token you need."
    type: bool
    default: false
seealso:
  - module: hostfactory.enrollment.agent_token
"""

EXAMPLES = r"""
- name: List the tokens (labels and fingerprints only)
  hostfactory.enrollment.agent_token_info:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
  delegate_to: localhost
  register: agent_tokens

- name: Fail when a host label has more than one token
  ansible.builtin.assert:
    that: agent_tokens.agent_tokens | selectattr('label', 'equalto', inventory_hostname) | list | length <= 1
    fail_msg: "{{ inventory_hostname }} has several agent tokens; delete the extra ones"

- name: Read the value of the token of one host (keep it out of the output)
  hostfactory.enrollment.agent_token_info:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    label: web1.example.com
    include_tokens: true
  delegate_to: localhost
  no_log: true
  register: web1_tokens
"""

RETURN = r"""
agent_tokens:
  description: The tokens, in the order of the API (by id).
  returned: success
  type: list
  elements: dict
  contains:
    label:
      description: The label of the token (V(null) when it has none).
      type: str
      returned: success
      sample: web1.example.com
    fingerprint:
      description: First 16 hex digits of the SHA-256 of the token id; safe to log.
      type: str
      returned: success
      sample: 3f0c9a4e1b7d2c85
    id:
      description: The token id (on the current service, the token value).
      type: str
      returned: when O(include_tokens=true)
      sample: 9c8b0e6a4f1d43e2a7b5c3d1e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5.123456
    token:
      description: The token value (C(monitoring_token) of the agent configuration).
      type: str
      returned: when O(include_tokens=true)
      sample: 9c8b0e6a4f1d43e2a7b5c3d1e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5.123456
  sample:
    - label: web1.example.com
      fingerprint: 3f0c9a4e1b7d2c85
    - label: web2.example.com
      fingerprint: 81aa06d2c4e93b17
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hostfactory.enrollment.plugins.module_utils._agent_tokens import list_tokens
from ansible_collections.hostfactory.enrollment.plugins.module_utils._rackspace import (
    RACKSPACE_MUTUALLY_EXCLUSIVE,
    rackspace_argument_spec,
    run_module,
)


def main():
    argument_spec = rackspace_argument_spec()
    argument_spec.update(
        label=dict(type='str'),
        include_tokens=dict(type='bool', default=False),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=RACKSPACE_MUTUALLY_EXCLUSIVE,
    )
    params = module.params
    run_module(module, lambda api: {
        'changed': False,
        'agent_tokens': list_tokens(api, params['label'], params['include_tokens']),
    })


if __name__ == '__main__':
    main()
