# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.playbook import Playbook
from ansible.template import Templar
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

from ansible_collections.hostfactory.enrollment.plugins.plugin_utils._play_host_ids import host_keys, sharing

# Host variables, play variables that template them, and a host whose id cannot be templated: the real inventory,
# variable manager and templating of ansible-core, as a worker of a run has them.
INVENTORY = """
fleet:
  hosts:
    web-1: {}
    web-2: {custom_id: web-1}
    web-3: {custom_id: ' web-3 '}
    broken: {the_url: "{{ no_such_variable }}"}
    empty: {custom_id: ''}
    other-account: {custom_id: web-1, account: other}
  vars:
    the_url: https://conjur.example.com
"""
PLAYBOOK = """
- hosts: fleet
  gather_facts: false
  vars:
    the_id: "{{ custom_id | default(inventory_hostname) }}"
  tasks:
    - name: Enroll
      meta: noop  # a task that parses without the plugin loader
"""
NAMES = {'appliance_url': 'the_url', 'account': 'account', 'id': 'the_id'}
HOSTS = ['web-1', 'web-2', 'web-3', 'broken', 'empty', 'other-account']


@pytest.fixture
def play_task(tmp_path):
    (tmp_path / 'inventory.yml').write_text(INVENTORY)
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(tmp_path / 'inventory.yml')])
    manager = VariableManager(loader=loader, inventory=inventory)
    HostVars(inventory=inventory, variable_manager=manager, loader=loader)  # as the run's task queue manager does
    play = Playbook.load(str(tmp_path / 'play.yml'), variable_manager=manager, loader=loader).get_plays()[0]
    task = next(task for block in play.compile() for task in block.block if task.get_name() == 'Enroll')
    task_vars = manager.get_vars(play=play, host=inventory.get_host('web-1'), task=task)
    return task, task_vars, Templar(loader=loader, variables=task_vars)


def test_each_machine_gets_the_id_its_own_variables_give(play_task):
    task, task_vars, templar = play_task
    keys = host_keys(task, task_vars, templar, HOSTS + ['not-in-inventory'], NAMES)
    assert keys == {
        'web-1': 'https://conjur.example.com  web-1',
        'web-2': 'https://conjur.example.com  web-1',
        'web-3': 'https://conjur.example.com  web-3',  # trimmed, as the module trims it
        'broken': None,  # its own task fails with the undefined variable
        'empty': None,  # refused by its own task, not taken for a shared id
        'other-account': 'https://conjur.example.com other web-1',
        'not-in-inventory': None,
    }


def test_sharing_names_every_machine_of_the_key_in_play_order(play_task):
    task, task_vars, templar = play_task
    keys = host_keys(task, task_vars, templar, HOSTS, NAMES)
    assert sharing(keys, 'web-2') == ['web-1', 'web-2']
    assert sharing(keys, 'web-1') == ['web-1', 'web-2']
    assert sharing(keys, 'web-3') == []
    assert sharing(keys, 'other-account') == []  # another account: another Conjur host
    assert sharing(keys, 'broken') == [] and sharing(keys, 'empty') == [] and sharing(keys, 'absent') == []
