#!/usr/bin/python
# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: hostfactory_host
short_description: Enroll this machine into Conjur with a host factory token and write its identity file
version_added: 0.1.0
description:
  - Runs B(on the machine to enroll), so that host factory tokens restricted to the machine's address (CIDR) work.
  - Creates the host O(id) with a host factory token (C(POST /host_factories/hosts)) and writes the API key the
    server returns straight into the netrc identity file O(identity_file), in the format the official Conjur
    clients read (C(machine <appliance_url>/authn), C(login host/<id>), C(password <api key>)). The API key
    never travels back to the controller unless O(return_api_key=true).
  - Entries for other machines in the identity file are kept as they are. The file is replaced atomically (a
    temporary file in the same directory, synced and renamed) and is never readable by others while it is written.
  - Idempotent. When the identity file already holds an entry for this appliance with the login C(host/<id>), no
    request is made and nothing changes, unless O(rotate=true). An entry for the same appliance with B(another)
    login (another host id) is replaced by a new enrollment.
  - Optionally writes, in the same call, the rest of the machine's Conjur client configuration (O(conf_file) and
    O(cert_file)). One module call per host does the whole job.
  - Needs only the Python standard library on the managed node.
author:
  - hostfactory.enrollment contributors (@hostfactory)
extends_documentation_fragment:
  - hostfactory.enrollment.conjur
  - hostfactory.enrollment.transport
  - hostfactory.enrollment.enrollment
  - hostfactory.enrollment.attributes
  - hostfactory.enrollment.attributes.action_group_conjur
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    details:
      - Check mode makes no request that changes anything on the server and writes no file. It reports whether the
        host would be enrolled and which files would change.
      - With O(verify=true) an existing API key is still checked by authenticating with it, because that reads
        only.
  diff_mode:
    support: full
    details:
      - Shows the identity file before and after with every password and macro body masked, and the changes of
        O(conf_file), O(cert_file) and of file owner, group and mode.
  idempotent:
    support: partial
    details:
      - Idempotent unless O(rotate=true), which rotates the API key on every run by design.
  platform:
    support: full
    platforms: posix
options:
  id:
    description:
      - Identifier of the host to create, for example V(web-01) or V(myapp/web-01). It is used verbatim; the login
        written to the identity file is C(host/<id>).
      - It must not contain whitespace, double quotes or backslashes, which not every netrc reader can handle.
      - The server creates the host in the host factory's account at the root of the policy tree.
      - If a host with this id already exists and is owned by the host factory, the server B(rotates its API key),
        so any other machine that uses the same id loses its identity. Give every machine its own id.
    type: str
    required: true
  host_factory_token:
    description:
      - Host factory token to create the host with.
      - If not set, the environment variable E(CONJUR_HOST_FACTORY_TOKEN) is used.
      - Only needed when the host must be enrolled (no usable entry in O(identity_file), or O(rotate=true)). See
        O(missing_token) for what happens when it is needed and not given.
    type: str
  missing_token:
    description:
      - What to do when the host needs to be enrolled and no O(host_factory_token) was given.
      - V(fail) fails with a message that says so.
      - V(skip) makes no request, still writes O(conf_file) and O(cert_file), and returns RV(needs_token=true). A
        role can then mint one token only for the hosts that need it and call the module again on those hosts.
    type: str
    choices: [fail, skip]
    default: fail
  unsafe_writes:
    description:
      - Ignored. O(identity_file), O(conf_file) and O(cert_file) are always replaced atomically.
    type: bool
    default: false
  return_api_key:
    description:
      - Also return the API key in effect as RV(api_key).
      - Only use this with C(no_log=true) on the task, otherwise the key is printed in the output.
    type: bool
    default: false
  login:
    description:
      - Not used; the host factory token is the only credential this module needs.
      - Accepted so that C(module_defaults) for C(group/hostfactory.enrollment.conjur) can set the login options
        for every module of the group.
    type: str
  api_key:
    description:
      - Not used, see O(login).
    type: str
  authn_token_file:
    description:
      - Not used, see O(login).
    type: path
notes:
  - Both the host factory token and the API key are hidden from the module's output, warnings and errors.
  - With O(api_version=4) the legacy Conjur 4 route is used; the netrc machine is still C(<appliance_url>/authn).
  - Only the identity file's owner, group and mode follow O(owner), O(group) and O(mode); O(conf_file) and
    O(cert_file) keep the default owner.
seealso:
  - module: hostfactory.enrollment.hostfactory_token
"""

EXAMPLES = r"""
- name: Enroll this machine and write /etc/conjur.identity, /etc/conjur.conf and /etc/conjur.pem
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_content: "{{ conjur_ca_pem }}"
    host_factory_token: "{{ hf_token }}"
    id: "{{ inventory_hostname }}"
    annotations:
      authn/api-key: true
      provisioned-by: ansible
    conf_file: /etc/conjur.conf
    cert_file: /etc/conjur.pem
  become: true

- name: Let a service group read the identity, and check that the key works
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /etc/conjur.pem
    host_factory_token: "{{ hf_token }}"
    id: "apps/{{ inventory_hostname }}"
    group: conjur
    mode: '0640'
    verify: true
  become: true

- name: Rotate the API key (the old key stops working)
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /etc/conjur.pem
    host_factory_token: "{{ hf_token }}"
    id: "{{ inventory_hostname }}"
    rotate: true
  become: true

