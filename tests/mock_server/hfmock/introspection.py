# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Loopback-only introspection under /_mock/: stats, faults, clock, reset, secrets, hosts, shutdown."""

from __future__ import annotations

import json

from .messages import empty, plain_json
from .timefmt import iso_ms


def _error(status, message):
    return plain_json(status, {'error': message})


def _json_body(req):
    if not req.body.strip():
        return {}
    body = json.loads(req.body)
    if not isinstance(body, dict):
        raise ValueError('body must be a JSON object')
    return body


def stats(app, _req):
    state = app.state
    now = state.now()
    with state.lock:
        return plain_json(200, {'requests_total': state.requests_total, 'requests': dict(state.requests),
                                'hosts': sum(1 for r in state.roles.values() if r.kind == 'host'),
                                'api_key_rotations': state.rotations,
                                'tokens_active': sum(1 for t in state.hf_tokens.values() if t.expires > now),
                                'agent_tokens': len(state.agent_tokens), 'entities': len(state.entities),
                                'entities_bound': sum(1 for e in state.entities.values() if e['agent_id'] is not None)})


def faults(app, req):
    if req.method == 'GET':
        return plain_json(200, app.faults.describe())
    try:
        return plain_json(200, app.faults.configure(_json_body(req)))
    except ValueError as exc:
        return _error(400, str(exc) if not isinstance(exc, json.JSONDecodeError) else 'body is not valid JSON')


def clock(app, req):
    state = app.state
    if req.method == 'POST':
        try:
            advance = _json_body(req).get('advance_seconds')
        except ValueError:
            return _error(400, 'body is not valid JSON')
        if not isinstance(advance, (int, float)) or isinstance(advance, bool):
            return _error(400, 'advance_seconds must be a number')
        with state.lock:
            state.offset += advance
    return plain_json(200, {'offset_seconds': state.offset, 'now': iso_ms(state.now())})


def reset(app, _req):
    with app.state.lock:
        app.state.load()
    app.faults.clear()
    return plain_json(200, {'reset': True})


def secrets(app, _req):
    state = app.state
    with state.lock:
        data = {key: list(dict.fromkeys(values)) for key, values in state.secrets.items()}
    return plain_json(200, data)


def hosts(app, _req):
    state = app.state
    with state.lock:
        records = [{'id': r.full_id, 'owner': r.owner, 'annotations': [{'name': n, 'value': v} for n, v in r.annotations],
                    'layers': list(r.layers), 'api_key_rotations': r.rotations, 'created_at': iso_ms(r.created_at)}
                   for r in state.roles.values() if r.kind == 'host']
    return plain_json(200, records)


def health(_app, _req):
    return plain_json(200, {'ok': True})


def shutdown(app, _req):
    app.request_shutdown()
    return empty(204)


ROUTES = {
    ('GET', '/_mock/stats'): stats,
    ('GET', '/_mock/faults'): faults,
    ('POST', '/_mock/faults'): faults,
    ('GET', '/_mock/clock'): clock,
    ('POST', '/_mock/clock'): clock,
    ('POST', '/_mock/reset'): reset,
    ('GET', '/_mock/secrets'): secrets,
    ('GET', '/_mock/hosts'): hosts,
    ('GET', '/_mock/health'): health,
    ('POST', '/_mock/shutdown'): shutdown,
}


def dispatch(app, req):
    handler = ROUTES.get((req.method, req.path.rstrip('/') or '/'))
    if handler is None:
        return _error(404, 'no such mock endpoint')
    return handler(app, req)
