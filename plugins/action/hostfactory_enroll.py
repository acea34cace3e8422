# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of M(hostfactory.enrollment.hostfactory_enroll); the documentation is in plugins/modules/.

Per host:

1. A read-only probe (module_utils/_enroll_probe, sent as Python source, no module run) tells whether
   M(hostfactory.enrollment.hostfactory_host) would keep everything as it is. If so the host is done: one light
   remote execution, no API request.
2. Otherwise the module runs once, with a host factory token when the host must be enrolled. Without a pre-minted
   token, one is minted on the controller - at most one per run of ansible-playbook, shared by all hosts through
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

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import (
    CONJUR_MUTUALLY_EXCLUSIVE,
    ENV,
    ConjurClient,
    ConjurConfigError,
    ConjurConnection,
    conjur_argument_spec,
    normalize_appliance_url,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_files import normalize_pem, render_conf
from ansible_collections.hostfactory.enrollment.plugins.module_utils._enroll_probe import MISSING, OK, digest
from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import HttpError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._identity_file import numeric_mode
from ansible_collections.hostfactory.enrollment.plugins.modules import hostfactory_host, hostfactory_token
from ansible_collections.hostfactory.enrollment.plugins.plugin_utils._token_store import (
    StoreError,
    TokenStore,
    default_store_dir,
)

MODULE = 'hostfactory.enrollment.hostfactory_host'
MODULE_UTILS = 'ansible_collections.hostfactory.enrollment.plugins.module_utils.'
LOGIN_OPTIONS = ('login', 'api_key', 'authn_token_file')
CONNECTION_OPTIONS = ('appliance_url', 'account', 'ca_path', 'ca_content', 'validate_certs', 'timeout', 'retries',
                      'api_version')
MODULE_ONLY = ('host_factory_token', 'missing_token', 'return_api_key')
CA_OPTIONS = ('ca_path', 'ca_content')
NODE_PATHS = ('identity_file', 'conf_file', 'cert_file', 'config_file')
PUBLIC_FILE_MODE = 0o644
# Sent instead of a token in check mode only, where hostfactory_host never sends a request with it.
CHECK_MODE_TOKEN = 'check-mode-placeholder'
# What the probe found: everything in place, or the identity is there but the module has something to fix.
PARTIAL = 'partial'
PROBE_BOOTSTRAP = '''import sys, types
package = types.ModuleType('_hfenroll')
package.__path__ = []
sys.modules['_hfenroll'] = package
for name, source in SOURCES:
    module = types.ModuleType('_hfenroll.' + name)
    module.__package__ = '_hfenroll'
    sys.modules[module.__name__] = module
    exec(compile(source, name + '.py', 'exec'), module.__dict__)
module.main(PLAN)
'''


class EnrollError(Exception):
    """A one-line, secret-free reason why this task cannot go on."""


def argument_spec():
    """The options: those of hostfactory_host (less the token plumbing) plus the minting options."""
    spec = hostfactory_host.argument_spec()
    for name in MODULE_ONLY:
        spec.pop(name)
    spec['id']['required'] = False
    spec['api_version']['default'] = 5
    # Paths on the node are expanded there, by the module; config_file and its environment variable are the node's.
    for name in NODE_PATHS:
        spec[name]['type'] = 'str'
    spec['config_file'].pop('fallback', None)
    spec['config_file'].pop('default', None)
    # The environment is a fallback for the CA only when neither option is given (see ca_from_environment):
    # an argspec fallback would count as "given" and collide with the other option.
    for name in CA_OPTIONS:
        spec[name].pop('fallback', None)
    login_spec = conjur_argument_spec(login_required=True)
    spec.update((name, login_spec[name]) for name in LOGIN_OPTIONS)
    spec.update(
        owner=dict(type='str'),
        group=dict(type='str'),
        host_factory=dict(type='str'),
        token=dict(type='str', no_log=True),
        token_duration=dict(type='str', default='15m', no_log=False),
        token_cidr=dict(type='list', elements='str', default=[], no_log=False),
        revoke_minted=dict(type='bool', default=False),
    )
    return spec


def ca_from_environment(args, environ=None):
    """Fill ca_path or ca_content from the controller's environment when neither is set."""
    environ = os.environ if environ is None else environ
    if not args['ca_path'] and not args['ca_content']:
        for name in CA_OPTIONS:
            if environ.get(ENV[name]):
                args[name] = environ[ENV[name]]
                break
    return args


def read_controller_ca(path):
    try:
        with open(path, 'r', encoding='utf-8') as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise EnrollError("ca_path '%s' cannot be read on the controller: %s"
                          % (path, getattr(exc, 'strerror', None) or exc))


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


def unchanged_result(args):
    """What hostfactory_host returns for a host whose files are all in place."""
    return dict(changed=False, enrolled=False, rotated=False, needs_token=False, verified=False, host={},
                changed_files=[], login='host/%s' % args['id'].strip(), identity_file=args['identity_file'])


def probe_plan(args, ca_text):
    """What the probe must find on the node for the module to keep everything; None when it cannot tell."""
    paths = [args[name] for name in ('identity_file', 'conf_file', 'cert_file') if args[name]]
    mode = numeric_mode(args['mode'])
    if args['rotate'] or args['verify'] or mode is None or not all(p.startswith('/') for p in paths):
        return None
    if args['cert_file'] and not ca_text:
        return None  # the module fails
    try:
        appliance_url = normalize_appliance_url(args['appliance_url'])
    except ConjurConfigError:
        return None
    if not appliance_url.startswith('https://') or not args['id'].strip():
        return None
    files = []
    if args['cert_file']:
        files.append(dict(path=args['cert_file'], sha256=digest(normalize_pem(ca_text)), mode=PUBLIC_FILE_MODE))
    if args['conf_file']:
        # without a CA file of ours the module may name one from the node's settings: then the digest differs
        # and the module runs, which is slower but right
        cert_file = os.path.abspath(args['cert_file']) if args['cert_file'] else None
        text = render_conf(args['account'], appliance_url, os.path.abspath(args['identity_file']),
                           cert_file=cert_file, api_version=args['api_version'])
        files.append(dict(path=args['conf_file'], sha256=digest(text), mode=PUBLIC_FILE_MODE))
    identity = dict(path=args['identity_file'], machine=appliance_url + '/authn', login='host/%s' % args['id'].strip(),
                    mode=mode, owner=args['owner'], group=args['group'])
    return dict(identity=identity, files=files)


@functools.lru_cache(maxsize=1)
def probe_sources():
    return tuple((name, inspect.getsource(importlib.import_module(MODULE_UTILS + name)))
                 for name in ('_identity_file', '_enroll_probe'))


def probe_command(interpreter, plan):
    """A shell command that runs the probe with C(interpreter); standard library only, no file is written."""
    script = 'SOURCES = %r\nPLAN = %r\n%s' % (probe_sources(), json.dumps(plan), PROBE_BOOTSTRAP)
    blob = base64.b64encode(zlib.compress(script.encode('utf-8'), 9)).decode('ascii')
    loader = "import base64,zlib;exec(zlib.decompress(base64.b64decode('%s')))" % blob
    return ' '.join([interpreter, '-I', '-S', '-c', shlex.quote(loader)])


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        validation = ArgumentSpecValidator(
            argument_spec(), mutually_exclusive=CONJUR_MUTUALLY_EXCLUSIVE,
            required_if=[('revoke_minted', False, ('id', 'appliance_url', 'account'))],
            required_together=[('login', 'api_key')],
        ).validate(dict(self._task.args))
        if validation.error_messages:
            result.update(failed=True, msg=validation.errors.msg)
            return result
        args = ca_from_environment(validation.validated_parameters)
        store = TokenStore(default_store_dir())
        try:
            if args['revoke_minted']:
                result.update(self.revoke_minted(args, store))
            else:
                result.update(self.enroll(args, store, task_vars))
        except EnrollError as exc:
            result.update(failed=True, msg=str(exc))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    # -- on the node ------------------------------------------------------------------------------------------------
    def enroll(self, args, store, task_vars):
        ca_text = args['ca_content'] or (read_controller_ca(args['ca_path']) if args['ca_path'] else None)
        if not ca_text:
            args['cert_file'] = None  # no CA to write: the node uses its system trust store
        # never the minting credentials: they stay on the controller
        module_args = dict((name, args[name]) for name in hostfactory_host.argument_spec()
                           if name in args and name not in LOGIN_OPTIONS)
        module_args.update(owner=args['owner'], group=args['group'], missing_token='skip')
        if args['ca_path'] and not args['ca_content']:
            module_args.update(ca_path=None, ca_content=ca_text)
        # unset options stay unset: the module resolves them on the node (environment, config_file, defaults)
        module_args = dict((name, value) for name, value in module_args.items() if value is not None)

        key = self.mint_key(args)
        shared = store.usable(store.read(key))
        token = args['token'] or shared
        verdict = None
        if not shared:  # while no host has needed a token, most hosts are probably enrolled: look first
            verdict = self.probe(probe_plan(args, ca_text), task_vars)
        if verdict == OK:
            result = unchanged_result(args)
            if self._discovered_interpreter_key:
                result['ansible_facts'] = {self._discovered_interpreter_key: self._discovered_interpreter}
            return result
        if not token and (verdict == MISSING or verdict is None and self._task.check_mode):
            token = CHECK_MODE_TOKEN if self._task.check_mode else self.shared_token(store, key, args)
        first = self.run_module(module_args, token, task_vars)
        if first.get('failed') or not first.get('needs_token') or self._task.check_mode:
            return first
        token = self.shared_token(store, key, args)
        return merge_results(first, self.run_module(module_args, token, task_vars))

    @staticmethod
    def configured_shebang(configured):
        """The shebang in what _configure_module() returned: (module_bits, module_path) since ansible-core 2.19,
        (module_style, shebang, module_data, module_path) in 2.17 and 2.18."""
        return configured[1] if len(configured) == 4 else configured[0].shebang

    def probe(self, plan, task_vars):
        """OK, MISSING or PARTIAL from the probe on the node; None when it cannot run or cannot tell."""
        if plan is None or getattr(self._connection._shell, 'SHELL_FAMILY', None) != 'sh':
            return None
        configured = self._configure_module('ansible.builtin.ping', {}, task_vars)
        shebang = (self.configured_shebang(configured) or '').replace('#!', '', 1).strip()
        if not shebang:
            return None
        command = probe_command(shebang, plan)
        environment = self._compute_environment_string()
        if environment:
            command = '%s %s' % (environment, command)
        res = self._low_level_execute_command(command, sudoable=True)
        try:
            verdict = json.loads(res['stdout'].strip().splitlines()[-1])
        except (ValueError, IndexError, AttributeError):
            return None
        if res['rc'] != 0 or not isinstance(verdict, dict) or verdict.get('error'):
            return None
        if verdict.get('identity') == MISSING:
            return MISSING
        if verdict.get('identity') == OK and verdict.get('files_ok') is True:
            return OK
        return PARTIAL

    def run_module(self, module_args, token, task_vars):
        module_args = dict(module_args, host_factory_token=token) if token else module_args
        return self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)

    def shared_token(self, store, key, args):
        try:
            return store.shared_token(key, lambda: self.mint(args))
        except StoreError as exc:
            raise EnrollError('host/%s must be enrolled but has no host factory token: %s' % (args['id'].strip(), exc))

    # -- on the controller ------------------------------------------------------------------------------------------
    @staticmethod
    def controller_connection(settings, credentials):
        """The Conjur connection of the controller: no conf file is read."""
        params = dict((name, settings[name]) for name in CONNECTION_OPTIONS if settings.get(name) is not None)
        params.update((name, credentials.get(name)) for name in LOGIN_OPTIONS)
        params['config_file'] = None
        return ConjurConnection.from_params(params)

    @staticmethod
    def mint_key(args):
        return TokenStore.key(args['appliance_url'], args['account'], args['host_factory'], args['token_cidr'],
                              args['login'] or args['authn_token_file'])

    def mint(self, args):
        """Mint one token with the controller's credentials; return the store entry fields for it."""
        if not args['host_factory']:
            raise StoreError('host_factory is required to mint one (or pass a pre-minted token in token)')
        params = dict(host_factory=args['host_factory'], duration=args['token_duration'], expiration=None, count=1,
                      cidr=args['token_cidr'], reuse=False, min_remaining='0')
        try:
            settings = dict((name, args[name]) for name in CONNECTION_OPTIONS)
            if args['ca_path'] and not args['ca_content']:
                settings.update(ca_path=None, ca_content=read_controller_ca(args['ca_path']))
            client = ConjurClient(self.controller_connection(settings, args))
            minted = hostfactory_token.ensure_present(_ControllerRun(params), client)['tokens'][0]
            access_token = client.authenticate()  # the one it minted with: no request
        except (EnrollError, HttpError, hostfactory_token.ParameterError) as exc:
            raise StoreError('cannot mint one on the controller: %s' % exc)
        # what revoke_minted needs to reach the same server again; never the api_key
        return {'token': minted['token'], 'expiration': minted.get('expiration'), 'connection': settings,
                'access_token': access_token}

    @staticmethod
    def revoke_credentials(args, store, key):
        """The credentials of this task, led by the access token the tokens were minted with (saves a login; on a
        401 the client logs in with login and api_key)."""
        credentials = dict((name, args[name]) for name in LOGIN_OPTIONS)
        if os.path.exists(store.access_token_file(key)):
            credentials['authn_token_file'] = store.access_token_file(key)
        return credentials

    def revoke_minted(self, args, store):
        """Revoke every token this plugin minted during this run, with the credentials given to this task."""
        revoked = 0
        errors = []
        with store.lock():
            for key, entry in store.entries():
                left = []
                client = None
                for token in (entry or {}).get('minted', []):
                    try:
                        if client is None:
                            client = ConjurClient(self.controller_connection(entry.get('connection') or args,
                                                                             self.revoke_credentials(args, store, key)))
                        revoked += int(client.revoke_token(token))
                    except HttpError as exc:
                        errors.append(str(exc))
                        left.append(token)
                if left:
                    store.write(key, dict(entry, minted=left, token=None))
                else:
                    store.remove(key)
        if errors:
            raise EnrollError('cannot revoke the host factory token minted for this run (%d revoked, %d left; they '
                              'expire by themselves): %s' % (revoked, len(errors), errors[0]))
        return dict(changed=revoked > 0, revoked=revoked)


class _ControllerRun:
    """What hostfactory_token.ensure_present needs of an AnsibleModule, for a mint made on the controller."""

    check_mode = False
    _diff = False

    def __init__(self, params):
        self.params = params
