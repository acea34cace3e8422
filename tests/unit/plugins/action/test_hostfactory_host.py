# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action of hostfactory_host: the controller's credentials never reach the machine.

What ansible-core hands an action plugin: C(task.args) holds the task's arguments with C(module_defaults) already
merged in (2.17/2.18: by the task executor; 2.19+: when the task's arguments are finalized), and C(task.get_ds())
the task as written. The integration target hostfactory_host runs both through a real ansible-playbook and searches
the payloads the machine received (tasks/node_payload.yml).
"""

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest

from ansible_collections.hostfactory.enrollment.plugins.action import hostfactory_host as plugin

ADMIN_KEY = '1tq3kbm2y1nfkq3z0hxaed5s0wq2ke8v3gq2wjyz6ar1rvqv2mwhgt'
FQCN = 'hostfactory.enrollment.hostfactory_host'


class Task:
    """The two things the action reads of a task: its data as written, and its final arguments."""

    def __init__(self, data, args):
        self._data = data
        self.args = args
        self.collections = []
        self.async_val = 0
        self.check_mode = False
        self.diff = False

    def get_ds(self):
        return self._data


@pytest.mark.parametrize('data, expected', [
    ({'name': 'x', FQCN: {'id': 'web', 'api_key': ADMIN_KEY}}, {'id', 'api_key'}),
    ({FQCN: {'id': 'web'}, 'args': {'login': 'admin'}}, {'id', 'login'}),
    ({FQCN: 'id=web authn_token_file=/run/t'}, {'id', 'authn_token_file'}),
    ({'action': {'module': FQCN, 'id': 'web'}}, {'id'}),
    ({'hostfactory_host': {'id': 'web'}, 'module_defaults': {'group/hostfactory.enrollment.conjur': {'login': 'a'}}},
     {'id'}),
    ({FQCN: {}, 'args': '{{ host_args }}'}, None),  # one template: cannot be told
    (None, None),
])
def test_options_in_task(data, expected):
    assert plugin.options_in_task(Task(data, {})) == expected


def run(data, args):
    task = Task(data, args)
    connection = MagicMock()
    connection._shell.tmpdir = None
    act = plugin.ActionModule(task, connection, MagicMock(), MagicMock(), MagicMock(), MagicMock())
    act._execute_module = MagicMock(return_value={'changed': True, 'warnings': ['from the module']})
    result = act.run(task_vars={})
    return result, act._execute_module.call_args.kwargs


def test_credentials_from_module_defaults_are_dropped_without_a_word():
    args = {'id': 'web', 'host_factory_token': 'hf', 'login': 'admin', 'api_key': ADMIN_KEY,
            'authn_token_file': '/run/conjur/token'}
    result, call = run({FQCN: {'id': 'web', 'host_factory_token': 'hf'}}, args)
    assert call['module_name'] == FQCN
    assert call['module_args'] == {'id': 'web', 'host_factory_token': 'hf'}
    assert ADMIN_KEY not in json.dumps(call)
    assert result['warnings'] == ['from the module'] and result['changed']


def test_credentials_in_the_task_are_dropped_with_a_warning_that_names_them_only():
    args = {'id': 'web', 'login': 'admin', 'api_key': ADMIN_KEY}
    result, call = run({FQCN: {'id': 'web', 'api_key': ADMIN_KEY}}, args)
    assert call['module_args'] == {'id': 'web'}
    assert result['warnings'][0] == 'from the module'
    assert result['warnings'][1].startswith('api_key: not sent to the machine, hostfactory_host enrolls with the host '
                                            'factory token alone')
    assert ADMIN_KEY not in json.dumps(result)


def test_when_the_arguments_are_a_template_every_credential_is_reported():
    result, call = run({FQCN: {}, 'args': '{{ host_args }}'}, {'id': 'web', 'login': 'admin', 'api_key': ADMIN_KEY})
    assert call['module_args'] == {'id': 'web'}
    assert result['warnings'][-1].startswith('login, api_key: not sent to the machine')


def test_nothing_to_drop_nothing_to_say():
    result, call = run({FQCN: {'id': 'web'}}, {'id': 'web'})
    assert call['module_args'] == {'id': 'web'} and result['warnings'] == ['from the module']
