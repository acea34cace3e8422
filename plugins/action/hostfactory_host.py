# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of M(hostfactory.enrollment.hostfactory_host); the documentation is in plugins/modules/.

It runs the module on the machine like the C(normal) action, but first drops the controller's credential options
(login, api_key, authn_token_file): the module never uses them, and a machine that enrolls with a host factory
token must never hold the credential that mints tokens. They reach a task through C(module_defaults) for the
group C(hostfactory.enrollment.conjur) (which other modules of the group need) without a word; given in the task
itself, they are dropped with a warning.
"""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.parsing.mod_args import ModuleArgsParser
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import LOGIN_OPTIONS

MODULE = 'hostfactory.enrollment.hostfactory_host'


def options_in_task(task):
    """The option names the task itself sets (its own data, before C(module_defaults) are merged in); None when they
    cannot be told (the arguments are one template, or the task has no data of its own)."""
    data = task.get_ds()
    if not isinstance(data, dict):
        return None
    try:
        args = ModuleArgsParser(task_ds=data, collection_list=task.collections).parse(skip_action_validation=True)[1]
    except AnsibleError:  # the task was parsed before; this is only a second look at it
        return None
    if '_variable_params' in args:
        return None
    return set(args)


def credentials_warning(names):
    return ('%s: not sent to the machine, hostfactory_host enrolls with the host factory token alone (mint tokens on '
            'the controller with hostfactory.enrollment.hostfactory_token, or let hostfactory.enrollment.'
            'hostfactory_enroll mint them)' % ', '.join(names))


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        module_args = dict(self._task.args)
        dropped = [name for name in LOGIN_OPTIONS if module_args.pop(name, None) is not None]
        named = options_in_task(self._task)
        in_task = [name for name in dropped if named is None or name in named]
        wrap_async = self._task.async_val
        result = merge_hash(result, self._execute_module(module_name=MODULE, module_args=module_args,
                                                         task_vars=task_vars, wrap_async=wrap_async))
        if in_task:
            result['warnings'] = list(result.get('warnings') or []) + [credentials_warning(in_task)]
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
