# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Routing: match a request to a route, count it, apply faults, call the handler, shape errors per service."""

from __future__ import annotations

import re
import sys
import time
from urllib.parse import unquote

from . import conjur_auth, conjur_v4, conjur_v5, faults as faultlib, introspection, rackspace
from .messages import empty, plain_json, rails_json
from .netaddr import is_loopback

_SLASHES = re.compile(r'//+')


class Route:
    __slots__ = ('method', 'regex', 'key', 'pattern', 'handler', 'family')

    def __init__(self, method, regex, pattern, handler, family):
        self.method = method
        self.regex = re.compile(regex)
        self.pattern = pattern
        self.key = '%s %s' % (method, pattern)
        self.handler = handler
        self.family = family


# Paths the conjur-rack middleware does not guard (``optional`` or ``except``) in Conjur 1.24.0, relative to the
# Conjur application's root; and the v4 equivalents under /api.
_OPEN_V5 = re.compile(r'/(authn|authn-[^/]+|public_keys)/|/host_factories/hosts$')
_OPEN_V4 = re.compile(r'/api/authn/|/api/host_factories/hosts$')


def _build_routes(prefix):
    """One table: v5 under ``prefix`` (v4 only without a prefix), Rackspace at the root."""
    tables = [('conjur', conjur_v5.ROUTES, prefix)]
    if not prefix:
        tables.append(('conjur', conjur_v4.ROUTES, ''))
    tables.append(('rackspace', rackspace.ROUTES, ''))
    static, dynamic = {}, {}
    for family, table, base in tables:
        for method, regex, pattern, handler in table:
            route = Route(method, re.escape(base) + regex, base + pattern, handler,
                          'identity' if pattern.startswith('/v2.0/') else family)
            if regex == pattern:
                static[(method, route.pattern)] = route
            else:
                dynamic.setdefault(method, []).append(route)
    return static, dynamic


def normalize_prefix(value):
    """'' for no prefix, else '/segment[/segment...]' without a trailing slash; raise ValueError when unusable."""
    prefix = (value or '').rstrip('/')
    if not prefix:
        return ''
    if not _PREFIX.fullmatch(prefix) or prefix.split('/')[1] in ('_mock', 'v1.0', 'v2.0'):
        raise ValueError('--path-prefix must look like /api (segments of letters, digits, ".", "_", "~" or "-"), '
                         'and not start with /_mock, /v1.0 or /v2.0')
    return prefix


_PREFIX = re.compile(r'(/[A-Za-z0-9._~-]+)+')


class App:
    """The whole mock behind one ``handle(request)`` call."""

    def __init__(self, state, faults, log=False, prefix=''):
        self.state = state
        self.faults = faults
        self.log = log
        self.prefix = normalize_prefix(prefix)
        self.shutdown_callback = None
        self.static, self.dynamic = _build_routes(self.prefix)

    def request_shutdown(self):
        if self.shutdown_callback:
            self.shutdown_callback()

    def family_of(self, path):
        if path.startswith('/v1.0/'):
            return 'rackspace'
        if path.startswith('/v2.0/'):
            return 'identity'
        return 'conjur'

    def match(self, method, path):
        if not path.startswith(('/v1.0/', '/v2.0/')):
            path = _SLASHES.sub('/', path)
            if len(path) > 1:
                path = path.rstrip('/')
        route = self.static.get((method, path))
        if route is not None:
            return route, ()
        for route in self.dynamic.get(method, ()):
            m = route.regex.fullmatch(path)
            if m:
                return route, tuple(unquote(g, errors='replace') for g in m.groups())
        return None, ()

    def handle(self, req):
        """Return (response, fault_mode) where fault_mode is None, 'truncated', 'reset' or 'hang'."""
        if req.path == '/_mock' or req.path.startswith('/_mock/'):
            if not is_loopback(req.peer):
                return plain_json(404, {'error': 'not found'}), None
            return introspection.dispatch(self, req), None
        route, args = self.match(req.method, req.path)
        key = route.key if route else '%s (no route)' % req.method
        self.state.count_request(key)
        latency, mode = self.faults.decide(key, route.pattern if route else None)
        if latency:
            time.sleep(latency)
        family = route.family if route else self.family_of(req.path)
        if mode == 'reset':
            return None, 'reset'
        if mode == 'status':
            return self.faults.status_response(family), None
        if mode == 'malformed_json':
            return faultlib.malformed_json_response(), None
        if route is None or (not self.state.hf_enabled and getattr(route.handler, 'host_factory_route', False)):
            response = self.no_route(req, family)
        else:
            try:
                response = route.handler(self, req, *args)
            except Exception as exc:  # a bug in the mock must not kill the connection thread
                sys.stderr.write('hostfactory_mock: internal error in %s: %s\n' % (route.key, exc.__class__.__name__))
                response = internal_error(family)
        if self.log:
            sys.stderr.write('%s %s\n' % (key, response.status))
        return response, mode

    def conjur_path(self, path):
        """``path`` relative to the Conjur application's root (the prefix removed), or None outside the prefix."""
        path = _SLASHES.sub('/', path)
        if not self.prefix:
            return path
        if path == self.prefix or path.startswith(self.prefix + '/'):
            return path[len(self.prefix):] or '/'
        return None

    def no_route(self, req, family):
        """What the service answers for a path it has no route for. Conjur: the token middleware runs first (401
        text/plain) except on the paths it does not guard; then 404 with an empty body. Outside the path prefix the
        Conjur application never sees the request: 404 empty."""
        if family == 'rackspace':
            return rackspace.error(404, 'Not found', 'No such resource.')
        if family == 'identity':
            return rackspace.identity_error(404, 'Resource not found')
        path = self.conjur_path(req.path)
        if path is None:
            return empty(404)
        version = 4 if not self.prefix and path.startswith('/api/') else 5
        if not (_OPEN_V4 if version == 4 else _OPEN_V5).match(path):
            result = conjur_auth.token_role(self.state, req, version)
            if not isinstance(result, tuple):
                return result
        return empty(404)


def internal_error(family):
    if family == 'rackspace':
        return rackspace.error(500, 'Internal error', 'The mock server failed to handle this request.')
    if family == 'identity':
        return rackspace.identity_error(500, 'Internal error')
    return rails_json(500, {'error': {'code': 'error', 'message': 'Internal Server Error'}})


def request_error(family, status, message):
    """Errors raised before routing (bad framing, body too large): JSON in the service's own shape."""
    if family == 'rackspace':
        return rackspace.error(status, message, message)
    if family == 'identity':
        return rackspace.identity_error(status, message)
    return rails_json(status, {'error': {'code': 'bad_request' if status == 400 else 'request_too_large', 'message': message}})
