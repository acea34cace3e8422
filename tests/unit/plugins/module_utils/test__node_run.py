# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lean run: its parameters are the module's, its result is the module's, and no secret is left in it.

The differential tests run the enrollment twice on two identical nodes, once as the module (AnsibleModule, main())
and once as the lean run, with the same client stand-in, and compare results and files.
"""

from __future__ import annotations

import io
import json
import os

import pytest

from ansible.module_utils import basic

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _enrollment_exec, _node_run
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import CollectionError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._netrc import render_entry
from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import Redactor
from ansible_collections.hostfactory.enrollment.plugins.modules import hostfactory_host
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_args import patch_module_args
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.enrollment_node import (
    API_KEY,
    ENV,
    MACHINE,
    make_node,
    write,
)

HF_TOKEN = '3zc1w0r5mqv7x5z1hbk2e8s2ts4qdyp3kz90b4c5fh2q8r1an6x'
NEW_KEY = '2m8k1xq9w3ez7v5t0b6n4c2a8s1d9f3g5h7j0k2l4p6r8t0v1x3'


class Server:
    """The client of both runs: creates the host (unless told to fail), accepts every key; records the calls."""

    calls = []
    fail_with = None

    def __init__(self, connection):
        self.connection = connection

    def create_host(self, token, host_id, annotations):
        Server.calls.append(('create_host', token, host_id))
        if Server.fail_with:
            raise Server.fail_with
        return {'id': 'myorg:host:' + host_id, 'api_key': NEW_KEY, 'created_at': '2026-11-30T10:00:00Z',
                'owner': 'myorg:policy:hosts', 'permissions': [], 'annotations': []}

    def check_api_key(self, login, api_key):
        Server.calls.append(('check_api_key', login))
        return True


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    Server.calls = []
    Server.fail_with = None
    monkeypatch.setattr(_enrollment_exec, 'ConjurClient', Server)


def module_run(capfd, args, check_mode=False, diff=False):
    warnings = []
    with pytest.MonkeyPatch.context() as patcher:
        patcher.setattr(basic.AnsibleModule, 'warn', lambda self, warning: warnings.append(warning))
        with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)):
            with pytest.raises(SystemExit):
                hostfactory_host.main()
    out, _err = capfd.readouterr()
    result = json.loads(out)
    result.pop('invocation', None)
    if warnings:
        result['warnings'] = warnings
    return result


def lean_run(args, token=None, check_mode=False, diff=False):
    out = io.StringIO()
    token = token or args.get('host_factory_token')
    args = dict((k, v) for k, v in args.items() if k != 'host_factory_token')
    result = _node_run.run(dict(args=args, token=token, check_mode=check_mode, diff=diff), out)
    return result, out.getvalue()


def two_nodes(tmp_path):
    first, second = tmp_path / 'module', tmp_path / 'lean'
    first.mkdir()
    second.mkdir()
    return make_node(first), make_node(second)


def same(module_result, lean_result, module_tmp, lean_tmp):
    assert json.loads(json.dumps(module_result).replace(str(module_tmp), str(lean_tmp))) == lean_result


def files(tmp):
    found = {}
    for name in sorted(os.listdir(str(tmp))):
        path = os.path.join(str(tmp), name)
        if os.path.isfile(path):
            with open(path, encoding='utf-8') as handle:
                found[name] = (handle.read().replace(str(tmp), 'TMP'), os.stat(path).st_mode & 0o7777)
    return found


CASES = ['new machine', 'enrolled machine', 'stale conf', 'identity mode 0644', 'rotate', 'verify', 'another login',
         'un-enrollment', 'refused: identity is a directory']


def prepare(case, paths, args):
    """Bring a node in the module's layout into the state C(case); return the arguments."""
    args = dict(args, host_factory_token=HF_TOKEN)
    if case == 'new machine':
        for path in paths.values():
            os.unlink(path)
    elif case == 'stale conf':
        write(paths['conjur.conf'], 'account: other\n', 0o644)
    elif case == 'identity mode 0644':
        os.chmod(paths['conjur.identity'], 0o644)
    elif case in ('rotate', 'verify'):
        args[case] = True
    elif case == 'another login':
        write(paths['conjur.identity'], render_entry(MACHINE, 'host/web-02', API_KEY) + '\n')
    elif case == 'un-enrollment':
        args['state'] = 'absent'
    elif case == 'refused: identity is a directory':
        os.unlink(paths['conjur.identity'])
        os.mkdir(paths['conjur.identity'])
    return args


