#!/usr/bin/python
# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: agent_token
short_description: Create, reuse, relabel and delete Rackspace Cloud Monitoring agent tokens
version_added: 0.1.0
description:
  - Makes sure a Rackspace Cloud Monitoring agent token exists (or does not) for a label, for a list of labels, or
    for an id. The monitoring agent authenticates with such a token (C(monitoring_token) in
    C(/etc/rackspace-monitoring-agent.cfg)).
  - With O(state=present) and O(label), an existing token with that label is reused (the tokens are listed page by
    page); only if there is none is one created. If several tokens share the label, the one with the lowest id is
    used and a warning is given.
  - With O(labels), every label is handled the same way with a single listing, which is what a play enrolling many
    hosts wants (see the P(hostfactory.enrollment.monitoring_agent#role) role).
  - With O(id), the token with that id is relabelled to O(label) (or deleted with O(state=absent)).
  - "B(Secrets): on the current service a token's id is its secret value. The module never returns ids or token
    values unless O(return_token=true); it returns a label and a non-reversible C(fingerprint) instead."
author:
  - hostfactory.enrollment contributors (@hostfactory)
extends_documentation_fragment:
  - hostfactory.enrollment.rackspace
  - hostfactory.enrollment.transport
  - hostfactory.enrollment.attributes
  - hostfactory.enrollment.attributes.action_group_rackspace
attributes:
  check_mode:
    support: full
    details:
      - The tokens are read but never created, relabelled or deleted. A token that would be created has no
        C(fingerprint), C(id) or C(token) yet.
  diff_mode:
    support: full
    details:
      - The diff shows the state of each label (or the label and fingerprint of the token with O(id)), never an id or
        a token value.
  idempotent:
    support: full
  platform:
    support: full
    platforms: posix
options:
  state:
    description:
      - V(present) makes sure the token exists; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  label:
    description:
      - Label of the token, for example the host name of the machine that will use it.
      - With O(state=present), an existing token with this label is reused, otherwise one is created.
      - With O(state=absent), B(every) token with this label is deleted.
      - Together with O(id), the new label of that token.
      - Mutually exclusive with O(labels).
    type: str
  labels:
    description:
      - Several labels at once, with a single listing of the tokens. Each label is handled like O(label) and the
        result is RV(agent_tokens), in the order of O(labels) (duplicates removed).
      - Mutually exclusive with O(label) and O(id).
    type: list
    elements: str
  id:
    description:
      - Id of an existing token. With O(state=present) the token must exist; it is relabelled to O(label) when
        O(label) is given and differs. With O(state=absent) it is deleted if it exists.
      - "The id is treated as a secret (it is the token value on the current service), so Ansible masks it in all
        output: RV(agent_token.id) and RV(agent_token.token) then read V(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER)."
      - Surrounding white space (a trailing newline from a file lookup or C(echo)) is removed; a value that still
        holds white space or a control character is refused before any request, with a message that names the
        option and never shows the value.
    type: str
  return_token:
    description:
      - Return the id and the value of the token(s) in RV(agent_token.id) and RV(agent_token.token) (or in each
        element of RV(agent_tokens)).
      - "B(The registered result is then printed) with C(-v) or higher, by callbacks and in logs: set C(no_log: true)
        on the task and use the value only where it is needed, for example to write the agent configuration."
    type: bool
    default: false
seealso:
  - module: hostfactory.enrollment.agent_token_info
  - module: hostfactory.enrollment.agent_config
  - name: Agent token operations
    description: The Rackspace Cloud Monitoring API reference for agent tokens.
    link: https://docs.rackspace.com/docs/rackspace-monitoring/v1/api-reference/agent-token-operations
"""

EXAMPLES = r"""
- name: Make sure web1 has an agent token and get its value
  hostfactory.enrollment.agent_token:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    label: web1.example.com
    return_token: true
  delegate_to: localhost
  no_log: true
  register: web1_token

- name: One listing for the whole play, one token per host (settings from module_defaults)
  hostfactory.enrollment.agent_token:
    labels: "{{ ansible_play_hosts }}"
    return_token: true
  delegate_to: localhost
  run_once: true
  no_log: true
  register: fleet_tokens
  module_defaults:
    group/hostfactory.enrollment.rackspace:
      username: "{{ rax_username }}"
      api_key: "{{ rax_api_key }}"

- name: Use an existing auth token instead of username and API key
  hostfactory.enrollment.agent_token:
    auth_token: "{{ rax_auth_token }}"
    tenant_id: "123456"
    label: db1.example.com
  delegate_to: localhost

- name: Relabel a token by id
  hostfactory.enrollment.agent_token:
    id: "{{ old_token_id }}"
    label: web1-retired
  delegate_to: localhost

- name: Delete every token labelled web1.example.com
  hostfactory.enrollment.agent_token:
    label: web1.example.com
    state: absent
  delegate_to: localhost
"""

RETURN = r"""
agent_token:
  description:
    - The token that was reused, created, relabelled or (with O(state=absent)) deleted.
    - With O(state=absent) and several tokens with O(label), the one with the lowest id; RV(deleted) counts them all.
    - Empty when O(state=absent) and there was no such token.
  returned: when O(label) or O(id) is used
  type: dict
  contains:
    label:
      description: The label of the token.
      type: str
      returned: success
      sample: web1.example.com
    fingerprint:
      description:
        - First 16 hex digits of the SHA-256 of the token id; safe to log. The same fingerprint appears in the diff
          of M(hostfactory.enrollment.agent_config) for the configuration that holds this token.
        - V(null) in check mode for a token that would be created.
      type: str
      returned: success
      sample: 3f0c9a4e1b7d2c85
    id:
      description:
        - The token id (on the current service, the token value).
      type: str
      returned: when O(return_token=true), except in check mode for a token that would be created
      sample: 9c8b0e6a4f1d43e2a7b5c3d1e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5.123456
    token:
      description:
        - The token value to write to C(monitoring_token).
      type: str
      returned: when O(return_token=true), except in check mode for a token that would be created
      sample: 9c8b0e6a4f1d43e2a7b5c3d1e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5.123456
agent_tokens:
  description:
    - One element per label of O(labels), in that order, with the keys of RV(agent_token).
    - With O(state=absent), one element per deleted token.
  returned: when O(labels) is used
  type: list
  elements: dict
  sample:
    - label: web1.example.com
      fingerprint: 3f0c9a4e1b7d2c85
    - label: web2.example.com
      fingerprint: 81aa06d2c4e93b17
deleted:
  description: How many tokens were deleted (or would be, in check mode).
  returned: when O(state=absent)
  type: int
  sample: 1
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _agent_tokens as tokens
from ansible_collections.hostfactory.enrollment.plugins.module_utils._rackspace import (
    RACKSPACE_MUTUALLY_EXCLUSIVE,
    RackspaceConfigError,
    rackspace_argument_spec,
    run_module,
)


def run(module, api):
    params = module.params
    state, check_mode, reveal = params['state'], module.check_mode, params['return_token']
    if params['id'] is not None:
        if state == 'present':
            outcome = tokens.ensure_id_present(api, params['id'], params['label'], check_mode, reveal)
        else:
            outcome = tokens.ensure_id_absent(api, params['id'], check_mode)
    else:
        labels = params['labels'] if params['labels'] is not None else [params['label']]
        if state == 'present':
            outcome = tokens.ensure_labels_present(api, labels, check_mode, reveal)
        else:
            outcome = tokens.ensure_labels_absent(api, labels, check_mode)
    for warning in outcome.warnings:
        module.warn(warning)
    result = {'changed': outcome.changed}
    if params['labels'] is not None:
        result['agent_tokens'] = outcome.tokens
    else:
        result['agent_token'] = outcome.tokens[0] if outcome.tokens else {}
    if state == 'absent':
        result['deleted'] = len(outcome.tokens)
    if module._diff:  # pylint: disable=protected-access
        result['diff'] = outcome.diff
    return result


def check_labels(params):
    for label in params['labels'] or [params['label']]:
        if label is not None and not label.strip():
            raise RackspaceConfigError('label must not be empty (and neither may any element of labels)')


def main():
    argument_spec = rackspace_argument_spec()
    argument_spec.update(
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        label=dict(type='str'),
        labels=dict(type='list', elements='str'),
        id=dict(type='str', no_log=True),
        return_token=dict(type='bool', default=False),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=RACKSPACE_MUTUALLY_EXCLUSIVE + [('label', 'labels'), ('id', 'labels')],
        required_one_of=[('label', 'labels', 'id')],
    )
    run_module(module, lambda api: run(module, api), precheck=lambda: check_labels(module.params))


if __name__ == '__main__':
    main()
