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
  annotations:
    description:
      - Annotations to set on the host, for example C(authn/api-key) with value V(true), which newer Conjur
        versions need on hosts that authenticate with an API key.
      - Values are sent as strings; booleans as V(true) and V(false).
      - The server applies them only when it creates the host, not when it rotates the key of an existing host.
    type: dict
  identity_file:
    description:
      - Path of the netrc file that receives the host's API key.
      - If the path is a symbolic link, the file it points to is written.
    type: path
    default: /etc/conjur.identity
  mode:
    description:
      - Permissions of O(identity_file), as an octal string such as V('0600') or V('0640'), or a symbolic mode.
      - The temporary file is created with at most V(0600) and gets the final mode before the first byte is
        written.
      - An existing identity file with other permissions is corrected.
    type: raw
    default: '0600'
  owner:
    description:
      - Owner of O(identity_file), as would be fed to C(chown). It is set on the temporary file before the first
        byte is written.
      - When not set, the file belongs to the user the module runs as.
    type: str
  group:
    description:
      - Group of O(identity_file), as would be fed to C(chown), for example a group of services that may read the
        identity with O(mode=0640).
    type: str
  unsafe_writes:
    description:
      - Ignored. O(identity_file), O(conf_file) and O(cert_file) are always replaced atomically.
    type: bool
    default: false
  rotate:
    description:
      - Create the host again even when O(identity_file) holds a usable entry. The server then rotates the host's
        API key; the old key stops working and the new one is written.
      - The module then reports a change on every run.
    type: bool
    default: false
  verify:
    description:
      - Authenticate with the API key to prove it works.
      - After an enrollment the new key is checked; otherwise the key found in O(identity_file).
      - When the existing key is rejected the module fails and tells to use O(rotate=true); the key is only
        replaced with O(rotate=true).
    type: bool
    default: false
  return_api_key:
    description:
      - Also return the API key in effect as RV(api_key).
      - Only use this with C(no_log=true) on the task, otherwise the key is printed in the output.
    type: bool
    default: false
  conf_file:
    description:
      - Also write this Conjur client configuration file (YAML), for example V(/etc/conjur.conf), with the keys the
        official clients read - C(account), C(appliance_url), C(cert_file) (when there is a CA file),
        C(netrc_path) (O(identity_file)) and C(plugins), plus C(version) V(4) for O(api_version=4).
      - Written with mode V(0644). The module owns the whole content of this file; a file with the same content
        (as written by the official C(cyberark.conjur.conjur_host_identity) role) is left alone.
    type: path
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
  cert_file:
    description:
      - Also write the CA certificate of O(ca_content) (or a copy of O(ca_path)) to this file, for example
        V(/etc/conjur.pem), with mode V(0644). O(conf_file) then refers to it.
      - Requires O(ca_content) or O(ca_path).
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
    host_factory_token: "{{ hf_token }}"
    id: "{{ inventory_hostname }}"
    rotate: true
  become: true

- name: Two passes - only hosts that are not enrolled yet need a token
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://conjur.example.com
    account: myorg
    id: "{{ inventory_hostname }}"
    missing_token: skip
  register: enrollment
  become: true
# ...then mint one token on the controller if any host returned needs_token, and run the module again with it
# on the hosts where enrollment.needs_token is true.

- name: Legacy Conjur 4 (the appliance URL ends in /api)
  hostfactory.enrollment.hostfactory_host:
    appliance_url: https://conjur4.example.com/api
    account: myorg
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

