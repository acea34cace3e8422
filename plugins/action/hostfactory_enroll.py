# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of M(hostfactory.enrollment.hostfactory_enroll); the documentation is in plugins/modules/.

An adapter: every decision is made by module_utils. Per host:

1. The node probe (module_utils/_enroll_probe: the enrollment planner, sent as Python source, no module run) tells
   whether M(hostfactory.enrollment.hostfactory_host) would do nothing (then its result is the task's result: one
   light remote execution, no API request), and whether the host needs a host factory token.
2. Otherwise the module runs once, with a token when the host needs one. Without a pre-minted token, one is minted
   on the controller - at most one per run of ansible-playbook, shared by all hosts through
   plugin_utils/_token_store - and hosts that come after it get the token straight away, without a probe.
   Where the connection carries standard input, the module's enrollment runs without a module (the lean run,
   module_utils/_node_run: the same code, its standard-library sources and the token on standard input); the module
   itself runs where it cannot (a become method Ansible would not pipeline, a symbolic mode, no POSIX shell).

With C(revoke_minted=true) it revokes, on the controller, the tokens minted during this run that no host uses any
more (the last host that lets go of a token revokes it when a revocation was asked for meanwhile: see
plugin_utils/_token_store), then revokes and removes what runs that were killed left behind.

With C(state=absent) it un-enrolls: the probe (the same planner) tells whether the machine holds an identity of this
host; if so, the host's API key is invalidated on the server with the controller's credentials (the access token of
one login shared by all hosts of the run), then the module removes the files. With C(preflight=true) the
controller's credentials are proved once per run first (a login and one read of the host factory).
"""

from __future__ import annotations

import contextlib
import json
import os

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _hostfactory_tokens as tokens
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import (
    CONJUR_MUTUALLY_EXCLUSIVE,
    ConjurClient,
    conjur_argument_spec,
    login_role,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import (
    ENV,
    LOGIN_OPTIONS,
    ConjurConnection,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._enrollment import EnrollmentError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._enrollment_exec import (
    annotation_values,
    enrollment_argument_spec,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import (
    CollectionError,
    ParameterError,
    fail_result,
    rename_options,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._files import numeric_mode
from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import Redactor, clean_secrets, secret_options
from ansible_collections.hostfactory.enrollment.plugins.plugin_utils._node_code import (
    RUN_FILE,
    last_json,
    probe_command,
    run_command,
    run_document,
    run_outcome,
)
from ansible_collections.hostfactory.enrollment.plugins.plugin_utils._option_vars import options_from_vars
from ansible_collections.hostfactory.enrollment.plugins.plugin_utils._play_host_ids import (
    KEY_OPTIONS,
    host_keys,
    sharing,
)
from ansible_collections.hostfactory.enrollment.plugins.plugin_utils._token_store import (
    StoreError,
    TokenStore,
    default_store_dir,
    stale_stores,
)

MODULE = 'hostfactory.enrollment.hostfactory_host'
# What the module receives besides the connection settings resolved on the controller.
NODE_OPTIONS = ('id', 'annotations', 'identity_file', 'mode', 'owner', 'group', 'conf_file', 'cert_file', 'rotate',
                'verify', 'validate_certs', 'use_proxy', 'timeout', 'retries', 'config_file', 'lock_timeout',
                'state')
# Paths on the node: expanded there, by the module (and the probe), never on the controller.
NODE_PATHS = ('identity_file', 'conf_file', 'cert_file', 'config_file')
# Options that say how the task reads its options: given in the task itself, never read from a variable.
FROM_TASK_ONLY = ('options_from_vars', 'option_names')
# Sent instead of a token in check mode only, where hostfactory_host never sends a request with it.
CHECK_MODE_TOKEN = 'check-mode-placeholder'


def argument_spec():
    """The options: the connection and login options, the machine's enrollment options, and the minting options."""
    spec = conjur_argument_spec(with_login=True)
    spec.update(enrollment_argument_spec())
    for name in NODE_PATHS:
        spec[name]['type'] = 'str'
    spec.update(
        id=dict(type='str'),
        host_factory=dict(type='str'),
        token=dict(type='str', no_log=True),
        token_duration=dict(type='str', default='15m', no_log=False),
        token_cidr=dict(type='list', elements='str', default=[], no_log=False),
        revoke_minted=dict(type='bool', default=False),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        preflight=dict(type='bool', default=False),
        shared_with=dict(type='list', elements='str', default=[], no_log=False),
        unique_in_play=dict(type='bool', default=False),
        option_names=dict(type='dict', no_log=False),
        options_from_vars=dict(type='dict', no_log=False),
    )
    return spec


