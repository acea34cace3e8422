# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Carries out an enrollment plan on the node: the work of M(hostfactory.enrollment.hostfactory_host).

The decision is L(_enrollment.make_plan)'s; this runs it: check an existing key, create the host with the host
factory token, write the identity, configuration and CA files atomically, and fill the module's result.
"""

from __future__ import annotations

import os

from ansible.module_utils.basic import env_fallback

from ._conjur import ConjurClient, conjur_argument_spec
from ._conjur_settings import LOGIN_OPTIONS, ConjurConnection
from ._enrollment import (
    FAIL,
    PLAN_OPTIONS,
    EnrollmentError,
    FileRemoval,
    RemovalPlan,
    make_plan,
    missing_token_message,
)
from ._files import FileError, encode_text, ensure_attributes, numeric_mode, remove_file, write_file_atomic
from ._secrets import MASK

HOST_KEYS = ('id', 'created_at', 'owner', 'permissions', 'annotations')
SELINUX_AND_ATTRIBUTE_OPTIONS = ('seuser', 'serole', 'selevel', 'setype', 'attributes')


def enrollment_argument_spec():
    """Return a fresh dict with the enrollment options of a machine (doc fragment C(hostfactory.enrollment.enrollment)).

    The host id is not among them: each plugin declares its own (required by the module, not by the action).
    """
    return dict(
        annotations=dict(type='dict'),
        identity_file=dict(type='path', no_log=False, default='/etc/conjur.identity'),
        mode=dict(type='raw', default='0600'),
        owner=dict(type='str'),
        group=dict(type='str'),
        conf_file=dict(type='path'),
        cert_file=dict(type='path'),
        rotate=dict(type='bool', default=False),
        verify=dict(type='bool', default=False),
    )


def host_argument_spec():
    """Return a fresh dict with the options of M(hostfactory.enrollment.hostfactory_host)."""
    spec = conjur_argument_spec(with_login=True)
    spec.update(enrollment_argument_spec())
    spec.update(
        id=dict(type='str', required=True),
        host_factory_token=dict(type='str', no_log=True, fallback=(env_fallback, ['CONJUR_HOST_FACTORY_TOKEN'])),
        missing_token=dict(type='str', choices=['fail', 'skip'], default='fail', no_log=False),
        return_api_key=dict(type='bool', default=False, no_log=False),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    return spec


def annotation_values(annotations):
    """Annotations as the form sends them: strings, booleans as C(true)/C(false)."""
    values = {}
    for key, value in (annotations or {}).items():
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        values[str(key)] = '' if value is None else str(value)
    return values


def rewrite_in_place(file_plan):
    """Write the new text of C(file_plan) atomically, keeping the file's mode, and its owner and group where they
    are not already the process's own (only root may give a file away)."""
    stat = file_plan.state.stat
    owner = stat.st_uid if stat.st_uid != os.geteuid() else None
    group = stat.st_gid if stat.st_gid != os.getegid() else None
    write_file_atomic(file_plan.path, encode_text(file_plan.after), mode=stat.st_mode & 0o7777, owner=owner,
                      group=group)


