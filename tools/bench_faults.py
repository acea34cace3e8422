# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault benchmark (make bench): a simulated fleet enrolls through the host_identity role while the bundled mock
fails a share of all requests with 503 after a delay, then while the server stays down.

It runs the nested play of the faults integration target (tests/integration/targets/faults/files/enroll_fleet.yml)
with many more machines (200 by default), checks every identity file with the setup_fleet harness (mode 0600,
netrc, login, the key authenticates) and the mock's counters (no API key rotated by a retry), and prints the
figures. Usage (after `make install`, which installs the built collection into BUILD/collections):

    python tools/bench_faults.py --build BUILD/collections [--hosts 200] [--forks 20] [--fail-rate 0.3] [--latency-ms 200]

Exits non-zero when a machine is not enrolled, a key was rotated, or the down server does not make every machine
fail with a one-line message naming 503 and the number of attempts within --down-max-seconds; never judges speed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402  pylint: disable=wrong-import-position

TARGETS = os.path.join('tests', 'integration', 'targets')


def parse_args(argv):
    parser = fleet.argument_parser(__doc__, hosts_help='machines that enroll under faults', forks_default=20)
    parser.add_argument('--fail-rate', type=float, default=0.3, help='share of requests that get a 503 (default 0.3)')
    parser.add_argument('--latency-ms', type=int, default=200, help='delay of every request (default 200)')
    parser.add_argument('--retries', type=int, default=10, help='retry budget of the fleet run (default 10)')
    parser.add_argument('--down-hosts', type=int, default=5, help='machines of the server-down run (default 5)')
    parser.add_argument('--down-max-seconds', type=float, default=60, help='bound of the server-down run')
    return parser.parse_args(argv)


class Run:
    """One nested run of enroll_fleet.yml under one fault setting."""

    def __init__(self, label, names, faults, retries):
        self.label = label
        self.names = names
        self.faults = faults
        self.retries = retries
        self.play = None
        self.before = self.after = None
        self.failures = {}

    def delta(self, counter):
        return self.after[counter] - self.before[counter]

    def route_delta(self, route):
        return self.after['requests'].get(route, 0) - self.before['requests'].get(route, 0)


def execute(run, args, collection, mock, workdir):
    fleet_dir = os.path.join(workdir, run.label)
    for name in run.names:
        os.makedirs(os.path.join(fleet_dir, name), mode=0o755, exist_ok=True)
    variables = {'fleet_names': run.names, 'fleet_dir': fleet_dir, 'faults_retries': run.retries,
                 'host_identity_appliance_url': mock.url, 'host_identity_account': mock.account,
                 'host_identity_ca_path': mock.ca_path, 'host_identity_host_factory': fleet.HOST_FACTORY}
    vars_file = os.path.join(workdir, '%s.vars.json' % run.label)
    with open(vars_file, 'w', encoding='utf-8') as handle:
        json.dump(variables, handle)
    inventory = os.path.join(workdir, 'localhost.ini')
    with open(inventory, 'w', encoding='utf-8') as handle:
        handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    playbook = os.path.join(fleet.SOURCE, TARGETS, 'faults', 'files', 'enroll_fleet.yml')
    run.before = mock.stats()
    mock.request('POST', '/_mock/faults', data=json.dumps(run.faults).encode(),
                 headers={'Content-Type': 'application/json'})
    try:
        run.play = fleet.run_playbook(args.build, playbook, inventory, mock.env(), ['-e', '@' + vars_file],
                                      forks=args.forks)
    finally:
        mock.request('POST', '/_mock/faults', data=b'{}', headers={'Content-Type': 'application/json'})
    run.after = mock.stats()
    for name in run.names:
        path = os.path.join(fleet_dir, name, 'failure.txt')
        if os.path.exists(path):
            with open(path, encoding='utf-8') as handle:
                run.failures[name] = handle.read()
    return fleet_dir


