#!/usr/bin/python
# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: hostfactory_token_info
short_description: List the host factory tokens of a Conjur host factory, without their values
version_added: 0.1.0
description:
  - Lists the tokens a host factory has now (every token not revoked, also the expired ones the server still keeps),
    each with its expiration, its CIDR restriction and a non-reversible fingerprint.
  - B(Never returns a token value.) A token is a credential that creates hosts; an audit needs to count, date and
    tell tokens apart, which the fingerprint does (the first 16 hex digits of the token's SHA-256, the same
    fingerprint the rest of the collection shows). There is no option to reveal the values; to get rid of tokens
    whose values you do not know, use M(hostfactory.enrollment.hostfactory_token) with O(hostfactory.enrollment.hostfactory_token#module:all_tokens=true).
  - Authenticates with O(login) and O(api_key), or with an access token from O(authn_token_file). The login needs the
    C(read) privilege on the host factory (any privilege makes it visible).
  - One authentication and one read of the host factory per run. Works with the Conjur v5 API and with the legacy v4
    API (O(api_version=4)).
author:
  - hostfactory.enrollment contributors (@hostfactory)
extends_documentation_fragment:
  - hostfactory.enrollment.conjur
  - hostfactory.enrollment.transport
  - hostfactory.enrollment.conjur.login
  - hostfactory.enrollment.attributes
  - hostfactory.enrollment.attributes.info_module
  - hostfactory.enrollment.attributes.action_group_conjur
attributes:
  platform:
    support: full
    platforms: posix
options:
  host_factory:
    description:
      - The host factory, as its identifier (V(provisioning/hosts)), as V(host_factory:provisioning/hosts), or as the
        fully qualified V(myorg:host_factory:provisioning/hosts).
    type: str
    required: true
notes:
  - The server keeps an expired token until it is revoked; RV(tokens[].expired) is judged by the clock of the
    machine the module runs on.
seealso:
  - module: hostfactory.enrollment.hostfactory_token
"""

EXAMPLES = r"""
- name: List the tokens of the host factory (never their values)
  hostfactory.enrollment.hostfactory_token_info:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /etc/conjur.pem
    login: host/ansible/auditor
    api_key: "{{ conjur_auditor_api_key }}"
    host_factory: provisioning/hosts
  register: hf_tokens
  delegate_to: localhost
  run_once: true

- name: Fail when a live token can be used from anywhere or lives longer than a day
  ansible.builtin.assert:
    that:
      - live | selectattr('cidr', 'equalto', []) | list == []
      - live | map(attribute='expiration') | select('>', tomorrow) | list == []
    fail_msg: "tokens to revoke: {{ live | map(attribute='fingerprint') | join(', ') }}"
  vars:
    live: "{{ hf_tokens.tokens | rejectattr('expired') | list }}"
    tomorrow: "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() + 86400, utc=true) }}"
  run_once: true
"""

RETURN = r"""
host_factory:
  description: The fully qualified id of the host factory.
  returned: success
  type: str
  sample: myorg:host_factory:provisioning/hosts
tokens:
  description: The tokens of the host factory, in the order the server lists them. Never their values.
  returned: success
  type: list
  elements: dict
  contains:
    fingerprint:
      description:
        - The first 16 hex digits of the SHA-256 of the token. It tells tokens apart and matches the fingerprints in
          the diff of M(hostfactory.enrollment.hostfactory_token) with O(hostfactory.enrollment.hostfactory_token#module:all_tokens=true);
          the token cannot be computed from it.
      type: str
      returned: always
      sample: 3f1c2a9b7d4e5f60
    expiration:
      description: When the token expires (UTC, ISO 8601).
      type: str
      returned: always
      sample: "2030-01-31T12:00:00Z"
    cidr:
      description: The addresses the token may be used from; empty means anywhere.
      type: list
      elements: str
      returned: always
      sample: ["10.20.0.0/16"]
    expired:
      description: Whether the expiration has passed (by the clock of the machine the module runs on).
      type: bool
      returned: always
      sample: false
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import (
    CONJUR_MUTUALLY_EXCLUSIVE,
    ConjurClient,
    conjur_argument_spec,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import ConjurConnection
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import CollectionError, fail
from ansible_collections.hostfactory.enrollment.plugins.module_utils._hostfactory_tokens import token_info
from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import clean_module_secrets


def main():
    spec = conjur_argument_spec(with_login=True)
    spec.update(host_factory=dict(type='str', required=True))
    module = AnsibleModule(argument_spec=spec, mutually_exclusive=CONJUR_MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    try:
        clean_module_secrets(module)
        connection = ConjurConnection.resolve(module.params, warn=module.warn, credentials=True)
        module.no_log_values.add(connection.api_key)
        result = token_info(ConjurClient(connection), module.params)
    except CollectionError as exc:
        fail(module, exc)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