# Two passes: a token is minted only if a host needs one (the role host_identity does this in one task).
- name: Find the hosts that are not enrolled yet (no token needed, no request for enrolled hosts)
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /etc/pki/conjur-ca.pem
    id: "{{ inventory_hostname }}"
    missing_token: skip
  register: enrollment
  become: true

- name: Mint one token on the controller if a host needs one (credentials from CONJUR_AUTHN_LOGIN/_API_KEY)
  hostfactory.enrollment.hostfactory_token:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /etc/pki/conjur-ca.pem
    host_factory: provisioning/hosts
    duration: 15m
  register: pass_token
  delegate_to: localhost
  run_once: true
  no_log: true
  when: ansible_play_hosts | map('extract', hostvars, ['enrollment', 'needs_token']) | select | list | length > 0

- name: Enroll the hosts that need it, with that token
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /etc/pki/conjur-ca.pem
    id: "{{ inventory_hostname }}"
    host_factory_token: "{{ pass_token.tokens[0].token }}"
  become: true
  when: enrollment.needs_token

- name: Revoke the token
  hostfactory.enrollment.hostfactory_token:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /etc/pki/conjur-ca.pem
    state: absent
    tokens: "{{ pass_token.tokens }}"
  delegate_to: localhost
  run_once: true
  no_log: true
  when: pass_token.tokens is defined

- name: Legacy Conjur 4 (the appliance URL ends in /api)
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://conjur4.example.com/api
    account: myorg
    ca_path: /etc/pki/conjur-ca.pem
    api_version: 4
    host_factory_token: "{{ hf_token }}"
    id: "{{ inventory_hostname }}"
    conf_file: /etc/conjur.conf
  become: true

# Enrollment at first boot with cloud-init and ansible-pull: the token is handed to the instance only,
# CIDR-restricted to its address, and the API key never leaves the machine. Cloud-init user data:
#
#   #cloud-config
#   write_files:
#     - path: /run/conjur-hf-token
#       permissions: '0600'
#       content: 1bcarsc2bqvsxt6cnd74xem8yf15gtma71vp23y315n0z201c1jza7
#   runcmd:
#     - ["sh", "-c", "CONJUR_HOST_FACTORY_TOKEN=$(cat /run/conjur-hf-token) ansible-pull -i localhost,
#        -U https://git.example.com/bootstrap.git enroll.yml; rm -f /run/conjur-hf-token"]
#
# enroll.yml in that repository (connection: local, hosts: localhost) holds this task; the token comes from the
# environment variable CONJUR_HOST_FACTORY_TOKEN:
- name: Enroll at first boot
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /usr/local/share/ca-certificates/conjur.crt
    id: "{{ ansible_facts['hostname'] }}"
    conf_file: /etc/conjur.conf
"""

RETURN = r"""
enrolled:
  description:
    - Whether the host was created (or its key rotated) by this run; in check mode, whether it would be.
  returned: always
  type: bool
  sample: true
rotated:
  description:
    - Whether an API key found in O(identity_file) for this host was replaced by a new one (O(rotate=true)).
    - The server also rotates the key of an existing host whose key this machine did not have; that case is not
      detectable and reports V(false).
  returned: always
  type: bool
  sample: false
needs_token:
  description:
    - Whether the host needs enrollment but no O(host_factory_token) was given (with O(missing_token=skip)).
  returned: always
  type: bool
  sample: false
verified:
  description:
    - Whether the API key was checked by authenticating with it (O(verify=true)) and was accepted.
  returned: always
  type: bool
  sample: false
login:
  description: The login written to the identity file.
  returned: always
  type: str
  sample: host/web-01
identity_file:
  description: Path of the identity file.
  returned: always
  type: str
  sample: /etc/conjur.identity
changed_files:
  description: Files whose content, owner, group or mode changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: [/etc/conjur.identity, /etc/conjur.conf]
host:
  description:
    - The host record the server returned, without its API key. Empty when no host was created.
  returned: always
  type: dict
  sample: {}
  contains:
    id:
      description: Fully qualified host id.
      type: str
      sample: myorg:host:web-01
    created_at:
      description: Creation time of the host.
      type: str
      sample: "2025-11-22T10:11:12.123+00:00"
    owner:
      description: Owner of the host (the host factory).
      type: str
      sample: myorg:host_factory:provisioning/hosts
    permissions:
      description: Permissions on the host.
      type: list
      elements: dict
      sample: []
    annotations:
      description: Annotations of the host, as C(name)/C(value) pairs.
      type: list
      elements: dict
      sample: [{"name": "authn/api-key", "value": "true"}]
api_key:
  description:
    - The API key in effect (new or found in the identity file). Use C(no_log=true) on the task.
  returned: when O(return_api_key=true) and the key is known (not in check mode before an enrollment)
  type: str
  sample: 1vgw4jzdq9a2j33cj6tb2ht4rm52wn5tx3s8tph1e2hnf3cy1v9x3
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import CONJUR_MUTUALLY_EXCLUSIVE
from ansible_collections.hostfactory.enrollment.plugins.module_utils._enrollment_exec import (
    Enrollment,
    host_argument_spec,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import CollectionError, fail


def main():
    module = AnsibleModule(
        argument_spec=host_argument_spec(),
        mutually_exclusive=CONJUR_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
        add_file_common_args=True,
    )
    enrollment = Enrollment(module)
    try:
        result = enrollment.run()
    except CollectionError as exc:
        fail(module, exc, enrollment.result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
