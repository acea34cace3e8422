# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The node probe of M(hostfactory.enrollment.hostfactory_enroll): the enrollment planner, run read-only on the node.

The action plugin sends the sources of the planner and its standard-library helpers (L(SOURCES)) with the arguments
it would give M(hostfactory.enrollment.hostfactory_host) - never a token or a credential - and runs L(main) with
the node's Python, without the weight of a module run. The probe resolves the settings and reads the files exactly
as the module does (the same functions), and prints the planner's verdict: whether the module would do nothing (then
with the module's own result), and whether the host needs a host factory token. It never prints a secret.
"""

from __future__ import annotations

import json
import os
import sys

from ._conjur_settings import ConjurConnection
from ._enrollment import PLAN_OPTIONS, make_plan
from ._errors import CollectionError

# The modules the probe needs, in import order (all standard library only).
SOURCES = ('_errors', '_secrets', '_transport', '_files', '_conjur_settings', '_conjur_files', '_netrc', '_host_ids',
           '_enrollment', '_enroll_probe')
# Options of type 'path': AnsibleModule expands them on the node; so does the probe.
PATH_OPTIONS = ('identity_file', 'conf_file', 'cert_file', 'ca_path', 'config_file')


def node_arguments(args):
    """C(args) as the module sees them after argument validation: paths expanded, the token unknown."""
    args = dict(args)
    for name in PATH_OPTIONS:
        if args.get(name):
            args[name] = os.path.expanduser(os.path.expandvars(args[name]))
    args['missing_token'] = 'skip'
    return args


def probe(args, environ=None):
    """The planner's verdict for the module arguments C(args), or C({error: message}) when it cannot tell."""
    args = node_arguments(args)
    warnings = []
    try:
        connection = ConjurConnection.resolve(args, environ, warn=warnings.append)
        plan = make_plan(dict((name, args.get(name)) for name in PLAN_OPTIONS), connection, have_token=False)
        verdict = plan.verdict()
    except CollectionError as exc:
        return {'error': str(exc)}
    verdict['warnings'] = warnings + verdict['warnings']
    return verdict


def main(args_json):
    sys.stdout.write(json.dumps(probe(json.loads(args_json))) + '\n')
