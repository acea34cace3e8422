# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _http against a real http.server on 127.0.0.1 (plain HTTP and TLS with a generated CA)."""

from __future__ import annotations

import email.utils
import http.server
import json
import pathlib
import ssl
import threading
import time

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import (
    ApiError,
    ConnectionFailure,
    HttpClient,
    HttpError,
    Response,
    ResponseError,
    form_encode,
    parse_retry_after,
    proxy_for,
    strip_query,
)

SECRET = 'kq3z0hxaed5s0wq2ke8v3gq2wjyz6ar1rvqv2mwhgt'
MASK = '********'


class ScriptedHandler(http.server.BaseHTTPRequestHandler):
    """Answers each request with the next step of the server's script (the last step repeats)."""

    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _serve(self):
        server = self.server
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        server.requests.append({'method': self.command, 'path': self.path, 'headers': dict(self.headers), 'body': body})
        step = server.script[min(len(server.requests), len(server.script)) - 1]
        status, headers, payload = step.get('status', 200), step.get('headers', {}), step.get('body', b'')
        if isinstance(payload, str):
            payload = payload.encode('utf-8')
        if step.get('sleep'):
            time.sleep(step['sleep'])
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if step.get('truncate'):
            self.send_header('Content-Length', str(len(payload) + 100))
            self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _serve


def _start(context=None):
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), ScriptedHandler)
    server.daemon_threads = True
    server.requests = []
    server.script = [{'status': 200, 'body': '{}'}]
    scheme = 'http'
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = 'https'
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = '%s://127.0.0.1:%d' % (scheme, server.server_port)
    return server


@pytest.fixture
def server():
    srv = _start()
    yield srv
    srv.shutdown()
    srv.server_close()


class Sleeps:
    def __init__(self):
        self.delays = []

    def __call__(self, delay):
        self.delays.append(delay)


def client(**kwargs):
    kwargs.setdefault('sleep', Sleeps())
    kwargs.setdefault('timeout', 5)
    return HttpClient(**kwargs)


# -- success path ---------------------------------------------------------------------------------------------------

def test_success_reads_body_headers_and_json(server):
    server.script = [{'status': 200, 'headers': {'X-Thing': 'yes', 'Content-Type': 'application/json'},
                      'body': '{"a": [1, 2]}'}]
    http = client()
    response = http.request('POST', server.url + '/p?q=1', data=b'body', headers={'Content-Type': 'text/plain'})
    assert response.status == 200
    assert response.header('x-thing') == 'yes'
    assert response.header('X-THING') == 'yes'
    assert response.header('missing', 'dflt') == 'dflt'
    assert response.json() == {'a': [1, 2]}
    assert response.text == '{"a": [1, 2]}'
    assert server.requests[0]['body'] == b'body'
    assert server.requests[0]['path'] == '/p?q=1'
    assert server.requests[0]['headers']['User-Agent'] == 'hostfactory.enrollment'
    assert len(server.requests) == 1


def test_a_text_body_is_sent_as_utf8_and_a_redirect_is_not_followed(server):
    server.script = [{'status': 200, 'body': '{}'}, {'status': 302, 'headers': {'Location': server.url + '/elsewhere'}}]
    http = client()
    http.request('POST', server.url + '/form', data='id=web-01&annotations%5Bteam%5D=caf\u00e9')
    assert server.requests[0]['body'] == 'id=web-01&annotations%5Bteam%5D=caf\u00e9'.encode('utf-8')
    with pytest.raises(ApiError) as info:
        http.request('GET', server.url + '/moved')
    assert info.value.status == 302 and [r['path'] for r in server.requests] == ['/form', '/moved']


def test_malformed_json_raises_response_error_with_redacted_excerpt(server):
    server.script = [{'status': 200, 'body': 'not json ' + SECRET}]
    http = client(secrets=[SECRET])
    response = http.request('GET', server.url + '/x')
    with pytest.raises(ResponseError) as info:
        response.json()
    assert 'malformed JSON' in str(info.value)
    assert SECRET not in info.value.body
    assert '********' in info.value.body