def plain(args):
    """C(args) as plain JSON types. ansible-core >= 2.19 tags values with their origin, and a deep copy of tagged
    values (ArgumentSpecValidator copies its parameters) costs about a hundred times more: some 4 ms per machine.
    Arguments that JSON cannot hold are left as they are, for the validation to report."""
    try:
        return json.loads(json.dumps(args))
    except (TypeError, ValueError):
        return args


def check_shared(host_id, shared_with):
    """Machines that share a host id would take the key from each other: refused before anything is done."""
    if shared_with:
        raise ParameterError("option id '%s' is used by %s: every machine needs its own host id (enrolling one would "
                             "rotate the key of the other), so this machine was not enrolled"
                             % ((host_id or '').strip(), ' and '.join(shared_with)))


def check_token(token):
    """A token given but empty (an unset environment variable looked up) is refused: it must not mean "mint one"."""
    if token is not None and not token.strip():
        raise ParameterError('token is set but empty (an environment variable that is not set?): set token to a host '
                             'factory token, or leave it undefined to mint one on the controller')


def rename_result(result, names):
    """The result with the options named as the caller (a role) names them, in its message and warnings."""
    if names:
        if result.get('msg'):
            renamed = rename_options(result['msg'], names)
            if renamed != result['msg']:
                # the node module's failure summary (ansible-core >= 2.19 prints it) would still hold the old names;
                # the collection's modules fail with a message only, so msg says all it did
                result.pop('exception', None)
            result['msg'] = renamed
        if result.get('warnings'):
            result['warnings'] = [rename_options(warning, names) for warning in result['warnings']]
    return result


def read_controller_ca(path):
    try:
        with open(path, 'r', encoding='utf-8') as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError("ca_path '%s' cannot be read on the controller: %s"
                             % (path, getattr(exc, 'strerror', None) or exc))


def controller_connection(args, credentials=False, environ=None):
    """The connection as the controller sees it: options, then the controller's environment; no conf file."""
    return ConjurConnection.resolve(args, environ=environ, credentials=credentials, use_config_file=False)


def without_credentials(environ):
    """C(environ) without the credential variables (CONJUR_AUTHN_LOGIN, CONJUR_AUTHN_API_KEY, ...)."""
    names = set(ENV[name] for name in LOGIN_OPTIONS)
    return dict((name, value) for name, value in environ.items() if name not in names)


def node_arguments(args, controller):
    """The arguments of M(hostfactory.enrollment.hostfactory_host), never a credential of the controller.

    The appliance, account and API version are the controller's; so is the CA when the controller has one (sent as
    content). Unset options stay unset: the module resolves them on the node (environment, config_file, defaults).
    """
    node = dict((name, args[name]) for name in NODE_OPTIONS)
    node.update(appliance_url=controller.appliance_url, account=controller.account,
                api_version=controller.api_version, missing_token='skip')
    ca_text = controller.ca_content or (read_controller_ca(controller.ca_path) if controller.ca_path else None)
    if ca_text:
        node['ca_content'] = ca_text
    else:
        node['cert_file'] = None  # no CA to write: the node uses its system trust store
    return dict((name, value) for name, value in node.items() if value is not None)


def merge_results(first, second):
    """One result for two runs of hostfactory_host on the same host: the second one wins, changes add up."""
    result = dict(second)
    result['changed'] = bool(first.get('changed') or second.get('changed'))
    files = list(first.get('changed_files') or [])
    files.extend(f for f in second.get('changed_files') or [] if f not in files)
    result['changed_files'] = files
    for name in ('diff', 'warnings', 'deprecations'):
        merged = list(first.get(name) or []) + list(second.get(name) or [])
        if merged:
            result[name] = merged
    if first.get('ansible_facts') or second.get('ansible_facts'):
        result['ansible_facts'] = dict(first.get('ansible_facts') or {}, **(second.get('ansible_facts') or {}))
    return result