@pytest.mark.parametrize('check_mode', [False, True], ids=['run', 'check mode'])
@pytest.mark.parametrize('diff', [True, False], ids=['diff', 'no diff'])
@pytest.mark.parametrize('case', CASES)
def test_lean_run_and_module_agree(tmp_path, capfd, case, check_mode, diff):
    (module_tmp, module_paths, module_args), (lean_tmp, lean_paths, lean_args) = two_nodes(tmp_path)
    module_args = prepare(case, module_paths, module_args)
    lean_args = prepare(case, lean_paths, lean_args)
    expected = module_run(capfd, module_args, check_mode, diff)
    module_calls, Server.calls = Server.calls, []
    result, out = lean_run(lean_args, check_mode=check_mode, diff=diff)
    assert out == _node_run.STARTED + '\n'
    same(expected, result, module_tmp, lean_tmp)
    assert Server.calls == module_calls
    assert files(module_tmp) == files(lean_tmp)
    text = json.dumps(result)
    assert HF_TOKEN not in text and NEW_KEY not in text and API_KEY not in text
    if case == 'new machine' and not check_mode:
        assert result['enrolled'] and Server.calls[0][:2] == ('create_host', HF_TOKEN)
        assert '********' in text or not diff
        with open(lean_paths['conjur.identity'], encoding='utf-8') as handle:
            assert NEW_KEY in handle.read()  # the key is masked in the result, written in the file


def test_parameters_are_the_module_s_defaults_with_paths_expanded_on_the_node(monkeypatch):
    monkeypatch.setenv('HOME', '/home/node-user')
    monkeypatch.setenv('NODE_DIR', '/srv/conjur')
    params = _node_run.node_params({'id': 'web-01', 'identity_file': '~/conjur.identity',
                                    'conf_file': '$NODE_DIR/conjur.conf', 'appliance_url': 'https://c.example.com'},
                                   token=HF_TOKEN)
    spec = _enrollment_exec.host_argument_spec()
    assert set(params) == set(spec)
    assert params['identity_file'] == '/home/node-user/conjur.identity'
    assert params['conf_file'] == '/srv/conjur/conjur.conf'
    assert params['host_factory_token'] == HF_TOKEN
    assert params['lock_timeout'] == spec['lock_timeout']['default'] and params['mode'] == '0600'
    assert params['missing_token'] == 'fail' and params['return_api_key'] is False


@pytest.mark.parametrize('args, reason', [
    ({'id': 'web-01', 'mode': 'u=rw,go='}, 'symbolic mode'),
    ({'id': 'web-01', 'setype': 'etc_t'}, 'unknown options: setype'),
    ({'id': 'web-01', 'login': 'admin', 'seuser': 'x'}, 'unknown options: seuser'),
])
def test_what_only_the_module_can_do_is_left_to_it_before_anything_is_done(tmp_path, args, reason):
    args = dict(args, identity_file=str(tmp_path / 'conjur.identity'), appliance_url='https://c.example.com',
                account='myorg')
    result, out = lean_run(args, token=HF_TOKEN)
    assert reason in result['unavailable']
    assert out == '' and Server.calls == [] and os.listdir(str(tmp_path)) == []


def test_a_failure_is_one_masked_line_and_never_holds_the_token(tmp_path):
    Server.fail_with = CollectionError('the server refused token %s' % HF_TOKEN, status=401)
    args = dict(appliance_url='https://c.example.com', account='myorg', id='web-01',
                identity_file=str(tmp_path / 'conjur.identity'), config_file=str(tmp_path / 'absent.conf'))
    result, _out = lean_run(args, token=HF_TOKEN)
    assert result['failed'] and result['status'] == 401
    assert result['msg'] == 'the server refused token ********'
    assert not os.path.exists(str(tmp_path / 'conjur.identity'))


def test_an_unexpected_error_is_a_masked_failure_not_a_traceback(tmp_path):
    Server.fail_with = RuntimeError('boom with %s inside' % HF_TOKEN)
    args = dict(appliance_url='https://c.example.com', account='myorg', id='web-01',
                identity_file=str(tmp_path / 'conjur.identity'), config_file=str(tmp_path / 'absent.conf'))
    result, out = lean_run(args, token=HF_TOKEN)
    assert out == _node_run.STARTED + '\n'
    assert result['failed'] and result['msg'] == ('the enrollment failed on the machine: RuntimeError: boom with '
                                                  '******** inside')


def test_masked_reaches_keys_values_and_nested_lists():
    redact = Redactor(['s3cr3t-value'])
    value = {'a s3cr3t-value': ['x s3cr3t-value', {'k': 's3cr3t-value'}, 5, None, True]}
    assert _node_run.masked(value, redact) == {'a ********': ['x ********', {'k': '********'}, 5, None, True]}


def test_a_working_directory_it_cannot_read_is_left_for_home_as_ansiblemodule_does(tmp_path, monkeypatch):
    home = tmp_path / 'home'
    home.mkdir()
    monkeypatch.chdir(str(tmp_path))  # restored after the test
    monkeypatch.setenv('HOME', str(home))
    real_getcwd = os.getcwd

    def deleted():
        raise FileNotFoundError('the working directory was removed')

    monkeypatch.setattr(os, 'getcwd', deleted)
    _node_run.usable_cwd()
    assert real_getcwd() == str(home)


def test_a_readable_working_directory_is_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    _node_run.usable_cwd()
    assert os.getcwd() == str(tmp_path)
