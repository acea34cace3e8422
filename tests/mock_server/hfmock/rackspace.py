# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rackspace Cloud Identity v2.0 (POST /v2.0/tokens) and Cloud Monitoring agent tokens (/v1.0/{tenant}/agent_tokens)."""

from __future__ import annotations

import bisect
import json
import os
import time
from urllib.parse import parse_qsl, quote

from .messages import empty, plain_json
from .timefmt import iso_ms_z

TOKEN_TTL = 86400
MAX_LABEL = 255
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
FAULT_TYPES = {400: 'badRequest', 401: 'unauthorizedError', 403: 'forbiddenError', 404: 'notFoundError', 405: 'methodNotAllowed',
               413: 'requestTooLargeError', 429: 'rateLimitReached', 500: 'internalError', 501: 'notImplementedError',
               502: 'systemFailureError', 503: 'systemFailureError', 504: 'requestTimeout'}
IDENTITY_FAULTS = {400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 413: 'overLimit',
                   429: 'overLimit', 500: 'identityFault', 503: 'serviceUnavailable'}
_JSON = 'application/json'


def error(status, message, details='', type_=None):
    """A Cloud Monitoring fault body: type, code, message, details, txnId."""
    txn = '.rh-%s.h-mock.r-%s.c-1.ts-%d.v-mock' % (os.urandom(3).hex(), os.urandom(4).hex(), int(time.time() * 1000))
    return plain_json(status, {'type': type_ or FAULT_TYPES.get(status, 'internalError'), 'code': status, 'message': message,
                               'details': details, 'txnId': txn})


def identity_error(status, message):
    return plain_json(status, {IDENTITY_FAULTS.get(status, 'identityFault'): {'code': status, 'message': message}})


def issue_token(app, req):
    """POST /v2.0/tokens with passwordCredentials or RAX-KSKEY:apiKeyCredentials."""
    state = app.state
    try:
        auth = json.loads(req.body)['auth']
        creds, method = (auth['RAX-KSKEY:apiKeyCredentials'], 'APIKEY') if 'RAX-KSKEY:apiKeyCredentials' in auth \
            else (auth['passwordCredentials'], 'PASSWORD')
        username = creds['username']
        secret = creds['apiKey'] if method == 'APIKEY' else creds['password']
        if not isinstance(username, str) or not isinstance(secret, str):
            raise TypeError('credentials must be strings')
    except (ValueError, KeyError, TypeError, AttributeError):
        return identity_error(400, 'Invalid request body: unable to parse Auth data. Please review XML or JSON formatting.')
    expected = state.rax_key if method == 'APIKEY' else state.rax_password
    tenant = auth.get('tenantId') or auth.get('tenantName')
    if username != state.rax_user or not expected or secret != expected or (tenant is not None and tenant != state.tenant):
        return identity_error(401, 'Unable to authenticate user with credentials provided.')
    token = 'AA' + os.urandom(48).hex()
    expires = state.now() + TOKEN_TTL
    with state.lock:
        state.auth_tokens[token] = expires
        state.secrets['auth_tokens'].append(token)
    endpoint = '%s/v1.0/%s' % (req.base_url(), state.tenant)
    return plain_json(200, {'access': {
        'token': {'id': token, 'expires': iso_ms_z(expires), 'tenant': {'id': state.tenant, 'name': state.tenant},
                  'RAX-AUTH:authenticatedBy': [method]},
        'serviceCatalog': [{'name': 'cloudMonitoring', 'type': 'rax:monitor',
                            'endpoints': [{'tenantId': state.tenant, 'publicURL': endpoint}]}],
        'user': {'id': '10' + state.tenant, 'name': state.rax_user, 'roles': [{'id': '3', 'name': 'identity:user-admin'}],
                 'RAX-AUTH:defaultRegion': 'ORD'}}})


def _authorize(state, req, tenant):
    """401 without a valid X-Auth-Token, 403 for another tenant; None when allowed."""
    token = req.headers.get('x-auth-token')
    expires = state.auth_tokens.get(token, 0) if token else 0
    if expires == 0 or (expires is not None and expires <= state.now()):
        return error(401, 'Unable to authenticate user with credentials provided.', 'No valid X-Auth-Token was supplied.')
    if tenant != state.tenant:
        return error(403, 'Forbidden', 'The token is not valid for tenant %s.' % tenant)
    return None


