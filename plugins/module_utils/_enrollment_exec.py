# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Carries out an enrollment plan on the node: the work of M(hostfactory.enrollment.hostfactory_host).

The decision is L(_enrollment.make_plan)'s; this runs it: check an existing key, create the host with the host
factory token, write the identity (under the login of the id the server returned), configuration and CA files
atomically, remove a token file that served its purpose, and fill the module's result.

A run that writes takes the enrollment lock next to the identity file and plans again under it, so that of two runs
on one machine the second sees what the first one wrote. Before the host is created, every file it will write is
prepared (L(_files.PreparedFile): temporary file created with its owner and mode, space reserved): a full disk or a
bad directory then fails before the server changes anything.
"""

from __future__ import annotations

import os

from ._conjur import ConjurClient, conjur_argument_spec
from ._conjur_settings import LOGIN_OPTIONS, ConjurConnection
from ._enrollment import (
    FAIL,
    PLAN_OPTIONS,
    SKIP,
    EnrollmentError,
    FileRemoval,
    RemovalPlan,
    make_plan,
    missing_token_message,
)
from ._errors import ParameterError
from ._files import (
    FileError,
    FileLock,
    PreparedFile,
    check_regular,
    encode_text,
    ensure_attributes,
    numeric_mode,
    remove_file,
    write_file_atomic,
)
from ._host_ids import LOGIN_PREFIX, returned_host_id
from ._netrc import unsafe_token_reason
from ._secrets import MASK, clean_module_secrets, clean_secret
from ._token_file import read_token_file, remove_token_file

HOST_KEYS = ('id', 'created_at', 'owner', 'permissions', 'annotations')
SELINUX_AND_ATTRIBUTE_OPTIONS = ('seuser', 'serole', 'selevel', 'setype', 'attributes')
DEFAULT_LOCK_TIMEOUT = 120
# Room reserved for the API key before the server sends it (Conjur's keys have about 55 characters), which also
# covers a host id the server places under a policy branch.
API_KEY_ALLOWANCE = 1024
# Sent unless the annotations say otherwise: servers with CONJUR_AUTHN_API_KEY_DEFAULT=false create no host without it.
DEFAULT_ANNOTATIONS = {'authn/api-key': 'true'}
# The token of a machine that got it in its environment (ansible-pull, cloud-init), when no option names one.
TOKEN_ENV = 'CONJUR_HOST_FACTORY_TOKEN'
HOST_MUTUALLY_EXCLUSIVE = [('host_factory_token', 'host_factory_token_file')]
HOST_REQUIRED_IF = [('remove_token_file', True, ('host_factory_token_file',))]


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
        lock_timeout=dict(type='int', default=DEFAULT_LOCK_TIMEOUT),
    )


def host_argument_spec():
    """Return a fresh dict with the options of M(hostfactory.enrollment.hostfactory_host)."""
    spec = conjur_argument_spec(with_login=True)
    spec.update(enrollment_argument_spec())
    spec.update(
        id=dict(type='str', required=True),
        # no env_fallback: the variable is read in Enrollment.run, after host_factory_token_file, which it must not
        # clash with (a machine's environment may hold it while a boot-time file is given)
        host_factory_token=dict(type='str', no_log=True),
        host_factory_token_file=dict(type='path', no_log=False),
        remove_token_file=dict(type='bool', default=False),
        missing_token=dict(type='str', choices=['fail', 'skip'], default='fail', no_log=False),
        return_api_key=dict(type='bool', default=False, no_log=False),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    return spec


def annotation_values(annotations):
    """Annotations as the form sends them (C(annotations[KEY]=VALUE)): L(DEFAULT_ANNOTATIONS) unless given, strings,
    booleans as C(true)/C(false); a null value sends no annotation of that name.

    Raises L(EnrollmentError) for a key the form cannot carry (empty, or with C([) or C(]), which would change the
    field's name) and for a value that is not a scalar (a dict or a list would be sent as its Python repr).
    """
    values = dict(DEFAULT_ANNOTATIONS)
    for key, value in (annotations or {}).items():
        key = str(key)
        if not key.strip() or '[' in key or ']' in key:
            raise EnrollmentError("annotations: the key '%s' cannot be sent: a key must not be empty and must not "
                                  "contain '[' or ']'" % key)
        if isinstance(value, (dict, list, tuple, set)):
            raise EnrollmentError("annotations: the value of '%s' is a %s; annotation values must be strings, "
                                  "numbers or booleans" % (key, 'dict' if isinstance(value, dict) else 'list'))
        if value is None:
            values.pop(key, None)
            continue
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        values[key] = str(value)
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
        self.token = None
        self._client = None

    # -- helpers ----------------------------------------------------------------------------------------------------
    def client(self):
        if self._client is None:
            self._client = ConjurClient(self.connection)
        return self._client

    def hide(self, secret):
        if secret and not self.params['return_api_key']:
            self.module.no_log_values.add(secret)

    def sync(self, plan, after_header=None, prepared=None):
        """Write C(plan) if its content differs (into C(prepared) when given), else bring owner/group/mode of the
        existing file in line (on its descriptor); record change and diff."""
        check_mode = self.module.check_mode
        changed = False
        if plan.content_differs:
            changed = True
            if prepared:
                prepared.commit(encode_text(plan.after))
            elif not check_mode:
                write_file_atomic(plan.path, encode_text(plan.after), mode=plan.mode, owner=plan.owner,
                                  group=plan.group)
            self.diffs.append(plan.diff(after_header))
        elif plan.state is not None:
            before, after = ensure_attributes(plan.path, plan.mode, *plan.ids(), apply=not check_mode)
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
        check_regular(path, 'identity_file')  # those helpers work by path: never on a link planted meanwhile
        file_args = self.module.load_file_common_arguments(self.params, path=path)
        if 'mode' not in wanted:
            file_args['mode'] = None
        if self.module.set_fs_attributes_if_different(file_args, False):
            self.result['changed'] = True
            if path not in self.result['changed_files']:
                self.result['changed_files'].append(path)

    def make_plan(self):
        options = dict((name, self.params.get(name)) for name in PLAN_OPTIONS)
        plan = self.plan = make_plan(options, self.connection, have_token=bool(self.token), hide=self.hide)
        self.result.update(login=plan.login, identity_file=plan.identity_file, **plan.ids())
        return plan

    # -- the run ----------------------------------------------------------------------------------------------------
    def run(self):
        params = self.params
        clean_module_secrets(self.module)
        annotation_values(params['annotations'])  # refused before any request
        self.hide(params['host_factory_token'])
        if params['lock_timeout'] < 0:
            raise ParameterError('lock_timeout must be 0 or more seconds, got %s' % params['lock_timeout'])
        self.connection = ConjurConnection.resolve(
            dict((k, v) for k, v in params.items() if k not in LOGIN_OPTIONS), warn=self.module.warn)
        self.token = params['host_factory_token']
        if params['host_factory_token_file']:
            self.token = read_token_file(params['host_factory_token_file'])
        elif self.token is None:
            self.token = clean_secret(os.environ.get(TOKEN_ENV) or None, TOKEN_ENV)
        if self.token:
            self.module.no_log_values.add(self.token)  # also with return_api_key: the token is never shown
        plan = self.make_plan()
        if self.module.check_mode or not plan.writes:
            # Nothing is written, so no lock: files are replaced by rename, so they are always read whole.
            return self.carry_out(plan)
        with FileLock(plan.identity_file + '.lock', params['lock_timeout'], 'lock file of identity_file'):
            # Plan again under the lock: another run on this machine may have just enrolled it.
            return self.carry_out(self.make_plan())

    def carry_out(self, plan):
        params = self.params
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
            raise EnrollmentError(missing_token_message(plan, params['host_factory_token_file']))
        for warning in plan.warnings:
            self.module.warn(warning)

        if plan.enroll and not self.module.check_mode:
            api_key = self.enroll(plan)
        else:
            api_key = None if plan.enroll else plan.current_key  # check mode: the new key is unknown
            if plan.enroll:
                self.result.update(enrolled=True, rotated=plan.current_key is not None)
            if plan.enroll or plan.current_key:
                plan.identity.after = plan.identity_after(api_key or MASK)
                self.sync(plan.identity, after_header='%s (new API key)' % plan.identity_file if plan.enroll else None)
                self.sync_special_attributes(plan.identity_file)
            for file_plan in plan.config_files:
                self.sync(file_plan)

        if plan.enroll and params['verify'] and not self.module.check_mode:
            if not self.client().check_api_key(plan.login, api_key):
                raise EnrollmentError('%s was enrolled and its new API key written to %s, but Conjur rejects that key'
                                      % (plan.login, plan.identity_file))
            self.result['verified'] = True

        if params['remove_token_file'] and plan.action != SKIP:
            self.remove_token_file(params['host_factory_token_file'])
        if params['return_api_key'] and api_key:
            self.result['api_key'] = api_key
        if self.module._diff and self.diffs:  # pylint: disable=protected-access
            self.result['diff'] = self.diffs
        return self.result

    def prepare(self, plan):
        """C({path: PreparedFile}) for every file an enrollment writes, made before the host is created."""
        prepared = {}
        try:
            # the identity's size is bounded by its text with a key of API_KEY_ALLOWANCE characters
            size = len(encode_text(plan.identity_after('k' * API_KEY_ALLOWANCE)))
            identity = plan.identity
            prepared[identity.path] = PreparedFile(identity.path, size, identity.mode, identity.owner, identity.group,
                                                   'identity_file')
            for file_plan in plan.config_files:
                if file_plan.content_differs:
                    prepared[file_plan.path] = PreparedFile(file_plan.path, len(encode_text(file_plan.after)),
                                                            file_plan.mode)
        except BaseException:
            for prepared_file in prepared.values():
                prepared_file.discard()
            raise
        return prepared

    def enroll(self, plan):
        """Create the host and write its files, all prepared beforehand; return the new API key."""
        prepared = self.prepare(plan)
        try:
            api_key = self.create_host()
            self.result.update(enrolled=True, rotated=plan.current_key is not None, login=plan.login, **plan.ids())
            plan.identity.after = plan.identity_after(api_key)
            try:
                self.sync(plan.identity, '%s (new API key)' % plan.identity_file, prepared[plan.identity_file])
            except FileError as exc:
                raise EnrollmentError(unsaved_key_message(plan, exc))
            self.sync_special_attributes(plan.identity_file)
            for file_plan in plan.config_files:
                try:
                    self.sync(file_plan, prepared=prepared.get(file_plan.path))
                except FileError as exc:
                    raise EnrollmentError('%s was enrolled and its API key written to %s, but %s; run again to '
                                          'write it (the key is kept)' % (plan.login, plan.identity_file, exc))
        finally:
            for prepared_file in prepared.values():
                prepared_file.discard()
        return api_key

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

    def create_host(self):
        """Create the host; take its login from the id the server returned, keep its record (without the key) in the
        result and return the new API key."""
        plan = self.plan
        host = self.client().create_host(self.token, plan.requested_id, annotation_values(self.params['annotations']))
        api_key = host.pop('api_key')
        self.hide(api_key)
        self.result['host'] = dict((key, host.get(key)) for key in HOST_KEYS)
        login = LOGIN_PREFIX + returned_host_id(host.get('id'), plan.requested_id)
        reason = unsafe_token_reason(login)
        if reason:
            raise EnrollmentError('%s was enrolled as %s, which cannot be written to the netrc identity file (%s); its '
                                  'API key is lost' % (plan.login, login, reason))
        plan.login = login
        return api_key

    def remove_token_file(self, path):
        """Remove the token file once the machine holds its identity (reported as a change)."""
        self.result['token_file_removed'] = False
        if not os.path.lexists(path):
            return
        if not self.module.check_mode:
            remove_token_file(path)
        self.result.update(changed=True, token_file_removed=True)


def unsaved_key_message(plan, exc):
    """What the server and the identity file hold after the new API key of C(plan) could not be written."""
    path = plan.identity_file
    if plan.current_key:
        return ('%s was enrolled again and Conjur rotated its API key, but the new key could not be written to %s '
                '(%s): %s is unchanged and still holds the previous key, which no longer works, and the new key is '
                'lost; fix that and run again with rotate: true' % (plan.login, path, exc.reason, path))
    return ('%s was enrolled: Conjur holds the host with a new API key, but the key could not be written to %s (%s): '
            '%s is unchanged (no key for %s) and the new key is lost; fix that and run again, which enrolls the host '
            'again' % (plan.login, path, exc.reason, path, plan.login))
