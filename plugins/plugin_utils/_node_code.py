# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this plugin util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The code M(hostfactory.enrollment.hostfactory_enroll) runs on a node without a module: the probe and the lean run.

Both send standard-library sources of module_utils (never a module, never ansible-core's code) and run them with
the node's Python (C(-I -S): no site packages, no environment variable of Python's), loaded as the package
C(_hfenroll). The probe's arguments hold no secret, so it travels on the command line; the lean run may carry a
host factory token, so it travels on standard input (or in a file of the remote temporary directory when remote
files are kept), never on a command line.
"""

from __future__ import annotations

import base64
import functools
import importlib
import inspect
import json
import shlex
import zlib

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _enroll_probe, _node_run

MODULE_UTILS = 'ansible_collections.hostfactory.enrollment.plugins.module_utils.'
# Loads SOURCES as the package _hfenroll; `module` is then the last one loaded.
LOADER = '''import sys, types
package = types.ModuleType('_hfenroll')
package.__path__ = []
sys.modules['_hfenroll'] = package
for name, source in SOURCES:
    module = types.ModuleType('_hfenroll.' + name)
    module.__package__ = '_hfenroll'
    sys.modules[module.__name__] = module
    exec(compile(source, name + '.py', 'exec'), module.__dict__)
'''
PROBE_BOOTSTRAP = LOADER + 'module.main(ARGS)\n'
# The document comes on standard input, or in the file named by the first argument.
RUN_BOOTSTRAP = ('import json, sys\n'
                 'DOCUMENT = json.loads(open(sys.argv[1], "rb").read() if len(sys.argv) > 1 else sys.stdin.buffer.read())\n'
                 'SOURCES = DOCUMENT.pop("sources")\n' + LOADER + 'module.main(DOCUMENT)\n')
# The name of the run's document when remote files are kept (what the leak check looks for on a node).
RUN_FILE = 'hostfactory_host_node_run.json'


@functools.lru_cache(maxsize=None)
def sources(names):
    return tuple((name, inspect.getsource(importlib.import_module(MODULE_UTILS + name))) for name in names)


def python_command(interpreter, code, *arguments):
    return ' '.join([interpreter, '-I', '-S', '-c', shlex.quote(code)] + [shlex.quote(arg) for arg in arguments])


def probe_command(interpreter, node_args):
    """A shell command that runs the probe with C(interpreter); standard library only, no file is written.

    C(node_args) must not hold a secret: the command line is visible on the node and in C(-vvvv) output.
    """
    script = 'SOURCES = %r\nARGS = %r\n%s' % (sources(_enroll_probe.SOURCES), json.dumps(node_args), PROBE_BOOTSTRAP)
    blob = base64.b64encode(zlib.compress(script.encode('utf-8'), 9)).decode('ascii')
    return python_command(interpreter, "import base64,zlib;exec(zlib.decompress(base64.b64decode('%s')))" % blob)


def run_command(interpreter, document_path=None):
    """A shell command that runs the lean run with C(interpreter), its document on standard input or in
    C(document_path)."""
    return python_command(interpreter, RUN_BOOTSTRAP, *([document_path] if document_path else []))


def run_document(node_args, token, check_mode, diff):
    """The lean run's document (bytes, ASCII JSON): the sources, the module's arguments, the token, the modes."""
    document = dict(sources=sources(_node_run.SOURCES), args=node_args, check_mode=bool(check_mode), diff=bool(diff))
    if token:
        document['token'] = token
    return json.dumps(document).encode('ascii')


def last_json(stdout):
    """The JSON object on the last line of C(stdout) (what the probe and the lean run print last), or None."""
    lines = (stdout or '').strip().splitlines()
    try:
        value = json.loads(lines[-1])
    except (ValueError, IndexError):
        return None
    return value if isinstance(value, dict) else None


def run_outcome(stdout):
    """(started, result) from the lean run's output: whether it got as far as L(_node_run.STARTED), and its result
    (a dict) or None when it printed none."""
    started = _node_run.STARTED in (line.strip() for line in (stdout or '').splitlines())
    result = last_json(stdout)
    return started, None if result == json.loads(_node_run.STARTED) else result
