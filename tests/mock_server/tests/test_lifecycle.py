# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Process lifecycle, command line, seeds and TLS."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import urllib.request

import pytest
import requests

from conftest import ACCOUNT, CA, ENTRY, KEYS, OTHER_CA, TLS_DIR, MockProcess

PY39 = '/root/.pyenv/versions/3.9.18/bin/python3.9'


def test_announces_url_and_pid_and_stops_on_sigterm(tmp_path):
    server = MockProcess(tmp_path)
    assert server.announce == {'url': 'http://127.0.0.1:%d' % server.port, 'pid': server.proc.pid}
    assert [p for p in os.listdir(str(tmp_path)) if '.tmp.' in p] == []
    assert server.get('/_mock/health').json() == {'ok': True}
    assert server.stop(signal.SIGTERM) == 0
    with pytest.raises(OSError):
        socket.create_connection(('127.0.0.1', server.port), timeout=1).close()


def test_stops_on_sigint_with_open_keepalive_connection(tmp_path):
    server = MockProcess(tmp_path)
    idle = socket.create_connection(('127.0.0.1', server.port), timeout=5)
    try:
        assert server.stop(signal.SIGINT) == 0
    finally:
        idle.close()


def test_shutdown_endpoint_and_lifetime(tmp_path):
    server = MockProcess(tmp_path)
    assert server.post('/_mock/shutdown').status_code == 204
    assert server.proc.wait(timeout=10) == 0
    server.stop()
    timed = MockProcess(tmp_path, '--lifetime', '0.5')
    assert timed.proc.wait(timeout=10) == 0
    timed.stop()


@pytest.mark.skipif(not os.path.exists(PY39), reason='Python 3.9 interpreter not installed here')
def test_runs_on_python39(tmp_path):
    server = MockProcess(tmp_path, '--tls-cert', os.path.join(TLS_DIR, 'server.pem'), '--tls-key', os.path.join(TLS_DIR, 'server.key'),
                         python=PY39)
    try:
        token = server.hf_token()
        assert server.create_host(token, 'py39-host').status_code == 201
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize('content,message', [
    ('{not json', 'cannot read seed file'),
    ('[]', 'seed must be an object'),
    ('{"conjur": {"account": "a:b"}}', 'conjur.account'),
    ('{"conjur": {"account": "a", "users": [{"login": "u", "privileges": {"hf": ["own"]}}]}}', 'privileges'),
    ('{"rackspace": {"tenant_id": "1"}}', 'rackspace.username'),
])
def test_bad_seed_exits_2_with_message(tmp_path, content, message):
    seed = tmp_path / 'seed.json'
    seed.write_text(content)
    result = subprocess.run([sys.executable, ENTRY, '--port', '0', '--seed', str(seed)], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and message in result.stderr and result.stdout == ''


def test_custom_seed_hosts_users_and_restrictions(tmp_path):
    seed = tmp_path / 'seed.json'
    seed.write_text(json.dumps({'conjur': {
        'account': 'acme',
        'users': [{'login': 'ops', 'api_key': 'ops-key', 'restricted_to': ['10.0.0.0/8']}, {'login': 'admin', 'api_key': 'adm'}],
        'host_factories': [{'id': 'web', 'layers': ['web-layer'], 'annotations': {'description': 'web <tier>'}}],
        'hosts': [{'id': 'old', 'owner': 'acme:host_factory:web', 'annotations': {'k': 'v'}}]}}))
    server = MockProcess(tmp_path, '--seed', str(seed))
    try:
        url = '/authn/acme/ops/authenticate'
        assert server.post(url, data='ops-key').status_code == 401
        assert server.post(url, data='ops-key', headers={'X-Forwarded-For': '10.2.3.4'}).status_code == 200
        assert server.get('/authn/acme/login', auth=('ops', 'ops-key')).status_code == 403
        header = server.token_header('admin', 'adm', 'acme')
        shown = server.get('/resources/acme/host_factory/web', headers=header)
        assert '"value":"web \\u003ctier\\u003e"' in shown.text and shown.json()['layers'] == ['acme:layer:web-layer']
        hosts = server.mock('hosts')
        assert hosts[0]['id'] == 'acme:host:old' and hosts[0]['annotations'] == [{'name': 'k', 'value': 'v'}]
        assert len(server.mock('secrets')['seeded']) >= 3
        assert server.mock('stats')['hosts'] == 1
    finally:
        assert server.stop() == 0


def test_tls_url_and_verification(tls_mock):
    assert tls_mock.url == 'https://127.0.0.1:%d' % tls_mock.port
    assert tls_mock.post('/authn/%s/admin/authenticate' % ACCOUNT, data=KEYS['admin']).status_code == 200
    assert requests.get('https://localhost:%d/_mock/health' % tls_mock.port, verify=CA, timeout=10).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_mock.url + '/_mock/health', verify=OTHER_CA, timeout=10)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_mock.url + '/_mock/health', timeout=10)
    context = ssl.create_default_context(cafile=CA)
    with urllib.request.urlopen(tls_mock.url + '/_mock/health', context=context, timeout=10) as response:
        assert json.loads(response.read()) == {'ok': True}


def test_tls_rackspace_urls_use_https(tls_mock):
    created = tls_mock.rax('POST', json={'label': 'tls'})
    assert created.headers['Location'].startswith('https://127.0.0.1:%d/v1.0/' % tls_mock.port)


def test_tls_handshake_garbage_does_not_kill_server(tls_mock):
    with socket.create_connection(('127.0.0.1', tls_mock.port), timeout=5) as sock:
        sock.sendall(b'GET / HTTP/1.1\r\n\r\n')
        try:
            assert not sock.recv(100).startswith(b'HTTP/')
        except OSError:
            pass
    plain = socket.create_connection(('127.0.0.1', tls_mock.port), timeout=5)
    plain.close()
    assert tls_mock.get('/_mock/health').status_code == 200


def test_ipv6_loopback_bind(tmp_path):
    if not socket.has_ipv6:
        pytest.skip('no IPv6 support in this kernel')
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(('::1', 0))
        probe.close()
    except OSError:
        pytest.skip('::1 is not configured')
    server = MockProcess(tmp_path, '--host', '::1')
    try:
        assert server.url == 'http://[::1]:%d' % server.port
        assert server.get('/_mock/health').status_code == 200
    finally:
        assert server.stop() == 0
