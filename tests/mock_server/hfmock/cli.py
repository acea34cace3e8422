# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line: parse options, start the server, publish the port, stop cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import json
import os
import signal
import ssl
import sys
import threading

from .app import App
from .faults import Faults
from .seed import SeedError, load_seed
from .server import MockServer
from .state import State


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='hostfactory_mock.py', description='Mock Conjur host-factory and Rackspace agent-token APIs.')
    parser.add_argument('--host', default='127.0.0.1', help='address to bind (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=0, help='port to bind (default 0: any free port)')
    parser.add_argument('--port-file', help='write the bound port here (atomically) once connections are accepted')
    parser.add_argument('--seed', help='JSON seed file (default: the built-in seed, see README.md)')
    parser.add_argument('--tls-cert', help='PEM server certificate (enables https)')
    parser.add_argument('--tls-key', help='PEM private key for --tls-cert')
    parser.add_argument('--fail-rate', type=float, default=0.0, help='fraction of requests that fail (0..1)')
    parser.add_argument('--fail-status', type=int, default=503, help='status of injected failures (default 503)')
    parser.add_argument('--latency-ms', type=float, default=0.0, help='delay added to every request')
    parser.add_argument('--lifetime', type=float, default=0.0, help='stop by itself after this many seconds (0: never)')
    parser.add_argument('--path-prefix', default='', metavar='PREFIX',
                        help='serve the Conjur v5 routes under PREFIX (e.g. /api, like Conjur Cloud and Edge); '
                             'turns the v4 routes off; /_mock/ and the Rackspace routes stay at the root')
    parser.add_argument('--log', action='store_true', help='log "METHOD route status" lines to stderr (never paths or bodies)')
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error('--tls-cert and --tls-key go together')
    return args


def build(args):
    seed = load_seed(args.seed)
    faults = Faults(args.fail_rate, args.fail_status, args.latency_ms)
    app = App(State(seed), faults, log=args.log, prefix=args.path_prefix)
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    return MockServer((args.host, args.port), app, context)


def write_port_file(path, port):
    tmp = '%s.tmp.%d' % (path, os.getpid())
    with open(tmp, 'w', encoding='utf-8') as handle:
        handle.write('%d\n' % port)
    os.rename(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    try:
        server = build(args)
    except (SeedError, ValueError) as exc:
        sys.stderr.write('hostfactory_mock: %s\n' % exc)
        return 2
    except (OSError, ssl.SSLError) as exc:
        sys.stderr.write('hostfactory_mock: cannot start: %s\n' % exc.__class__.__name__)
        return 2
    stop = threading.Event()
    server.app.shutdown_callback = stop.set
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2}, daemon=True)
    serving.start()
    if args.lifetime > 0:
        timer = threading.Timer(args.lifetime, stop.set)
        timer.daemon = True
        timer.start()
    if args.port_file:
        write_port_file(args.port_file, server.server_port)
    scheme = 'https' if server.ssl_context else 'http'
    sys.stdout.write(json.dumps({'url': '%s://%s' % (scheme, server.host_port), 'pid': os.getpid()}) + '\n')
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0
