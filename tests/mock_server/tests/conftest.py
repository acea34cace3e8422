# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures: the mock runs as a real subprocess on a free loopback port; tests talk to it over sockets."""

from __future__ import annotations

import base64
import copy
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
MOCK_DIR = os.path.dirname(HERE)
ENTRY = os.path.join(MOCK_DIR, 'hostfactory_mock.py')
TLS_DIR = os.path.join(MOCK_DIR, 'tls')
CA = os.path.join(TLS_DIR, 'ca.pem')
OTHER_CA = os.path.join(TLS_DIR, 'other-ca.pem')
sys.path.insert(0, MOCK_DIR)

from hfmock.seed import DEFAULT_SEED  # noqa: E402  pylint: disable=wrong-import-position

SEED = DEFAULT_SEED
ACCOUNT = SEED['conjur']['account']
KEYS = {u['login']: u['api_key'] for u in SEED['conjur']['users']}
HOST_KEYS = {h['id']: h['api_key'] for h in SEED['conjur']['hosts']}
HF = SEED['conjur']['host_factories'][0]['id']
OTHER_HF = SEED['conjur']['host_factories'][1]['id']
HF_ID = '%s:host_factory:%s' % (ACCOUNT, HF)
RAX = SEED['rackspace']
FUTURE = '2050-12-31T00:00:00Z'


class MockProcess:
    """A running mock: its URL, a keep-alive session and helpers for the common calls."""

    def __init__(self, tmp_path, *args, python=None, prefix='', entry=ENTRY):
        port_file = os.path.join(str(tmp_path), 'port-%d' % time.monotonic_ns())
        self.prefix = prefix  # the Conjur helpers below call the v5 routes under it
        cmd = [python or sys.executable, entry, '--port', '0', '--port-file', port_file] + list(args)
        if prefix:
            cmd += ['--path-prefix', prefix]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 15
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError('mock did not start: %s' % self.proc.stderr.read())
            time.sleep(0.02)
        with open(port_file, encoding='utf-8') as handle:
            self.port = int(handle.read())
        self.announce = json.loads(self.proc.stdout.readline())
        self.url = self.announce['url']
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies, and REQUESTS_CA_BUNDLE must not replace the test CA
        if self.url.startswith('https'):
            self.session.verify = CA

    def stop(self, signum=signal.SIGTERM):
        self.session.close()
        self.proc.send_signal(signum)
        try:
            return self.proc.wait(timeout=10)
        finally:
            self.stderr = self.proc.stderr.read()
            self.proc.stdout.close()
            self.proc.stderr.close()

    # --- plumbing -------------------------------------------------------------------------------
    def request(self, method, path, **kwargs):
        return self.session.request(method, self.url + path, timeout=10, **kwargs)

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def post(self, path, **kwargs):
        return self.request('POST', path, **kwargs)

    def mock(self, name, payload=None):
        method = 'GET' if payload is None else 'POST'
        response = self.request(method, '/_mock/' + name, json=payload)
        assert response.status_code == 200, response.text
        return response.json()

    # --- Conjur ---------------------------------------------------------------------------------
    def authenticate(self, login='admin', api_key=None, account=ACCOUNT):
        """Return the raw token JSON text."""
        api_key = KEYS.get(login) if api_key is None else api_key
        response = self.post(self.prefix + '/authn/%s/%s/authenticate' % (account, requests.utils.quote(login, safe='')), data=api_key)
        assert response.status_code == 200, response.status_code
        return response.text

    def token_header(self, login='admin', api_key=None, account=ACCOUNT):
        token = self.authenticate(login, api_key, account)
        return {'Authorization': 'Token token="%s"' % base64.b64encode(token.encode()).decode()}

    def mint(self, login='admin', count=None, cidr=None, expiration=FUTURE, hf=HF_ID, headers=None):
        data = {'host_factory': hf, 'expiration': expiration}
        if count is not None:
            data['count'] = count
        if cidr is not None:
            data['cidr[]'] = cidr
        response = self.post(self.prefix + '/host_factory_tokens', data=data, headers=headers or self.token_header(login))
        assert response.status_code == 200, response.text
        return response.json()

    def hf_token(self, **kwargs):
        return self.mint(**kwargs)[0]['token']

    def create_host(self, token, host_id, headers=None, **data):
        all_headers = {'Authorization': 'Token token="%s"' % token}
        all_headers.update(headers or {})
        data['id'] = host_id
        return self.post(self.prefix + '/host_factories/hosts', data=data, headers=all_headers)

    # --- Rackspace ------------------------------------------------------------------------------
    def rax(self, method, path='', token=RAX['auth_token'], tenant=RAX['tenant_id'], collection='agent_tokens', **kwargs):
        headers = kwargs.pop('headers', {})
        if token is not None:
            headers['X-Auth-Token'] = token
        return self.request(method, '/v1.0/%s/%s%s' % (tenant, collection, path), headers=headers, **kwargs)


def start_with_seed(tmp_path, seed, *args, **kwargs):
    """A mock started with ``seed`` (a dict, written to a file under tmp_path) and the extra command-line ``args``."""
    path = os.path.join(str(tmp_path), 'seed-%d.json' % time.monotonic_ns())
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(seed, handle)
    return MockProcess(tmp_path, '--seed', path, *args, **kwargs)


def seed_with(**conjur):
    """The default seed with these keys of its conjur section replaced."""
    seed = copy.deepcopy(SEED)
    seed['conjur'].update(conjur)
    return seed


def run_mock(*args, entry=ENTRY):
    """Run the mock with ``args`` to completion (for options and seeds it refuses): the CompletedProcess."""
    return subprocess.run([sys.executable, entry, '--port', '0'] + list(args), capture_output=True, text=True, timeout=30,
                          check=False)


@pytest.fixture(scope='module')
def mock_server(tmp_path_factory):
    server = MockProcess(tmp_path_factory.mktemp('mock'))
    yield server
    assert server.stop() == 0


@pytest.fixture(scope='module')
def tls_server(tmp_path_factory):
    server = MockProcess(tmp_path_factory.mktemp('tls'), '--tls-cert', os.path.join(TLS_DIR, 'server.pem'),
                         '--tls-key', os.path.join(TLS_DIR, 'server.key'))
    yield server
    assert server.stop() == 0


@pytest.fixture
def mock(mock_server):
    """The module's plain-HTTP mock, reset to the seed state."""
    mock_server.mock('reset', {})
    return mock_server


@pytest.fixture
def tls_mock(tls_server):
    tls_server.mock('reset', {})
    return tls_server


def decode_b64url(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))
