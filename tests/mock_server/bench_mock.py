#!/usr/bin/env python
# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark the mock: host creations per second, p50/p99 latency with N keep-alive clients, RSS after many hosts.

Usage: bench_mock.py [--clients 16] [--measure 20000] [--hosts 100000] [--tls]
The clients speak raw HTTP/1.1 over keep-alive sockets (cheap enough not to starve the server of CPU).
Nothing here asserts timings; it prints what it measured and the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from hfmock.seed import DEFAULT_SEED  # noqa: E402  pylint: disable=wrong-import-position


class Client:
    """One keep-alive connection that sends pre-built requests and reads Content-Length framed responses."""

    def __init__(self, port, context=None):
        sock = socket.create_connection(('127.0.0.1', port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = context.wrap_socket(sock, server_hostname='localhost') if context else sock
        self.reader = self.sock.makefile('rb')
        self.host = '127.0.0.1:%d' % port

    def call(self, method, path, body=b'', headers=()):
        head = ['%s %s HTTP/1.1' % (method, path), 'Host: ' + self.host, 'Content-Length: %d' % len(body)]
        head.extend('%s: %s' % pair for pair in headers)
        self.sock.sendall(('\r\n'.join(head) + '\r\n\r\n').encode('latin-1') + body)
        status = int(self.reader.readline().split(b' ', 2)[1])
        length = 0
        for line in iter(self.reader.readline, b'\r\n'):
            if line[:15].lower() == b'content-length:':
                length = int(line[15:])
        return status, self.reader.read(length)

    def close(self):
        self.reader.close()
        self.sock.close()


def start_mock(tls):
    tmp = tempfile.mkdtemp(prefix='bench-mock-')
    port_file = os.path.join(tmp, 'port')
    cmd = [sys.executable, os.path.join(HERE, 'hostfactory_mock.py'), '--port', '0', '--port-file', port_file]
    if tls:
        cmd += ['--tls-cert', os.path.join(HERE, 'tls', 'server.pem'), '--tls-key', os.path.join(HERE, 'tls', 'server.key')]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit('mock did not start')
        time.sleep(0.02)
    with open(port_file, encoding='utf-8') as handle:
        return proc, int(handle.read())


def rss_mib(pid):
    with open('/proc/%d/status' % pid, encoding='ascii') as handle:
        for line in handle:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid, encoding='ascii') as handle:
        fields = handle.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def hf_token(port, context):
    conjur = DEFAULT_SEED['conjur']
    admin = conjur['users'][0]
    client = Client(port, context)
    status, token = client.call('POST', '/authn/%s/%s/authenticate' % (conjur['account'], admin['login']), admin['api_key'].encode(),
                                [('Accept-Encoding', 'base64')])
    assert status == 200, status
    form = 'host_factory=%s:host_factory:%s&expiration=2099-01-01T00:00:00Z' % (conjur['account'], conjur['host_factories'][0]['id'])
    status, body = client.call('POST', '/host_factory_tokens', form.encode(), [
        ('Authorization', 'Token token="%s"' % token.decode()), ('Content-Type', 'application/x-www-form-urlencoded')])
    assert status == 200, status
    client.close()
    return json.loads(body)[0]['token']


def run_clients(port, context, token, clients, per_client, prefix):
    """Create clients * per_client hosts; return (elapsed seconds, sorted latencies, failures)."""
    latencies, failures = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    headers = [('Authorization', 'Token token="%s"' % token), ('Content-Type', 'application/x-www-form-urlencoded')]

    def worker(n):
        client = Client(port, context)
        mine, bad = [], 0
        barrier.wait()
        for i in range(per_client):
            body = ('id=%s-%02d-%06d' % (prefix, n, i)).encode()
            started = time.perf_counter()
            status, _body = client.call('POST', '/host_factories/hosts', body, headers)
            mine.append(time.perf_counter() - started)
            bad += status != 201
        client.close()
        with lock:
            latencies.extend(mine)
            failures.append(bad)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, sorted(latencies), sum(failures)


def percentile(values, fraction):
    return values[min(len(values) - 1, int(len(values) * fraction))] * 1000.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clients', type=int, default=16)
    parser.add_argument('--measure', type=int, default=20000, help='host creations in the timed phase')
    parser.add_argument('--hosts', type=int, default=100000, help='total hosts before the memory reading')
    parser.add_argument('--tls', action='store_true', help='benchmark over https')
    args = parser.parse_args()
    context = ssl.create_default_context(cafile=os.path.join(HERE, 'tls', 'ca.pem')) if args.tls else None
    proc, port = start_mock(args.tls)
    try:
        load_before = os.getloadavg()
        rss_start = rss_mib(proc.pid)
        token = hf_token(port, context)
        per_client = max(1, args.measure // args.clients)
        cpu_before = cpu_seconds(proc.pid)
        elapsed, latencies, failures = run_clients(port, context, token, args.clients, per_client, 'bench')
        server_cpu = cpu_seconds(proc.pid) - cpu_before
        created = per_client * args.clients
        print('mock benchmark (%s, %d clients, keep-alive, %d CPUs, load avg before %.2f %.2f %.2f)'
              % ('https' if args.tls else 'http', args.clients, os.cpu_count(), *load_before))
        print('  host creations      : %d in %.2f s -> %.0f creations/s (failures: %d)' % (created, elapsed, created / elapsed, failures))
        print('  latency             : p50 %.2f ms, p99 %.2f ms, max %.2f ms' % (
            percentile(latencies, 0.50), percentile(latencies, 0.99), latencies[-1] * 1000.0))
        print('  server CPU          : %.0f us per creation' % (server_cpu / created * 1e6))
        remaining = args.hosts - created
        if remaining > 0:
            fill_per_client = -(-remaining // args.clients)
            fill_elapsed, _lat, fill_failures = run_clients(port, context, token, args.clients, fill_per_client, 'fill')
            created += fill_per_client * args.clients
            failures += fill_failures
            print('  fill to %d hosts : %.1f s (%.0f creations/s, failures: %d)' % (
                created, fill_elapsed, fill_per_client * args.clients / fill_elapsed, fill_failures))
        print('  server RSS          : %.1f MiB at start, %.1f MiB after %d hosts' % (rss_start, rss_mib(proc.pid), created))
        print('  load avg after      : %.2f %.2f %.2f' % os.getloadavg())
        return 1 if failures else 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == '__main__':
    sys.exit(main())
