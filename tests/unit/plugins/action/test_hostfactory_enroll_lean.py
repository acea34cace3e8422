# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lean run as the action plugin ships it: when it runs instead of the module, what it sends where (the token
on standard input, never on a command line), and what happens when it cannot start or stops without a result.

The commands run for real, with this interpreter and no collection on the path (/bin/sh -c, the document on
standard input), in check mode: nothing is sent to a server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from unittest.mock import MagicMock

import pytest

from ansible_collections.hostfactory.enrollment.plugins.action import hostfactory_enroll as plugin
from ansible_collections.hostfactory.enrollment.plugins.module_utils._node_run import STARTED
from ansible_collections.hostfactory.enrollment.plugins.plugin_utils import _node_code
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.enrollment_node import ENV, make_node

HF_TOKEN = '3zc1w0r5mqv7x5z1hbk2e8s2ts4qdyp3kz90b4c5fh2q8r1an6x'


class Shell:
    SHELL_FAMILY = 'sh'
    tmpdir = None

    @staticmethod
    def join_path(*parts):
        return os.path.join(*parts)


def run_for_real(cmd, sudoable=True, in_data=None):
    proc = subprocess.run(['/bin/sh', '-c', cmd], input=in_data, capture_output=True, check=False, cwd='/',
                          env={'PATH': '/usr/bin:/bin'}, timeout=60)
    return {'rc': proc.returncode, 'stdout': proc.stdout.decode(), 'stderr': proc.stderr.decode()}


class Action:
    """The action plugin on a connection that carries standard input; records every command and what it sent."""

    def __init__(self, check_mode=True, has_pipelining=True, become=None, pipelining=False, answer=run_for_real):
        task = MagicMock()
        task.check_mode, task.diff, task.async_val = check_mode, False, 0
        connection = MagicMock()
        connection._shell = Shell()
        connection.has_pipelining = has_pipelining
        connection.become = become
        self.act = plugin.ActionModule(task, connection, MagicMock(), MagicMock(), MagicMock(), MagicMock())
        self.commands, self.modules, self.transfers = [], [], []
        act = self.act
        act._configure_module = MagicMock(side_effect=AssertionError('the interpreter is known'))
        act._node_python = sys.executable
        act._compute_environment_string = lambda: ''
        act._discovered_interpreter_key = None
        act._is_pipelining_enabled = lambda style, wrap_async=False: pipelining

        def low_level(cmd, sudoable=True, in_data=None):
            self.commands.append((cmd, in_data))
            return answer(cmd, sudoable, in_data)

        def module(module_name=None, module_args=None, task_vars=None):
            self.modules.append(dict(module_args))
            return {'changed': False, 'ran': 'module'}

        act._low_level_execute_command = low_level
        act._execute_module = module
        act._make_tmp_path = lambda: '/remote/tmp'
        act._transfer_data = lambda path, data: self.transfers.append((path, data))

    def run(self, args, token=HF_TOKEN):
        return self.act.run_module(args, token, {})


@pytest.fixture
def node(tmp_path, monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return make_node(tmp_path)


def test_lean_run_takes_the_token_on_standard_input_and_runs_no_module(node):
    tmp, paths, args = node
    os.unlink(paths['conjur.identity'])
    action = Action()
    result = action.run(args)
    assert action.modules == []
    assert result['enrolled'] is True and result['changed'] is True  # check mode: it would enroll
    assert result['changed_files'] == [paths['conjur.identity']]
    [(command, in_data)] = action.commands
    assert HF_TOKEN not in command and command.startswith(sys.executable + ' -I -S -c ')
    document = json.loads(in_data)
    assert document['token'] == HF_TOKEN and document['check_mode'] is True and document['args'] == args
    assert HF_TOKEN not in json.dumps(result)
    assert sorted(os.listdir(str(tmp))) == ['conjur.conf', 'conjur.pem']  # check mode wrote nothing


def test_the_module_runs_where_the_connection_carries_no_input(node):
    _tmp, _paths, args = node
    action = Action(has_pipelining=False)
    assert action.run(args) == {'changed': False, 'ran': 'module'}
    assert action.commands == [] and action.modules[0]['host_factory_token'] == HF_TOKEN


@pytest.mark.parametrize('pipelining, lean', [(False, False), (True, True)])
def test_with_become_the_lean_run_goes_where_ansible_would_pipeline_a_module(node, pipelining, lean):
    _tmp, _paths, args = node
    action = Action(become=MagicMock(), pipelining=pipelining)
    result = action.run(args)
    assert bool(action.commands) is lean and bool(action.modules) is not lean
    assert result.get('ran') != 'module' if lean else result['ran'] == 'module'


def test_a_symbolic_mode_goes_to_the_module(node):
    _tmp, _paths, args = node
    action = Action()
    assert action.run(dict(args, mode='u=rw,go='))['ran'] == 'module'
    assert action.commands == []


@pytest.mark.parametrize('answer', [
    {'rc': 127, 'stdout': '', 'stderr': 'python3: not found'},
    {'rc': 1, 'stdout': '', 'stderr': 'SyntaxError: invalid syntax'},
    {'rc': 0, 'stdout': '{"unavailable": "a symbolic mode is applied by AnsibleModule"}\n', 'stderr': ''},
], ids=['no interpreter', 'interpreter too old', 'unavailable'])
def test_a_run_that_did_not_start_did_nothing_and_the_module_runs(node, answer):
    _tmp, _paths, args = node
    action = Action(answer=lambda cmd, sudoable, in_data: answer)
    assert action.run(args)['ran'] == 'module'
    assert len(action.commands) == 1 and action.modules[0]['host_factory_token'] == HF_TOKEN


def test_a_run_that_started_and_stopped_without_a_result_fails_and_is_not_repeated(node):
    _tmp, _paths, args = node
    answer = {'rc': -9, 'stdout': STARTED + '\n', 'stderr': 'Killed while holding %s\n' % HF_TOKEN}
    action = Action(answer=lambda cmd, sudoable, in_data: answer)
    result = action.run(args)
    assert result['failed'] and 'without a result (rc=-9); it may have created the host' in result['msg']
    assert action.modules == [] and len(action.commands) == 1
    assert HF_TOKEN not in json.dumps(result) and 'Killed while holding ********' in result['module_stderr']


def test_with_remote_files_kept_the_document_is_a_file_of_the_remote_tmp(node, monkeypatch):
    _tmp, _paths, args = node
    monkeypatch.setattr(plugin.C, 'DEFAULT_KEEP_REMOTE_FILES', True)
    answer = {'rc': 0, 'stdout': STARTED + '\n{"changed": false}\n', 'stderr': ''}
    action = Action(answer=lambda cmd, sudoable, in_data: answer)
    assert action.run(args) == {'changed': False}
    [(path, data)] = action.transfers
    assert path == '/remote/tmp/' + _node_code.RUN_FILE and json.loads(data)['token'] == HF_TOKEN
    [(command, in_data)] = action.commands
    assert in_data is None and command.endswith(' ' + path) and HF_TOKEN not in command


def test_the_discovered_interpreter_is_reported_as_the_module_reports_it(node):
    _tmp, _paths, args = node
    action = Action()
    action.act._discovered_interpreter_key = 'discovered_interpreter_python'
    action.act._discovered_interpreter = '/usr/bin/python3'
    result = action.run(args)
    assert result['ansible_facts'] == {'discovered_interpreter_python': '/usr/bin/python3'}
