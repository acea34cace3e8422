# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print what bad input must not change, as JSON: the mock's counters and every file under a directory.

Usage: python snapshot.py MOCK_URL CA_PATH DIRECTORY
Output: {"server": {hosts, tokens_active, api_key_rotations, agent_tokens, entities, entities_bound, entity_writes},
         "files": ["path sha256 mode", ...],
         "requests": requests_total (every request the mock answered; /_mock/ ones are not counted)}
"""
from __future__ import annotations

import hashlib
import json
import os
import ssl
import stat
import sys
import urllib.request

COUNTERS = ('hosts', 'tokens_active', 'api_key_rotations', 'agent_tokens', 'entities', 'entities_bound')
ENTITY_WRITES = ('POST /v1.0/{tenant}/entities', 'PUT /v1.0/{tenant}/entities/{id}', 'DELETE /v1.0/{tenant}/entities/{id}')


def stats(url, ca_path):
    context = ssl.create_default_context(cafile=ca_path)
    with urllib.request.urlopen(url + '/_mock/stats', context=context, timeout=30) as response:
        return json.load(response)


def enrollment_lock(path, info):
    """The enrollment lock next to an identity file: empty, 0600, created by the first run that may write and left in
    place by design (see _files.FileLock). A case that reaches the server may leave it; nothing else may appear."""
    return (path.endswith('.identity.lock') and stat.S_ISREG(info.st_mode) and info.st_size == 0
            and stat.S_IMODE(info.st_mode) == 0o600)


def files(top):
    found = []
    for dirpath, dirnames, filenames in os.walk(top):
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            info = os.lstat(path)
            if enrollment_lock(path, info):
                continue
            digest = '-'
            if stat.S_ISREG(info.st_mode):
                with open(path, 'rb') as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            found.append('%s %s %04o' % (os.path.relpath(path, top), digest, stat.S_IMODE(info.st_mode)))
    return sorted(found)


def main(url, ca_path, top):
    counters = stats(url, ca_path)
    server = dict((name, counters[name]) for name in COUNTERS)
    # A bind that moves an entity from one agent to another changes neither count: count the writes too.
    server['entity_writes'] = sum(counters['requests'].get(route, 0) for route in ENTITY_WRITES)
    print(json.dumps({'server': server, 'files': files(top), 'requests': counters['requests_total']}))


if __name__ == '__main__':
    main(*sys.argv[1:4])
