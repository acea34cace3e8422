# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A small in-memory Rackspace (Identity v2.0 + Cloud Monitoring agent tokens) on a real loopback http.server.

Used by the unit tests of _rackspace, _agent_tokens and the agent_token modules, so that the real HTTP client
(ansible.module_utils.urls) is exercised. Faults are scripted per operation.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import urllib.parse

TENANT = '123456'
USERNAME = 'rackuser'
API_KEY = '0f4e9c1d7b2a48c6a3e5d9b1c7f2a8e4'
PASSWORD = 'rack-password-Zq81'
AUTH_TOKEN = 'AAD3kq93ZmFrZS1hdXRoLXRva2VuLTAwMDE'


class FakeRackspace:
    """State and fault script of the fake service.

    C(faults) maps an operation (identity, list, create, get, update, delete) to a list of fault dicts consumed one
    per request: C({'status': 503}) answers with that status; C({'status': 503, 'apply': True}) performs the
    operation and then answers with the status (a write whose response was lost).
    """

    def __init__(self):
        self.tokens = {}
        self.faults = {}
        self.requests = []
        self.counter = 0
        self.max_limit = 1000
        self.omit_object_id = False
        self.omit_location = False
        self.omit_token_in_list = False
        self.catalog = None
        self.base = None

    def new_id(self):
        self.counter += 1
        return '%s.%s' % (hashlib.sha256(b'token-%d' % self.counter).hexdigest(), TENANT)

    def add(self, label):
        token_id = self.new_id()
        self.tokens[token_id] = {'id': token_id, 'label': label, 'token': token_id}
        return token_id

    def count(self, operation):
        return sum(1 for r in self.requests if r['operation'] == operation)

    def monitoring_url(self):
        return '%s/v1.0/%s' % (self.base, TENANT)


def _error(status, kind, message):
    return status, {}, {'type': kind, 'code': status, 'message': message, 'details': 'fake details'}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    @property
    def fake(self):
        return self.server.fake

    def _operation(self, segments):
        if segments == ['v2.0', 'tokens']:
            return 'identity', None
        if len(segments) >= 3 and segments[:3] == ['v1.0', TENANT, 'agent_tokens']:
            if len(segments) == 3:
                return {'GET': 'list', 'POST': 'create'}.get(self.command, 'unknown'), None
            if len(segments) == 4:
                return {'GET': 'get', 'PUT': 'update', 'DELETE': 'delete'}.get(self.command, 'unknown'), segments[3]
        return 'unknown', None

    def _serve(self):
        fake = self.fake
        parts = urllib.parse.urlsplit(self.path)
        segments = [urllib.parse.unquote(s) for s in parts.path.strip('/').split('/')]
        query = dict(urllib.parse.parse_qsl(parts.query))
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        body = json.loads(raw) if raw else None
        operation, token_id = self._operation(segments)
        fake.requests.append({'operation': operation, 'method': self.command, 'path': self.path, 'body': body,
                              'headers': dict(self.headers)})
        queue = fake.faults.get(operation)
        fault = queue.pop(0) if queue else None
        if fault and not fault.get('apply'):
            return self._send(*_error(fault['status'], 'fakeFault', 'injected fault'))
        if operation == 'identity':
            result = self._identity(body)
        elif operation == 'unknown':
            result = _error(404, 'notFoundError', 'no such route')
        elif self.headers.get('X-Auth-Token') != AUTH_TOKEN:
            result = _error(401, 'unauthorizedError', 'invalid auth token')
        else:
            result = getattr(self, '_' + operation)(token_id, query, body)
        if fault:
            result = _error(fault['status'], 'fakeFault', 'injected fault after applying')
        return self._send(*result)

    def _identity(self, body):
        auth = (body or {}).get('auth', {})
        key = auth.get('RAX-KSKEY:apiKeyCredentials') or {}
        pwd = auth.get('passwordCredentials') or {}
        good = ((key.get('username') == USERNAME and key.get('apiKey') == API_KEY)
                or (pwd.get('username') == USERNAME and pwd.get('password') == PASSWORD))
        if not good:
            return 401, {}, {'unauthorized': {'code': 401, 'message': 'Unable to authenticate user with credentials '
                                                                      'provided.'}}
        catalog = self.fake.catalog
        if catalog is None:
            catalog = [{'name': 'cloudFiles', 'type': 'object-store',
                        'endpoints': [{'region': 'ORD', 'publicURL': 'http://files.invalid/v1/x'}]},
                       {'name': 'cloudMonitoring', 'type': 'rax:monitor',
                        'endpoints': [{'tenantId': TENANT, 'publicURL': self.fake.monitoring_url()}]}]
        return 200, {}, {'access': {'token': {'id': AUTH_TOKEN, 'tenant': {'id': TENANT, 'name': TENANT}},
                                    'serviceCatalog': catalog, 'user': {'name': USERNAME}}}

    def _list(self, _token_id, query, _body):
        limit = int(query.get('limit', 100))
        if limit < 1 or limit > self.fake.max_limit:
            return _error(400, 'invalidLimit', 'limit must be between 1 and %d' % self.fake.max_limit)
        ids = sorted(self.fake.tokens)
        marker = query.get('marker')
        if marker is not None:
            ids = [i for i in ids if i >= marker]
        page, rest = ids[:limit], ids[limit:]
        values = []
        for token_id in page:
            item = dict(self.fake.tokens[token_id])
            if self.fake.omit_token_in_list:
                item.pop('token')
            values.append(item)
        next_marker = rest[0] if rest else None
        return 200, {}, {'values': values, 'metadata': {'count': len(values), 'limit': limit, 'marker': marker,
                                                        'next_marker': next_marker, 'next_href': None}}

    def _create(self, _token_id, _query, body):
        token_id = self.fake.add((body or {}).get('label'))
        headers = {}
        if not self.fake.omit_object_id:
            headers['X-Object-ID'] = token_id
        if not self.fake.omit_location:
            headers['Location'] = '%s/agent_tokens/%s' % (self.fake.monitoring_url(), token_id)
        return 201, headers, None

    def _get(self, token_id, _query, _body):
        if token_id not in self.fake.tokens:
            return _error(404, 'notFoundError', 'Object does not exist')
        return 200, {}, dict(self.fake.tokens[token_id])

    def _update(self, token_id, _query, body):
        if token_id not in self.fake.tokens:
            return _error(404, 'notFoundError', 'Object does not exist')
        self.fake.tokens[token_id]['label'] = (body or {}).get('label')
        return 204, {'Location': '%s/agent_tokens/%s' % (self.fake.monitoring_url(), token_id)}, None

    def _delete(self, token_id, _query, _body):
        if self.fake.tokens.pop(token_id, None) is None:
            return _error(404, 'notFoundError', 'Object does not exist')
        return 204, {}, None

    def _send(self, status, headers, payload):
        data = json.dumps(payload).encode('utf-8') if payload is not None else b''
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if data:
            self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve


def start():
    """Start a fake on a free loopback port; return C((fake, server)). Call C(server.shutdown()) when done."""
    fake = FakeRackspace()
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    server.fake = fake
    fake.base = 'http://127.0.0.1:%d' % server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    return fake, server
