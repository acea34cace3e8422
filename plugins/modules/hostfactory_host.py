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
  - The host id the server returns is the one written. A host factory may create the host under a policy branch
    (Conjur Cloud does), for example C(data/ansible/web-01) for O(id=web-01); the login is then
    C(host/data/ansible/web-01), RV(host_id) and RV(requested_id) report both ids, and the entry ends with a
    comment that records the requested id (C(# hostfactory.enrollment) ...) so that the next run recognises it.
  - Entries for other machines in the identity file are kept as they are. The file is replaced atomically (a
    temporary file in the same directory, synced and renamed) and is never readable by others while it is written.
  - Idempotent. When the identity file already holds an entry for this appliance with the login C(host/<id>), or
    with the login the server returned for O(id) (recognised by that comment), no request is made and nothing
    changes, unless O(rotate=true). An entry for the same appliance with B(another) login (another host id, or a
    branch login without the comment for this O(id)) is replaced by a new enrollment.
  - Optionally writes, in the same call, the rest of the machine's Conjur client configuration (O(conf_file) and
    O(cert_file)). One module call per host does the whole job.
  - With O(state=absent) it un-enrolls the machine instead (see O(state)).
  - Needs only the Python standard library on the managed node.
  - The machine never receives the controller's credentials. The module's action, on the controller, drops
    O(login), O(api_key) and O(authn_token_file) before the module is sent to the machine, whatever their source
    (C(module_defaults) for the group, the task, a variable), and warns when the task itself sets them.
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
      - With O(state=absent), check mode reports which files would change or go, and RV(unenrolled).
  diff_mode:
    support: full
    details:
      - Shows the identity file before and after with every password and macro body masked, and the changes of
        O(conf_file), O(cert_file) and of file owner, group and mode. Removed files show as emptied, with the header
        C(<path> (removed)).
  idempotent:
    support: partial
    details:
      - Idempotent unless O(rotate=true), which rotates the API key on every run by design. O(state=absent) is
        idempotent.
  platform:
    support: full
    platforms: posix
options:
  id:
    description:
      - Identifier of the host to create, for example V(web-01) or V(myapp/web-01). It is used verbatim; the login
        written to the identity file is C(host/<id>).
      - It must not contain whitespace of any kind (Unicode whitespace such as a no-break space too, because the Go netrc
        reader of conjur-api-go and Summon splits at it where Python's does not), double quotes, backslashes or
        control characters, which not every netrc reader can handle.
      - It must be ASCII, because the C(netrc) module of Python 3.9 and 3.10 rejects a whole file that holds one non-ASCII
        character.
      - Ids under C(conjur/) are reserved by Conjur and refused before any request.
      - The server creates the host in the host factory's account, at the root of the policy tree (Conjur Open
        Source and Enterprise) or under a policy branch of the host factory's (Conjur Cloud); see RV(host_id).
      - If a host with this id already exists and is owned by the host factory, the server B(rotates its API key),
        so any other machine that uses the same id loses its identity. Give every machine its own id.
    type: str
    required: true
  state:
    description:
      - V(present) enrolls the machine (or leaves an enrolled machine alone).
      - V(absent) un-enrolls it B(on the machine only). The entries of O(identity_file) for this appliance with the
        login C(host/<id>) are removed; every other entry, comment and blank stays byte for byte, and the file is
        deleted when nothing else is left in it. O(conf_file) and O(cert_file) are deleted only when they hold
        exactly what O(state=present) writes there with the same options (so a file this module did not write is
        never deleted; it is kept with a warning that says why). No token is needed and no request is sent.
      - B(The API key of the host stays valid on the server.) This module runs on the machine and has no
        credentials to invalidate it. Use M(hostfactory.enrollment.hostfactory_enroll) (or the role
        P(hostfactory.enrollment.host_identity#role)) with O(state=absent), which invalidates the key with the
        controller's credentials before the module removes the files. Or delete the host from the Conjur policy.
      - O(rotate), O(verify), O(missing_token), O(host_factory_token), O(annotations), O(mode), O(owner) and
        O(group) are not used with V(absent); a rewritten identity file keeps its mode, owner and group.
    type: str
    choices: [present, absent]
    default: present
  host_factory_token:
    description:
      - Host factory token to create the host with.
      - If neither this option nor O(host_factory_token_file) is set, the environment variable
        E(CONJUR_HOST_FACTORY_TOKEN) of the module's process is used (cleaned and hidden the same way); a token file
        wins over the variable.
      - Surrounding white space (a trailing newline from a file lookup or C(echo)) is removed; a value that still
        holds white space or a control character is refused before any request, with a message that names the
        option and never shows the value.
      - Only needed when the host must be enrolled (no usable entry in O(identity_file), or O(rotate=true)). See
        O(missing_token) for what happens when it is needed and not given.
      - Mutually exclusive with O(host_factory_token_file).
    type: str
  host_factory_token_file:
    description:
      - Path of a file on the machine that holds the host factory token, for example written by cloud-init at first
        boot. White space around the token (a final line break, also Unicode spaces) is ignored.
      - The file must be a regular file (not a symbolic link, FIFO or device) that belongs to root or to the user
        the module runs as, and that group and others can neither read nor write (mode V(0600) or V(0400));
        otherwise the module fails before any request.
      - A file that does not exist counts as no token (see O(missing_token)).
      - Mutually exclusive with O(host_factory_token).
    type: path
  remove_token_file:
    description:
      - Remove O(host_factory_token_file) once the machine holds a working identity, also when it was enrolled
        already and the token was not needed. The removal is reported as a change.
      - The file stays when the enrollment fails, or with O(missing_token=skip) while the machine has no identity,
        so that a later run can use it. In check mode nothing is removed.
      - Requires O(host_factory_token_file).
    type: bool
    default: false
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
      - Never used and never sent to the machine. The host factory token is the only credential this module needs.
      - Accepted so that C(module_defaults) for C(group/hostfactory.enrollment.conjur) can set the credential
        options of the other modules of the group. The module's action drops O(login), O(api_key) and
        O(authn_token_file) on the controller, and warns when the task itself sets them.
    type: str
  api_key:
    description:
      - Never used and never sent to the machine, see O(login).
    type: str
  authn_token_file:
    description:
      - Never used and never sent to the machine, see O(login).
    type: path
notes:
  - Both the host factory token (also when read from O(host_factory_token_file)) and the API key are hidden from the
    module's output, warnings and errors.
  - The integration tests keep the files the machine receives and search them for the controller's credentials,
    with the remote files kept and with pipelining.
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
    annotations:  # authn/api-key: true is sent as well, unless set here (to null for none)
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

- name: Remove this machine's identity and the Conjur files written for it (the key stays valid on the server)
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_content: "{{ conjur_ca_pem }}"
    id: "{{ inventory_hostname }}"
    conf_file: /etc/conjur.conf
    cert_file: /etc/conjur.pem
    state: absent
  become: true

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
# CIDR-restricted to its address, in a file that the module removes once the machine holds its identity; the API
# key never leaves the machine. Cloud-init user data:
#
#   #cloud-config
#   write_files:
#     - path: /run/conjur-hf-token
#       permissions: '0600'
#       content: 1bcarsc2bqvsxt6cnd74xem8yf15gtma71vp23y315n0z201c1jza7
#   runcmd:
#     - [ansible-pull, -i, 'localhost,', -U, 'https://git.example.com/bootstrap.git', enroll.yml]
#
# enroll.yml in that repository (connection: local, hosts: localhost) holds this task:
- name: Enroll at first boot
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /usr/local/share/ca-certificates/conjur.crt
    id: "{{ ansible_facts['hostname'] }}"
    host_factory_token_file: /run/conjur-hf-token
    remove_token_file: true
    conf_file: /etc/conjur.conf

- name: Conjur Cloud - the /api path and the account conjur are implied; hosts land under the factory's branch
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://mytenant.secretsmgr.cyberark.cloud
    host_factory_token: "{{ hf_token }}"
    id: "{{ inventory_hostname }}"
  register: enrollment  # enrollment.host_id is for example data/ansible/web-01

- name: Conjur Edge, reached through the corporate proxy of the environment (use_proxy is true by default)
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://edge.example.com:8443/api
    account: conjur
    host_factory_token: "{{ hf_token }}"
    id: "{{ inventory_hostname }}"
  environment:
    https_proxy: http://proxy.example.com:3128
    no_proxy: localhost,127.0.0.1
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
  description: The login written to the identity file, C(host/) and RV(host_id).
  returned: always
  type: str
  sample: host/web-01
host_id:
  description:
    - The id of this machine's host as the server knows it, taken from the server's answer when the host was created
      (the account and C(:host:) stripped), otherwise from the identity file.
    - It differs from O(id) when the host factory places its hosts under a policy branch; RV(requested_id) is then
      returned too.
    - Before an enrollment in check mode, O(id).
  returned: success
  type: str
  sample: data/ansible/web-01
requested_id:
  description: O(id), when the server placed the host elsewhere (RV(host_id) differs).
  returned: when RV(host_id) differs from O(id)
  type: str
  sample: web-01
token_file_removed:
  description:
    - Whether O(host_factory_token_file) was removed (in check mode, would be removed).
  returned: when O(remove_token_file=true) and the module succeeded with an identity in place
  type: bool
  sample: true
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
unenrolled:
  description:
    - With O(state=absent), whether an entry of this host left the identity file (in check mode, whether one would).
  returned: when O(state=absent)
  type: bool
  sample: true
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
    HOST_MUTUALLY_EXCLUSIVE,
    HOST_REQUIRED_IF,
    Enrollment,
    host_argument_spec,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import CollectionError, fail


def main():
    module = AnsibleModule(
        argument_spec=host_argument_spec(),
        mutually_exclusive=CONJUR_MUTUALLY_EXCLUSIVE + HOST_MUTUALLY_EXCLUSIVE,
        required_if=HOST_REQUIRED_IF,
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
