# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Simulated-fleet harness for the faults and concurrency suites (and tools/bench_faults.py). Never prints a secret.

check   Every machine's identity file (DIR/<host>/conjur.identity) is mode 0600, parses with Python's own netrc
        module, holds login host/<host> for MACHINE and an API key that authenticates with the mock over TLS.
enroll  One real hostfactory_host module process per host (a fresh interpreter that imports the module from the
        collection under test). All of them wait behind a barrier once they have imported it, are released at the
        same moment and enroll with the same host factory token; their results are printed one per line, then a
        summary. The module arguments, token included, reach each process through its standard input only.

Hosts are named PREFIX000, PREFIX001, ... (--count) or listed with --hosts. The last line is a JSON summary.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import netrc
import os
import selectors
import ssl
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# The child: import the module, report ready, block until released, then run it on the arguments from stdin.
CHILD = """
import os, sys
ready, go = int(sys.argv[1]), int(sys.argv[2])
sys.argv = ['hostfactory_host']
from ansible_collections.hostfactory.enrollment.plugins.modules import hostfactory_host
os.write(ready, b'.')
os.close(ready)
os.read(go, 1)
hostfactory_host.main()
"""


def host_names(args):
    if args.hosts:
        return args.hosts
    return ['%s%03d' % (args.prefix, i) for i in range(args.count)]


def identity_path(directory, name):
    return os.path.join(directory, name, 'conjur.identity')


# -- check ------------------------------------------------------------------------------------------------------------

def authenticates(url, context, account, login, api_key):
    quoted = urllib.parse.quote(login, safe='')
    request = urllib.request.Request('%s/authn/%s/%s/authenticate' % (url, account, quoted), data=api_key.encode(),
                                     headers={'Content-Type': 'text/plain'}, method='POST')
    try:
        with urllib.request.urlopen(request, context=context, timeout=60) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return False


def check_one(args, context, name):
    """None when the machine's identity is intact and works, else a secret-free reason."""
    path = identity_path(args.dir, name)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError as exc:
        return '%s: %s' % (name, exc.strerror)
    if mode != 0o600:
        return '%s: mode %04o' % (name, mode)
    try:
        entry = netrc.netrc(path).authenticators(args.machine)
    except (netrc.NetrcParseError, OSError) as exc:
        return '%s: netrc cannot parse it (%s)' % (name, exc.__class__.__name__)
    if not entry:
        return '%s: no entry for %s' % (name, args.machine)
    login, _account, api_key = entry
    if login != 'host/' + name:
        return '%s: login %s' % (name, login)
    if not api_key or not authenticates(args.url, context, args.account, login, api_key):
        return '%s: the API key does not authenticate' % name
    return None


def check(args):
    names = host_names(args)
    context = ssl.create_default_context(cafile=args.ca)
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        problems = [p for p in pool.map(lambda name: check_one(args, context, name), names) if p]
    summary = {'checked': len(names), 'ok': len(names) - len(problems), 'problems': problems[:20]}
    print(json.dumps(summary))
    return 0 if not problems else 1


# -- enroll -----------------------------------------------------------------------------------------------------------

def child_env(collections_path):
    env = dict(os.environ)
    roots = [p for p in collections_path.split(os.pathsep) if p]
    env['PYTHONPATH'] = os.pathsep.join(roots + [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p])
    env['ANSIBLE_NOCOLOR'] = '1'
    return env


def read_all(procs, deadline):
    """Collect stdout/stderr of every process until they all exit or the deadline passes."""
    out = dict((p.pid, [b'', b'']) for p in procs)
    selector = selectors.DefaultSelector()
    for proc in procs:
        selector.register(proc.stdout, selectors.EVENT_READ, (proc.pid, 0))
        selector.register(proc.stderr, selectors.EVENT_READ, (proc.pid, 1))
    open_streams = 2 * len(procs)
    while open_streams and time.monotonic() < deadline:
        for key, _events in selector.select(timeout=1):
            chunk = os.read(key.fileobj.fileno(), 65536)
            pid, which = key.data
            if chunk:
                out[pid][which] += chunk
            else:
                selector.unregister(key.fileobj)
                open_streams -= 1
    selector.close()
    return out


