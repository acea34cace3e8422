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

With C(revoke_minted=true) it revokes, on the controller, the tokens minted during this run.
"""

from __future__ import annotations

import base64
import functools
import importlib
import inspect
import json
import os
import shlex
import zlib

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _hostfactory_tokens as tokens
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import (
    CONJUR_MUTUALLY_EXCLUSIVE,
    ConjurClient,
    conjur_argument_spec,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import (
    LOGIN_OPTIONS,
    ConjurConnection,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._enroll_probe import SOURCES
from ansible_collections.hostfactory.enrollment.plugins.module_utils._enrollment_exec import enrollment_argument_spec
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import (
    CollectionError,
    ParameterError,
    fail_result,
    rename_options,
)
from ansible_collections.hostfactory.enrollment.plugins.plugin_utils._token_store import (
    StoreError,
    TokenStore,
    default_store_dir,
)

MODULE = 'hostfactory.enrollment.hostfactory_host'
MODULE_UTILS = 'ansible_collections.hostfactory.enrollment.plugins.module_utils.'
# What the module receives besides the connection settings resolved on the controller.
NODE_OPTIONS = ('id', 'annotations', 'identity_file', 'mode', 'owner', 'group', 'conf_file', 'cert_file', 'rotate',
                'verify', 'validate_certs', 'timeout', 'retries', 'config_file')
# Paths on the node: expanded there, by the module (and the probe), never on the controller.
NODE_PATHS = ('identity_file', 'conf_file', 'cert_file', 'config_file')
# Sent instead of a token in check mode only, where hostfactory_host never sends a request with it.
CHECK_MODE_TOKEN = 'check-mode-placeholder'
PROBE_BOOTSTRAP = '''import sys, types
package = types.ModuleType('_hfenroll')
package.__path__ = []
sys.modules['_hfenroll'] = package
for name, source in SOURCES:
    module = types.ModuleType('_hfenroll.' + name)
    module.__package__ = '_hfenroll'
    sys.modules[module.__name__] = module
    exec(compile(source, name + '.py', 'exec'), module.__dict__)
module.main(ARGS)
'''


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
        option_names=dict(type='dict', no_log=False),
    )
    return spec


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


def controller_connection(args, credentials=False):
    """The connection as the controller sees it: options, then the controller's environment; no conf file."""
    return ConjurConnection.resolve(args, credentials=credentials, use_config_file=False)


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


@functools.lru_cache(maxsize=1)
def probe_sources():
    return tuple((name, inspect.getsource(importlib.import_module(MODULE_UTILS + name))) for name in SOURCES)


def probe_command(interpreter, node_args):
    """A shell command that runs the probe with C(interpreter); standard library only, no file is written.

    C(node_args) must not hold a secret: the command line is visible on the node and in C(-vvvv) output.
    """
    script = 'SOURCES = %r\nARGS = %r\n%s' % (probe_sources(), json.dumps(node_args), PROBE_BOOTSTRAP)
    blob = base64.b64encode(zlib.compress(script.encode('utf-8'), 9)).decode('ascii')
    loader = "import base64,zlib;exec(zlib.decompress(base64.b64decode('%s')))" % blob
    return ' '.join([interpreter, '-I', '-S', '-c', shlex.quote(loader)])


