# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Legacy Conjur v4 routes under /api (no account in URLs; state shared with v5)."""

from __future__ import annotations

import base64

from . import hostfactory as hfl
from .conjur_auth import BadRequest, api_key_role, basic_login, enroll, request_params, token_role
from .messages import Response, empty, rails_json
from .timefmt import iso_z

_KINDS = {404: 'RecordNotFound', 422: 'ArgumentError', 500: 'InternalError'}


def error_response(exc):
    """v4 error bodies are undocumented; the mock answers {"error": {"kind", "message"}}."""
    if exc.code is None and exc.status != 500:
        return empty(exc.status)
    message = exc.message
    if isinstance(exc, hfl.NotFound):
        if exc.resource_id.startswith('*:host_factory_token:'):
            message = 'Host factory token not found'
        else:
            message = "%s '%s' not found" % (_kind_of(exc.resource_id), exc.resource_id.split(':', 2)[-1])
    return rails_json(exc.status, {'error': {'kind': _KINDS.get(exc.status, 'ArgumentError'), 'message': message}})


def _kind_of(resource_id):
    parts = resource_id.split(':')
    return parts[1].replace('_', ' ').capitalize() if len(parts) > 2 else 'Resource'


def token_json(token):
    return {'token': token.token, 'expiration': iso_z(token.expires), 'cidr': token.cidr}


def authenticate(app, req, login):
    """POST /api/authn/users/{login}/authenticate → v4 token JSON."""
    state = app.state
    if '\x00' in login:
        return empty(400)
    if api_key_role(state, login, req.body, req.client_ip) is None:
        return empty(401)
    token = state.signer.issue_v4(login, state.now())
    with state.lock:
        state.secrets['access_tokens'].extend((token, base64.b64encode(token.encode('utf-8')).decode('ascii')))
    return Response(200, token.encode('utf-8'), 'application/json; charset=utf-8')


def login(app, req):
    """GET /api/authn/users/login (HTTP Basic) → API key (text/html as the v4 docs show)."""
    result = basic_login(app.state, req)
    if isinstance(result, Response):
        return result
    return Response(200, result.api_key.encode('utf-8'), 'text/html; charset=utf-8')


@hfl.host_factory_route
def create_tokens(app, req, identifier):
    """POST /api/host_factories/{id}/tokens: expiration optional (default 1 h); key order token, expiration, cidr."""
    result = token_role(app.state, req, 4)
    if isinstance(result, Response):
        return result
    role = result[0]
    try:
        params = request_params(req)
        hf = hfl.find_host_factory(app.state, role, '%s:host_factory:%s' % (app.state.account, identifier))
        tokens = hfl.mint_tokens(app.state, role, hf, params, default_ttl=3600)
    except BadRequest:
        return empty(400)
    except hfl.HFError as exc:
        return error_response(exc)
    return rails_json(200, [token_json(t) for t in tokens])


@hfl.host_factory_route
def show_host_factory(app, req, identifier):
    """GET /api/host_factories/{id} → {id, layers, roleid, resourceid, tokens} (the v4 doc's key order); 404 when the
    host factory is unknown or invisible to the caller."""
    result = token_role(app.state, req, 4)
    if isinstance(result, Response):
        return result
    try:
        hf = hfl.find_host_factory(app.state, result[0], '%s:host_factory:%s' % (app.state.account, identifier))
    except hfl.HFError as exc:
        return error_response(exc)
    return rails_json(200, {'id': hf.identifier, 'layers': [layer.split(':', 2)[-1] for layer in hf.layers],
                            'roleid': hf.owner, 'resourceid': hf.full_id,
                            'tokens': [token_json(t) for t in list(hf.tokens.values())]})


@hfl.host_factory_route
def revoke_token(app, req, token):
    """DELETE /api/host_factories/tokens/{token} → 204 / 403 / 404."""
    result = token_role(app.state, req, 4)
    if isinstance(result, Response):
        return result
    try:
        hfl.revoke_token(app.state, result[0], token)
    except hfl.HFError as exc:
        return error_response(exc)
    return empty(204)


@hfl.host_factory_route
def create_host(app, req):
    """POST /api/host_factories/hosts?id=... → the v4 host record with its (new or rotated) API key."""
    return enroll(app, req, error_response, _host_record)


def _host_record(record, host, api_key):
    hf = record.hf
    return rails_json(201, {'id': host.identifier, 'userid': 'deputy/%s' % hf.identifier, 'created_at': iso_z(host.created_at),
                            'ownerid': hf.owner, 'roleid': host.full_id, 'resource_identifier': host.full_id, 'api_key': api_key})


ROUTES = (
    ('POST', r'/api/authn/users/([^/?]+)/authenticate', '/api/authn/users/{login}/authenticate', authenticate),
    ('GET', '/api/authn/users/login', '/api/authn/users/login', login),
    ('POST', '/api/host_factories/hosts', '/api/host_factories/hosts', create_host),
    ('DELETE', r'/api/host_factories/tokens/([^/]+)', '/api/host_factories/tokens/{token}', revoke_token),
    ('POST', r'/api/host_factories/(.+)/tokens', '/api/host_factories/{id}/tokens', create_tokens),
    ('GET', r'/api/host_factories/(.+)', '/api/host_factories/{id}', show_host_factory),
)
