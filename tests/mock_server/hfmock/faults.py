# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection: error statuses with realistic bodies, broken JSON, truncated bodies, resets, hangs, latency."""

from __future__ import annotations

import random
import threading

from . import rackspace
from .messages import SOCKET_TIMEOUT, Response, rails_json

MODES = ('status', 'malformed_json', 'truncated', 'reset', 'hang')
MAX_RETRY_AFTER = 86400
MAX_HANG_MS = SOCKET_TIMEOUT * 1000
_REASONS = {429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable',
            504: 'Gateway Time-out'}
_KEYS = {'fail_rate', 'fail_status', 'latency_ms', 'mode', 'routes', 'count', 'retry_after', 'hang_ms'}


class Faults:
    """The current fault settings; ``decide`` is called once per (non-/_mock) request."""

    def __init__(self, fail_rate=0.0, fail_status=503, latency_ms=0.0):
        self.lock = threading.Lock()
        self._random = random.Random()
        self.defaults = {'fail_rate': fail_rate, 'fail_status': fail_status, 'latency_ms': latency_ms}
        self.settings = self._validate(dict(self.defaults))

    def configure(self, settings):
        """Replace the settings (raises ValueError with a message on bad input); {} clears."""
        if not isinstance(settings, dict):
            raise ValueError('faults must be a JSON object')
        unknown = sorted(set(settings) - _KEYS)
        if unknown:
            raise ValueError('unknown fault setting: %s' % unknown[0])
        validated = self._validate(settings)
        with self.lock:
            self.settings = validated
        return self.describe()

    def clear(self):
        with self.lock:
            self.settings = self._validate({})

    def describe(self):
        with self.lock:
            out = dict(self.settings)
        out['routes'] = sorted(out['routes']) if out['routes'] is not None else None
        return out

    @staticmethod
    def _validate(settings):
        rate = settings.get('fail_rate', 0.0)
        status = settings.get('fail_status', 503)
        latency = settings.get('latency_ms', 0.0)
        mode = settings.get('mode', 'status')
        routes = settings.get('routes')
        count = settings.get('count')
        retry_after = settings.get('retry_after', 1)
        hang_ms = settings.get('hang_ms', MAX_HANG_MS)
        if not _number(rate) or not 0 <= rate <= 1:
            raise ValueError('fail_rate must be a number between 0 and 1')
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise ValueError('fail_status must be an integer between 400 and 599')
        if not _number(latency) or not 0 <= latency <= 60000:
            raise ValueError('latency_ms must be a number between 0 and 60000')
        if mode not in MODES:
            raise ValueError('mode must be one of %s' % ', '.join(MODES))
        if routes is not None and (not isinstance(routes, list) or not all(isinstance(r, str) for r in routes)):
            raise ValueError('routes must be a list of route patterns')
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
            raise ValueError('count must be a positive integer')
        if not isinstance(retry_after, int) or isinstance(retry_after, bool) or not 0 <= retry_after <= MAX_RETRY_AFTER:
            raise ValueError('retry_after must be an integer between 0 and %d' % MAX_RETRY_AFTER)
        if not _number(hang_ms) or not 0 <= hang_ms <= MAX_HANG_MS:
            raise ValueError("hang_ms must be a number between 0 and %d (the connection's socket timeout)" % MAX_HANG_MS)
        return {'fail_rate': float(rate), 'fail_status': status, 'latency_ms': float(latency), 'mode': mode,
                'routes': frozenset(routes) if routes is not None else None, 'count': count, 'retry_after': retry_after,
                'hang_ms': float(hang_ms)}

    def decide(self, route_key, pattern):
        """Return (latency_seconds, mode or None) for this request."""
        settings = self.settings
        routes = settings['routes']
        if routes is not None and route_key not in routes and pattern not in routes:
            return 0.0, None
        latency = settings['latency_ms'] / 1000.0
        if settings['fail_rate'] <= 0:
            return latency, None
        with self.lock:
            settings = self.settings
            if settings['fail_rate'] < 1 and self._random.random() >= settings['fail_rate']:
                return latency, None
            if settings['count'] is not None:
                if settings['count'] <= 0:
                    return latency, None
                settings['count'] -= 1
        return latency, settings['mode']

    def hang_seconds(self):
        return self.settings['hang_ms'] / 1000.0

    def status_response(self, family):
        settings = self.settings
        return status_response(family, settings['fail_status'], settings['retry_after'])


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def status_response(family, status, retry_after=1):
    """What a client sees from each service (or the proxy in front of it) for an injected status; 429 and 503 carry
    ``Retry-After: <retry_after>``."""
    headers = [('Retry-After', str(retry_after))] if status in (429, 503) else []
    if family in ('rackspace', 'identity'):
        if family == 'rackspace':
            response = rackspace.error(status, 'Injected fault', 'The mock server injected this %d response.' % status)
        else:
            response = rackspace.identity_error(status, 'Injected fault (%d)' % status)
        response.headers.extend(headers)
        return response
    if status in (429, 502, 503, 504):
        title = '%d %s' % (status, _REASONS[status])
        body = ('<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n'
                '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n' % (title, title))
        return Response(status, body.encode('ascii'), 'text/html', headers)
    return rails_json(status, {'error': {'code': 'error' if status >= 500 else 'bad_request', 'message': 'Injected fault'}}, headers)


def malformed_json_response():
    return Response(200, b'{"error": {"code": "injected", "message": "this body is cut', 'application/json; charset=utf-8')
