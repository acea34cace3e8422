# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this plugin util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""A task's options read from variables by the action plugin itself, instead of one Jinja expression per option.

Ansible compiles every template of a task's arguments again in each worker process, that is once per machine: a
role task that passes some thirty options as C({{ var | default(omit, true) }}) compiles some forty templates per
machine, which was most of the controller's time per machine. Read here, a variable holding a plain value costs no
compilation at all, and one holding a template costs one.
"""

from __future__ import annotations

from ansible.errors import AnsibleError

from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import ParameterError

try:  # ansible-core >= 2.19 raises it for a value that is "{{ omit }}"; older ones return the play's omit token
    from ansible.errors import AnsibleValueOmittedError
except ImportError:  # pragma: no cover - ansible-core < 2.19
    AnsibleValueOmittedError = None

try:  # ansible-core < 2.19; later ones decrypt a vaulted value when they template it
    from ansible.parsing.yaml.objects import AnsibleVaultEncryptedUnicode as VaultEncrypted
except ImportError:  # pragma: no cover - ansible-core >= 2.19 (it may still be there, deprecated)
    VaultEncrypted = None

# How a variable gives its option: its value as it is (None included), or, with unless_empty, nothing when the value
# is empty, null or false - as C({{ var | default(omit, true) }}) does in a task.
MODES = ('as_is', 'unless_empty')


def _without_omitted(value, omit):
    """C(value) without the dict entries and list items that are the omit token (ansible-core < 2.19)."""
    if isinstance(value, dict):
        return dict((key, _without_omitted(item, omit)) for key, item in value.items() if item != omit)
    if isinstance(value, list):
        return [_without_omitted(item, omit) for item in value if item != omit]
    return value


def options_from_vars(templar, task_vars, modes, names, secret=()):
    """C({option: value}) for each option of C(modes) ({option: mode}) whose variable (C(names)[option]) is defined
    in C(task_vars), templated with C(templar); an option whose variable is undefined or omitted is left out, so that
    the task's own value (from C(module_defaults), say) applies, as with C(default(omit)) in the task.

    Raises ParameterError, naming the variable, when an option has no variable in C(names), has an unknown mode, or
    its variable cannot be templated; for an option of C(secret) the message does not quote the templating error (it
    could show the value).
    """
    omit = task_vars.get('omit')
    options = {}
    for option, mode in modes.items():
        name = names.get(option) if isinstance(names, dict) else None
        if not isinstance(name, str) or not name:
            raise ParameterError('options_from_vars: option %s has no variable in option_names' % option)
        if mode not in MODES:
            raise ParameterError("options_from_vars: the mode of option %s is '%s', not one of %s"
                                 % (option, mode, ', '.join(MODES)))
        if name not in task_vars:
            continue
        try:
            value = templar.template(task_vars[name])
        except AnsibleError as exc:
            if AnsibleValueOmittedError is not None and isinstance(exc, AnsibleValueOmittedError):
                continue
            reason = '' if option in secret else ': %s' % (str(exc).strip().splitlines() or [''])[0]
            raise ParameterError('%s cannot be templated%s' % (name, reason))
        if VaultEncrypted is not None and isinstance(value, VaultEncrypted):
            value = str(value)  # ansible-core < 2.19 leaves a vaulted value encrypted; its text is the plain value
        if omit is not None:
            if value == omit:
                continue
            value = _without_omitted(value, omit)
        if mode == 'unless_empty' and not value:
            continue
        options[option] = value
    return options
