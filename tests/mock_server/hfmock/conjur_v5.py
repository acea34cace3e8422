# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Conjur API v5 routes."""

from __future__ import annotations

import base64

from . import credentials, hostfactory as hfl
from .conjur_auth import BadRequest, api_key_role, basic_login, enroll, request_params, token_role
from .messages import Response, empty, rails_json
from .timefmt import iso_ms, iso_z

_TEXT = 'text/plain; charset=utf-8'


def not_found_body(resource_id):
    """render_record_not_found for Exceptions::RecordNotFound.build_message(id)."""
    parts = resource_id.split(':', 2) if resource_id else []
    account = parts[0] if parts else ''
    kind = parts[1] if len(parts) > 1 else None
    identifier = parts[2] if len(parts) > 2 else ''
    label = kind.capitalize() if kind is not None else 'Unknown kind'
    return {'error': {'code': 'not_found', 'message': "%s '%s' not found in account '%s'" % (label, identifier, account),
                      'target': kind, 'details': {'code': 'not_found', 'target': 'id', 'message': resource_id}}}


def error_response(exc):
    if exc.code is None:
        return empty(exc.status)
    if isinstance(exc, hfl.NotFound):
        return rails_json(404, not_found_body(exc.resource_id))
    return rails_json(exc.status, {'error': {'code': exc.code, 'message': exc.message}})


def token_json(token):
    return {'expiration': iso_z(token.expires), 'cidr': token.cidr, 'token': token.token}


def host_json(host, api_key):
    body = {'created_at': iso_ms(host.created_at), 'id': host.full_id, 'owner': host.owner}
    if host.policy:
        body['policy'] = host.policy
    body['permissions'] = []
    body['annotations'] = [_annotation(name, value, host.policy) for name, value in host.annotations]
    body['restricted_to'] = [pair[0] for pair in host.restricted_to]
    body['api_key'] = api_key
    return body


def _annotation(name, value, policy):
    item = {'name': name, 'value': value}
    if policy:
        item['policy'] = policy
    return item


def authenticate(app, req, account, login):
    """POST /authn/{account}/{login}/authenticate."""
    state = app.state
    if '\x00' in login or '\x00' in account:
        return empty(400)
    role = api_key_role(state, login, req.body, req.client_ip) if account == state.account else None
    if role is None:
        return empty(401)
    token = state.signer.issue_v5(login, state.now())
    encoded = base64.b64encode(token.encode('utf-8'))
    with state.lock:
        state.secrets['access_tokens'].extend((token, encoded.decode('ascii')))
    if _wants_base64(req.headers.get('accept-encoding')):
        return Response(200, encoded, _TEXT, [('Content-Encoding', 'base64')])
    return Response(200, token.encode('utf-8'), 'application/json; charset=utf-8')


def _wants_base64(header):
    return bool(header) and any(' '.join(part.split()).lower() == 'base64' for part in header.split(','))


def login(app, req, account):
    """GET /authn/{account}/login (HTTP Basic) → the API key as text/plain."""
    result = basic_login(app.state, req) if account == app.state.account else empty(401)
    if isinstance(result, Response):
        return result
    return Response(200, result.api_key.encode('utf-8'), _TEXT)


def _caller(app, req):
    result = token_role(app.state, req, 5)
    return result if isinstance(result, Response) else result[0]


@hfl.host_factory_route
def create_tokens(app, req):
    """POST /host_factory_tokens."""
    role = _caller(app, req)
    if isinstance(role, Response):
        return role
    try:
        params = request_params(req)
        resource_id = params.get('host_factory')
        if resource_id is None:
            raise hfl.HFError('host_factory')
        hf = hfl.find_host_factory(app.state, role, hfl.ruby_to_s(resource_id))
        tokens = hfl.mint_tokens(app.state, role, hf, params)
    except BadRequest:
        return empty(400)
    except hfl.HFError as exc:
        return error_response(exc)
    return rails_json(200, [token_json(t) for t in tokens])


@hfl.host_factory_route
def revoke_token(app, req, token):
    """DELETE /host_factory_tokens/{token}."""
    role = _caller(app, req)
    if isinstance(role, Response):
        return role
    try:
        hfl.revoke_token(app.state, role, token)
    except hfl.HFError as exc:
        return error_response(exc)
    return empty(204)


@hfl.host_factory_route
def create_host(app, req):
    """POST /host_factories/hosts (HF token auth, not the access-token middleware)."""
    return enroll(app, req, error_response, lambda record, host, api_key: rails_json(201, host_json(host, api_key)))


def show_host_factory(app, req, account, identifier):
    """GET /resources/{account}/host_factory/{id}."""
    role = _caller(app, req)
    if isinstance(role, Response):
        return role
    try:
        hf = hfl.find_host_factory(app.state, role, '%s:host_factory:%s' % (account, identifier))
    except hfl.HFError as exc:
        return error_response(exc)
    body = {'created_at': iso_ms(hf.created_at), 'id': hf.full_id, 'owner': hf.owner}
    if hf.policy:
        body['policy'] = hf.policy
    body['permissions'] = [{'privilege': p, 'role': r, 'policy': hf.policy} for r, p in hf.permissions]
    body['annotations'] = [_annotation(name, value, hf.policy) for name, value in hf.annotations]
    body['tokens'] = [token_json(t) for t in list(hf.tokens.values())]
    body['layers'] = list(hf.layers)
    return rails_json(200, body)


def whoami(app, req):
    """GET /whoami."""
    result = token_role(app.state, req, 5)
    if isinstance(result, Response):
        return result
    role, iat = result
    return rails_json(200, {'client_ip': req.client_ip, 'user_agent': req.headers.get('user-agent'), 'account': app.state.account,
                            'username': _login_of(role), 'token_issued_at': iso_ms(iat) if isinstance(iat, (int, float)) else None})


def _login_of(role):
    return role.identifier if role.kind == 'user' else 'host/%s' % role.identifier


ROUTES = (
    ('POST', r'/authn/([^/?]+)/([^/?]+)/authenticate', '/authn/{account}/{login}/authenticate', authenticate),
    ('GET', r'/authn/([^/?]+)/login', '/authn/{account}/login', login),
    ('PUT', r'/authn/([^/?]+)/api_key', '/authn/{account}/api_key', credentials.rotate_api_key),
    ('POST', '/host_factory_tokens', '/host_factory_tokens', create_tokens),
    ('DELETE', r'/host_factory_tokens/([^/]+)', '/host_factory_tokens/{token}', revoke_token),
    ('POST', '/host_factories/hosts', '/host_factories/hosts', create_host),
    ('PUT', r'/authn/([^/?]+)/api_key', '/authn/{account}/api_key', credentials.rotate_api_key),
    ('GET', r'/resources/([^/]+)/host_factory/(.+)', '/resources/{account}/host_factory/{id}', show_host_factory),
    ('GET', '/whoami', '/whoami', whoami),
)
