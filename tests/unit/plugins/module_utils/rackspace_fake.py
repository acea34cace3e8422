# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A small in-memory Rackspace (Identity v2.0 + Cloud Monitoring agent tokens and entities) on a loopback http.server.

Used by the unit tests of _rackspace, _agent_tokens, _entities and the Rackspace modules, so that the real HTTP
client (ansible.module_utils.urls) is exercised. Faults are scripted per operation.
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

    C(faults) maps an operation (identity, list, create, get, update, delete; for entities entity_list, entity_create,
    entity_get, entity_update, entity_delete) to a list of fault dicts consumed one per request: C({'status': 503})
    answers with that status; C({'status': 503, 'apply': True}) performs the operation and then answers with the
    status (a write whose response was lost).
    """

    def __init__(self):
        self.tokens = {}
        self.entities = {}
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

    def add_entity(self, label, agent_id=None, ip_addresses=None, entity_id=None):
        self.counter += 1
        entity_id = entity_id or 'en%08d' % self.counter
        self.entities[entity_id] = {'id': entity_id, 'label': label, 'ip_addresses': dict(ip_addresses or {}),
                                    'metadata': {}, 'managed': False, 'uri': None, 'agent_id': agent_id}
        return entity_id

    def count(self, operation):
        return sum(1 for r in self.requests if r['operation'] == operation)

    def monitoring_url(self):
        return '%s/v1.0/%s' % (self.base, TENANT)


# collection -> prefix of its operation names
COLLECTIONS = {'agent_tokens': '', 'entities': 'entity_'}


def _error(status, kind, message):
    return status, {}, {'type': kind, 'code': status, 'message': message, 'details': 'fake details'}


NOT_FOUND = _error(404, 'notFoundError', 'Object does not exist')


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
        if len(segments) in (3, 4) and segments[:2] == ['v1.0', TENANT] and segments[2] in COLLECTIONS:
            prefix = COLLECTIONS[segments[2]]
            if len(segments) == 3:
                operation = {'GET': 'list', 'POST': 'create'}.get(self.command)
            else:
                operation = {'GET': 'get', 'PUT': 'update', 'DELETE': 'delete'}.get(self.command)
            return (prefix + operation if operation else 'unknown'), (segments[3] if len(segments) == 4 else None)
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

    def _page(self, store, query, shape):
        limit = int(query.get('limit', 100))
        if limit < 1 or limit > self.fake.max_limit:
            return _error(400, 'invalidLimit', 'limit must be between 1 and %d' % self.fake.max_limit)
        ids = sorted(store)
        marker = query.get('marker')
        if marker is not None:
            ids = [i for i in ids if i >= marker]
        page, rest = ids[:limit], ids[limit:]
        values = [shape(dict(store[object_id])) for object_id in page]
        next_marker = rest[0] if rest else None
        return 200, {}, {'values': values, 'metadata': {'count': len(values), 'limit': limit, 'marker': marker,
                                                        'next_marker': next_marker, 'next_href': None}}

    def _list(self, _token_id, query, _body):
        def shape(item):
            if self.fake.omit_token_in_list:
                item.pop('token')
            return item
        return self._page(self.fake.tokens, query, shape)

    def _create(self, _token_id, _query, body):
        token_id = self.fake.add((body or {}).get('label'))
        return 201, self._object_headers('agent_tokens', token_id), None

    def _get(self, token_id, _query, _body):
        return self._show(self.fake.tokens, token_id)

    def _update(self, token_id, _query, body):
        return self._change(self.fake.tokens, 'agent_tokens', token_id, {'label': (body or {}).get('label')})

    def _delete(self, token_id, _query, _body):
        return self._remove(self.fake.tokens, token_id)

    def _entity_list(self, _entity_id, query, _body):
        return self._page(self.fake.entities, query, lambda item: item)

    def _entity_create(self, _entity_id, _query, body):
        body = dict(body or {})
        if 'label' not in body:
            return _error(400, 'badRequest', "Validation error for key 'label'")
        entity_id = self.fake.add_entity(body.pop('label'), body.pop('agent_id', None), body.pop('ip_addresses', None))
        self.fake.entities[entity_id].update(body)
        return 201, self._object_headers('entities', entity_id), None

    def _entity_get(self, entity_id, _query, _body):
        return self._show(self.fake.entities, entity_id)

    def _entity_update(self, entity_id, _query, body):
        return self._change(self.fake.entities, 'entities', entity_id, body or {})

    def _entity_delete(self, entity_id, _query, _body):
        return self._remove(self.fake.entities, entity_id)

    # -- shared by both collections --------------------------------------------------------------------------------
    def _object_headers(self, collection, object_id):
        headers = {}
        if not self.fake.omit_object_id:
            headers['X-Object-ID'] = object_id
        if not self.fake.omit_location:
            headers['Location'] = '%s/%s/%s' % (self.fake.monitoring_url(), collection, object_id)
        return headers

    def _show(self, store, object_id):
        if object_id not in store:
            return NOT_FOUND
        return 200, {}, dict(store[object_id])

    def _change(self, store, collection, object_id, fields):
        if object_id not in store:
            return NOT_FOUND
        store[object_id].update(fields)
        return 204, self._object_headers(collection, object_id), None

    def _remove(self, store, object_id):
        if store.pop(object_id, None) is None:
            return NOT_FOUND
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
