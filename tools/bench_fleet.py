# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fleet benchmark: N simulated machines (local connection) against the bundled mock server over TLS.

For each fleet size, in one go: an ansible.builtin.ping play (the cost floor of one task per host), the enrollment
play of examples/enroll.yml on a fresh fleet, and the same play again. Prints wall times, their ratios to the ping
play of the same size, the CPU time used by ansible-playbook and everything it started (steadier than wall time on
a busy machine), and the API requests per machine counted by the mock (/_mock/stats); then one summary table of
the ratios for every size. Usage (after `make install`, which installs the built collection into
BUILD/collections):

    python tools/bench_fleet.py --build BUILD/collections [--hosts 40 200 1000] [--forks 5]

Exits non-zero when a play failed or the results are not what the enrollment promises (every machine enrolled with
a 0600 identity file, the re-run changing nothing and sending no request, no token left active); never judges the
times.
"""
from __future__ import annotations

import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402  pylint: disable=wrong-import-position

PING_PLAY = """---
- name: Ping every machine (the cost floor of one task per host)
  hosts: new_machines
  gather_facts: false
  tasks:
    - name: Ping
      ansible.builtin.ping:
"""


def parse_args(argv):
    parser = fleet.argument_parser(__doc__, hosts_help='numbers of simulated machines, one benchmark each',
                                   hosts_default=[40, 200])
    return parser.parse_args(argv)


class Measure:
    """One play of the benchmark: its run and the requests the mock counted meanwhile."""

    def __init__(self, label, run, before, after):
        self.label = label
        self.run = run
        self.requests, self.routes = fleet.request_delta(before, after)


def identity_problems(fleet_root, names):
    """Machines whose identity file is missing or not mode 0600."""
    problems = []
    for name in names:
        path = os.path.join(fleet_root, name, 'conjur.identity')
        if not os.path.exists(path):
            problems.append('%s: no identity file' % name)
        elif stat.S_IMODE(os.stat(path).st_mode) != 0o600:
            problems.append('%s: identity file mode %o' % (name, stat.S_IMODE(os.stat(path).st_mode)))
    return problems


def result_problems(measures, hosts, tokens_active):
    problems = []
    for measure in measures:
        if measure.run.returncode != 0 or len(measure.run.recap) != hosts:
            problems.append('%s: ansible-playbook exited %d with %d/%d hosts in the recap:\n%s'
                            % (measure.label, measure.run.returncode, len(measure.run.recap), hosts,
                               measure.run.errors()))
    _ping, fresh, rerun = measures
    if fresh.run.total('changed') < hosts:
        problems.append('the fresh run changed only %d of %d hosts' % (fresh.run.total('changed'), hosts))
    if rerun.run.total('changed') or rerun.requests:
        problems.append('the re-run reported changed=%d and sent %d requests (expected 0 and 0)'
                        % (rerun.run.total('changed'), rerun.requests))
    if tokens_active:
        problems.append('%d host factory token(s) still active after the runs' % tokens_active)
    return problems


def report(measures, hosts, forks):
    ping = measures[0].run
    print('\n| play (%d hosts, forks %s) | wall time | ratio to ping | CPU time | ratio to ping | API requests '
          '| requests per host |' % (hosts, forks or 'default'))
    print('|---|---|---|---|---|---|---|')
    for measure in measures:
        run = measure.run
        print('| %s | %.1f s | %.2fx | %.1f s | %.2fx | %d | %.3f |'
              % (measure.label, run.seconds, run.seconds / ping.seconds, run.cpu_seconds,
                 run.cpu_seconds / ping.cpu_seconds, measure.requests, measure.requests / float(hosts)))
    print('\nRequests of the fresh run by route: %s'
          % ', '.join('%s: %d' % item for item in sorted(measures[1].routes.items())))


def summary(results, forks):
    """One row per fleet size: the ratios to the ping play (CPU time, then wall time) and the requests."""
    print('\n| hosts | fresh enrollment (CPU) | re-run (CPU) | fresh (wall) | re-run (wall) | requests per new host '
          '| requests of the re-run |')
    print('|---|---|---|---|---|---|---|')
    for hosts, (ping, fresh, rerun) in results:
        print('| %d | %.2fx | %.2fx | %.2fx | %.2fx | %.3f | %d |'
              % (hosts, fresh.run.cpu_seconds / ping.run.cpu_seconds, rerun.run.cpu_seconds / ping.run.cpu_seconds,
                 fresh.run.seconds / ping.run.seconds, rerun.run.seconds / ping.run.seconds,
                 fresh.requests / float(hosts), rerun.requests))
    sizes = ' '.join(str(hosts) for hosts, _measures in results)
    print('Reproduce: make bench HOSTS="%s"%s' % (sizes, ' FORKS=%d' % forks if forks else ''))


def bench(args, hosts):
    """The three plays on a fleet of C(hosts) new machines, against a mock of its own; (measures, problems)."""
    collection = fleet.collection_dir(args.build)
    names = ['node-%04d' % i for i in range(1, hosts + 1)]
    measures = []
    with fleet.scratch_dir('hf-bench-', args.keep) as workdir:
        fleet_root = os.path.join(workdir, 'fleet')
        inventory = fleet.write_inventory(os.path.join(workdir, 'inventory.json'), collection, names, fleet_root)
        ping_play = os.path.join(workdir, 'ping.yml')
        with open(ping_play, 'w', encoding='utf-8') as handle:
            handle.write(PING_PLAY)
        plays = (('ping', ping_play), ('enroll (fresh)', fleet.example(collection, 'enroll.yml')),
                 ('enroll (re-run)', fleet.example(collection, 'enroll.yml')))
        with fleet.MockServer(workdir) as mock:
            env = dict(mock.env(), FLEET_ROOT=fleet_root)
            print('Fleet benchmark: %d simulated machines against %s' % (hosts, mock.url))
            for label, playbook in plays:
                before = mock.stats()
                run = fleet.run_playbook(args.build, playbook, inventory, env, mock.extra_vars(), forks=args.forks)
                measures.append(Measure(label, run, before, mock.stats()))
                print('  %-16s %6.1f s  rc=%d  changed=%d  failed=%d  requests=%d'
                      % (label, run.seconds, run.returncode, run.total('changed'), run.total('failed'),
                         measures[-1].requests))
            problems = result_problems(measures, hosts, mock.stats()['tokens_active'])
            problems.extend(identity_problems(fleet_root, names)[:5])
    report(measures, hosts, args.forks)
    return measures, problems


def main(argv=None):
    args = parse_args(argv)
    results, problems = [], []
    for hosts in args.hosts:
        measures, found = bench(args, hosts)
        results.append((hosts, measures))
        problems.extend('%d hosts: %s' % (hosts, problem) for problem in found)
    summary(results, args.forks)
    return fleet.verdict(problems)


if __name__ == '__main__':
    sys.exit(main())
