# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""THE enrollment planner: what is on the node + the options -> the decision and the plan.

One function, L(make_plan), decides whether a host is enrolled and what would change. The module carries the plan
out (C(_enrollment_exec)); the node probe of the action plugin is this same planner run on the node (C(_enroll_probe))
and reports L(Plan.verdict), so that both always agree. It makes no request and writes nothing.

Standard library only: it is shipped to the node as source for the probe.
"""

from __future__ import annotations

import os

from ._conjur_files import normalize_pem, render_conf
from ._errors import CollectionError
from ._files import (
    attribute_changes,
    check_writable,
    decode_text,
    numeric_mode,
    owner_uid,
    read_input,
    read_state,
    resolve_gid,
)
from ._host_ids import LOGIN_PREFIX, identity_entry, reserved_id_reason, with_record, without_records
from ._netrc import mask_netrc, merge_entry, remove_entries, unsafe_token_reason
from ._secrets import MASK

KEEP, ENROLL, SKIP, FAIL = 'keep', 'enroll', 'skip', 'fail'
ABSENT = 'absent'
PUBLIC_FILE_MODE = 0o644
DEFAULT_IDENTITY_FILE = '/etc/conjur.identity'
# The options of the node's work that the planner reads (besides the connection settings).
PLAN_OPTIONS = ('id', 'identity_file', 'mode', 'owner', 'group', 'conf_file', 'cert_file', 'rotate', 'verify',
                'missing_token', 'state')
# The files the planner manages, in the order they are read; no two may be the same file.
FILE_OPTIONS = ('identity_file', 'conf_file', 'cert_file')


class EnrollmentError(CollectionError):
    """A one-line, secret-free reason why the host cannot be enrolled as asked."""


def decide(existing_key, rotate, have_token, missing_token):
    """What to do about the host: C(keep) its key, C(enroll) it now, or C(skip)/C(fail) for want of a token."""
    if existing_key is not None and not rotate:
        return KEEP
    if have_token:
        return ENROLL
    return SKIP if missing_token == 'skip' else FAIL


class FilePlan:
    """One file to bring to a desired text and attributes: what it holds now, what it should hold, and the diff."""

    def __init__(self, path, state, after, mode, owner=None, group=None, mask=None):
        self.path = path
        self.state = state
        self.before = state.text if state else None
        self.after = after
        self.mode = mode
        self.owner = owner
        self.group = group
        self.mask = mask or (lambda text: text)

    @property
    def content_differs(self):
        return self.after is not None and self.before != self.after

    def ids(self):
        """C((uid, gid)) the file must have: O(owner) or the user the module runs as; O(group) or any (-1)."""
        return owner_uid(self.owner), resolve_gid(self.group)

    def attribute_changes(self):
        """C((before, after)) dicts of the owner, group and mode to fix on the existing file (empty when none)."""
        if self.state is None:
            return {}, {}
        return attribute_changes(self.state.stat, self.mode, *self.ids())

    @property
    def differs(self):
        return self.content_differs or bool(self.attribute_changes()[0])

    def diff(self, after_header=None):
        return {
            'before_header': self.path if self.before is not None else '%s (absent)' % self.path,
            'after_header': after_header or self.path,
            'before': self.mask(self.before or ''),
            'after': self.mask(self.after),
        }


class Plan:
    """The decision for one host and the files to bring in line; L(verdict) is what the probe reports."""

    def __init__(self, host_id, login, machine, identity_file):
        self.requested_id = host_id
        self.login = login  # this machine's login: host/<requested id>, or the one the server gave it
        self.machine = machine
        self.identity_file = identity_file
        self.action = KEEP
        self.current_key = None  # a secret: never in a verdict or a result
        self.verify_existing = False
        self.identity = None
        self.config_files = []
        self.warnings = []
        self.module_only = []  # why only the module can tell (the probe then defers to it)

    @property
    def needs_token(self):
        return self.action in (SKIP, FAIL)

    @property
    def enroll(self):
        return self.action == ENROLL

    @property
    def host_id(self):
        return self.login[len(LOGIN_PREFIX):]

    def files(self):
        return ([self.identity] if self.identity else []) + self.config_files

    @property
    def writes(self):
        """Whether carrying the plan out writes a file (so that it must hold the enrollment lock)."""
        return self.action == ENROLL or any(f.differs for f in self.files())

    def identity_after(self, api_key):
        """The identity file's text with C(api_key) in this host's entry (and the record of the requested id when
        the login is another one, see C(_host_ids))."""
        text = merge_entry(self.identity.before or '', self.machine, self.login, api_key)
        return with_record(text, self.machine, self.login, self.requested_id)

    def ids(self):
        """C(host_id), and C(requested_id) when the server placed the host elsewhere."""
        ids = dict(host_id=self.host_id)
        if self.host_id != self.requested_id:
            ids['requested_id'] = self.requested_id
        return ids

    def result(self):
        """The module's result before anything is done (a host that needs nothing returns just this)."""
        return dict(changed=False, enrolled=False, rotated=False, needs_token=self.needs_token, verified=False,
                    host={}, changed_files=[], login=self.login, identity_file=self.identity_file, **self.ids())

    def verdict(self):
        """What the probe reports: secret-free, and C(done) only when the module would do nothing at all."""
        needs_module = bool(self.module_only or self.verify_existing or self.action != KEEP
                            or any(f.differs for f in self.files()))
        verdict = {'needs_token': self.action != KEEP, 'done': not needs_module, 'warnings': list(self.warnings)}
        if not needs_module:
            verdict['result'] = self.result()
        return verdict