# -- retry policy ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('status', [500, 502, 503, 504, 429])
def test_retriable_statuses_are_retried_until_success(server, status):
    server.script = [{'status': status}, {'status': status}, {'status': 200, 'body': '[]'}]
    sleeps = Sleeps()
    http = client(retries=3, sleep=sleeps)
    assert http.request('GET', server.url + '/r').json() == []
    assert len(server.requests) == 3
    assert len(server.requests) == 3
    assert len(sleeps.delays) == 2


@pytest.mark.parametrize('status', [400, 401, 403, 404, 409, 422])
def test_other_4xx_are_never_retried(server, status):
    server.script = [{'status': status, 'body': '{"error":{"message":"nope"}}'}]
    sleeps = Sleeps()
    http = client(retries=5, sleep=sleeps)
    with pytest.raises(ApiError) as info:
        http.request('POST', server.url + '/r', data=b'x')
    assert info.value.status == status
    assert info.value.attempts == 1
    assert info.value.server_message() == 'nope'
    assert len(server.requests) == 1
    assert sleeps.delays == []


def test_5xx_exhausts_retries_and_reports_attempts(server):
    server.script = [{'status': 503, 'body': 'busy'}]
    http = client(retries=3)
    with pytest.raises(ApiError) as info:
        http.request('GET', server.url + '/r')
    assert info.value.status == 503
    assert info.value.attempts == 4
    assert len(server.requests) == 4
    assert 'after 4 attempts' in str(info.value)
    assert str(info.value).startswith('HTTP 503 Service Unavailable from GET ' + server.url + '/r')


def test_retry_false_sends_once(server):
    server.script = [{'status': 503}]
    http = client(retries=3)
    with pytest.raises(ApiError):
        http.request('GET', server.url + '/r', retry=False)
    assert len(server.requests) == 1


def test_full_jitter_delays_stay_within_exponential_caps(server):
    server.script = [{'status': 500}]
    sleeps = Sleeps()
    http = client(retries=8, backoff=0.5, max_backoff=4.0, sleep=sleeps)
    with pytest.raises(ApiError):
        http.request('GET', server.url + '/r')
    caps = [min(4.0, 0.5 * 2 ** i) for i in range(8)]
    assert len(sleeps.delays) == 8
    for delay, cap in zip(sleeps.delays, caps):
        assert 0 <= delay <= cap


class RecordingRandom:
    """Stands in for random.Random: returns the upper bound and records the bounds asked for."""

    def __init__(self):
        self.bounds = []

    def uniform(self, low, high):
        self.bounds.append((low, high))
        return high


def test_backoff_doubles_up_to_max_backoff(server):
    server.script = [{'status': 502}]
    sleeps = Sleeps()
    rng = RecordingRandom()
    http = client(retries=6, backoff=0.5, max_backoff=8.0, sleep=sleeps, rng=rng)
    with pytest.raises(ApiError):
        http.request('GET', server.url + '/r')
    assert rng.bounds == [(0, 0.5), (0, 1.0), (0, 2.0), (0, 4.0), (0, 8.0), (0, 8.0)]
    assert sleeps.delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


@pytest.mark.parametrize('status', [429, 503])
@pytest.mark.parametrize('retry_after, expected', [('3', 3.0), ('30', 30.0), ('0', 0.0)])
def test_retry_after_is_honoured_up_to_max_retry_after(server, status, retry_after, expected):
    server.script = [{'status': status, 'headers': {'Retry-After': retry_after}}, {'status': 200, 'body': '{}'}]
    sleeps = Sleeps()
    http = client(retries=2, max_backoff=8.0, sleep=sleeps)
    http.request('GET', server.url + '/r')
    assert sleeps.delays == [expected]
    assert len(server.requests) == 2


def test_retry_after_beyond_the_maximum_ends_the_retries(server):
    server.script = [{'status': 429, 'headers': {'Retry-After': '100'}}, {'status': 200, 'body': '{}'}]
    sleeps = Sleeps()
    http = client(retries=3, max_retry_after=30, sleep=sleeps)
    with pytest.raises(ApiError) as info:
        http.request('GET', server.url + '/r')
    assert sleeps.delays == [] and len(server.requests) == 1
    assert info.value.retry_after == 100
    assert str(info.value).endswith('; the server asks to retry after 100 seconds, longer than the 30 this client waits')