class Enrollment:
    """One run of M(hostfactory.enrollment.hostfactory_host); L(run) fills C(result) and raises on failure."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.plan = None
        self.result = dict(changed=False, enrolled=False, rotated=False, needs_token=False, verified=False, host={},
                           changed_files=[], login=None, identity_file=self.params['identity_file'])
        self.diffs = []
        self.connection = None
        self._client = None

    # -- helpers ----------------------------------------------------------------------------------------------------
    def client(self):
        if self._client is None:
            self._client = ConjurClient(self.connection)
        return self._client

    def hide(self, secret):
        if secret and not self.params['return_api_key']:
            self.module.no_log_values.add(secret)

    def sync(self, plan, after_header=None):
        """Write C(plan) if its content differs, then bring owner/group/mode in line; record change and diff."""
        check_mode = self.module.check_mode
        changed = False
        if plan.content_differs:
            changed = True
            if not check_mode:
                write_file_atomic(plan.path, encode_text(plan.after), mode=plan.mode, owner=plan.owner,
                                  group=plan.group)
            self.diffs.append(plan.diff(after_header))
        if os.path.exists(plan.path) and not (changed and check_mode):
            before, after = ensure_attributes(plan.path, plan.mode, plan.owner, plan.group, apply=not check_mode)
            if before:
                changed = True
                self.diffs.append({'before_header': '%s (attributes)' % plan.path, 'before': before,
                                   'after_header': '%s (attributes)' % plan.path, 'after': after})
        if changed:
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

    # -- the run ----------------------------------------------------------------------------------------------------
    def run(self):
        params = self.params
        self.hide(params['host_factory_token'])
        self.connection = ConjurConnection.resolve(
            dict((k, v) for k, v in params.items() if k not in LOGIN_OPTIONS), warn=self.module.warn)
        options = dict((name, params.get(name)) for name in PLAN_OPTIONS)
        plan = self.plan = make_plan(options, self.connection, have_token=bool(params['host_factory_token']),
                                     hide=self.hide)
        self.result.update(login=plan.login, identity_file=plan.identity_file)
        if isinstance(plan, RemovalPlan):
            return self.unenroll(plan)

        if plan.verify_existing:
            if not self.client().check_api_key(plan.login, plan.current_key):
                raise EnrollmentError(
                    "the API key in %s for %s is rejected by Conjur at %s; set rotate: true to enroll the host "
                    "again (this rotates its key)" % (plan.identity_file, plan.login, self.connection.appliance_url))
            self.result['verified'] = True

        self.result['needs_token'] = plan.needs_token
        if plan.action == FAIL:
            raise EnrollmentError(missing_token_message(plan))
        for warning in plan.warnings:
            self.module.warn(warning)

        api_key = plan.current_key
        if plan.enroll:
            api_key = None
            if not self.module.check_mode:
                api_key = self.create_host(plan.host_id)
            self.result.update(enrolled=True, rotated=plan.current_key is not None)

        if plan.enroll or plan.current_key:
            plan.identity.after = plan.identity_after(api_key or MASK)
            try:
                self.sync(plan.identity, after_header='%s (new API key)' % plan.identity_file if plan.enroll else None)
            except FileError as exc:
                if api_key and api_key != plan.current_key:
                    raise EnrollmentError('%s was enrolled but its new API key could not be saved (%s); fix that and '
                                          'run again with rotate: true' % (plan.login, exc))
                raise
            self.sync_special_attributes(plan.identity_file)
        for file_plan in plan.config_files:
            self.sync(file_plan)

        if plan.enroll and params['verify'] and not self.module.check_mode:
            if not self.client().check_api_key(plan.login, api_key):
                raise EnrollmentError('%s was enrolled and its new API key written to %s, but Conjur rejects that key'
                                      % (plan.login, plan.identity_file))
            self.result['verified'] = True

        if params['return_api_key'] and api_key:
            self.result['api_key'] = api_key
        if self.module._diff and self.diffs:  # pylint: disable=protected-access
            self.result['diff'] = self.diffs
        return self.result

    def unenroll(self, plan):
        """Carry out a L(RemovalPlan): this host's entries leave the identity file (deleted when nothing else is left
        in it), and the conf and CA files go when they are ours. The server is not asked anything."""
        for warning in plan.warnings:
            self.module.warn(warning)
        self.result['unenrolled'] = plan.unenroll
        for file_plan in plan.files():
            if not file_plan.content_differs:
                continue
            if not self.module.check_mode:
                if isinstance(file_plan, FileRemoval):
                    remove_file(file_plan.path)
                else:
                    rewrite_in_place(file_plan)
            self.diffs.append(file_plan.diff())
            self.result['changed'] = True
            self.result['changed_files'].append(file_plan.path)
        if self.module._diff and self.diffs:  # pylint: disable=protected-access
            self.result['diff'] = self.diffs
        return self.result

    def create_host(self, host_id):
        """Create the host; keep its record (without the key) in the result and return the new API key."""
        host = self.client().create_host(self.params['host_factory_token'], host_id,
                                         annotation_values(self.params['annotations']))
        api_key = host.pop('api_key')
        self.hide(api_key)
        self.result['host'] = dict((key, host.get(key)) for key in HOST_KEYS)
        return api_key
