# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rackspace Cloud Identity v2.0 (POST /v2.0/tokens) and Cloud Monitoring agent tokens and entities (/v1.0/{tenant}/...)."""

from __future__ import annotations

import json
import os
import time
from urllib.parse import parse_qsl, quote

from . import entities
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


def _json_object(req):
    """(body, None) for a JSON object body (an empty body is {}), else (None, 400 badRequest)."""
    try:
        body = json.loads(req.body) if req.body.strip() else {}
    except ValueError:
        return None, error(400, 'Validation error', 'Request body is not valid JSON.')
    if not isinstance(body, dict):
        return None, error(400, 'Validation error', 'Request body must be a JSON object.')
    return body, None


def _invalid(key, details):
    return error(400, "Validation error for key '%s'" % key, details)


def _label(req, required):
    """The validated agent-token label from a JSON body, or an error Response."""
    body, bad = _json_object(req)
    if bad:
        return None, bad
    extra = sorted(set(body) - {'label'})
    if extra:
        return None, _invalid(extra[0], 'Unknown attribute.')
    label = body.get('label')
    if required and 'label' not in body:
        return None, _invalid('label', 'Missing required key.')
    if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL):
        return None, _invalid('label', 'Must be a string of at most 255 characters.')
    return label, None


def _entity_fields(req, creating):
    """The validated entity attributes of a JSON body, or an error Response."""
    body, bad = _json_object(req)
    if bad:
        return None, bad
    try:
        return entities.validate(body, creating), None
    except entities.Invalid as exc:
        return None, _invalid(exc.key, exc.details)


def _object_headers(req, tenant, collection, object_id):
    location = '%s/v1.0/%s/%s/%s' % (req.base_url(), tenant, collection, object_id)
    return [('Location', location), ('X-Object-ID', object_id)]


def _page(app, req, tenant, collection, items, render):
    """GET /v1.0/{tenant}/{collection}: ``limit`` (default 100, 1..1000) and inclusive ``marker``, sorted by id."""
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
        ids = items(state).page(marker, limit)
        values = [render(state, i) for i in ids[:limit]]
    next_marker = ids[limit] if len(ids) > limit else None
    next_href = None
    if next_marker:
        next_href = '%s/v1.0/%s/%s?limit=%d&marker=%s' % (req.base_url(), tenant, collection, limit, quote(next_marker, safe=''))
    return plain_json(200, {'values': values, 'metadata': {'count': len(values), 'limit': limit, 'marker': marker,
                                                           'next_marker': next_marker, 'next_href': next_href}})


def _query(query):
    return dict(parse_qsl(query, keep_blank_values=True))


def _missing(type_name):
    return error(404, 'Object does not exist', 'Object "%s" does not exist.' % type_name)


def _lookup(app, req, tenant, items, object_id, type_name):
    """None when the caller may see the object, else the 401/403/404 answer."""
    denied = _authorize(app.state, req, tenant)
    if denied:
        return denied
    if object_id not in items(app.state):
        return _missing(type_name)
    return None


# --- agent tokens -----------------------------------------------------------------------------------------------------

def _tokens(state):
    return state.agent_tokens


def _token_json(state, token_id):
    return {'id': token_id, 'label': state.agent_tokens[token_id], 'token': token_id}


def create(app, req, tenant):
    denied = _authorize(app.state, req, tenant)
    if denied:
        return denied
    label, bad = _label(req, False)
    if bad:
        return bad
    with app.state.lock:
        token_id = app.state.add_agent_token(label)
    return empty(201, _object_headers(req, tenant, 'agent_tokens', token_id))


def list_tokens(app, req, tenant):
    return _page(app, req, tenant, 'agent_tokens', _tokens, _token_json)


def get(app, req, tenant, token_id):
    failed = _lookup(app, req, tenant, _tokens, token_id, 'AgentToken')
    if failed:
        return failed
    with app.state.lock:
        if token_id not in app.state.agent_tokens:
            return _missing('AgentToken')
        return plain_json(200, _token_json(app.state, token_id))