def module_shebang(configured):
    """The interpreter line of a configured module: ansible-core >= 2.19 returns (module_bits, path), older ones
    (style, shebang, data, path)."""
    shebang = configured[0].shebang if len(configured) == 2 else configured[1]
    return (shebang or '').replace('#!', '', 1).strip()


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        validation = ArgumentSpecValidator(
            argument_spec(), mutually_exclusive=CONJUR_MUTUALLY_EXCLUSIVE,
            required_if=[('revoke_minted', False, ('id',))],
            required_together=[('login', 'api_key')],
        ).validate(dict(self._task.args))
        if validation.error_messages:
            result.update(failed=True, msg=validation.errors.msg)
            names = self._task.args.get('option_names')
            return rename_result(result, names if isinstance(names, dict) else None)
        args = validation.validated_parameters
        store = TokenStore(default_store_dir())
        try:
            if args['ca_path']:
                args['ca_path'] = self.controller_file(args['ca_path'])
            if args['revoke_minted']:
                result.update(self.revoke_minted(args, store))
            else:
                result.update(self.enroll(args, store, task_vars))
        except CollectionError as exc:
            result.update(fail_result(exc), failed=True)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return rename_result(result, args['option_names'])

    def controller_file(self, path):
        """A controller-side path found the way Ansible finds C(src): in the C(files/) directories of the role and
        the playbook, then relative to them; an absolute path, or one found nowhere, as it is given (a path that
        cannot be read then fails with that path in the message)."""
        try:
            return self._find_needle('files', path)
        except AnsibleError:
            return path

    # -- on the node ------------------------------------------------------------------------------------------------
    def enroll(self, args, store, task_vars):
        check_token(args['token'])
        controller = controller_connection(args)
        module_args = node_arguments(args, controller)
        key = TokenStore.key(controller.appliance_url, controller.account, args['host_factory'], args['token_cidr'],
                             args['login'] or args['authn_token_file'])
        shared = store.usable(store.read(key))
        token = args['token'] or shared
        verdict = None
        if not shared:  # while no host has needed a token, most hosts are probably enrolled: look first
            verdict = self.probe(module_args, task_vars)
        if verdict and verdict['done']:
            result = dict(verdict['result'])
            if verdict['warnings']:
                result['warnings'] = verdict['warnings']
            if self._discovered_interpreter_key:
                result['ansible_facts'] = {self._discovered_interpreter_key: self._discovered_interpreter}
            return result
        if not token and (verdict and verdict['needs_token'] or verdict is None and self._task.check_mode):
            token = CHECK_MODE_TOKEN if self._task.check_mode else self.shared_token(store, key, args)
        first = self.run_module(module_args, token, task_vars)
        if first.get('failed') or not first.get('needs_token') or self._task.check_mode:
            return first
        token = self.shared_token(store, key, args)
        return merge_results(first, self.run_module(module_args, token, task_vars))

    def probe(self, module_args, task_vars):
        """The planner's verdict on the node (see module_utils/_enroll_probe); None when it cannot run or tell."""
        if getattr(self._connection._shell, 'SHELL_FAMILY', None) != 'sh':
            return None
        interpreter = module_shebang(self._configure_module('ansible.builtin.ping', {}, task_vars))
        if not interpreter:
            return None
        command = probe_command(interpreter, module_args)
        environment = self._compute_environment_string()
        if environment:
            command = '%s %s' % (environment, command)
        res = self._low_level_execute_command(command, sudoable=True)
        try:
            verdict = json.loads(res['stdout'].strip().splitlines()[-1])
        except (ValueError, IndexError, AttributeError):
            return None
        if res['rc'] != 0 or not isinstance(verdict, dict) or 'done' not in verdict:
            return None  # the module runs and reports the problem properly
        return verdict

    def run_module(self, module_args, token, task_vars):
        module_args = dict(module_args, host_factory_token=token) if token else module_args
        return self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)

    def shared_token(self, store, key, args):
        try:
            return store.shared_token(key, lambda: self.mint(args))
        except StoreError as exc:
            raise StoreError('host/%s must be enrolled but has no host factory token: %s' % (args['id'].strip(), exc))

    # -- on the controller ------------------------------------------------------------------------------------------
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
        # what revoke_minted needs to reach the same server again; never the api_key
        return {'token': minted['token'], 'expiration': minted.get('expiration'), 'connection': settings,
                'access_token': access_token}

    def revoke_minted(self, args, store):
        """Revoke every token this plugin minted during this run, with the credentials given to this task (led by
        the access token the tokens were minted with, which saves a login; on a 401 the client logs in)."""
        revoked = 0
        errors = []
        with store.lock():
            for key, entry in store.entries():
                left = []
                client = None
                for token in (entry or {}).get('minted', []):
                    try:
                        if client is None:
                            credentials = dict((name, args[name]) for name in LOGIN_OPTIONS)
                            if os.path.exists(store.access_token_file(key)):
                                credentials['authn_token_file'] = store.access_token_file(key)
                            client = ConjurClient(controller_connection(
                                dict(entry.get('connection') or args, **credentials), credentials=True))
                        revoked += int(client.revoke_token(token))
                    except CollectionError as exc:
                        errors.append(str(exc))
                        left.append(token)
                if left:
                    store.write(key, dict(entry, minted=left, token=None))
                else:
                    store.remove(key)
        if errors:
            raise StoreError('cannot revoke the host factory token minted for this run (%d revoked, %d left; they '
                             'expire by themselves): %s' % (revoked, len(errors), errors[0]))
        return dict(changed=revoked > 0, revoked=revoked)