def test_retry_after_is_bounded_by_the_retries(server):
    server.script = [{'status': 429, 'headers': {'Retry-After': '2'}}]
    sleeps = Sleeps()
    http = client(retries=2, sleep=sleeps)
    with pytest.raises(ApiError) as info:
        http.request('GET', server.url + '/r')
    assert sleeps.delays == [2.0, 2.0] and len(server.requests) == 3
    assert info.value.attempts == 3 and info.value.retry_after is None


# -- proxies ----------------------------------------------------------------------------------------------------------

PROXY_ENV = ('https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy',
             'ALL_PROXY')


@pytest.fixture
def proxy_env(monkeypatch):
    for name in PROXY_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_proxy_for_follows_the_environment_and_never_shows_credentials(proxy_env):
    assert proxy_for('https://conjur.example.com/authn') is None
    proxy_env.setenv('HTTPS_PROXY', 'http://user:pass%40word@proxy.example.com:3128')
    assert proxy_for('https://conjur.example.com/authn') == 'http://proxy.example.com:3128'
    proxy_env.setenv('https_proxy', 'proxy2.example.com:8080')  # the lowercase variable wins; no scheme = http
    assert proxy_for('https://conjur.example.com:8443/api') == 'http://proxy2.example.com:8080'
    assert proxy_for('http://conjur.example.com') is None  # http:// URLs use http_proxy
    assert proxy_for('https://conjur.example.com', use_proxy=False) is None
    proxy_env.setenv('no_proxy', 'example.com,127.0.0.1')
    assert proxy_for('https://conjur.example.com:8443/api') is None
    assert proxy_for('https://127.0.0.1:8443/api') is None
    assert proxy_for('https://localhost:8443/api') == 'http://proxy2.example.com:8080'  # names are not resolved


def test_requests_go_through_the_proxy_unless_use_proxy_is_false(server, proxy_env):
    """A proxy that refuses connections: the request fails naming it; use_proxy=false goes straight to the server."""
    closed = _start()
    closed_url = closed.url
    closed.shutdown()
    closed.server_close()
    proxy_env.setenv('http_proxy', 'http://user:%s@%s' % (SECRET, closed_url.split('://')[1]))
    with pytest.raises(ConnectionFailure) as info:
        client(retries=0).request('GET', server.url + '/r')
    assert str(info.value) == 'GET %s/r through the proxy %s failed: connection refused' % (server.url, closed_url)
    assert SECRET not in str(info.value)
    assert server.requests == []
    assert client(retries=0, use_proxy=False).request('GET', server.url + '/r').status == 200
    proxy_env.setenv('no_proxy', '127.0.0.1')
    assert client(retries=0).request('GET', server.url + '/r').status == 200
    assert len(server.requests) == 2


def test_parse_retry_after_http_date():
    now = time.time()
    when = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= parse_retry_after(when, now=now) <= 31
    assert parse_retry_after('garbage') is None
    assert parse_retry_after(None) is None


def test_connection_refused_is_retried_then_typed(server):
    url = server.url
    server.shutdown()
    server.server_close()
    sleeps = Sleeps()
    http = client(retries=2, sleep=sleeps)
    with pytest.raises(ConnectionFailure) as info:
        http.request('GET', url + '/r?token=' + SECRET)
    err = info.value
    assert err.status is None
    assert err.attempts == 3
    assert len(sleeps.delays) == 2
    assert 'connection refused' in str(err)
    assert err.url == url + '/r'
    assert SECRET not in str(err)
    assert isinstance(err, HttpError)


def test_timeout_is_a_connection_failure(server):
    server.script = [{'status': 200, 'sleep': 2.5, 'body': '{}'}]
    http = client(retries=0, timeout=1)
    with pytest.raises(ConnectionFailure) as info:
        http.request('GET', server.url + '/slow')
    assert 'timed out' in str(info.value)


def test_truncated_body_is_retriable_response_error(server):
    server.script = [{'status': 200, 'body': '[{"token":', 'truncate': True}, {'status': 200, 'body': '[]'}]
    http = client(retries=1)
    assert http.request('GET', server.url + '/t').json() == []
    assert len(server.requests) == 2

    server.requests.clear()
    server.script = [{'status': 200, 'body': '[{"token":', 'truncate': True}]
    with pytest.raises(ResponseError) as info:
        client(retries=1).request('GET', server.url + '/t')
    assert 'truncated response body' in str(info.value)
    assert info.value.attempts == 2


