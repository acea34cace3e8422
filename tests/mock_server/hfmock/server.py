# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTP/1.1 server: keep-alive, strict framing, bounded reads, optional TLS; never logs a secret."""

from __future__ import annotations

import email.utils
import re
import socket
import socketserver
import ssl
import struct
import time
from http.server import ThreadingHTTPServer

from .app import request_error
from .messages import SOCKET_TIMEOUT, Request

MAX_BODY = 64 * 1024
MAX_LINE = 8192
MAX_HEADERS = 100
_METHOD = re.compile(rb'[A-Z]{1,20}')
_VERSION = re.compile(rb'HTTP/1\.[01]')
_TARGET = re.compile(rb'/[\x21-\x7e]*')
_HEADER_NAME = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_REASONS = {200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
            404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 414: 'URI Too Long', 422: 'Unprocessable Entity',
            429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented',
            502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout'}
_date_cache = [0, b'']


class FramingError(Exception):
    """The request cannot be read as HTTP/1.1; answer ``status`` and close."""

    def __init__(self, status, message, family='conjur'):
        super().__init__(message)
        self.status = status
        self.message = message
        self.family = family


class MockServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, app, ssl_context=None):
        self.address_family = socket.AF_INET6 if ':' in address[0] else socket.AF_INET
        self.app = app
        self.ssl_context = ssl_context
        super().__init__(address, Handler)

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        """Connection-level failures (resets, TLS handshakes, timeouts) are not worth a traceback."""

    @property
    def host_port(self):
        host = self.server_name
        return '[%s]:%d' % (host, self.server_port) if ':' in host else '%s:%d' % (host, self.server_port)