def enroll(args):
    names = host_names(args)
    with open(args.args_file, 'r', encoding='utf-8') as handle:
        base = json.load(handle)
    env = child_env(args.collections_path)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    procs = []
    started = time.monotonic()
    deadline = started + args.timeout
    for name in names:
        os.makedirs(os.path.join(args.dir, name), mode=0o755, exist_ok=True)
        proc = subprocess.Popen([args.python, '-c', CHILD, str(ready_w), str(go_r)], pass_fds=(ready_w, go_r),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        module_args = dict(base, id=name, identity_file=identity_path(args.dir, name))
        proc.stdin.write(json.dumps({'ANSIBLE_MODULE_ARGS': module_args}).encode())
        proc.stdin.close()
        procs.append(proc)
    os.close(ready_w)
    os.close(go_r)
    ready = 0
    with selectors.DefaultSelector() as selector:
        selector.register(ready_r, selectors.EVENT_READ)
        while ready < len(procs) and time.monotonic() < deadline:
            if not selector.select(timeout=1):
                continue
            chunk = os.read(ready_r, len(procs) - ready)
            if not chunk:
                break  # every child has written or exited: some died before the barrier
            ready += len(chunk)
    all_ready = time.monotonic()
    os.close(go_w)  # the barrier: every child blocked on the go pipe reads EOF now
    out = read_all(procs, deadline)
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    finished = time.monotonic()
    os.close(ready_r)
    return report(names, procs, out, ready, all_ready - started, finished - all_ready)


def report(names, procs, out, ready, seconds_to_ready, seconds_after_go):
    summary = {'hosts': len(names), 'ready_at_barrier': ready, 'exit_0': 0, 'changed': 0, 'enrolled': 0,
               'seconds_to_ready': round(seconds_to_ready, 1), 'seconds_after_release': round(seconds_after_go, 1),
               'failures': []}
    for name, proc in zip(names, procs):
        stdout, stderr = out[proc.pid]
        try:
            result = json.loads(stdout.decode('utf-8', 'replace'))
        except ValueError:
            result = {'failed': True, 'msg': 'no JSON result', 'stdout': stdout.decode('utf-8', 'replace')[-500:]}
        if stderr.strip():
            result['harness_stderr'] = stderr.decode('utf-8', 'replace')[-2000:]
        print('RESULT %s rc=%s %s' % (name, proc.returncode, json.dumps(result, sort_keys=True)))
        if proc.returncode == 0 and not result.get('failed'):
            summary['exit_0'] += 1
            summary['changed'] += int(bool(result.get('changed')))
            summary['enrolled'] += int(bool(result.get('enrolled')))
        elif len(summary['failures']) < 20:
            summary['failures'].append('%s: rc=%s %s' % (name, proc.returncode, result.get('msg', '')))
    print(json.dumps(summary))
    return 0 if summary['exit_0'] == len(names) and ready == len(names) else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    sub = parser.add_subparsers(dest='command', required=True)
    for name in ('check', 'enroll'):
        cmd = sub.add_parser(name)
        cmd.add_argument('--dir', required=True, help='fleet directory: one subdirectory per host')
        cmd.add_argument('--prefix', default='host-')
        cmd.add_argument('--count', type=int, default=0)
        cmd.add_argument('--hosts', nargs='*')
    check_cmd = sub.choices['check']
    check_cmd.add_argument('--url', required=True, help='the mock server, https://127.0.0.1:PORT')
    check_cmd.add_argument('--ca', required=True, help='CA certificate of the mock server')
    check_cmd.add_argument('--account', required=True)
    check_cmd.add_argument('--machine', required=True, help='netrc machine (appliance URL + /authn)')
    enroll_cmd = sub.choices['enroll']
    enroll_cmd.add_argument('--args-file', required=True,
                            help='JSON module arguments shared by every host (id and identity_file are added)')
    enroll_cmd.add_argument('--python', default=sys.executable, help='interpreter of the module processes')
    enroll_cmd.add_argument('--collections-path', required=True, help='ANSIBLE_COLLECTIONS_PATH of the collection')
    enroll_cmd.add_argument('--timeout', type=float, default=240, help='seconds for the whole enrollment')
    args = parser.parse_args(argv)
    return check(args) if args.command == 'check' else enroll(args)


if __name__ == '__main__':
    sys.exit(main())