@pytest.mark.parametrize('status', [201, 204, 302])
def test_unexpected_2xx_3xx_are_api_errors_and_not_retried(server, status):
    server.script = [{'status': status, 'headers': {'Location': server.url + '/elsewhere'}}]
    http = client(retries=3)
    with pytest.raises(ApiError) as info:
        http.request('POST', server.url + '/r', data=b'x', expected=(200,))
    assert info.value.status == status
    assert len(server.requests) == 1


def test_expected_statuses_are_returned(server):
    server.script = [{'status': 204}]
    assert client().request('DELETE', server.url + '/r', expected=(204,)).body == b''


# -- redaction ------------------------------------------------------------------------------------------------------

def test_secrets_are_redacted_from_message_url_and_body(server):
    token = 'tok3y9e0573sj436f3h12s0v1hvbfya3'
    server.script = [{'status': 404, 'body': 'no such token %s (key %s)' % (token, SECRET)}]
    http = client(secrets=[SECRET])
    http.add_secret(token)
    with pytest.raises(ApiError) as info:
        http.request('DELETE', server.url + '/host_factory_tokens/' + token + '?x=' + SECRET)
    err = info.value
    for text in (str(err), err.url, err.body, err.message):
        assert token not in text
        assert SECRET not in text
    assert err.url == server.url + '/host_factory_tokens/********'
    assert '\n' not in str(err)


@pytest.mark.parametrize('header', ['Token token="%s\n"' % SECRET, SECRET + '\r\n', SECRET[:9] + '\nx' + SECRET[9:]])
def test_a_bad_header_value_is_never_quoted_even_when_it_is_not_registered(server, header):
    # http.client puts the whole header value in its ValueError; the message must not carry it in any spelling
    with pytest.raises(ConnectionFailure) as info:
        client().request('GET', server.url + '/r', headers={'Authorization': header})
    message = str(info.value)
    assert message == 'GET %s/r failed: a request header holds a line break or a control character' % server.url
    assert server.requests == [] and info.value.attempts == 1


def test_every_error_leaves_the_client_through_the_redactor(server):
    http = client(secrets=[SECRET + '\n'])

    def attempt(method, url, data, headers):
        raise ConnectionFailure('repr %r json %s url %s' % (SECRET + '\n', json.dumps(SECRET + '\n'),
                                                            SECRET.upper()), url=url + SECRET, transient=False)
    http._attempt = attempt
    with pytest.raises(ConnectionFailure) as info:
        http.request('GET', server.url + '/r')
    assert SECRET not in str(info.value) and SECRET not in info.value.url
    assert str(info.value).count(MASK) == 2 and SECRET.upper() in str(info.value)


def test_percent_encoded_secret_is_redacted():
    http = client()
    http.add_secret('a/b c+d')
    assert http.redact('x a%2Fb%20c%2Bd y') == 'x ******** y'


def test_body_is_truncated_to_300_chars(server):
    server.script = [{'status': 422, 'body': 'x' * 2000}]
    with pytest.raises(ApiError) as info:
        client().request('GET', server.url + '/r')
    assert len(info.value.body) == 300


def test_short_values_are_not_registered_as_secrets():
    http = client(secrets=[None, '', 'ab'])
    assert http.redact('ab ab') == 'ab ab'


def test_strip_query_and_form_encode():
    assert strip_query('https://h:1/a/b?token=x#frag') == 'https://h:1/a/b'
    assert form_encode([('cidr[]', '10.0.0.0/8'), ('count', 2), ('x', None)]) == 'cidr%5B%5D=10.0.0.0%2F8&count=2&x='


def test_response_header_lookup_is_case_insensitive():
    response = Response(200, {'Content-Encoding': 'base64'}, b'')
    assert response.header('content-encoding') == 'base64'


# -- TLS ------------------------------------------------------------------------------------------------------------

TLS_DIR = pathlib.Path(__file__).resolve().parents[3] / 'mock_server' / 'tls'


