#!/usr/bin/python
# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This file only documents the action plugin plugins/action/hostfactory_enroll.py, which does the work.

from __future__ import annotations

DOCUMENTATION = r"""
module: hostfactory_enroll
short_description: Enroll machines into Conjur, minting one host factory token on the controller only when needed
version_added: 0.1.0
description:
  - Makes sure the machine holds its own Conjur identity, like M(hostfactory.enrollment.hostfactory_host) (which it
    runs on the machine), but without a token to pass around. It is the engine of the role
    P(hostfactory.enrollment.host_identity#role).
  - First a read-only probe checks on the machine whether the identity file holds an entry for this host and the
    configuration and CA files are as they should be. It sends no request and returns no secret. When all is in
    place the task is done; this costs less than one module run.
  - Otherwise M(hostfactory.enrollment.hostfactory_host) runs on the machine. When the machine must be enrolled and
    no O(token) is given, a host factory token is minted B(on the controller) with O(login) and O(api_key) - one token
    per run of C(ansible-playbook) (per O(host_factory), O(token_cidr) and O(login)), shared by all machines, and
    only once a machine needs it. Machines that come after it receive the token without a probe.
  - The API key of a new host is written by the module on the machine and never travels to the controller.
  - Run a task with O(revoke_minted=true) and C(run_once) at the end (in an C(always) section) to revoke the tokens
    minted during the run. Tokens that are not revoked expire after O(token_duration).
author:
  - hostfactory.enrollment contributors (@hostfactory)
extends_documentation_fragment:
  - hostfactory.enrollment.conjur
  - hostfactory.enrollment.transport
  - hostfactory.enrollment.conjur.login
  - hostfactory.enrollment.enrollment
  - hostfactory.enrollment.attributes
  - hostfactory.enrollment.attributes.action_group_conjur
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - Check mode mints no token and sends no request that changes anything. Machines that would be enrolled are
        reported as changed, with the diff of their files (the new API key masked).
  diff_mode:
    support: full
  idempotent:
    support: partial
    details:
      - Idempotent unless O(rotate=true).
  platform:
    support: full
    platforms: posix
options:
  id:
    description:
      - Id of the host to create for this machine; the login written to the identity file is C(host/<id>).
      - Every machine needs its own id; see O(hostfactory.enrollment.hostfactory_host#module:id).
      - Required unless O(revoke_minted=true).
    type: str
  host_factory:
    description:
      - The host factory to mint the token for, as V(provisioning/hosts), V(host_factory:provisioning/hosts) or
        V(myorg:host_factory:provisioning/hosts).
      - Required when a token must be minted.
    type: str
  token:
    description:
      - A host factory token minted elsewhere. Nothing is minted then, and O(revoke_minted) leaves it alone.
      - Only sent to machines that must be enrolled.
      - An empty value is refused (it usually is an environment variable that is not set); leave the option unset to
        mint a token.
    type: str
  token_duration:
    description:
      - How long a minted token is valid, as seconds or a number with a unit C(s), C(m), C(h), C(d), C(w).
      - When less than two minutes are left, the next machine that needs a token gets a fresh one.
    type: str
    default: 15m
  token_cidr:
    description:
      - Addresses a minted token may be used from (IP addresses or CIDR ranges). Empty means anywhere.
    type: list
    elements: str
    default: []
  revoke_minted:
    description:
      - Instead of enrolling, revoke the tokens minted by this action during this run of C(ansible-playbook), on the
        controller. Makes no request when none was minted.
      - The tokens are revoked on the servers they were minted on, with O(login) and O(api_key) (or
        O(authn_token_file)) of this task.
    type: bool
    default: false
  option_names:
    description:
      - The names to use for this task's options in its messages, as a mapping of option name to the name to show,
        for a role that passes its own variables as these options (the role
        P(hostfactory.enrollment.host_identity#role) maps V(token) to V(host_identity_token), and so on).
    type: dict
notes:
  - Where each option is used. O(appliance_url), O(account), O(api_version) and the CA are resolved B(on the
    controller) (options, then the controller's environment variables; no configuration file is read there) and
    passed to the machine; the CA is sent as content, so O(ca_path) is a path on the controller. A relative
    O(ca_path) is looked up like the C(src) of M(ansible.builtin.copy) - in the C(files/) directory of the role and of
    the playbook, then relative to them, not to the current directory. O(login), O(api_key)
    and O(authn_token_file) are only used on the controller and never reach the machine. O(config_file),
    O(identity_file), O(conf_file) and O(cert_file) are paths on the machine. Without a CA on the controller,
    O(cert_file) is not written and the machine resolves its own CA (its environment, O(config_file)).
  - The token store lives in the controller's private temporary directory of the run and disappears with it. Run the
    revoking task before the end of the play; with the C(free) strategy, run it in a separate play.
  - Neither the token nor the API keys appear in the output, also at C(-vvvv).
seealso:
  - module: hostfactory.enrollment.hostfactory_host
  - module: hostfactory.enrollment.hostfactory_token
"""

EXAMPLES = r"""
- name: Enroll the new machines, minting one token on the controller only if one of them needs it
  block:
    - name: Enroll
      hostfactory.enrollment.hostfactory_enroll:
        appliance_url: https://conjur.example.com
        account: myorg
        ca_path: /etc/pki/conjur-ca.pem
        host_factory: provisioning/hosts
        token_cidr: [10.20.0.0/16]
        id: "{{ inventory_hostname }}"
        conf_file: /etc/conjur.conf
        cert_file: /etc/conjur.pem
      become: true
  always:
    - name: Revoke the token minted for this run
      hostfactory.enrollment.hostfactory_enroll:
        revoke_minted: true
      run_once: true
"""

RETURN = r"""
enrolled:
  description: Whether the host was created (or its key rotated) by this task; in check mode, whether it would be.
  returned: unless O(revoke_minted=true)
  type: bool
  sample: true
login:
  description: The login written to the identity file.
  returned: unless O(revoke_minted=true)
  type: str
  sample: host/web-01
identity_file:
  description: Path of the identity file.
  returned: unless O(revoke_minted=true)
  type: str
  sample: /etc/conjur.identity
changed_files:
  description: Files whose content, owner, group or mode changed (or would change in check mode).
  returned: unless O(revoke_minted=true)
  type: list
  elements: str
  sample: [/etc/conjur.identity]
needs_token:
  description: Always V(false) after a successful run; see M(hostfactory.enrollment.hostfactory_host).
  returned: unless O(revoke_minted=true)
  type: bool
  sample: false
rotated:
  description: See RV(hostfactory.enrollment.hostfactory_host#module:rotated).
  returned: unless O(revoke_minted=true)
  type: bool
  sample: false
verified:
  description: Whether the API key was checked by authenticating with it (O(verify=true)) and was accepted.
  returned: unless O(revoke_minted=true)
  type: bool
  sample: false
host:
  description: The host record the server returned, without its API key. Empty when no host was created.
  returned: unless O(revoke_minted=true)
  type: dict
  sample: {}
revoked:
  description: How many tokens were revoked.
  returned: when O(revoke_minted=true)
  type: int
  sample: 1
"""