def update(app, req, tenant, token_id):
    failed = _lookup(app, req, tenant, _tokens, token_id, 'AgentToken')
    if failed:
        return failed
    label, bad = _label(req, True)
    if bad:
        return bad
    with app.state.lock:
        if token_id not in app.state.agent_tokens:
            return _missing('AgentToken')
        app.state.agent_tokens.put(token_id, label)
    return empty(204, _object_headers(req, tenant, 'agent_tokens', token_id))


def delete(app, req, tenant, token_id):
    failed = _lookup(app, req, tenant, _tokens, token_id, 'AgentToken')
    if failed:
        return failed
    with app.state.lock:
        if token_id in app.state.agent_tokens:
            app.state.agent_tokens.remove(token_id)
    return empty(204)


# --- entities ---------------------------------------------------------------------------------------------------------

def _entities(state):
    return state.entities


def _entity_json(state, entity_id):
    return dict(state.entities[entity_id])


def create_entity(app, req, tenant):
    denied = _authorize(app.state, req, tenant)
    if denied:
        return denied
    fields, bad = _entity_fields(req, True)
    if bad:
        return bad
    with app.state.lock:
        entity_id = app.state.add_entity(fields)
    return empty(201, _object_headers(req, tenant, 'entities', entity_id))


def list_entities(app, req, tenant):
    return _page(app, req, tenant, 'entities', _entities, _entity_json)


def get_entity(app, req, tenant, entity_id):
    failed = _lookup(app, req, tenant, _entities, entity_id, 'Entity')
    if failed:
        return failed
    with app.state.lock:
        if entity_id not in app.state.entities:
            return _missing('Entity')
        return plain_json(200, _entity_json(app.state, entity_id))


def update_entity(app, req, tenant, entity_id):
    failed = _lookup(app, req, tenant, _entities, entity_id, 'Entity')
    if failed:
        return failed
    fields, bad = _entity_fields(req, False)
    if bad:
        return bad
    state = app.state
    with state.lock:
        record = state.entities.get(entity_id)
        if record is None:
            return _missing('Entity')
        updated = dict(record, **fields)
        updated['updated_at'] = max(record['updated_at'], int(state.now() * 1000))
        state.entities.put(entity_id, updated)
    return empty(204, _object_headers(req, tenant, 'entities', entity_id))


def delete_entity(app, req, tenant, entity_id):
    failed = _lookup(app, req, tenant, _entities, entity_id, 'Entity')
    if failed:
        return failed
    with app.state.lock:
        if entity_id in app.state.entities:
            app.state.entities.remove(entity_id)
    return empty(204)


ROUTES = (
    ('POST', '/v2.0/tokens', '/v2.0/tokens', issue_token),
    ('POST', r'/v1.0/([^/]+)/agent_tokens', '/v1.0/{tenant}/agent_tokens', create),
    ('GET', r'/v1.0/([^/]+)/agent_tokens', '/v1.0/{tenant}/agent_tokens', list_tokens),
    ('GET', r'/v1.0/([^/]+)/agent_tokens/([^/]+)', '/v1.0/{tenant}/agent_tokens/{id}', get),
    ('PUT', r'/v1.0/([^/]+)/agent_tokens/([^/]+)', '/v1.0/{tenant}/agent_tokens/{id}', update),
    ('DELETE', r'/v1.0/([^/]+)/agent_tokens/([^/]+)', '/v1.0/{tenant}/agent_tokens/{id}', delete),
    ('POST', r'/v1.0/([^/]+)/entities', '/v1.0/{tenant}/entities', create_entity),
    ('GET', r'/v1.0/([^/]+)/entities', '/v1.0/{tenant}/entities', list_entities),
    ('GET', r'/v1.0/([^/]+)/entities/([^/]+)', '/v1.0/{tenant}/entities/{id}', get_entity),
    ('PUT', r'/v1.0/([^/]+)/entities/([^/]+)', '/v1.0/{tenant}/entities/{id}', update_entity),
    ('DELETE', r'/v1.0/([^/]+)/entities/([^/]+)', '/v1.0/{tenant}/entities/{id}', delete_entity),
)