import os

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import (
    CONJUR_MUTUALLY_EXCLUSIVE,
    ConjurClient,
    ConjurConnection,
    conjur_argument_spec,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_files import normalize_pem, render_conf
from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import HttpError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._identity_file import (
    MASK,
    IdentityFileError,
    check_writable,
    encode_text,
    ensure_attributes,
    mask_netrc,
    merge_entry,
    numeric_mode,
    parse_netrc,
    read_text,
    resolve_gid,
    resolve_uid,
    unsafe_token_reason,
    write_file_atomic,
)

HOST_KEYS = ('id', 'created_at', 'owner', 'permissions', 'annotations')
UNUSED_LOGIN_OPTIONS = ('login', 'api_key', 'authn_token_file')
PUBLIC_FILE_MODE = 0o644
SELINUX_AND_ATTRIBUTE_OPTIONS = ('seuser', 'serole', 'selevel', 'setype', 'attributes')


class EnrollmentError(Exception):
    """A one-line, secret-free reason why the module cannot go on."""


def argument_spec():
    spec = conjur_argument_spec(login_required=True)
    spec.update(
        id=dict(type='str', required=True),
        host_factory_token=dict(type='str', no_log=True, fallback=(env_fallback, ['CONJUR_HOST_FACTORY_TOKEN'])),
        missing_token=dict(type='str', choices=['fail', 'skip'], default='fail', no_log=False),
        annotations=dict(type='dict'),
        identity_file=dict(type='path', no_log=False, default='/etc/conjur.identity'),
        mode=dict(type='raw', default='0600'),
        rotate=dict(type='bool', default=False),
        verify=dict(type='bool', default=False),
        return_api_key=dict(type='bool', default=False, no_log=False),
        conf_file=dict(type='path'),
        cert_file=dict(type='path'),
    )
    return spec


def existing_api_key(identity_text, machine, login):
    """The API key the identity file holds for C(machine) and C(login), or None (absent, other login, empty)."""
    if not identity_text:
        return None
    credentials = parse_netrc(identity_text).credentials(machine)
    if credentials and credentials[0] == login and credentials[1]:
        return credentials[1]
    return None


KEEP = 'keep'
ENROLL = 'enroll'
SKIP = 'skip'
FAIL = 'fail'


def decide(existing_key, rotate, have_token, missing_token):
    """What to do about the host: C(keep) its key, C(enroll) it now, or C(skip)/C(fail) for want of a token."""
    if existing_key is not None and not rotate:
        return KEEP
    if have_token:
        return ENROLL
    return SKIP if missing_token == 'skip' else FAIL


def annotation_values(annotations):
    values = {}
    for key, value in (annotations or {}).items():
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        values[str(key)] = '' if value is None else str(value)
    return values


class FilePlan:
    """One file to bring to a desired text: its current text, the desired text, attributes and diff rendering."""

    def __init__(self, path, before, after, mode, owner=None, group=None, mask=None):
        self.path = path
        self.before = before
        self.after = after
        self.mode = mode
        self.owner = owner
        self.group = group
        self.mask = mask or (lambda text: text)
        self.changed = False

    @property
    def content_differs(self):
        return self.after is not None and self.before != self.after

    def diff(self, after_header=None):
        return {
            'before_header': self.path if self.before is not None else '%s (absent)' % self.path,
            'after_header': after_header or self.path,
            'before': self.mask(self.before or ''),
            'after': self.mask(self.after),
        }


class Enrollment:
    """The work of one module run; L(run) fills C(result) and raises on failure."""

    def __init__(self, module, result):
        self.module = module
        self.params = module.params
        self.result = result
        self.diffs = []
        self.client = None
        self.connection = None

    # -- helpers ----------------------------------------------------------------------------------------------------
    def conjur(self):
        if self.client is None:
            self.client = ConjurClient(self.connection)
        return self.client

    def hide(self, secret):
        if secret and not self.params['return_api_key']:
            self.module.no_log_values.add(secret)

    def sync(self, plan, after_header=None):
        """Write C(plan) if its content differs, then bring owner/group/mode in line; record change and diff."""
        check_mode = self.module.check_mode
        if plan.content_differs:
            plan.changed = True
            if not check_mode:
                write_file_atomic(plan.path, encode_text(plan.after), mode=plan.mode, owner=plan.owner,
                                  group=plan.group)
            self.diffs.append(plan.diff(after_header))
        if os.path.exists(plan.path) and not (plan.changed and check_mode):
            before, after = ensure_attributes(plan.path, plan.mode, plan.owner, plan.group, apply=not check_mode)
            if before:
                plan.changed = True
                self.diffs.append({'before_header': '%s (attributes)' % plan.path, 'before': before,
                                   'after_header': '%s (attributes)' % plan.path, 'after': after})
        if plan.changed:
            self.result['changed'] = True
            self.result['changed_files'].append(plan.path)

    def sync_special_attributes(self, path):
        """SELinux context, chattr attributes and symbolic modes, through AnsibleModule's own helpers."""
        wanted = [name for name in SELINUX_AND_ATTRIBUTE_OPTIONS if self.params.get(name) is not None]
        if numeric_mode(self.params['mode']) is None:
            wanted.append('mode')
        if not wanted or not os.path.exists(path):
            return
        file_args = self.module.load_file_common_arguments(self.params, path=path)
        if 'mode' not in wanted:
            file_args['mode'] = None
        if self.module.set_fs_attributes_if_different(file_args, False):
            self.result['changed'] = True
            if path not in self.result['changed_files']:
                self.result['changed_files'].append(path)

    # -- planning -----------------------------------------------------------------------------------------------------
    def ca_text(self):
        conn = self.connection
        if conn.ca_content:
            return conn.ca_content
        if conn.ca_path:
            text = read_text(conn.ca_path)
            if text is None:
                raise EnrollmentError("cert_file: ca_path '%s' does not exist" % conn.ca_path)
            return text
        raise EnrollmentError('cert_file needs the CA certificate: set ca_content or ca_path')

    def plan_config_files(self):
        plans = []
        conn = self.connection
        cert_file = self.params['cert_file']
        if cert_file:
            plans.append(FilePlan(cert_file, read_text(cert_file), normalize_pem(self.ca_text()), PUBLIC_FILE_MODE))
        conf_file = self.params['conf_file']
        if conf_file:
            ca_file = cert_file or conn.ca_path
            if not ca_file and conn.ca_content:
                self.module.warn('conf_file gets no cert_file entry: ca_content was given without cert_file, so '
                                 'clients that read %s will use the system trust store' % conf_file)
            text = render_conf(conn.account, conn.appliance_url, os.path.abspath(self.params['identity_file']),
                               cert_file=os.path.abspath(ca_file) if ca_file else None,
                               api_version=conn.api_version)
            plans.insert(0, FilePlan(conf_file, read_text(conf_file), text, PUBLIC_FILE_MODE))
        for plan in plans:
            if plan.content_differs:
                check_writable(plan.path)
        return plans

    # -- the run ------------------------------------------------------------------------------------------------------
    def run(self):
        params = self.params
        self.hide(params['host_factory_token'])
        host_id = (params['id'] or '').strip()
        if not host_id:
            raise EnrollmentError('id must not be empty')
        connection_params = dict((k, v) for k, v in params.items() if k not in UNUSED_LOGIN_OPTIONS)
        self.connection = ConjurConnection.from_params(connection_params, warn=self.module.warn)
        machine = self.connection.netrc_machine
        login = 'host/%s' % host_id
        for name, value, token in (('id', host_id, login), ('appliance_url', self.connection.appliance_url, machine)):
            reason = unsafe_token_reason(token)
            if reason:
                raise EnrollmentError("%s '%s' cannot be written to the netrc identity file: %s" % (name, value, reason))
        identity_path = params['identity_file']
        self.result.update(login=login, identity_file=identity_path)

        identity_text = read_text(identity_path)
        current_key = existing_api_key(identity_text, machine, login)
        self.hide(current_key)

        if current_key and params['verify'] and not params['rotate']:
            if not self.conjur().check_api_key(login, current_key):
                raise EnrollmentError(
                    "the API key in %s for %s is rejected by Conjur at %s; set rotate: true to enroll the host "
                    "again (this rotates its key)" % (identity_path, login, self.connection.appliance_url))
            self.result['verified'] = True

        action = decide(current_key, params['rotate'], bool(params['host_factory_token']), params['missing_token'])
        self.result['needs_token'] = action in (SKIP, FAIL)
        if action == FAIL:
            reason = 'rotate is true' if current_key else 'no entry for it in %s' % identity_path
            raise EnrollmentError('%s must be enrolled (%s) but no host_factory_token was given (set the option or '
                                  'the environment variable CONJUR_HOST_FACTORY_TOKEN, or missing_token: skip)'
                                  % (login, reason))

        config_plans = self.plan_config_files()
        identity_plan = FilePlan(identity_path, identity_text, None, numeric_mode(params['mode']), params['owner'],
                                 params['group'], mask=mask_netrc)
        api_key = current_key
        if action == ENROLL:
            check_writable(identity_path)
            resolve_uid(params['owner'])
            resolve_gid(params['group'])
            api_key = None
            if not self.module.check_mode:
                api_key = self.enroll(host_id)
            self.result.update(enrolled=True, rotated=current_key is not None)

        if action == ENROLL or current_key:
            identity_plan.after = merge_entry(identity_text or '', machine, login, api_key or MASK)
            try:
                self.sync(identity_plan, after_header='%s (new API key)' % identity_path if action == ENROLL else None)
            except IdentityFileError as exc:
                if api_key and api_key != current_key:
                    raise EnrollmentError('%s was enrolled but its new API key could not be saved (%s); fix that and '
                                          'run again with rotate: true' % (login, exc))
                raise
            self.sync_special_attributes(identity_path)
        for plan in config_plans:
            self.sync(plan)

        if action == ENROLL and params['verify'] and not self.module.check_mode:
            if not self.conjur().check_api_key(login, api_key):
                raise EnrollmentError('%s was enrolled and its new API key written to %s, but Conjur rejects that key'
                                      % (login, identity_path))
            self.result['verified'] = True

        if params['return_api_key'] and api_key:
            self.result['api_key'] = api_key
        if self.module._diff and self.diffs:  # pylint: disable=protected-access
            self.result['diff'] = self.diffs

    def enroll(self, host_id):
        """Create the host; keep its record (without the key) in the result and return the new API key."""
        host = self.conjur().create_host(self.params['host_factory_token'], host_id,
                                         annotation_values(self.params['annotations']))
        api_key = host.pop('api_key')
        self.hide(api_key)
        self.result['host'] = dict((key, host.get(key)) for key in HOST_KEYS)
        return api_key


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=CONJUR_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
        add_file_common_args=True,
    )
    result = dict(changed=False, enrolled=False, rotated=False, needs_token=False, verified=False, host={},
                  changed_files=[], login=None, identity_file=module.params['identity_file'])
    enrollment = Enrollment(module, result)
    try:
        enrollment.run()
    except (HttpError, IdentityFileError, EnrollmentError) as exc:
        result.pop('diff', None)
        module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