def _label(req, required):
    """The validated label from a JSON body, or an error Response."""
    try:
        body = json.loads(req.body) if req.body.strip() else {}
    except ValueError:
        return None, error(400, 'Validation error', 'Request body is not valid JSON.')
    if not isinstance(body, dict):
        return None, error(400, 'Validation error', 'Request body must be a JSON object.')
    extra = sorted(set(body) - {'label'})
    if extra:
        return None, error(400, "Validation error for key '%s'" % extra[0], 'Unknown attribute.')
    label = body.get('label')
    if required and 'label' not in body:
        return None, error(400, "Validation error for key 'label'", 'Missing required key.')
    if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL):
        return None, error(400, "Validation error for key 'label'", 'Must be a string of at most 255 characters.')
    return label, None


def _object_headers(req, tenant, token_id):
    location = '%s/v1.0/%s/agent_tokens/%s' % (req.base_url(), tenant, token_id)
    return [('Location', location), ('X-Object-ID', token_id)]


def create(app, req, tenant):
    denied = _authorize(app.state, req, tenant)
    if denied:
        return denied
    label, bad = _label(req, False)
    if bad:
        return bad
    with app.state.lock:
        token_id = app.state.add_agent_token(label)
    return empty(201, _object_headers(req, tenant, token_id))


def list_tokens(app, req, tenant):
    state = app.state
    denied = _authorize(state, req, tenant)
    if denied:
        return denied
    query = _query(req.query)
    raw_limit = query.get('limit')
    limit = int(raw_limit) if raw_limit is not None and raw_limit.isdigit() else (DEFAULT_LIMIT if raw_limit is None else -1)
    if not 1 <= limit <= MAX_LIMIT:
        return error(400, 'Invalid limit', 'limit must be an integer between 1 and %d.' % MAX_LIMIT, 'invalidLimit')
    marker = query.get('marker')
    with state.lock:
        start = bisect.bisect_left(state.agent_ids, marker) if marker else 0
        ids = state.agent_ids[start:start + limit + 1]
        values = [{'id': i, 'label': state.agent_tokens[i], 'token': i} for i in ids[:limit]]
    next_marker = ids[limit] if len(ids) > limit else None
    next_href = None
    if next_marker:
        next_href = '%s/v1.0/%s/agent_tokens?limit=%d&marker=%s' % (req.base_url(), tenant, limit, quote(next_marker, safe=''))
    return plain_json(200, {'values': values, 'metadata': {'count': len(values), 'limit': limit, 'marker': marker,
                                                           'next_marker': next_marker, 'next_href': next_href}})


def _query(query):
    return dict(parse_qsl(query, keep_blank_values=True))


def _lookup(app, req, tenant, token_id):
    denied = _authorize(app.state, req, tenant)
    if denied:
        return denied
    if token_id not in app.state.agent_tokens:
        return error(404, 'Object does not exist', 'Object "AgentToken" does not exist.')
    return None


def get(app, req, tenant, token_id):
    failed = _lookup(app, req, tenant, token_id)
    if failed:
        return failed
    label = app.state.agent_tokens.get(token_id)
    return plain_json(200, {'id': token_id, 'label': label, 'token': token_id})


def update(app, req, tenant, token_id):
    failed = _lookup(app, req, tenant, token_id)
    if failed:
        return failed
    label, bad = _label(req, True)
    if bad:
        return bad
    with app.state.lock:
        if token_id not in app.state.agent_tokens:
            return error(404, 'Object does not exist', 'Object "AgentToken" does not exist.')
        app.state.agent_tokens[token_id] = label
    return empty(204, _object_headers(req, tenant, token_id))


def delete(app, req, tenant, token_id):
    failed = _lookup(app, req, tenant, token_id)
    if failed:
        return failed
    with app.state.lock:
        if token_id in app.state.agent_tokens:
            app.state.delete_agent_token(token_id)
    return empty(204)


ROUTES = (
    ('POST', '/v2.0/tokens', '/v2.0/tokens', issue_token),
    ('POST', r'/v1.0/([^/]+)/agent_tokens', '/v1.0/{tenant}/agent_tokens', create),
    ('GET', r'/v1.0/([^/]+)/agent_tokens', '/v1.0/{tenant}/agent_tokens', list_tokens),
    ('GET', r'/v1.0/([^/]+)/agent_tokens/([^/]+)', '/v1.0/{tenant}/agent_tokens/{id}', get),
    ('PUT', r'/v1.0/([^/]+)/agent_tokens/([^/]+)', '/v1.0/{tenant}/agent_tokens/{id}', update),
    ('DELETE', r'/v1.0/([^/]+)/agent_tokens/([^/]+)', '/v1.0/{tenant}/agent_tokens/{id}', delete),
)
