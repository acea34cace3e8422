# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make demo`: five simulated machines get their own Conjur identity from the bundled mock server over TLS.

Runs examples/enroll.yml (the role hostfactory.enrollment.host_identity) on examples/inventory.yml, shows what each
machine got, runs the play again to show that an enrolled fleet costs no change and no API request, and stops the
mock. Keys are never printed: only a fingerprint. Exits 0 only when every check passed: identity files exist with
mode 0600, each key authenticates against the mock, the second run changed nothing and sent no request, and no
host factory token is left active. Usage (after `make install`, which installs the built collection into BUILD/collections):

    python tools/demo.py --build BUILD/collections [--keep]
"""
from __future__ import annotations

import netrc
import os
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402  pylint: disable=wrong-import-position


def parse_args(argv):
    parser = fleet.argument_parser(__doc__, keep_help="keep the simulated machines' files")
    return parser.parse_args(argv)


def inspect_machine(mock, fleet_root, name):
    """What one machine holds: (row for the table, problems)."""
    path = os.path.join(fleet_root, name, 'conjur.identity')
    if not os.path.exists(path):
        return [name, path, '-', '-', '-', 'NO'], ['%s: no identity file' % name]
    problems = []
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode != 0o600:
        problems.append('%s: identity file mode %04o, expected 0600' % (name, mode))
    entry = netrc.netrc(path).authenticators(mock.url + '/authn')
    login, api_key = (entry[0], entry[2]) if entry else (None, None)
    verified = bool(api_key) and login == 'host/%s' % name and mock.authenticate(login, api_key)
    if not verified:
        problems.append('%s: the identity is not accepted by Conjur (login %s)' % (name, login))
    return ([name, path, '%04o' % mode, login or '-', fleet.fingerprint(api_key),
             'yes (authenticated)' if verified else 'NO'], problems)


def table(rows, header):
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    lines = ['  ' + '  '.join(str(cell).ljust(width) for cell, width in zip(header, widths))]
    lines.append('  ' + '  '.join('-' * width for width in widths))
    lines.extend('  ' + '  '.join(str(cell).ljust(width) for cell, width in zip(row, widths)) for row in rows)
    return '\n'.join(lines)


def run_step(mock, collections_path, collection, env, title):
    print('\n== %s: ansible-playbook -i examples/inventory.yml examples/enroll.yml' % title)
    before = mock.stats()
    run = fleet.run_playbook(collections_path, fleet.example(collection, 'enroll.yml'),
                             fleet.example(collection, 'inventory.yml'),
                             env, mock.extra_vars())
    total, routes = fleet.request_delta(before, mock.stats())
    recap = run.output[run.output.find('PLAY RECAP'):] if 'PLAY RECAP' in run.output else run.output[-3000:]
    print('\n'.join('   ' + line for line in recap.strip().splitlines()))
    print('   -> %.1f s, exit code %d, changed on %d machine(s), API requests: %d (%s)'
          % (run.seconds, run.returncode, sum(1 for host in run.recap.values() if host['changed']), total,
             ', '.join('%d %s' % (count, route) for route, count in sorted(routes.items())) or 'none'))
    return run, total


def enroll_fleet(collection, workdir, collections_path):
    """Both runs of the example play of the installed C(collection) (found on C(collections_path)) against a fresh
    mock; return (machine names, problems)."""
    fleet_root = os.path.join(workdir, 'fleet')
    problems = []
    names = []
    try:
        with fleet.MockServer(workdir) as mock:
            print('hostfactory.enrollment demo: every new machine leaves with its own Conjur identity')
            print('  mock Conjur (TLS): %s, account %s, host factory %s' % (mock.url, mock.account, fleet.HOST_FACTORY))
            print('  machines: examples/inventory.yml (local connection), files under %s/<host>/' % fleet_root)
            names = fleet.inventory_hosts(fleet.example(collection, 'inventory.yml'))
            for name in names:
                os.makedirs(os.path.join(fleet_root, name), mode=0o755)
            env = dict(mock.env(), FLEET_ROOT=fleet_root)

            first, _total = run_step(mock, collections_path, collection, env, 'Run 1, a fresh fleet')
            if first.returncode != 0:
                problems.append('the first run failed:\n%s' % first.errors())
            rows = []
            for name in names:
                row, trouble = inspect_machine(mock, fleet_root, name)
                rows.append(row)
                problems.extend(trouble)
            print('\n' + table(rows, ['host', 'identity file', 'mode', 'login', 'API key', 'verified']))

            second, total = run_step(mock, collections_path, collection, env, 'Run 2, the same play again')
            if second.returncode != 0 or any(host['changed'] for host in second.recap.values()) or total:
                problems.append('the second run should change nothing and send no request (exit code %d, '
                                'requests %d)' % (second.returncode, total))
            if len(second.recap) != len(names):
                problems.append('the second run reported %d of %d machines' % (len(second.recap), len(names)))
            active = mock.stats()['tokens_active']
            if active:
                problems.append('%d host factory token(s) still active' % active)
            print('\n  host factory tokens still active: %d' % active)
    except (RuntimeError, OSError) as exc:
        problems.append(str(exc))
    return names, problems


def main(argv=None):
    args = parse_args(argv)
    started = time.monotonic()
    collection = fleet.collection_dir(args.build)
    with fleet.scratch_dir('hf-demo-', args.keep) as workdir:
        names, problems = enroll_fleet(collection, workdir, args.build)
    if fleet.verdict(problems, 'DEMO FAILED'):
        return 1
    print('\nDemo OK in %.0f s: %d machines enrolled with 0600 identities that Conjur accepts; the second run '
          'changed nothing and made no API request.' % (time.monotonic() - started, len(names)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