class Handler(socketserver.StreamRequestHandler):
    timeout = SOCKET_TIMEOUT
    disable_nagle_algorithm = True

    def setup(self):
        context = self.server.ssl_context
        if context is not None:
            self.request.settimeout(self.timeout)
            self.request = context.wrap_socket(self.request, server_side=True)
            self.connection = self.request
        super().setup()

    def handle(self):
        server = self.server
        scheme = 'https' if server.ssl_context is not None else 'http'
        peer = self.client_address[0]
        try:
            while True:
                try:
                    parsed = self.read_request()
                except FramingError as exc:
                    self.send(request_error(exc.family, exc.status, exc.message), close=True)
                    return
                if parsed is None:
                    return
                method, target, headers, body, keep_alive = parsed
                path, _sep, query = target.partition('?')
                req = Request(method, path, query, headers, body, peer, scheme, server.host_port)
                response, fault = server.app.handle(req)
                if fault == 'reset':
                    self.reset()
                    return
                if fault == 'truncated':
                    self.send(response, close=True, truncate=True)
                    return
                if fault == 'hang':
                    self.hang(server.app.faults.hang_seconds())
                    return
                self.send(response, close=not keep_alive, head=method == 'HEAD')
                if not keep_alive:
                    return
        except (OSError, ssl.SSLError, ValueError):
            return

    def read_request(self):
        """Return (method, target, headers, body, keep_alive), None at EOF; raise FramingError on bad input."""
        rfile = self.rfile
        line = rfile.readline(MAX_LINE + 1)
        while line in (b'\r\n', b'\n'):
            line = rfile.readline(MAX_LINE + 1)
        if not line:
            return None
        if len(line) > MAX_LINE:
            raise FramingError(414, 'Request line too long')
        parts = line.rstrip(b'\r\n').split(b' ')
        if len(parts) != 3 or not _METHOD.fullmatch(parts[0]) or not _VERSION.fullmatch(parts[2]):
            raise FramingError(400, 'Malformed request line')
        method, target, version = parts
        if target.startswith((b'http://', b'https://')):
            target = b'/' + target.split(b'/', 3)[3] if target.count(b'/') >= 3 else b'/'
        if not _TARGET.fullmatch(target):
            raise FramingError(400, 'Malformed request target')
        target = target.decode('ascii')
        family = 'rackspace' if target.startswith('/v1.0/') else 'identity' if target.startswith('/v2.0/') else 'conjur'
        headers = self.read_headers(family)
        keep_alive = version == b'HTTP/1.1' and 'close' not in headers.get('connection', '').lower()
        body = self.read_body(headers, family, version)
        return method.decode('ascii'), target, headers, body, keep_alive

    def read_headers(self, family):
        headers = {}
        for _index in range(MAX_HEADERS + 1):
            line = self.rfile.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise FramingError(431, 'Header line too long', family)
            if line in (b'\r\n', b'\n'):
                return headers
            if not line:
                raise OSError('connection closed inside headers')
            name, colon, value = line.partition(b':')
            if not colon or not _HEADER_NAME.fullmatch(name):
                raise FramingError(400, 'Malformed header line', family)
            key = name.decode('ascii').lower()
            value = value.strip().decode('latin-1')
            if key in headers:
                if key in ('content-length', 'host', 'authorization') and headers[key] != value:
                    raise FramingError(400, 'Conflicting %s headers' % key, family)
                if key not in ('content-length', 'host', 'authorization'):
                    value = headers[key] + ', ' + value
            headers[key] = value
        raise FramingError(431, 'Too many headers', family)

    def read_body(self, headers, family, version):
        encoding = headers.get('transfer-encoding')
        length = headers.get('content-length')
        if encoding is not None:
            if encoding.lower() != 'chunked' or length is not None:
                raise FramingError(400, 'Unsupported Transfer-Encoding', family)
            self.continue_100(headers, version)
            return self.read_chunked(family)
        if length is None:
            return b''
        if not length.isdigit():
            raise FramingError(400, 'Malformed Content-Length', family)
        size = int(length)
        if size > MAX_BODY:
            raise FramingError(413, 'Request body larger than %d bytes' % MAX_BODY, family)
        self.continue_100(headers, version)
        body = self.rfile.read(size) if size else b''
        if len(body) != size:
            raise OSError('connection closed inside body')
        return body

    def continue_100(self, headers, version):
        if version == b'HTTP/1.1' and headers.get('expect', '').lower() == '100-continue':
            self.wfile.write(b'HTTP/1.1 100 Continue\r\n\r\n')

    def read_chunked(self, family):
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            size_text = line.split(b';', 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise FramingError(400, 'Malformed chunk size', family)
            total += size
            if size < 0 or total > MAX_BODY:
                raise FramingError(413, 'Request body larger than %d bytes' % MAX_BODY, family)
            if size == 0:
                while self.rfile.readline(MAX_LINE + 1) not in (b'\r\n', b'\n', b''):
                    pass
                return b''.join(chunks)
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(MAX_LINE + 1) not in (b'\r\n', b'\n'):
                raise FramingError(400, 'Malformed chunk', family)
            chunks.append(chunk)

    def send(self, response, close=False, head=False, truncate=False):
        body = response.body
        lines = ['HTTP/1.1 %d %s' % (response.status, _REASONS.get(response.status, 'Unknown')), 'Date: ' + _http_date()]
        lines.extend('%s: %s' % pair for pair in response.headers)
        declared = len(body) + (len(body) // 2 + 64 if truncate else 0)
        lines.append('Content-Length: %d' % declared)
        if close:
            lines.append('Connection: close')
        payload = ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1')
        if not head:
            payload += body[:len(body) // 2] if truncate else body
        self.wfile.write(payload)

    def hang(self, seconds):
        """Send nothing: return (and close) once the client closes its end or ``seconds`` have passed, whichever
        comes first, never later than the socket timeout. Whatever the client sends meanwhile is discarded."""
        deadline = time.monotonic() + min(seconds, SOCKET_TIMEOUT)
        sock = self.connection
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            sock.settimeout(remaining)
            try:
                if not sock.recv(4096):
                    return
            except (OSError, ssl.SSLError, ValueError):  # socket.timeout included
                return

    def reset(self):
        """Close with an RST instead of a FIN, without any response."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            self.rfile.close()
            self.wfile.close()
        except OSError:
            pass
        self.connection.close()


def _http_date():
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[1] = email.utils.formatdate(now, usegmt=True)
        _date_cache[0] = now
    return _date_cache[1]
