# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Conjur authentication shared by v5 and v4: API-key login, Basic login, the access-token middleware, params."""

from __future__ import annotations

import binascii
import hmac
import json
import re

from . import hostfactory as hfl
from .messages import TEXT_UTF8, Response, empty, text
from .netaddr import CidrError, ip_in, normalize_cidr
from .rubyisms import ParamsError, parse_nested_query
from .tokens import TokenError, ruby_decode64

_MIDDLEWARE_TOKEN = re.compile(r'^Token token="(.*)"', re.S | re.M)
_HOST_TOKEN = re.compile(r'^Token token="(.*)"', re.M)
_V2BETA = 'application/x.secretsmgr.v2beta+json'


class BadRequest(Exception):
    """Rails answers 400 with an empty body (unparsable JSON body or form/query parameters)."""


def request_params(req):
    """Query-string params merged with body params (body wins), body parsed by media type (BodyParser)."""
    try:
        params = parse_nested_query(req.query)
        if req.body:
            media = req.media_type
            if media is None or media == 'application/x-www-form-urlencoded':
                params.update(parse_nested_query(req.body.decode('utf-8', 'replace')))
            elif media == 'application/json':
                body = json.loads(req.body)
                if not isinstance(body, dict):
                    raise BadRequest('JSON body is not an object')
                params.update(body)
    except (ParamsError, ValueError):
        raise BadRequest('unparsable parameters')
    return params


def api_key_role(state, login, api_key, client_ip):
    """The role whose API key is exactly ``api_key`` (bytes), allowed from ``client_ip``; else None."""
    role = state.roles.get(state.role_id_for_login(login))
    if role is None or not api_key or not hmac.compare_digest(api_key, role.api_key.encode('utf-8')):
        return None
    if role.restricted_to and not ip_in(client_ip, [pair[1] for pair in role.restricted_to]):
        return None
    return role


def basic_login(state, req):
    """GET .../login with HTTP Basic: 200 text/plain API key, 401 empty, 403 outside restricted_to."""
    scheme, _sep, value = req.headers.get('authorization', '').partition(' ')
    if scheme.lower() != 'basic':
        return empty(401)
    try:
        login, colon, secret = ruby_decode64(value).decode('utf-8').partition(':')
    except (ValueError, binascii.Error):
        return empty(401)
    role = state.roles.get(state.role_id_for_login(login)) if login and colon else None
    if role is None or not secret or not (
            hmac.compare_digest(secret.encode('utf-8'), role.api_key.encode('utf-8'))
            or (role.password and hmac.compare_digest(secret.encode('utf-8'), role.password.encode('utf-8')))):
        return empty(401)
    if role.restricted_to and not ip_in(req.client_ip, [pair[1] for pair in role.restricted_to]):
        return empty(403)
    return role


def has_access_token(req):
    """Whether the Authorization header carries an access token (``Token token="..."``) for the middleware."""
    return bool(_MIDDLEWARE_TOKEN.search(req.headers.get('authorization', '')))


def token_role(state, req, version=5):
    """The conjur-rack middleware plus CurrentUser: return (role, iat) for a valid access token whose role exists,
    else the error Response (the middleware's, or 403 empty for a role that no longer exists)."""
    result = verify_access_token(state, req, version)
    if isinstance(result, Response):
        return result
    login, iat = result
    role = state.roles.get(state.role_id_for_login(login))
    if role is None:
        return empty(403)
    return role, iat


def verify_access_token(state, req, version=5):
    """The conjur-rack middleware alone: return (login, iat) for a valid access token, else the error Response."""
    match = _MIDDLEWARE_TOKEN.search(req.headers.get('authorization', ''))
    if not match:
        return _middleware_error(req, 401, 'Authorization missing')
    try:
        token = json.loads(ruby_decode64(match.group(1).strip()))
    except (ValueError, binascii.Error):
        return _middleware_error(req, 401, 'Malformed authorization token')
    now = state.now()
    try:
        if version == 5:
            claims = state.signer.verify_v5(token, now)
            login, iat = claims['sub'], claims.get('iat')
            cidr = claims.get('cidr')
        else:
            login, iat, cidr = state.signer.verify_v4(token, now), None, None
    except TokenError as exc:
        return _middleware_error(req, 401, 'token contains unrecognized claims' if exc.reason == 'claims' else 'Unauthorized: Invalid token')
    if cidr is not None and not _cidr_claim_allows(cidr, req.client_ip):
        return _middleware_error(req, 403, 'IP address rejected')
    return login, iat


def host_factory_token(req):
    """The raw HF token from ``Authorization: Token token="..."`` (quotes required), or None."""
    match = _HOST_TOKEN.search(req.headers.get('authorization', ''))
    return match.group(1) if match else None


def _cidr_claim_allows(cidr, ip):
    try:
        networks = [normalize_cidr(c)[1] for c in (cidr if isinstance(cidr, list) else [cidr])]
    except CidrError:
        return False
    return ip_in(ip, networks)


def _middleware_error(req, status, message):
    if req.headers.get('accept', '').strip().lower() == _V2BETA:
        return Response(status, b'', TEXT_UTF8)
    return text(status, message, 'text/plain')


def enroll(app, req, error_response, render):
    """POST .../host_factories/hosts, v5 and v4 alike: check the HF token, create (or rotate) the host, render it
    with C(render(record, host, api_key)); errors go through the version's C(error_response)."""
    try:
        record = hfl.valid_hf_token(app.state, host_factory_token(req), req.client_ip)
        host, api_key = hfl.create_host(app.state, record, request_params(req))
    except BadRequest:
        return empty(400)
    except hfl.HFError as exc:
        return error_response(exc)
    return render(record, host, api_key)
