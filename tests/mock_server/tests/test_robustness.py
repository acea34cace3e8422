# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Framing and hostile input over raw sockets: the mock answers with JSON and keeps serving."""

from __future__ import annotations

import json
import socket

import pytest

from conftest import ACCOUNT, KEYS, RAX, MockProcess


def _raw(mock, payload, read_all=True):
    with socket.create_connection(('127.0.0.1', mock.port), timeout=10) as sock:
        sock.sendall(payload)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
            if not read_all:
                break
    return b''.join(chunks)


def _parse(raw):
    head, _sep, body = raw.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split(' ')[1])
    headers = dict(_header(line) for line in lines[1:])
    return status, headers, body


def _header(line):
    name, _sep, value = line.partition(':')
    return name.lower(), value.strip()


@pytest.mark.parametrize('payload', [
    b'GARBAGE\r\n\r\n',
    b'GET /whoami\r\n\r\n',
    b'GET /whoami HTTP/9.9\r\n\r\n',
    b'GET whoami HTTP/1.1\r\n\r\n',
    b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n',
    b'GET /whoami HTTP/1.1\r\nBad Header Line\r\n\r\n',
    b'POST /host_factory_tokens HTTP/1.1\r\nContent-Length: abc\r\n\r\n',
    b'POST /host_factory_tokens HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n',
])
def test_bad_framing_is_400_json_and_closes(mock, payload):
    status, headers, body = _parse(_raw(mock, payload))
    assert status == 400 and headers['connection'] == 'close'
    assert headers['content-type'] == 'application/json; charset=utf-8'
    assert int(headers['content-length']) == len(body) and json.loads(body)['error']['code'] == 'bad_request'
    assert mock.get('/_mock/health').status_code == 200


def test_oversized_request_line_and_headers(mock):
    status, _headers, body = _parse(_raw(mock, b'GET /' + b'a' * 9000 + b' HTTP/1.1\r\n\r\n'))
    assert status == 414 and json.loads(body)
    status, _headers, body = _parse(_raw(mock, b'GET / HTTP/1.1\r\nX-Big: ' + b'a' * 9000 + b'\r\n\r\n'))
    assert status == 431 and json.loads(body)
    many = b''.join(b'X-H%d: v\r\n' % i for i in range(150))
    assert _parse(_raw(mock, b'GET / HTTP/1.1\r\n' + many + b'\r\n'))[0] == 431


def test_huge_body_is_413_json_per_service(mock):
    response = mock.post('/host_factory_tokens', data=b'x' * (65 * 1024))
    assert response.status_code == 413 and response.json()['error']['code'] == 'request_too_large'
    rax = mock.rax('POST', data=b'{' * (70 * 1024))
    assert rax.status_code == 413 and rax.json()['type'] == 'requestTooLargeError'
    status, headers, _body = _parse(_raw(mock, b'POST /v2.0/tokens HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n'))
    assert status == 413 and headers['connection'] == 'close'
    assert mock.post('/authn/%s/admin/authenticate' % ACCOUNT, data=KEYS['admin']).status_code == 200


def test_expect_100_continue_and_chunked_body(mock):
    request = (b'POST /authn/%s/admin/authenticate HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n'
               b'Connection: close\r\n\r\n%s' % (ACCOUNT.encode(), len(KEYS['admin']), KEYS['admin'].encode()))
    raw = _raw(mock, request)
    assert raw.startswith(b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK')
    key = KEYS['admin'].encode()
    chunked = (b'POST /authn/%s/admin/authenticate HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
               b'%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n' % (ACCOUNT.encode(), 10, key[:10], len(key) - 10, key[10:]))
    assert _parse(_raw(mock, chunked))[0] == 200


def test_keep_alive_with_exact_content_length(mock):
    one = b'GET /v1.0/%s/agent_tokens HTTP/1.1\r\nHost: h\r\nX-Auth-Token: %s\r\n\r\n' % (RAX['tenant_id'].encode(), RAX['auth_token'].encode())
    with socket.create_connection(('127.0.0.1', mock.port), timeout=10) as sock:
        reader = sock.makefile('rb')
        for _index in range(5):
            sock.sendall(one + b'GET /nope HTTP/1.1\r\n\r\n')
            for expected in (200, 401):
                status_line = reader.readline()
                assert int(status_line.split()[1]) == expected
                headers = {}
                for line in iter(reader.readline, b'\r\n'):
                    name, _sep, value = line.decode().partition(':')
                    headers[name.lower()] = value.strip()
                body = reader.read(int(headers['content-length']))
                assert 'connection' not in headers
                if expected == 200:
                    assert json.loads(body)['metadata']['count'] == 0


def test_http10_closes_after_response(mock):
    status, headers, body = _parse(_raw(mock, b'GET /_mock/health HTTP/1.0\r\n\r\n'))
    assert status == 200 and headers['connection'] == 'close' and json.loads(body) == {'ok': True}


def test_head_has_no_body(mock):
    raw = _raw(mock, b'HEAD /whoami HTTP/1.1\r\nConnection: close\r\n\r\n')
    status, headers, body = _parse(raw)
    assert status == 401 and int(headers['content-length']) > 0 and body == b''


def test_missing_headers_and_empty_bodies(mock):
    no_type = mock.post('/authn/%s/admin/authenticate' % ACCOUNT, data=KEYS['admin'], headers={'Content-Type': None})
    assert no_type.status_code == 200
    no_body = _raw(mock, b'POST /host_factories/hosts HTTP/1.1\r\nConnection: close\r\n\r\n')
    assert _parse(no_body)[0] == 401
    assert mock.post('/_mock/faults', data='{bad').status_code == 400


def test_slow_client_does_not_block_others(mock):
    with socket.create_connection(('127.0.0.1', mock.port), timeout=10) as slow:
        slow.sendall(b'POST /host_factory_tokens HTTP/1.1\r\nContent-Length: 100\r\n\r\npartial')
        for _index in range(3):  # the slow connection holds its thread for up to 30 s; others are served meanwhile
            assert mock.get('/_mock/health').status_code == 200
        assert mock.post('/authn/%s/admin/authenticate' % ACCOUNT, data=KEYS['admin']).status_code == 200


def test_logs_never_contain_secrets(tmp_path):
    server = MockProcess(tmp_path, '--log')
    try:
        header = server.token_header()
        token = server.hf_token(headers=header)
        api_key = server.create_host(token, 'logged-host').json()['api_key']
        server.request('DELETE', '/host_factory_tokens/' + server.hf_token(headers=header), headers=header)
        server.rax('POST', json={'label': 'l'})
        server.post('/v2.0/tokens', json={'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': RAX['username'], 'apiKey': RAX['api_key']}}})
        server.get('/authn/%s/login' % ACCOUNT, auth=('admin', KEYS['admin']))
        secrets = server.mock('secrets')
    finally:
        assert server.stop() == 0
    log = server.stderr
    assert 'POST /host_factories/hosts 201' in log and 'DELETE /host_factory_tokens/{token} 204' in log
    everything = [s for values in secrets.values() for s in values] + [api_key, token]
    assert len(everything) > 10
    for secret in everything:
        assert secret not in log
