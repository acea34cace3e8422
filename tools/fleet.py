# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A simulated fleet for tools/demo.py, tools/bench_fleet.py and tools/bench_faults.py: the bundled mock server over TLS, an inventory of
local-connection hosts that each keep their Conjur files in their own directory, and ansible-playbook runs.

Secrets (the admin API key, tokens, host API keys) go to ansible-playbook through its environment only and are
never printed; fingerprint() is what may be shown of one.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import resource
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HOST_FACTORY = 'provisioning/hosts'
# This repository: the mock server and the test files are not part of the installed collection.
SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECAP = re.compile(r'^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def argument_parser(doc, keep_help='keep the scratch directory', hosts_help=None, forks_default=None,
                    hosts_default=200):
    """The options every fleet tool takes: --build, --keep, and with hosts_help --hosts and --forks (several --hosts
    values when C(hosts_default) is a list)."""
    parser = argparse.ArgumentParser(description=doc.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--build', required=True,
                        help='collections path holding the installed collection (make install: BUILD/collections)')
    parser.add_argument('--keep', action='store_true', help=keep_help)
    if hosts_help:
        several = isinstance(hosts_default, list)
        parser.add_argument('--hosts', type=int, default=hosts_default, nargs='+' if several else None,
                            help='%s (default %s)' % (hosts_help, ' '.join(map(str, hosts_default)) if several
                                                      else hosts_default))
        parser.add_argument('--forks', type=int, default=forks_default,
                            help='ansible-playbook --forks (default %s)' % (forks_default or "Ansible's, 5"))
    return parser


def collection_dir(build):
    return os.path.join(os.path.abspath(build), 'ansible_collections', 'hostfactory', 'enrollment')


def fingerprint(secret):
    """Tells two secrets apart without revealing either: 'sha256:<10 hex digits>…', or '-' for none."""
    if not secret:
        return '-'
    return 'sha256:%s…' % hashlib.sha256(secret.encode()).hexdigest()[:10]


class MockServer:
    """The bundled mock (tests/mock_server of this repository) over TLS on a free loopback port, for the length of a
    `with` block."""

    def __init__(self, workdir, source=SOURCE):
        self.workdir = workdir
        mock_dir = os.path.join(source, 'tests', 'mock_server')
        self.ca_path = os.path.join(mock_dir, 'tls', 'ca.pem')
        self.seed_path = os.path.join(source, 'tests', 'integration', 'targets', 'setup_mock_server', 'files',
                                      'seed.json')
        with open(self.seed_path, encoding='utf-8') as handle:
            seed = json.load(handle)['conjur']
        self.account = seed['account']
        self.admin_login = seed['users'][0]['login']
        self.admin_api_key = seed['users'][0]['api_key']
        self.command = [sys.executable, os.path.join(mock_dir, 'hostfactory_mock.py'), '--port', '0',
                        '--port-file', os.path.join(workdir, 'mock.port'), '--seed', self.seed_path,
                        '--tls-cert', os.path.join(mock_dir, 'tls', 'server.pem'),
                        '--tls-key', os.path.join(mock_dir, 'tls', 'server.key'), '--lifetime', '3600']
        self.process = None
        self.url = None
        self._context = ssl.create_default_context(cafile=self.ca_path)

    def __enter__(self):
        port_file = self.command[self.command.index('--port-file') + 1]
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file):
            if self.process.poll() is not None or time.monotonic() > deadline:
                err = self.process.stderr.read().decode(errors='replace') if self.process.poll() is not None else ''
                self.__exit__()
                raise RuntimeError('the mock server did not start: %s' % (err.strip() or 'timeout'))
            time.sleep(0.05)
        with open(port_file, encoding='utf-8') as handle:
            self.url = 'https://127.0.0.1:%d' % int(handle.read())
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def request(self, method, path, data=None, headers=None):
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        with urllib.request.urlopen(req, context=self._context, timeout=30) as response:
            body = response.read()
            return response.status, body

    def stats(self):
        return json.loads(self.request('GET', '/_mock/stats')[1])

    def authenticate(self, login, api_key):
        """True when Conjur accepts C(api_key) for C(login) (a real authentication against the mock)."""
        quoted = urllib.request.quote(login, safe='')
        try:
            status, _body = self.request('POST', '/authn/%s/%s/authenticate' % (self.account, quoted),
                                         data=api_key.encode(), headers={'Content-Type': 'text/plain'})
        except urllib.error.HTTPError:
            return False
        return status == 200

    def env(self):
        """The controller environment of a playbook run: the credentials that mint tokens (never on a command line)."""
        return {'CONJUR_AUTHN_LOGIN': self.admin_login, 'CONJUR_AUTHN_API_KEY': self.admin_api_key}

    def extra_vars(self):
        """The settings examples/enroll.yml expects, as ansible-playbook arguments (no secret among them)."""
        return ['-e', 'conjur_appliance_url=%s' % self.url, '-e', 'conjur_account=%s' % self.account,
                '-e', 'conjur_ca_file=%s' % self.ca_path]


