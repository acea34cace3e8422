# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The installed collection works as a user gets it: run by the noxfile's tarball-X.Y sessions after
`ansible-galaxy collection install` of the built tarball into an empty collections path.

Checks, with the ansible-core of the running Python, from the installed copy only (ANSIBLE_COLLECTIONS_PATH names
nothing else, and the working directory is outside any collection tree):

- the installed copy came from a tarball (MANIFEST.json) and holds every plugin and role of the source tree:
  `ansible-doc -l` lists exactly the modules (and plugins of any other documentable type) and roles of the source;
- `ansible-doc` of each of them succeeds and documents the installed file, not the source;
- examples/enroll.yml of the installed copy enrolls five simulated machines against the bundled mock server (run from
  the source tree: it is not part of the collection), with the checks of `make demo`: 0600 identities that the mock
  accepts, a second run that changes nothing and sends no request, no host factory token left active.

Prints one line per check and `tarball check: N checks passed, N failed`; exits 1 when a check failed.

    python tools/tarball_check.py --collections DIR --source REPOSITORY
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo  # noqa: E402  pylint: disable=wrong-import-position
import fleet  # noqa: E402  pylint: disable=wrong-import-position

COLLECTION = 'hostfactory.enrollment'
# plugins/<directory> -> ansible-doc plugin type, for the documentable plugin types
DOC_TYPES = {'modules': 'module', 'lookup': 'lookup', 'filter': 'filter', 'test': 'test', 'callback': 'callback',
             'connection': 'connection', 'inventory': 'inventory', 'become': 'become', 'cache': 'cache',
             'shell': 'shell', 'strategy': 'strategy', 'vars': 'vars'}


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=''):
        if ok:
            self.passed += 1
            print('ok      %s' % what)
        else:
            self.failed += 1
            print('FAILED  %s%s' % (what, ': ' + detail if detail else ''))
        return ok


def ansible_doc(*args):
    proc = subprocess.run(['ansible-doc', *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False,
                          text=True, errors='replace')
    try:
        return proc.returncode, json.loads(proc.stdout) if proc.returncode == 0 else None, proc.stderr.strip()
    except ValueError as exc:
        return 1, None, 'not JSON: %s' % exc


def source_content(source):
    """{ansible-doc type: sorted short names} of the source tree's plugins and roles."""
    found = {}
    for directory, doc_type in DOC_TYPES.items():
        path = os.path.join(source, 'plugins', directory)
        if os.path.isdir(path):
            names = sorted(os.path.splitext(f)[0] for f in os.listdir(path)
                           if f.endswith(('.py', '.yml', '.yaml')) and not f.startswith('_'))
            if names:
                found[doc_type] = names
    roles = os.path.join(source, 'roles')
    if os.path.isdir(roles):
        found['role'] = sorted(r for r in os.listdir(roles) if os.path.isdir(os.path.join(roles, r)))
    return found


def check_docs(checks, installed, source):
    for doc_type, names in source_content(source).items():
        rc, listing, err = ansible_doc('-t', doc_type, '-l', COLLECTION, '--json')
        listed = sorted(name.split('.', 2)[2] for name in (listing or {}))
        checks.check(rc == 0 and listed == names, 'ansible-doc -t %s -l %s lists %s' % (doc_type, COLLECTION, names),
                     err or 'listed %s' % listed)
        for name in names:
            fqcn = '%s.%s' % (COLLECTION, name)
            rc, doc, err = ansible_doc('-t', doc_type, '--json', fqcn)
            entry = (doc or {}).get(fqcn) or {}
            path = entry.get('path') if doc_type == 'role' else (entry.get('doc') or {}).get('filename')
            real, root = os.path.realpath(path) if path else '', os.path.realpath(installed)
            inside = real == root or real.startswith(root + os.sep)
            checks.check(rc == 0 and inside, 'ansible-doc -t %s %s (from %s)' % (doc_type, fqcn, path),
                         err or 'documented from %s, not from the installed copy' % path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--collections', required=True, help='the collections path the tarball was installed into')
    parser.add_argument('--source', required=True, help='the repository the tarball was built from')
    args = parser.parse_args(argv)
    checks = Checks()
    installed = fleet.collection_dir(args.collections)
    checks.check(os.path.isfile(os.path.join(installed, 'MANIFEST.json')),
                 'installed from a tarball at %s' % installed, 'no MANIFEST.json')
    check_docs(checks, installed, args.source)

    print('\n== examples/enroll.yml of the installed copy, against the mock')
    with fleet.scratch_dir('hf-tarball-') as workdir:
        names, problems = demo.enroll_fleet(installed, workdir, args.collections)
    for problem in problems:
        checks.check(False, 'examples/enroll.yml', problem)
    if not problems:
        checks.check(bool(names), 'examples/enroll.yml: %d machines enrolled, the second run changed nothing' % len(names))
    print('\ntarball check: %d checks passed, %d failed' % (checks.passed, checks.failed))
    return 1 if checks.failed else 0


if __name__ == '__main__':
    sys.exit(main())