def host_login(host_id, connection):
    """C((id, login, machine)) for C(host_id), refused when a netrc reader could misread them."""
    host_id = (host_id or '').strip()
    if not host_id:
        raise EnrollmentError('id must not be empty')
    reason = reserved_id_reason(host_id)
    if reason:
        raise EnrollmentError("id '%s' is reserved: %s" % (host_id, reason))
    login = LOGIN_PREFIX + host_id
    machine = connection.netrc_machine
    for name, value, token in (('id', host_id, login), ('appliance_url', connection.appliance_url, machine)):
        reason = unsafe_token_reason(token)
        if reason:
            raise EnrollmentError("%s '%s' cannot be written to the netrc identity file: %s" % (name, value, reason))
    return host_id, login, machine


def ca_text(connection):
    """The PEM text of the CA (the option's content, or the file it names on the node)."""
    if connection.ca_content:
        return connection.ca_content
    if connection.ca_path:
        data = read_input(connection.ca_path, 'ca_path', required=False)
        if data is None:
            raise EnrollmentError("cert_file: ca_path '%s' does not exist" % connection.ca_path)
        return decode_text(data)
    raise EnrollmentError('cert_file needs the CA certificate: set ca_content or ca_path')


def read_files(paths):
    """C({option: FileState or None}) for C(paths) (option -> path, the L(FILE_OPTIONS) that are set).

    Two options that name the same file are refused, by their normalised paths before anything is read and then by
    device and inode (hard links). Otherwise one file would overwrite the other: a conf_file equal to identity_file
    would replace the API key with the configuration.
    """
    named = [(option, paths[option]) for option in FILE_OPTIONS if paths.get(option)]
    seen = {}
    for option, path in named:
        key = os.path.normpath(os.path.abspath(path))
        if key in seen:
            raise EnrollmentError('%s and %s name the same file %s: each must be a file of its own'
                                  % (seen[key], option, key))
        seen[key] = option
    states, inodes = {}, {}
    for option, path in named:
        state = states[option] = read_state(path, option)
        if state is None:
            continue
        key = (state.stat.st_dev, state.stat.st_ino)
        if key in inodes:
            raise EnrollmentError('%s %s and %s %s are the same file (hard links): each must be a file of its own'
                                  % (inodes[key], paths[inodes[key]], option, path))
        inodes[key] = option
    return states


def conf_text(options, connection, identity_file):
    """The text of conf_file as this module writes it: the connection, the identity file and the CA file."""
    ca_file = options.get('cert_file') or connection.ca_path
    return render_conf(connection.account, connection.appliance_url, os.path.abspath(identity_file),
                       cert_file=os.path.abspath(ca_file) if ca_file else None, api_version=connection.api_version)


def plan_config_files(options, connection, plan, states):
    plans = []
    cert_file = options.get('cert_file')
    if cert_file:
        plans.append(FilePlan(cert_file, states['cert_file'], normalize_pem(ca_text(connection)), PUBLIC_FILE_MODE))
    conf_file = options.get('conf_file')
    if conf_file:
        ca_file = cert_file or connection.ca_path
        if not ca_file and connection.ca_content:
            plan.warnings.append('conf_file gets no cert_file entry: ca_content was given without cert_file, so '
                                 'clients that read %s will use the system trust store' % conf_file)
        plans.insert(0, FilePlan(conf_file, states['conf_file'], conf_text(options, connection, plan.identity_file),
                                 PUBLIC_FILE_MODE))
    for file_plan in plans:
        if file_plan.content_differs:
            check_writable(file_plan.path)
    return plans


