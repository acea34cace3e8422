# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A scripted stand-in for the network attempt of HttpClient, shared by the Conjur client and module unit tests.

Only HttpClient._attempt (one HTTP exchange) is replaced: retries, status checks and redaction stay real.
"""

from __future__ import annotations

import base64
import json
import urllib.parse

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import (
    CONJUR_MUTUALLY_EXCLUSIVE,
    conjur_argument_spec,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import ConjurConnection
from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import Response, strip_query

API_KEY = '1tq3kbm2y1nfkq3z0hxaed5s0wq2ke8v3gq2wjyz6ar1rvqv2mwhgt'
TOKEN_JSON = b'{"protected":"eyJhbGciOiJjb25qdXIub3JnL3Nsb3NpbG8vdjIifQ==","payload":"eyJzdWIiOiJhZG1pbiJ9","signature":"c2ln"}'
TOKEN_B64 = base64.b64encode(TOKEN_JSON).decode()
HF_TOKEN = '1bcarsc2bqvsxt6cnd74xem8yf15gtma71vp23y315n0z201c1jza7'
AUTHN_OK = (200, TOKEN_B64, {'Content-Encoding': 'base64'})
ALL_ENV = ('CONJUR_APPLIANCE_URL', 'CONJUR_ACCOUNT', 'CONJUR_AUTHN_LOGIN', 'CONJUR_AUTHN_API_KEY',
           'CONJUR_AUTHN_TOKEN_FILE', 'CONJUR_CERT_FILE', 'CONJUR_CERT_CONTENT', 'CONJUR_VERSION', 'CONJUR_CONFIG_FILE')
BASE = {'appliance_url': 'https://conjur.example.com', 'account': 'myorg', 'login': 'admin', 'api_key': API_KEY,
        'config_file': '/nonexistent/conjur.conf'}


def token_not_found(token):
    """Conjur's answer to DELETE /host_factory_tokens/{token} for a token it does not know: a record not found (404
    with a JSON body), not a missing route (404 with an empty body)."""
    return (404, {'error': {'code': 'not_found', 'message': "Host_factory_token '%s' not found in account '*'" % token,
                            'target': 'host_factory_token',
                            'details': {'code': 'not_found', 'target': 'id', 'message': '*:host_factory_token:' + token}}})


def resolve(args, login_required=True, warn=None):
    """Validate C(args) with the real argument spec (defaults), then resolve the connection (environment, conf)."""
    validator = ArgumentSpecValidator(conjur_argument_spec(with_login=True),
                                      mutually_exclusive=CONJUR_MUTUALLY_EXCLUSIVE)
    result = validator.validate(dict(args))
    assert not result.error_messages, result.error_messages
    return ConjurConnection.resolve(result.validated_parameters, warn=warn, credentials=login_required)


class FakeServer:
    """Replaces HttpClient._attempt: answers by (method, path) from a script; records every attempt.

    A step is C((status, body[, headers])), or an exception that the attempt raises.
    """

    def __init__(self, http=None):
        self.http = None
        self.calls = []
        self.routes = {}
        if http is not None:
            self.attach(http)

    def attach(self, http):
        """Route every network attempt of C(http) to this fake."""
        self.http = http
        http._attempt = self
        return http

    def on(self, method, path, *steps):
        self.routes[(method, path)] = list(steps)

    def __call__(self, method, url, data, headers):
        parts = urllib.parse.urlsplit(url)
        self.calls.append({'method': method, 'url': url, 'path': parts.path, 'query': parts.query,
                           'data': data, 'headers': dict(headers)})
        steps = self.routes.get((method, parts.path))
        if not steps:
            step = (404, '')
        elif len(steps) > 1:
            step = steps.pop(0)
        else:
            step = steps[0]
        if isinstance(step, Exception):  # a failed attempt, e.g. a lost answer
            raise step
        status, body = step[0], step[1]
        headers = step[2] if len(step) > 2 else {}
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        return Response(status, headers, body, url=self.http.redact(strip_query(url)), redact=self.http.redact)

    def form(self, index):
        return urllib.parse.parse_qsl(self.calls[index]['data'], keep_blank_values=True)

    def paths(self):
        return ['%s %s' % (c['method'], c['path']) for c in self.calls]
