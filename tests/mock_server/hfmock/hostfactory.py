# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Host-factory behaviour shared by the v5 and v4 routes: resource lookup, mint, revoke, create host."""

from __future__ import annotations

from .netaddr import CidrError, ip_in, normalize_cidr
from .rubyisms import ruby_integer, ruby_to_s
from .state import HFToken, Role
from .timefmt import ParsedTime, parse_iso8601
from .tokens import random_token

MAX_COUNT = 10000


class HFError(Exception):
    """A refusal; ``code`` is Conjur's error code (None for bodiless 401/403)."""

    status = 422
    code = 'argument_error'

    def __init__(self, message=''):
        super().__init__(message)
        self.message = message


class NotFound(HFError):
    status = 404
    code = 'not_found'

    def __init__(self, resource_id):
        super().__init__(resource_id)
        self.resource_id = resource_id


class Unauthorized(HFError):
    status = 401
    code = None


class Forbidden(HFError):
    status = 403
    code = None


class Unprocessable(HFError):
    code = 'unprocessable_entity'


class ParameterMissing(HFError):
    code = 'parameter_missing'


class PolicyInvalid(HFError):
    code = 'policy_invalid'


class ServerError(HFError):
    status = 500
    code = None


def host_factory_route(handler):
    """Mark a route that exists only while host factories are enabled (seed ``host_factories_enabled``)."""
    handler.host_factory_route = True
    return handler


def find_host_factory(state, role, resource_id):
    """Resource[id] plus visibility and kind checks, in Conjur's order (404, then 422 kind). With host factories
    disabled no host factory resource exists."""
    account, _sep, rest = resource_id.partition(':')
    kind, _sep, identifier = rest.partition(':')
    if account == state.account:
        if kind == 'host_factory':
            hf = state.hfs.get(identifier) if state.hf_enabled else None
            if hf is not None and state.visible(role, hf):
                return hf
        elif role.privileges is None and _exists(state, resource_id, kind):
            raise HFError('Invalid resource kind: %s' % kind)
    raise NotFound(resource_id)


def _exists(state, resource_id, kind):
    if kind == 'layer':
        return resource_id in state.layers
    if kind in ('user', 'host'):
        return resource_id in state.roles
    return False


def mint_tokens(state, role, hf, params, default_ttl=None):
    """Create ``count`` tokens; ``default_ttl`` (v4) makes expiration optional."""
    if not state.allowed(role, hf, 'execute'):
        raise Forbidden()
    now = state.now()
    expiration = params.get('expiration')
    if expiration is None or expiration is False:
        if default_ttl is None:
            raise HFError('expiration')
        expiration = ParsedTime(now + default_ttl, 0)
    count_param = params.get('count')
    if count_param is None or count_param is False:
        count_param = 1
    count = ruby_integer(count_param)
    if count is None or count <= 0 or count > MAX_COUNT:
        raise HFError("Invalid value for parameter 'count': %s" % ruby_to_s(count_param))
    parsed = expiration if isinstance(expiration, ParsedTime) else parse_iso8601(expiration)
    if parsed is None:
        raise HFError('Input is invalid ISO8601 datetime string: %s' % ruby_to_s(expiration))
    if parsed.epoch <= now:
        raise HFError('Value for parameter expiration must be in the future: %s' % parsed.ruby_to_s())
    cidrs, networks = _cidr_param(params.get('cidr'))
    tokens = [HFToken(random_token(), hf, parsed.epoch, cidrs, networks) for _index in range(count)]
    with state.lock:
        for token in tokens:
            state.hf_tokens[token.token] = token
            hf.tokens[token.token] = token
            state.secrets['hf_tokens'].append(token.token)
    return tokens


def _cidr_param(value):
    if value is None or value is False:
        return [], ()
    if not isinstance(value, list):
        raise ServerError('cidr must be an array')
    try:
        pairs = [normalize_cidr(item) for item in value]
    except CidrError as exc:
        raise Unprocessable(str(exc))
    return [pair[0] for pair in pairs], tuple(pair[1] for pair in pairs)


def revoke_token(state, role, token):
    record = state.hf_tokens.get(token)
    if record is None:
        raise NotFound('*:host_factory_token:%s' % token)
    if not state.visible(role, record.hf):
        raise NotFound(record.hf.full_id)
    if not state.allowed(role, record.hf, 'update'):
        raise Forbidden()
    with state.lock:
        if state.hf_tokens.pop(token, None) is None:
            raise NotFound('*:host_factory_token:%s' % token)
        record.hf.tokens.pop(token, None)


def valid_hf_token(state, token, client_ip):
    """The unexpired token record usable from ``client_ip``; else Unauthorized."""
    record = state.hf_tokens.get(token) if token is not None else None
    if record is None or state.now() >= record.expires:
        raise Unauthorized()
    if record.networks and not ip_in(client_ip, record.networks):
        raise Unauthorized()
    return record


def create_host(state, record, params):
    """Create the host (201) or rotate the API key of one this HF owns. Returns (host, api_key). The host is
    ``<host_branch>/<id>`` when the HF's seed entry has a ``host_branch``, else ``<id>`` at the root."""
    host_id = params.get('id')
    if isinstance(host_id, int) and not isinstance(host_id, bool):
        host_id = str(host_id)
    if not isinstance(host_id, str) or not host_id.strip():
        raise ParameterMissing('param is missing or the value is empty: id')
    if host_id.startswith(('conjur/', '/conjur/')):
        raise HFError('Invalid id: %s' % host_id)
    annotations = _annotations(params.get('annotations'))
    hf = record.hf
    if hf.host_branch:
        host_id = '%s/%s' % (hf.host_branch, host_id)
    full_id = '%s:host:%s' % (state.account, host_id)
    api_key = random_token()
    with state.lock:
        host = state.roles.get(full_id)
        if host is not None:
            if host.owner != hf.full_id:
                raise Forbidden()
            host.api_key = api_key
            host.rotations += 1
            state.rotations += 1
        else:
            if not state.api_key_default and dict(annotations).get('authn/api-key') != 'true':
                raise PolicyInvalid(
                    "API key authentication for hosts is disabled by default and will be removed in a future release. Add the "
                    "'authn/api-key' annotation to this host with the value 'true' to ensure authentication works as expected "
                    "for this host in the future.")
            host = Role('host', host_id, full_id, api_key)
            host.owner = hf.full_id
            host.created_at = state.now()
            host.annotations = annotations
            host.layers = hf.layers
            state.roles[full_id] = host
        state.secrets['api_keys'].append(api_key)
    return host, api_key


def _annotations(value):
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ServerError('annotations must be a hash')
    return tuple(sorted((str(k), ruby_to_s(v)) for k, v in value.items()))
