# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Request and response objects plus the body encodings each service uses."""

from __future__ import annotations

import json

from .netaddr import client_ip

SOCKET_TIMEOUT = 30  # seconds a connection may stay silent (server.Handler.timeout); bounds the "hang" fault
JSON_UTF8 = 'application/json; charset=utf-8'
TEXT_UTF8 = 'text/plain; charset=utf-8'
_RAILS_ESCAPES = (('<', '\\u003c'), ('>', '\\u003e'), ('&', '\\u0026'), ('\u2028', '\\u2028'), ('\u2029', '\\u2029'))


class Request:
    """One parsed HTTP request. ``headers`` keys are lower-case."""

    __slots__ = ('method', 'path', 'query', 'headers', 'body', 'peer', 'scheme', 'default_host', '_client_ip')

    def __init__(self, method, path, query, headers, body, peer, scheme, default_host):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.peer = peer
        self.scheme = scheme
        self.default_host = default_host
        self._client_ip = None

    @property
    def client_ip(self):
        if self._client_ip is None:
            self._client_ip = client_ip(self.peer, self.headers.get('x-forwarded-for'), self.headers.get('client-ip'))
        return self._client_ip

    @property
    def media_type(self):
        value = self.headers.get('content-type')
        return value.split(';', 1)[0].strip().lower() if value else None

    def base_url(self):
        """scheme://host[:port] as the client addressed us (Host header), else the bound address."""
        return '%s://%s' % (self.scheme, self.headers.get('host') or self.default_host)


class Response:
    __slots__ = ('status', 'headers', 'body')

    def __init__(self, status, body=b'', content_type=None, headers=None):
        self.status = status
        self.body = body
        self.headers = list(headers or ())
        if content_type:
            self.headers.insert(0, ('Content-Type', content_type))


def empty(status, headers=None):
    return Response(status, b'', None, headers)


def text(status, body, content_type=TEXT_UTF8):
    return Response(status, body.encode('utf-8'), content_type)


def rails_json(status, obj, headers=None):
    """ActiveSupport to_json: compact, UTF-8, with <, >, & and U+2028/9 escaped."""
    body = json.dumps(obj, ensure_ascii=False, separators=(',', ':'))
    for char, escaped in _RAILS_ESCAPES:
        if char in body:
            body = body.replace(char, escaped)
    return Response(status, body.encode('utf-8'), JSON_UTF8, headers)


def plain_json(status, obj, content_type='application/json', headers=None):
    return Response(status, json.dumps(obj, ensure_ascii=False, separators=(',', ':')).encode('utf-8'), content_type, headers)
