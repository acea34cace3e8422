# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Create many agent tokens on the mock server quickly (test set-up for pagination).

Usage: bulk_create.py SETTINGS_JSON COUNT LABEL [same]. Labels are LABEL-0000, LABEL-0001, ... or, with "same", all
LABEL. The settings file holds rax_identity_url, rax_username, rax_api_key and ca_path (a file, so that no secret
appears on a command line). Prints only the number of tokens created.
"""

from __future__ import annotations

import http.client
import json
import ssl
import sys
import urllib.parse


def connection(url, context):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPSConnection(parts.hostname, parts.port, context=context, timeout=30)


def request(conn_holder, url, context, method, path, body, headers):
    for _attempt in range(2):
        if conn_holder[0] is None:
            conn_holder[0] = connection(url, context)
        try:
            conn_holder[0].request(method, path, body=body, headers=headers)
            response = conn_holder[0].getresponse()
            data = response.read()
            return response, data
        except (http.client.HTTPException, OSError):
            conn_holder[0].close()
            conn_holder[0] = None
    raise SystemExit('request failed twice: %s %s' % (method, path))


def main():
    with open(sys.argv[1], encoding='utf-8') as handle:
        settings = json.load(handle)
    count, prefix = int(sys.argv[2]), sys.argv[3]
    same = sys.argv[4:] == ['same']
    context = ssl.create_default_context(cafile=settings['ca_path'])
    identity = settings['rax_identity_url'].rstrip('/') + '/tokens'
    holder = [None]
    body = json.dumps({'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': settings['rax_username'],
                                                                'apiKey': settings['rax_api_key']}}})
    response, data = request(holder, identity, context, 'POST', urllib.parse.urlsplit(identity).path, body,
                             {'Content-Type': 'application/json'})
    if response.status != 200:
        raise SystemExit('identity answered %s' % response.status)
    access = json.loads(data)['access']
    monitoring = [s for s in access['serviceCatalog'] if s.get('type') == 'rax:monitor'][0]
    base = monitoring['endpoints'][0]['publicURL']
    path = urllib.parse.urlsplit(base).path + '/agent_tokens'
    headers = {'X-Auth-Token': access['token']['id'], 'Content-Type': 'application/json'}
    for index in range(count):
        label = json.dumps({'label': prefix if same else '%s-%04d' % (prefix, index)})
        response, _data = request(holder, base, context, 'POST', path, label, headers)
        if response.status != 201:
            raise SystemExit('create answered %s' % response.status)
    print(count)


if __name__ == '__main__':
    main()
