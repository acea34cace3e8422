# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The seed: what the mock knows at start (and after POST /_mock/reset). See README.md for the format."""

from __future__ import annotations

import copy
import json
import re

from . import entities

DEFAULT_SEED = {
    'conjur': {
        'account': 'myorg',
        'users': [
            {'login': 'admin', 'api_key': 'rew7wc9nt3pr193mq562xvff1d3c98hxak1qqgs3zftbg93q1bpxj', 'password': 'MockAdmin-Passw0rd'},
            {'login': 'alice', 'api_key': '1reazdex5g2p5yfsfgezvsz12xg7rwz38h7fsn3exm3zs3j3911e',
             'privileges': {'provisioning/hosts': ['read']}},
            {'login': 'bob', 'api_key': '2mw5v0f3yqtvps2q1mc1488dzmg2xvmw5b59w40n1k3gg861d4va62',
             'privileges': {'provisioning/hosts': ['read', 'execute']}},
        ],
        'host_factories': [
            {'id': 'provisioning/hosts', 'layers': ['provisioning/layer']},
            {'id': 'provisioning/other', 'layers': ['provisioning/other-layer']},
        ],
        'hosts': [
            {'id': 'taken-host', 'owner': 'myorg:user:admin', 'api_key': '24fj2an1mc7dtd3xymwr83hgrq2s1epmswc1w3cx79205snmt3pkq1n9'},
            {'id': 'existing-host', 'owner': 'myorg:host_factory:provisioning/hosts',
             'api_key': 'xywrp73s780mk3f3akbq11yfean2paxcb91967q9h1835n8m1fa2fv3', 'layers': ['provisioning/layer']},
        ],
    },
    'rackspace': {
        'tenant_id': '123456',
        'username': 'rackuser',
        'api_key': 'b77202748abb8962b0612b69e740c2ea',
        'password': 'MockRack-Passw0rd',
        'auth_token': '4a2dfcf75d65b8cb7092c03ecc3d8d07',
        'agent_tokens': [],
        'entities': [],
    },
}

_PRIVILEGES = frozenset(('read', 'execute', 'update'))
_ENTITY_ID = re.compile(r'[A-Za-z0-9_.-]{1,64}')


class SeedError(ValueError):
    """The seed file does not follow the documented format."""


def load_seed(path=None):
    """Read and validate a seed file; sections it omits come from the default seed."""
    seed = copy.deepcopy(DEFAULT_SEED)
    if path:
        try:
            with open(path, encoding='utf-8') as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise SeedError('cannot read seed file %s: %s' % (path, exc.__class__.__name__))
        if not isinstance(data, dict) or not set(data) <= {'conjur', 'rackspace'}:
            raise SeedError('seed must be an object with "conjur" and/or "rackspace"')
        seed.update(copy.deepcopy(data))
    validate(seed)
    return seed


def validate(seed):
    conjur, rax = seed.get('conjur'), seed.get('rackspace')
    _expect(isinstance(conjur, dict), 'conjur must be an object')
    _expect(isinstance(conjur.get('account'), str) and conjur['account'] and ':' not in conjur['account']
            and '/' not in conjur['account'], 'conjur.account must be a non-empty string without ":" or "/"')
    for key in ('authn_api_key_default', 'host_factories_enabled'):
        _expect(isinstance(conjur.get(key, True), bool), 'conjur.%s must be true or false' % key)
    for user in conjur.get('users', []):
        _role(user, 'login', 'users')
    for hf in conjur.get('host_factories', []):
        _expect(isinstance(hf, dict) and _str(hf.get('id')), 'host_factories[].id must be a string')
        _expect(isinstance(hf.get('layers', []), list) and all(_str(x) for x in hf.get('layers', [])),
                'host_factories[].layers must be a list of strings')
        _expect(isinstance(hf.get('annotations', {}), dict), 'host_factories[].annotations must be an object')
        branch = hf.get('host_branch')
        _expect(branch is None or (_str(branch) and not branch.startswith('/') and not branch.endswith('/') and '//' not in branch),
                'host_factories[].host_branch must be a policy path such as "data/ansible" (no leading, trailing or double "/")')
    for host in conjur.get('hosts', []):
        _role(host, 'id', 'hosts')
        _expect(_str(host.get('owner', 'x')), 'hosts[].owner must be a string')
        _expect(isinstance(host.get('annotations', {}), dict), 'hosts[].annotations must be an object')
    _expect(isinstance(rax, dict), 'rackspace must be an object')
    for key in ('tenant_id', 'username', 'api_key'):
        _expect(_str(rax.get(key)), 'rackspace.%s must be a non-empty string' % key)
    for key in ('password', 'auth_token'):
        _expect(rax.get(key) is None or _str(rax.get(key)), 'rackspace.%s must be a string' % key)
    for item in rax.get('agent_tokens', []):
        _expect(isinstance(item, dict) and (item.get('label') is None or isinstance(item.get('label'), str)),
                'rackspace.agent_tokens[] must be objects with an optional string label')
    _entities(rax.get('entities', []))


def _entities(items):
    _expect(isinstance(items, list), 'rackspace.entities must be a list')
    seen = set()
    for index, item in enumerate(items):
        _expect(isinstance(item, dict), 'rackspace.entities[%d] must be an object' % index)
        entity_id = item.get('id')
        _expect(entity_id is None or (isinstance(entity_id, str) and _ENTITY_ID.fullmatch(entity_id) and entity_id not in seen),
                'rackspace.entities[%d].id must be a unique string of 1 to 64 letters, digits, "_", "." or "-"' % index)
        seen.add(entity_id)
        try:
            entities.validate({k: v for k, v in item.items() if k != 'id'}, creating=True)
        except entities.Invalid as exc:
            raise SeedError('rackspace.entities[%d].%s: %s' % (index, exc.key, exc.details))


def _role(role, key, where):
    _expect(isinstance(role, dict) and _str(role.get(key)), '%s[].%s must be a non-empty string' % (where, key))
    _expect(role.get('api_key') is None or _str(role.get('api_key')), '%s[].api_key must be a string' % where)
    privileges = role.get('privileges', {})
    _expect(isinstance(privileges, dict) and all(isinstance(v, list) and set(v) <= _PRIVILEGES for v in privileges.values()),
            '%s[].privileges must map host factory ids (or host:<id>, user:<login>) to lists of read/execute/update' % where)
    _expect(isinstance(role.get('restricted_to', []), list), '%s[].restricted_to must be a list' % where)


def _str(value):
    return isinstance(value, str) and value != ''


def _expect(condition, message):
    if not condition:
        raise SeedError(message)
