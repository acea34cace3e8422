# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this plugin util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The host id every machine of a play enrolls under, found on the controller in one pass over the play's machines.

A role's host id may come from role or play variables templated for each machine (C(host_identity_host_id) is
C({{ inventory_hostname }}) by default), which C(hostvars) does not show. The run's variable manager does: given the
play and the task, it returns the variables the strategy templates that task with for any machine. Templating the
role's variables with them gives each machine's id without a task per machine (a worker process each).
"""

from __future__ import annotations

from ansible.errors import AnsibleError

# The options that make two machines enroll as the same Conjur host: the same id on the same server and account.
KEY_OPTIONS = ('appliance_url', 'account', 'id')


def _text(templar, variables, name):
    """The value of variable C(name) templated with C(variables), trimmed; '' when it is unset or empty."""
    if name not in variables:
        return ''
    value = templar.copy_with_new_env(available_variables=variables).template(variables[name])
    return '' if value is None else str(value).strip()


def host_keys(task, task_vars, templar, hosts, names):
    """C({host: 'appliance account id'}) for each of C(hosts) (inventory names) as the task would see them, with the
    variable of each option of L(KEY_OPTIONS) named by C(names); None for a machine whose variables cannot be
    templated or whose id is empty (its own task reports that problem)."""
    hostvars = task_vars['hostvars']
    manager, inventory, play = hostvars._variable_manager, hostvars._inventory, task.get_play()
    keys = {}
    for name in hosts:
        keys[name] = None
        host = inventory.get_host(name)
        if host is None:
            continue
        try:
            variables = manager.get_vars(play=play, host=host, task=task)
            parts = [_text(templar, variables, names[option]) for option in KEY_OPTIONS]
        except AnsibleError:
            continue
        if parts[-1]:
            keys[name] = ' '.join(parts)
    return keys


def sharing(keys, host):
    """The machines of C(keys) that use the key of C(host), in the order of the play (C(host) among them); [] when none
    other does."""
    if keys.get(host) is None:
        return []
    found = [name for name, key in keys.items() if key == keys[host]]
    return found if len(found) > 1 else []