def make_plan(options, connection, have_token, hide=None):
    """Decide for one host: read its files, compare with the options and C(connection), and return a L(Plan).

    C(options) holds L(PLAN_OPTIONS) (paths already expanded); C(have_token) tells whether a host factory token was
    given; C(hide) is called with the API key found on the node as soon as it is read. Raises L(EnrollmentError)
    or C(FileError) with a one-line message when the host cannot be handled.
    """
    host_id, login, machine = host_login(options['id'], connection)
    identity_file = options.get('identity_file') or DEFAULT_IDENTITY_FILE
    plan = (RemovalPlan if options.get('state') == ABSENT else Plan)(host_id, login, machine, identity_file)
    mode = numeric_mode(options.get('mode'))
    if mode is None:
        plan.module_only.append('symbolic mode')
    for path in (identity_file, options.get('conf_file'), options.get('cert_file')):
        if path and not os.path.isabs(path):
            plan.module_only.append('relative path')

    states = read_files(dict(options, identity_file=identity_file))
    identity_state = states['identity_file']
    found = identity_entry(identity_state.text if identity_state else None, machine, host_id)
    if found:
        plan.login, plan.current_key = found
    if hide and plan.current_key:
        hide(plan.current_key)
    if isinstance(plan, RemovalPlan):
        return plan_removal(options, connection, plan, states)
    plan.verify_existing = bool(plan.current_key and options.get('verify') and not options.get('rotate'))
    plan.action = decide(plan.current_key, options.get('rotate'), have_token, options.get('missing_token'))
    plan.identity = FilePlan(identity_file, identity_state, None, mode, options.get('owner'), options.get('group'),
                             mask=mask_netrc)
    if plan.action == FAIL:
        return plan  # the caller reports missing_token_message(plan)
    if plan.action == ENROLL or plan.current_key:
        plan.identity.after = plan.identity_after(plan.current_key or MASK)
    plan.config_files = plan_config_files(options, connection, plan, states)
    if plan.action == ENROLL:
        check_writable(identity_file)
        plan.identity.ids()
    return plan


# -- un-enrollment (state=absent) -------------------------------------------------------------------------------------

class FileRemoval(FilePlan):
    """A file to delete: it holds exactly what this module writes there, so it is ours."""

    def __init__(self, path, state, mask=None):
        super().__init__(path, state, '', None, mask=mask)

    def diff(self, after_header=None):
        return super().diff(after_header or '%s (removed)' % self.path)


class RemovalPlan(Plan):
    """Un-enrollment: this host's entries leave the identity file; conf_file and cert_file go if they are ours."""

    @property
    def unenroll(self):
        """Whether an identity entry of this host goes (the key it held is then to be invalidated on the server)."""
        return bool(self.identity and self.identity.content_differs)

    def result(self):
        return dict(super().result(), unenrolled=False)

    def verdict(self):
        return dict(super().verdict(), unenroll=self.unenroll, login=self.login)


def plan_identity_removal(plan, identity_state):
    """The identity file without this host's entries; deleted when nothing else is left in it (a regular file)."""
    path = plan.identity_file
    if identity_state is None:
        return FilePlan(path, None, None, None, mask=mask_netrc)
    remaining = remove_entries(without_records(identity_state.text, plan.machine, plan.login), plan.machine, plan.login)
    if remaining != identity_state.text and not remaining.strip():
        return FileRemoval(path, identity_state, mask=mask_netrc)
    return FilePlan(path, identity_state, remaining, None, mask=mask_netrc)


def plan_config_removals(options, connection, plan, states):
    """conf_file and cert_file go only when they hold exactly what state=present writes there; any other file is
    kept (never delete what this module did not write), with a warning that says why. C(states) are those
    L(read_files) read: regular files only (anything else was refused there)."""
    wanted = []
    if options.get('conf_file'):
        wanted.append(('conf_file', lambda: conf_text(options, connection, plan.identity_file)))
    if options.get('cert_file'):
        wanted.append(('cert_file', lambda: normalize_pem(ca_text(connection))))
    removals = []
    for option, expected in wanted:
        state, path = states[option], options[option]
        if state is None:
            continue
        reason = None
        try:
            if state.text != expected():
                reason = 'it does not hold what this module writes there'
        except EnrollmentError:
            reason = 'no CA was given to compare it with (ca_content or ca_path)'
        if reason:
            plan.warnings.append('%s is kept: %s' % (path, reason))
        else:
            removals.append(FileRemoval(path, state))
    return removals


def plan_removal(options, connection, plan, states):
    """Fill the L(RemovalPlan) from the files L(read_files) read: the identity file first (the secret), then the
    conf and CA files."""
    plan.identity = plan_identity_removal(plan, states['identity_file'])
    plan.config_files = plan_config_removals(options, connection, plan, states)
    for file_plan in plan.files():
        if file_plan.content_differs:
            check_writable(file_plan.path)
    return plan


def missing_token_message(plan, token_file=None):
    reason = 'rotate is true' if plan.current_key else 'no entry for it in %s' % plan.identity_file
    if token_file:
        return ("%s must be enrolled (%s) but host_factory_token_file '%s' does not exist (put the token there, or set "
                "missing_token: skip)" % (plan.login, reason, token_file))
    return ('%s must be enrolled (%s) but no host_factory_token was given (set the option or the environment variable '
            'CONJUR_HOST_FACTORY_TOKEN, or missing_token: skip)' % (plan.login, reason))