def check_identities(collection, mock, fleet_dir, names):
    harness = os.path.join(fleet.SOURCE, TARGETS, 'setup_fleet', 'files', 'fleet_harness.py')
    proc = subprocess.run([sys.executable, harness, 'check', '--dir', fleet_dir, '--url', mock.url, '--ca', mock.ca_path,
                           '--account', mock.account, '--machine', mock.url + '/authn', '--hosts'] + names,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    lines = proc.stdout.decode(errors='replace').strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (ValueError, IndexError):
        return {'checked': len(names), 'ok': 0, 'problems': lines[-5:]}


def fleet_problems(run, checked):
    problems = []
    if run.play.returncode != 0 or run.failures:
        problems.append('%s: ansible-playbook exited %d; %d machines failed, e.g. %s'
                        % (run.label, run.play.returncode, len(run.failures), list(run.failures.items())[:2]))
    if run.delta('hosts') != len(run.names):
        problems.append('%s: %d hosts created for %d machines' % (run.label, run.delta('hosts'), len(run.names)))
    if run.delta('api_key_rotations'):
        problems.append('%s: %d API keys rotated' % (run.label, run.delta('api_key_rotations')))
    if checked['ok'] != len(run.names):
        problems.append('%s: %d of %d identity files work: %s' % (run.label, checked['ok'], len(run.names),
                                                                  checked['problems'][:5]))
    return problems


def down_problems(run, args):
    problems = []
    attempts = 'after %d attempts' % (run.retries + 1)
    if run.play.returncode == 0 or sorted(run.failures) != sorted(run.names):
        problems.append('down: %d of %d machines failed' % (len(run.failures), len(run.names)))
    bad = [m for m in run.failures.values() if '\n' in m or 'error 503 ' not in m or attempts not in m]
    if bad:
        problems.append('down: messages without "503" and "%s" or on several lines: %s' % (attempts, bad[:2]))
    if run.play.seconds > args.down_max_seconds:
        problems.append('down: took %.1f s (bound %.0f s)' % (run.play.seconds, args.down_max_seconds))
    if run.delta('hosts') or run.delta('api_key_rotations'):
        problems.append('down: the server changed (%d hosts, %d rotations)'
                        % (run.delta('hosts'), run.delta('api_key_rotations')))
    return problems


def report(fleet_run, checked, down_run, args):
    creates = fleet_run.route_delta('POST /host_factories/hosts')
    print('\n| run | machines | faults | retries | wall time | enrolled | host creation requests | requests | '
          'key rotations |')
    print('|---|---|---|---|---|---|---|---|---|')
    print('| fleet under faults | %d | %d %% 503, %d ms | %d | %.1f s | %d | %d | %d | %d |'
          % (len(fleet_run.names), round(args.fail_rate * 100), args.latency_ms, fleet_run.retries,
             fleet_run.play.seconds, checked['ok'], creates, fleet_run.delta('requests_total'),
             fleet_run.delta('api_key_rotations')))
    print('| server down | %d | 100 %% 503, %d ms | %d | %.1f s | 0 | %d | %d | %d |'
          % (len(down_run.names), args.latency_ms, down_run.retries, down_run.play.seconds,
             down_run.route_delta('POST /host_factories/hosts'), down_run.delta('requests_total'),
             down_run.delta('api_key_rotations')))
    if down_run.failures:
        print('\nServer down, message of %s: %s' % sorted(down_run.failures.items())[0])
    print('Reproduce: python tools/bench_faults.py --build BUILD/collections --hosts %d --forks %d --fail-rate %s --latency-ms %d'
          % (args.hosts, args.forks, args.fail_rate, args.latency_ms))


def main(argv=None):
    args = parse_args(argv)
    collection = fleet.collection_dir(args.build)
    faults = {'fail_rate': args.fail_rate, 'fail_status': 503, 'latency_ms': args.latency_ms}
    fleet_run = Run('fleet', ['fault-%04d' % i for i in range(args.hosts)], faults, args.retries)
    down_run = Run('down', ['down-%d' % i for i in range(args.down_hosts)], dict(faults, fail_rate=1.0), 3)
    started = time.monotonic()
    with fleet.scratch_dir('hf-bench-faults-', args.keep) as workdir:
        with fleet.MockServer(workdir) as mock:
            print('Fault benchmark: %d machines, %d %% 503s and %d ms latency, against %s'
                  % (args.hosts, round(args.fail_rate * 100), args.latency_ms, mock.url))
            fleet_dir = execute(fleet_run, args, collection, mock, workdir)
            checked = check_identities(collection, mock, fleet_dir, fleet_run.names)
            execute(down_run, args, collection, mock, workdir)
            problems = fleet_problems(fleet_run, checked) + down_problems(down_run, args)
    report(fleet_run, checked, down_run, args)
    print('total %.1f s' % (time.monotonic() - started))
    return fleet.verdict(problems)


if __name__ == '__main__':
    sys.exit(main())