@pytest.fixture(scope='module')
def pki():
    """The repository's test PKI (tests/mock_server/tls): a CA, a 127.0.0.1 server certificate, an unrelated CA."""
    paths = {'ca': TLS_DIR / 'ca.pem', 'other': TLS_DIR / 'other-ca.pem', 'cert': TLS_DIR / 'server.pem',
             'key': TLS_DIR / 'server.key'}
    for path in paths.values():
        assert path.is_file(), 'missing test PKI file %s' % path
    return paths


@pytest.fixture
def tls_server(pki):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(pki['cert']), str(pki['key']))
    srv = _start(context)
    yield srv
    srv.shutdown()
    srv.server_close()


def test_tls_with_ca_path(tls_server, pki):
    assert client(ca_path=str(pki['ca'])).request('GET', tls_server.url + '/x').json() == {}


def test_tls_with_ca_content(tls_server, pki):
    assert client(ca_content=pki['ca'].read_text()).request('GET', tls_server.url + '/x').json() == {}


def test_tls_without_validation(tls_server):
    assert client(validate_certs=False).request('GET', tls_server.url + '/x').status == 200


@pytest.mark.parametrize('which', ['default', 'other'])
def test_tls_wrong_ca_fails_clearly_without_retry(tls_server, pki, which):
    kwargs = {'ca_path': str(pki['other'])} if which == 'other' else {}
    sleeps = Sleeps()
    http = client(retries=3, sleep=sleeps, **kwargs)
    with pytest.raises(ConnectionFailure) as info:
        http.request('GET', tls_server.url + '/x')
    message = str(info.value)
    assert 'certificate verify failed' in message
    assert 'check ca_path/ca_content/validate_certs' in message
    assert info.value.attempts == 1
    assert sleeps.delays == []


def test_invalid_ca_content_and_missing_ca_path(tls_server, tmp_path):
    with pytest.raises(ConnectionFailure) as info:
        client(ca_content='not a certificate').request('GET', tls_server.url + '/x')
    assert 'ca_content does not hold a usable PEM CA certificate' in str(info.value)
    with pytest.raises(ConnectionFailure) as info:
        client(ca_path=str(tmp_path / 'missing.pem')).request('GET', tls_server.url + '/x')
    assert "ca_path '%s' cannot be read" % (tmp_path / 'missing.pem') in str(info.value)


def test_api_error_server_message_variants():
    def err(body):
        return ApiError('m', 422, body=body)
    assert err(json.dumps({'error': {'code': 'x', 'message': 'Invalid IP'}})).server_message() == 'Invalid IP'
    assert err(json.dumps({'error': 'plain'})).server_message() == 'plain'
    assert err(json.dumps({'message': 'top'})).server_message() == 'top'
    assert err('text body').server_message() == 'text body'
    assert err('').server_message() is None
    assert err('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>').server_message() is None


class RefusingProxy(http.server.BaseHTTPRequestHandler):
    """A proxy that answers every CONNECT with the status in the server's C(status)."""

    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def do_CONNECT(self):  # noqa: N802 (the http.server naming)
        self.server.requests.append(self.path)
        self.send_response(self.server.status)
        self.send_header('Content-Length', '0')
        self.end_headers()


@pytest.mark.parametrize('status, attempts', [(407, 1), (502, 3)])
def test_a_proxy_refusing_the_tunnel_is_named_and_only_its_5xx_retried(proxy_env, status, attempts):
    proxy = http.server.ThreadingHTTPServer(('127.0.0.1', 0), RefusingProxy)
    proxy.daemon_threads = True
    proxy.requests = []
    proxy.status = status
    threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        proxy_env.setenv('https_proxy', 'http://127.0.0.1:%d' % proxy.server_port)
        with pytest.raises(ConnectionFailure) as info:
            client(retries=2).request('GET', 'https://conjur.example.com/authn')
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert proxy.requests == ['conjur.example.com:443'] * attempts
    assert str(info.value).startswith('GET https://conjur.example.com/authn through the proxy http://127.0.0.1:%d '
                                      'failed: the proxy answered the CONNECT with HTTP %d; check https_proxy and '
                                      'no_proxy, or set use_proxy: false' % (proxy.server_port, status))
