# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PUT /authn/{account}/api_key: API key rotation, in the order of checks of Conjur 1.24.0's CredentialsController.

1. Authentication: an access token (``/authn/`` paths make the token middleware optional: a ``Token token="..."``
   header is verified, with its usual text/plain 401s) or HTTP Basic with the password or API key. Neither, or a
   token whose role is gone: 401 empty. Basic outside ``restricted_to``: 403 empty.
2. ``role`` (query or body): ``kind:id`` or ``account:kind:id``; fewer than two parts: 422 ``argument_error``;
   no such role: 404 ``not_found`` (CONJ00123E, naming the parameter as given).
3. Rotating one's own key (no ``role``, or ``role`` naming the caller) needs Basic: with a token, 401
   ``Credential strength is insufficient`` (JSON).
4. Another role's key needs an access token (Basic: 401 empty), visibility (404 CONJ00123E, naming the full id),
   then ``update`` (403 empty). A role without credentials (layer, host factory): 403 empty with ``read``, else 405.
5. 200 ``text/plain; charset=utf-8`` with the new API key; the old one stops working at once.
"""

from __future__ import annotations

from .conjur_auth import BadRequest, basic_login, has_access_token, request_params, verify_access_token
from .messages import TEXT_UTF8, Response, empty, rails_json
from .rubyisms import ruby_to_s
from .tokens import random_token


class _Target:
    """A role named by ``role=``: ``role`` is the Role when it has credentials (user, host), else None."""

    __slots__ = ('full_id', 'owner', 'key', 'role')

    def __init__(self, full_id, owner, key, role):
        self.full_id = full_id
        self.owner = owner
        self.key = key
        self.role = role


def rotate_api_key(app, req, account):
    state = app.state
    caller, basic = _authenticate(state, req, account)
    if isinstance(caller, Response):
        return caller
    try:
        role_param = request_params(req).get('role')
    except BadRequest:
        return empty(400)
    target = None
    if role_param is not None and role_param is not False:
        parts = role_param.split(':', 2) if isinstance(role_param, str) else []
        if len(parts) < 2:
            return rails_json(422, {'error': {'code': 'argument_error',
                                              'message': 'Expected at least 2 tokens in %s' % ruby_to_s(role_param)}})
        target = _find(state, ':'.join([account] + parts) if len(parts) == 2 else role_param)
        if target is None:
            return _not_found(role_param, caller)
    if target is None or target.full_id == caller.full_id:
        if not basic:
            return rails_json(401, {'error': {'code': 'unauthorized', 'message': 'Credential strength is insufficient'}})
        role = caller
    else:
        if basic:
            return empty(401)
        held = state.role_privileges(caller, target.key, target.owner)
        if not held:
            return _not_found(target.full_id, caller)
        if target.role is None and 'read' in held:
            return empty(403)
        if 'update' not in held:
            return empty(403)
        if target.role is None:
            return rails_json(405, {'error': {'code': 'method_not_allowed',
                                              'message': "CONJ00126E Role '%s' is not applicable for key rotation" % target.full_id}})
        role = target.role
    api_key = random_token()
    with state.lock:
        role.api_key = api_key
        role.rotations += 1
        state.rotations += 1
        state.secrets['api_keys'].append(api_key)
    return Response(200, api_key.encode('ascii'), TEXT_UTF8)


def _authenticate(state, req, account):
    """(caller Role, used Basic?) or (error Response, _)."""
    if has_access_token(req):
        result = verify_access_token(state, req, 5)
        if isinstance(result, Response):
            return result, False
        role = state.roles.get(state.role_id_for_login(result[0]))
        return (role if role is not None else empty(401)), False
    if req.headers.get('authorization', '').startswith('Basic '):
        return (basic_login(state, req) if account == state.account else empty(401)), True
    return empty(401), False


def _find(state, full_id):
    role = state.roles.get(full_id)
    if role is not None:
        return _Target(full_id, role.owner, full_id, role)
    hf = state.host_factory_by_id(full_id)
    if hf is not None:
        return _Target(full_id, hf.owner, hf.identifier, None)
    if full_id in state.layers:
        return _Target(full_id, None, full_id, None)
    return None


def _not_found(resource, caller):
    return rails_json(404, {'error': {'code': 'not_found',
                                      'message': "CONJ00123E Resource '%s' requested by role '%s' not found" % (resource, caller.full_id)}})
