# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The lean run of M(hostfactory.enrollment.hostfactory_host): the same enrollment (L(_enrollment_exec.Enrollment)),
run by the node's Python from sources the action plugin sends, without AnsibleModule.

A module run spends most of its time on the node importing ansible-core's module code and unpacking its payload;
this run loads the standard-library sources of the enrollment alone (L(SOURCES)). The action plugin sends one JSON
document on standard input (or, with remote files kept, in a file of the remote temporary directory): the sources,
the module's arguments (the connection resolved on the controller, never a credential of the controller), the host
factory token when the machine needs one, and the check and diff modes.

L(NodeModule) stands in for what the enrollment uses of AnsibleModule: the parameters (defaults and path expansion
as AnsibleModule applies them), check and diff mode, warnings, and the values to mask, which are masked in the whole
result as AnsibleModule masks them. The run prints L(STARTED) before it reads a file or sends a request, then its
result as one JSON line. What it cannot do as the module would (a symbolic mode, an option it does not know) it
refuses before that line, and the action plugin runs the module instead.
"""

from __future__ import annotations

import json
import os
import sys

from ._enrollment_exec import Enrollment, host_argument_spec
from ._errors import CollectionError, fail_result
from ._files import numeric_mode
from ._secrets import Redactor

# The modules the run needs, in import order (all standard library only).
SOURCES = ('_errors', '_secrets', '_transport', '_files', '_conjur_settings', '_conjur_files', '_netrc', '_host_ids',
           '_enrollment', '_http', '_conjur', '_token_file', '_enrollment_exec', '_node_run')
# Printed, and flushed, once the run has taken its parameters and before it touches anything: without it, the
# action plugin knows that nothing was done and that the module may run instead.
STARTED = '{"node_run": "started"}'


class Unavailable(Exception):
    """The lean run cannot do what the module would: nothing was done, the module must run."""


class NodeModule:
    """What L(Enrollment) uses of AnsibleModule."""

    def __init__(self, params, check_mode=False, diff=False):
        self.argument_spec = host_argument_spec()
        self.params = params
        self.check_mode = check_mode
        self._diff = diff
        self.no_log_values = set()
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(warning)

    def load_file_common_arguments(self, params, path=None):
        # only a symbolic mode or an SELinux or attribute option lead here: node_params refuses those
        raise Unavailable('file attributes need AnsibleModule')

    def result(self, result):
        """C(result) as AnsibleModule returns it: its warnings added, every value to mask masked."""
        result = dict(result)
        if self.warnings:
            result['warnings'] = list(self.warnings)
        return masked(result, Redactor(self.no_log_values))


def masked(value, redact):
    """C(value) with every secret C(redact) knows replaced by the mask, in keys and values, at any depth."""
    if isinstance(value, dict):
        return dict((masked(key, redact), masked(item, redact)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [masked(item, redact) for item in value]
    if isinstance(value, str):
        return redact(value)
    return value


def node_params(args, token=None):
    """The module's parameters for C(args), as AnsibleModule would make them on this node: every option, with its
    default; paths expanded here (C(~) is this node's user's home). Raises L(Unavailable) for what only the module
    can do."""
    spec = host_argument_spec()
    unknown = sorted(name for name in args if name not in spec)
    if unknown:
        raise Unavailable('unknown options: %s' % ', '.join(unknown))
    if numeric_mode(args.get('mode')) is None:
        raise Unavailable('a symbolic mode is applied by AnsibleModule')
    params = dict((name, option.get('default')) for name, option in spec.items())
    params.update(args)
    for name, option in spec.items():
        if option.get('type') == 'path' and params.get(name) is not None:
            params[name] = os.path.expanduser(os.path.expandvars(str(params[name])))
    if token:
        params['host_factory_token'] = token
    return params


def usable_cwd():
    """Leave a working directory this user cannot read (after C(become), the home of the user before), for C($HOME)
    or else the temporary directory, as AnsibleModule does: relative paths then mean the same for both."""
    try:
        if os.access(os.getcwd(), os.F_OK | os.R_OK):
            return
    except OSError:
        pass
    import tempfile  # pylint: disable=import-outside-toplevel  # rarely needed
    for directory in (os.path.expandvars('$HOME'), tempfile.gettempdir()):
        try:
            if os.access(directory, os.F_OK | os.R_OK):
                os.chdir(directory)
                return
        except OSError:
            pass


def run(document, out=None):
    """Run the enrollment C(document) asks for; return the result (masked), or C({unavailable: reason}) when only
    the module can do it. Writes L(STARTED) to C(out) before anything is done."""
    try:
        module = NodeModule(node_params(document['args'], document.get('token')),
                            check_mode=bool(document.get('check_mode')), diff=bool(document.get('diff')))
    except Unavailable as exc:
        return {'unavailable': str(exc)}
    # the token is masked whatever happens next, before anything could quote it
    module.no_log_values.update(value for value in (document.get('token'),) if value)
    usable_cwd()
    if out is not None:
        out.write(STARTED + '\n')
        out.flush()
    enrollment = Enrollment(module)
    try:
        return module.result(enrollment.run())
    except CollectionError as exc:
        return module.result(dict(fail_result(exc, enrollment.result), failed=True))
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # what the module's traceback would be, on one line, masked like everything else
        return module.result(dict(enrollment.result, failed=True,
                                  msg='the enrollment failed on the machine: %s: %s' % (type(exc).__name__, exc)))


def main(document):
    result = run(document, sys.stdout)
    sys.stdout.write(json.dumps(result) + '\n')