def example(collection, name):
    return os.path.join(collection, 'examples', name)


def inventory_hosts(path):
    """The machines of group new_machines in an inventory file."""
    import yaml  # ansible-core's dependency; only needed here

    with open(path, encoding='utf-8') as handle:
        return list(yaml.safe_load(handle)['new_machines']['hosts'])


def write_inventory(path, collection, names, fleet_root):
    """examples/inventory.yml with C(names) as its machines; each gets its directory under C(fleet_root)."""
    import yaml  # ansible-core's dependency; only needed here

    with open(example(collection, 'inventory.yml'), encoding='utf-8') as handle:
        inventory = yaml.safe_load(handle)
    inventory['new_machines']['hosts'] = dict((name, None) for name in names)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle, indent=1)
    for name in names:
        os.makedirs(os.path.join(fleet_root, name), mode=0o755, exist_ok=True)
    return path


class PlaybookRun:
    """One ansible-playbook run: wall and CPU time (with every process it started), exit code, output and the
    PLAY RECAP per host."""

    def __init__(self, argv, returncode, seconds, cpu_seconds, output):
        self.argv = argv
        self.returncode = returncode
        self.seconds = seconds
        self.cpu_seconds = cpu_seconds
        self.output = output
        self.recap = {m.group(1): dict(ok=int(m.group(2)), changed=int(m.group(3)), unreachable=int(m.group(4)),
                                       failed=int(m.group(5)))
                      for m in RECAP.finditer(output)}

    def errors(self, limit=5):
        """The first lines that report a failure."""
        lines = [line for line in self.output.splitlines() if line.startswith(('fatal:', '[ERROR]', 'ERROR!'))]
        return '\n'.join(lines[:limit]) or self.output[-2000:]

    def total(self, field):
        return sum(host[field] for host in self.recap.values())


def run_playbook(build, playbook, inventory, extra_env=None, extra_args=(), forks=None):
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.abspath(build), ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_DEPRECATION_WARNINGS='0')
    env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    env.update(extra_env or {})
    argv = ['ansible-playbook', '-i', inventory, playbook]
    if forks:
        argv += ['--forks', str(forks)]
    argv += list(extra_args)
    start, cpu_start = time.monotonic(), _children_cpu()
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    seconds, cpu_seconds = time.monotonic() - start, _children_cpu() - cpu_start
    return PlaybookRun(argv, proc.returncode, seconds, cpu_seconds, proc.stdout.decode(errors='replace'))


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def request_delta(before, after):
    """What the mock served between two /_mock/stats readings: (total requests, {route: count} of the routes used)."""
    routes = dict((route, count - before['requests'].get(route, 0))
                  for route, count in after['requests'].items() if count != before['requests'].get(route, 0))
    return after['requests_total'] - before['requests_total'], routes


@contextlib.contextmanager
def scratch_dir(prefix, keep=False):
    """A temporary directory for one tool run, removed on the way out unless keep (--keep)."""
    path = tempfile.mkdtemp(prefix=prefix)
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def verdict(problems, heading='FAILED'):
    """Print the problems of a run, if any; return the tool's exit code."""
    if problems:
        print('\n%s:\n  ' % heading + '\n  '.join(problems))
        return 1
    return 0