def privilege_warnings(connection, document):
    """A warning when the host factory does not show the controller's login holding execute (to mint) and update
    (to revoke); none when the login is unknown (an access token file) or the API shows no permissions (v4)."""
    if not connection.login:
        return []
    missing = tokens.unconfirmed_privileges(document, '%s:%s' % (connection.account, login_role(connection.login)))
    if not missing:
        return []
    return ["preflight: host factory '%s' does not show login '%s' holding the %s privilege%s (execute mints, update "
            "revokes); it is neither its owner nor granted directly, and a grant through a group or layer does not "
            "show, so minting or revoking may fail" % (document['id'], connection.login, ' and '.join(missing),
                                                       's' if len(missing) > 1 else '')]


def module_shebang(configured):
    """The interpreter line of a configured module: ansible-core >= 2.19 returns (module_bits, path), older ones
    (style, shebang, data, path)."""
    shebang = configured[0].shebang if len(configured) == 2 else configured[1]
    return (shebang or '').replace('#!', '', 1).strip()


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False
    _node_python = False  # not looked up yet

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        spec = argument_spec()
        names = self._task.args.get('option_names')
        names = names if isinstance(names, dict) else None
        try:
            given = self.given_arguments(spec, names, task_vars)
        except ParameterError as exc:
            return rename_result(dict(result, failed=True, msg=str(exc)), names)
        validation = ArgumentSpecValidator(
            spec, mutually_exclusive=CONJUR_MUTUALLY_EXCLUSIVE,
            required_if=[('revoke_minted', False, ('id',))],
            required_together=[('login', 'api_key')],
        ).validate(given)
        if validation.error_messages:
            result.update(failed=True, msg=validation.errors.msg)
            return rename_result(result, names)
        args = validation.validated_parameters
        store = TokenStore(default_store_dir())
        try:
            clean_secrets(args, secret_options(spec))
            if args['ca_path']:
                args['ca_path'] = self.controller_file(args['ca_path'])
            if args['revoke_minted']:
                result.update(self.revoke_minted(args, store))
            else:
                check_shared(args['id'], args['shared_with'] or self.play_sharing(args, store, task_vars))
                warnings = self.preflight(args, store) if args['preflight'] else []
                work = self.unenroll if args['state'] == 'absent' else self.enroll
                result.update(work(args, store, task_vars))
                if warnings:
                    result['warnings'] = list(result.get('warnings') or []) + warnings
        except CollectionError as exc:
            result.update(fail_result(exc), failed=True)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return rename_result(result, args['option_names'])

    def given_arguments(self, spec, names, task_vars):
        """The task's arguments, with the options C(options_from_vars) reads from the variables C(option_names)
        names (see plugin_utils/_option_vars)."""
        args = dict(self._task.args)
        modes = args.get('options_from_vars')
        if not modes:
            return plain(args)
        if not isinstance(modes, dict):
            raise ParameterError('options_from_vars must be a dict of option: as_is or unless_empty')
        unknown = sorted(option for option in modes if option not in spec or option in FROM_TASK_ONLY)
        if unknown:
            raise ParameterError('options_from_vars: %s cannot be read from a variable' % ', '.join(unknown))
        args.update(options_from_vars(self._templar, task_vars, modes, names, secret=secret_options(spec)))
        return plain(args)

    def controller_file(self, path):
        """A controller-side path found the way Ansible finds C(src): in the C(files/) directories of the role and
        the playbook, then relative to them; an absolute path, or one found nowhere, as it is given (a path that
        cannot be read then fails with that path in the message)."""
        try:
            return self._find_needle('files', path)
        except AnsibleError:
            return path

    def play_sharing(self, args, store, task_vars):
        """With C(unique_in_play), the machines of the play (this batch and the batches before it) that use this
        machine's id, found once per batch for all of them (see plugin_utils/_play_host_ids); else []."""
        if not args['unique_in_play']:
            return []
        names = dict((option, (args['option_names'] or {}).get(option)) for option in KEY_OPTIONS)
        if not all(names.values()):
            raise ParameterError('unique_in_play needs option_names to name the variables of %s'
                                 % ', '.join(KEY_OPTIONS))
        host = task_vars['inventory_hostname']
        batch = list(task_vars.get('ansible_play_batch') or [])
        if host not in batch:
            batch.append(host)
        key = TokenStore.purpose_key('ids', self._task.get_play()._uuid, *[names[option] for option in KEY_OPTIONS])
        with store.lock():
            keys = store.read(key) or {}
            missing = [name for name in batch if name not in keys]
            if missing:
                keys.update(host_keys(self._task, task_vars, self._templar, missing, names))
                store.write(key, keys)
        return sharing(keys, host)

    # -- on the node ------------------------------------------------------------------------------------------------
    def enroll(self, args, store, task_vars):
        check_token(args['token'])
        # refused here, before a probe or a mint, rather than by the module on the node after a token was minted
        tokens.parse_duration(args['token_duration'], 'token_duration')
        annotation_values(args['annotations'])
        controller = controller_connection(args)
        module_args = node_arguments(args, controller)
        key = TokenStore.key(controller.appliance_url, controller.account, args['host_factory'], args['token_cidr'],
                             args['login'] or args['authn_token_file'])
        shared = store.usable(store.read(key))
        verdict = None
        if not shared:  # while no host has needed a token, most hosts are probably enrolled: look first
            verdict = self.probe(module_args, task_vars)
        if verdict and verdict['done']:
            return self.done_result(verdict)
        needs_token = verdict['needs_token'] if verdict else shared or self._task.check_mode
        if args['token'] or self._task.check_mode:  # no token of this run's store is involved
            token = args['token'] or (CHECK_MODE_TOKEN if needs_token else None)
            first = self.run_module(module_args, token, task_vars)
        elif needs_token:
            first = self.run_holding(store, key, args, module_args, task_vars, mint=not shared)
        else:
            first = self.run_module(module_args, None, task_vars)
        if first.get('failed') or not first.get('needs_token') or self._task.check_mode or args['token']:
            return first
        return merge_results(first, self.run_holding(store, key, args, module_args, task_vars, mint=True))

    def done_result(self, verdict):
        """The task's result when the probe found the machine as it should be: the module's own result."""
        result = dict(verdict['result'])
        if verdict['warnings']:
            result['warnings'] = verdict['warnings']
        if self._discovered_interpreter_key:
            result['ansible_facts'] = {self._discovered_interpreter_key: self._discovered_interpreter}
        return result

    def unenroll(self, args, store, task_vars):
        """Un-enroll the machine: invalidate its API key on the server, then remove its files (the module, with
        C(state=absent)). A machine without an identity of this host costs the probe only: no request.

        The key is invalidated first: should that fail, the machine keeps a working identity and a new run tries
        again; should the removal fail after it, the next run finds the entry, invalidates again (harmless) and
        removes it.
        """
        controller = controller_connection(args, credentials=True)  # no credentials: refused before anything
        module_args = node_arguments(args, controller)
        verdict = self.probe(module_args, task_vars) or self.module_verdict(module_args, task_vars)
        if verdict.get('failed'):
            return verdict
        if verdict['done']:
            return dict(self.done_result(verdict), key_invalidated=False)
        if verdict['unenroll'] and not self._task.check_mode:
            self.invalidate_key(args, store, verdict['login'])
        return dict(self.run_module(module_args, None, task_vars), key_invalidated=verdict['unenroll'])

    def module_verdict(self, module_args, task_vars):
        """The verdict of the module itself, run in check mode (it changes nothing then), for when the probe cannot
        run or tell; its failure when it fails."""
        check_mode = self._task.check_mode
        self._task.check_mode = True
        try:
            result = self.run_module(module_args, None, task_vars)
        finally:
            self._task.check_mode = check_mode
        if result.get('failed'):
            return result
        return {'done': not result.get('changed'), 'unenroll': bool(result.get('unenrolled')),
                'login': result.get('login'), 'warnings': result.pop('warnings', None) or [], 'result': result}

    def node_python(self, task_vars):
        """The node's Python as the module would run it (interpreter discovery included), or None when the node has
        no POSIX shell or the interpreter is unknown: then only a module can run there."""
        if self._node_python is False:
            python = None
            if getattr(self._connection._shell, 'SHELL_FAMILY', None) == 'sh':
                python = module_shebang(self._configure_module('ansible.builtin.ping', {}, task_vars)) or None
            self._node_python = python
        return self._node_python

    def probe(self, module_args, task_vars):
        """The planner's verdict on the node (see module_utils/_enroll_probe); None when it cannot run or tell."""
        interpreter = self.node_python(task_vars)
        if not interpreter:
            return None
        res = self._low_level_execute_command(self.with_environment(probe_command(interpreter, module_args)),
                                              sudoable=True)
        verdict = last_json(res.get('stdout'))
        if res['rc'] != 0 or verdict is None or 'done' not in verdict:
            return None  # the module runs and reports the problem properly
        return verdict

    def with_environment(self, command):
        """C(command) with the task's C(environment), as a module would run."""
        environment = self._compute_environment_string()
        return '%s %s' % (environment, command) if environment else command

    def run_module(self, module_args, token, task_vars):
        """Run M(hostfactory.enrollment.hostfactory_host) on the node: the lean run when it can (see L(lean_run)),
        else the module itself."""
        result = self.lean_run(module_args, token, task_vars)
        if result is not None:
            return result
        module_args = dict(module_args, host_factory_token=token) if token else module_args
        return self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)

    def lean_run_possible(self, module_args):
        """Whether the lean run can take the token on standard input: the connection must carry input, and a become
        method only where Ansible itself would pipeline a module (a password prompt or requiretty may need the
        input); a symbolic mode needs AnsibleModule."""
        connection = self._connection
        if not getattr(connection, 'has_pipelining', False) or numeric_mode(module_args.get('mode')) is None:
            return False
        return not connection.become or self._is_pipelining_enabled('new')

    def lean_run(self, module_args, token, task_vars):
        """The enrollment of the module, run without a module (see module_utils/_node_run): standard-library sources
        and one JSON document on standard input, with the token. None when it cannot run or did not start (then
        nothing was done on the node and the module runs instead). A run that started but gave no result is a
        failure: it may have created the host, so nothing is tried again."""
        interpreter = self.node_python(task_vars) if self.lean_run_possible(module_args) else None
        if not interpreter:
            return None
        document = run_document(module_args, token, self._task.check_mode, self._task.diff)
        if C.DEFAULT_KEEP_REMOTE_FILES:  # as for a module: what the node received stays in remote_tmp
            path = self._connection._shell.join_path(self._connection._shell.tmpdir or self._make_tmp_path(), RUN_FILE)
            self._transfer_data(path, document)
            command, document = run_command(interpreter, path), None
        else:
            command = run_command(interpreter)
        res = self._low_level_execute_command(self.with_environment(command), sudoable=True, in_data=document)
        started, result = run_outcome(res.get('stdout'))
        if result is not None and 'unavailable' not in result:
            if self._discovered_interpreter_key:
                result['ansible_facts'] = {self._discovered_interpreter_key: self._discovered_interpreter}
            return result
        if not started:
            return None
        return dict(failed=True, rc=res.get('rc'), module_stderr=Redactor([token])(res.get('stderr') or ''),
                    msg='the enrollment ended on the machine without a result (rc=%s); it may have created the host: '
                        'see module_stderr, then run again' % res.get('rc'))

    def run_holding(self, store, key, args, module_args, task_vars, mint):
        """Run the module with the run's token, held (never revoked) until the module is done; with C(mint), mint
        the token when there is none, otherwise run without one when it was revoked meanwhile."""
        minter = (lambda: self.mint(args)) if mint else None
        failed = []

        def revoke_as_last_holder(k, entry):
            failed.extend(self.revoke_entry(store, k, entry, args)[1])

        try:
            with store.hold(key, minter, release=revoke_as_last_holder) as token:
                result = self.run_module(module_args, token, task_vars)
        except StoreError as exc:
            raise StoreError('host/%s must be enrolled but has no host factory token: %s' % (args['id'].strip(), exc))
        if failed:
            result.setdefault('warnings', []).append(
                'cannot revoke the host factory token minted for this run (it expires by itself): %s' % failed[0])
        return result

    # -- on the controller ------------------------------------------------------------------------------------------
    def session_client(self, args, store):
        """A client with the controller's credentials whose access token serves every host of the run: the first
        host logs in (once per run, also when it fails: the others get the same error without a request) and
        shares the token in the store; the others log in again only if the server rejects it."""
        connection = controller_connection(args, credentials=True)
        if connection.authn_token_file:
            return ConjurClient(connection)
        key = TokenStore.purpose_key('session', connection.appliance_url, connection.account, connection.login)
        first = []

        def log_in():
            client = ConjurClient(connection)
            try:
                store.write_access_token(key, client.authenticate())
            except CollectionError as exc:
                raise StoreError(str(exc))
            first.append(client)
            return {}

        store.once(key, log_in)
        if first:
            return first[0]
        shared = dict(args, authn_token_file=store.access_token_file(key))
        return ConjurClient(controller_connection(shared, credentials=True))

    def preflight(self, args, store):
        """Prove the controller's credentials once per run before anything else: a login and, to enroll, one read
        of the host factory. Return the warnings for the task's result; a failure fails every host of the run
        with the same one-line message, and only the first host sends a request."""
        try:
            client = self.session_client(args, store)
        except CollectionError as exc:
            raise StoreError('preflight failed: %s' % exc)
        if args['state'] == 'absent' or not args['host_factory']:
            return []
        connection = client.connection
        key = TokenStore.purpose_key('preflight', connection.appliance_url, connection.account, args['host_factory'],
                                     connection.login or connection.authn_token_file)

        def read_host_factory():
            try:
                document = client.get_host_factory(args['host_factory'])
            except CollectionError as exc:
                raise StoreError('preflight failed: %s' % exc)
            return {'warnings': privilege_warnings(connection, document)}

        return store.once(key, read_host_factory)['warnings']

    def invalidate_key(self, args, store, login):
        """Invalidate the API key of C(login) on the server (a rotation whose new key is discarded)."""
        try:
            self.session_client(args, store).rotate_api_key(login)
        except CollectionError as exc:
            raise EnrollmentError('%s stays enrolled, nothing was changed: %s' % (login, exc),
                                  **getattr(exc, 'fields', {}))

    def mint(self, args):
        """Mint one token with the controller's credentials; return the store entry fields for it."""
        if not args['host_factory']:
            raise StoreError('host_factory is required to mint one (or pass a pre-minted token in token)')
        try:
            connection = controller_connection(args, credentials=True)
            settings = connection.public()
            if connection.ca_path and not connection.ca_content:
                settings.update(ca_path=None, ca_content=read_controller_ca(connection.ca_path))
            client = ConjurClient(connection)
            minted = tokens.mint_one(client, args['host_factory'], args['token_duration'], args['token_cidr'])
            access_token = client.authenticate()  # the one it minted with: no request
        except CollectionError as exc:
            raise StoreError('cannot mint one on the controller: %s' % exc)
        # what revoke_minted needs to reach the same server again; never the api_key. Every token a lost answer
        # may have created is recorded, so that all are revoked.
        return {'token': minted[0]['token'], 'expiration': minted[0].get('expiration'), 'connection': settings,
                'tokens': minted, 'access_token': access_token}

    def revoke_entry(self, store, key, entry, args, credentials=True, retries=None):
        """Revoke (under the store's lock) the unexpired tokens minted under C(key), led by the access token they
        were minted with (which saves a login), then with this task's credentials (on a 401 the client logs in);
        with C(credentials=False), with that access token only (neither the options nor the environment variables
        of this run's credentials). Keep what failed; return (revoked, errors)."""
        settings = dict(entry.get('connection') or args)
        settings.update((name, args[name] if credentials else None) for name in LOGIN_OPTIONS)
        if os.path.exists(store.access_token_file(key)):
            settings['authn_token_file'] = store.access_token_file(key)
        if retries is not None:
            settings['retries'] = retries
        environ = None if credentials else without_credentials(os.environ)
        revoked, errors, left, client = 0, [], [], None
        for item in unexpired(store.minted(entry)):
            try:
                if client is None:
                    client = ConjurClient(controller_connection(settings, credentials=True, environ=environ))
                revoked += int(client.revoke_token(item['token']))
            except CollectionError as exc:
                errors.append(str(exc))
                left.append(item)
        store.settle(key, entry, left)
        return revoked, errors

    def revoke_minted(self, args, store):
        """Revoke every token this plugin minted during this run and no host holds any more (a token still held is
        revoked by its last holder, see L(run_holding)), then what killed runs left behind (L(reap_stale))."""
        revoked, deferred, errors = 0, 0, []
        with store.lock():
            for key, entry in store.entries():
                if entry is None:
                    continue
                if store.live_holders(entry):
                    store.revocation_wanted(key, entry)
                    deferred += 1
                    continue
                done, failed = self.revoke_entry(store, key, entry, args)
                revoked += done
                errors.extend(failed)
        if errors:
            raise StoreError('cannot revoke the host factory token minted for this run (%d revoked, %d left; they '
                             'expire by themselves): %s' % (revoked, len(errors), errors[0]))
        result = dict(changed=revoked > 0, revoked=revoked, deferred=deferred)
        stale = self.reap_stale(args, store)
        if stale['revoked'] or stale['removed']:
            result.update(changed=True, revoked=revoked + stale['revoked'])
        result['stale_stores'] = stale['removed']
        if stale['warnings']:
            result['warnings'] = stale['warnings']
        return result

    def reap_stale(self, args, store):
        """Revoke the unexpired tokens that runs killed before their end left in their stores, and remove those stores.

        Once per run (the first revoking task does it), and not in check mode. This task's credentials are only
        sent to the server this task names (its O(appliance_url) and O(account), or those of this run's own store);
        elsewhere only the access token of the killed run is tried. Each token gets one attempt (no retries). A store
        whose tokens cannot all be revoked is kept for a later run, with a warning that says until when they stay
        valid.
        """
        outcome = dict(revoked=0, removed=0, warnings=[])
        if self._task.check_mode or not store.first_reaping():
            return outcome  # check mode changes nothing, not even what killed runs left behind
        servers = set()
        with contextlib.suppress(CollectionError):
            here = controller_connection(args)
            servers.add((here.appliance_url, here.account))
        for _key, entry in store.entries():
            connection = (entry or {}).get('connection') or {}
            if connection.get('appliance_url'):
                servers.add((connection['appliance_url'], connection.get('account')))
        for stale in stale_stores(store.directory):
            with stale.lock(blocking=False, create=False) as locked:
                if not locked:
                    continue  # another run is reaping it, or has removed it
                errors = []
                for key, entry in stale.entries():
                    connection = (entry or {}).get('connection') or {}
                    ours = (connection.get('appliance_url'), connection.get('account')) in servers
                    done, failed = self.revoke_entry(stale, key, entry or {}, args, credentials=ours, retries=0)
                    outcome['revoked'] += done
                    errors.extend(failed)
                left = [item for _key, entry in stale.entries() for item in unexpired(stale.minted(entry))]
                if not left:
                    stale.destroy()
                    outcome['removed'] += 1
                    continue
            outcome['warnings'].append(
                'a run that was killed left %d host factory token(s) that cannot be revoked now (they stay valid until '
                '%s unless revoked): %s' % (len(left), max(str(item['expiration']) for item in left),
                                            errors[0] if errors else 'no credentials for their server'))
        return outcome


def unexpired(minted):
    """The tokens of C(minted) that may still be used (an unknown expiration counts as unexpired)."""
    found = []
    for item in minted:
        left = tokens.seconds_left(item.get('expiration'))
        if left is None or left > 0:
            found.append(item)
    return found
