# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""In-memory state shared by every route, guarded by one lock."""

from __future__ import annotations

import bisect
import os
import threading
import time

from . import entities
from .netaddr import CidrError, normalize_cidr
from .seed import SeedError
from .tokens import Signer, random_token

ALL_PRIVILEGES = frozenset(('read', 'execute', 'update'))


class Role:
    """A user or host: credentials, privileges and, for hosts, the resource record."""

    __slots__ = ('kind', 'identifier', 'full_id', 'api_key', 'password', 'privileges', 'restricted_to',
                 'owner', 'created_at', 'annotations', 'layers', 'policy', 'rotations')

    def __init__(self, kind, identifier, full_id, api_key):
        self.kind = kind
        self.identifier = identifier
        self.full_id = full_id
        self.api_key = api_key
        self.password = None
        self.privileges = {}
        self.restricted_to = ()
        self.owner = None
        self.created_at = 0.0
        self.annotations = ()
        self.layers = ()
        self.policy = None
        self.rotations = 0


class HostFactory:
    __slots__ = ('identifier', 'full_id', 'owner', 'layers', 'created_at', 'annotations', 'policy', 'tokens', 'permissions',
                 'host_branch')

    def __init__(self, identifier, full_id, owner, layers, created_at):
        self.identifier = identifier
        self.full_id = full_id
        self.owner = owner
        self.layers = layers
        self.created_at = created_at
        self.annotations = ()
        self.policy = None
        self.tokens = {}
        self.permissions = []
        self.host_branch = None


class HFToken:
    __slots__ = ('token', 'hf', 'expires', 'cidr', 'networks')

    def __init__(self, token, hf, expires, cidr, networks):
        self.token = token
        self.hf = hf
        self.expires = expires
        self.cidr = cidr
        self.networks = networks


class SortedCollection:
    """Objects by id plus their ids in sorted order: Rackspace lists page through a collection by id."""

    __slots__ = ('items', 'ids')

    def __init__(self):
        self.items = {}
        self.ids = []

    def __len__(self):
        return len(self.items)

    def __contains__(self, key):
        return key in self.items

    def __getitem__(self, key):
        return self.items[key]

    def get(self, key, default=None):
        return self.items.get(key, default)

    def values(self):
        return self.items.values()

    def put(self, key, value):
        if key not in self.items:
            bisect.insort(self.ids, key)
        self.items[key] = value

    def remove(self, key):
        del self.items[key]
        del self.ids[bisect.bisect_left(self.ids, key)]

    def page(self, marker, limit):
        """Up to ``limit + 1`` ids from ``marker`` on (inclusive): one more than a page tells whether another follows."""
        start = bisect.bisect_left(self.ids, marker) if marker else 0
        return self.ids[start:start + limit + 1]


class State:
    """Everything the mock remembers. Mutate only while holding ``lock``."""

    def __init__(self, seed):
        self.lock = threading.Lock()
        self.seed = seed
        self.offset = 0.0
        # Every secret issued or seeded during the life of the process; /_mock/reset keeps them, so that a leak
        # check run at the end still sees what was issued before a reset.
        self.secrets = {'api_keys': [], 'hf_tokens': [], 'access_tokens': [], 'agent_tokens': [], 'auth_tokens': [], 'seeded': []}
        self.load()

    def now(self):
        return time.time() + self.offset

    def load(self):
        """(Re)build the seeded state; also zeroes stats and the clock offset (issued secrets are kept)."""
        conjur, rax = self.seed['conjur'], self.seed['rackspace']
        self.offset = 0.0
        now = self.now()
        self.account = account = conjur['account']
        self.signer = Signer(account)
        self.api_key_default = conjur.get('authn_api_key_default', True)
        self.hf_enabled = conjur.get('host_factories_enabled', True)
        self.requests_total = 0
        self.requests = {}
        self.rotations = 0
        self.roles = {}
        self.hfs = {}
        self.hf_tokens = {}
        self.layers = set()
        for user in conjur.get('users', []):
            role = self._seed_role('user', user['login'], user, None)
            role.password = user.get('password')
            if role.password:
                self.secrets['seeded'].append(role.password)
        for item in conjur.get('host_factories', []):
            hf = HostFactory(item['id'], '%s:host_factory:%s' % (account, item['id']), item.get('owner', '%s:user:admin' % account),
                             tuple(self.qualify('layer', x) for x in item.get('layers', [])), now)
            hf.annotations = _annotations(item.get('annotations', {}))
            hf.policy = '%s:policy:root' % account
            hf.host_branch = item.get('host_branch')
            self.hfs[hf.identifier] = hf
            self.layers.update(hf.layers)
        for item in conjur.get('hosts', []):
            host = self._seed_role('host', item['id'], item, {})
            host.owner = item.get('owner', '%s:user:admin' % account)
            host.created_at = now
            host.annotations = _annotations(item.get('annotations', {}))
            host.layers = tuple(self.qualify('layer', x) for x in item.get('layers', []))
            host.policy = '%s:policy:root' % account
        for role in self.roles.values():
            for identifier, privileges in (role.privileges or {}).items():
                if identifier in self.hfs:
                    self.hfs[identifier].permissions.extend((role.full_id, p) for p in sorted(privileges))
        self.tenant = rax['tenant_id']
        self.rax_user, self.rax_key, self.rax_password = rax['username'], rax['api_key'], rax.get('password')
        self.auth_tokens = {}
        self.secrets['seeded'].extend(x for x in (self.rax_key, self.rax_password, rax.get('auth_token')) if x)
        if rax.get('auth_token'):
            self.auth_tokens[rax['auth_token']] = None
        self.agent_tokens = SortedCollection()
        for item in rax.get('agent_tokens', []):
            self.add_agent_token(item.get('label'), item.get('id'))
        self.entities = SortedCollection()
        for item in rax.get('entities', []):
            self.add_entity(entities.validate({k: v for k, v in item.items() if k != 'id'}, creating=True), item.get('id'))

    def _seed_role(self, kind, identifier, item, default_privileges):
        api_key = item.get('api_key') or random_token()
        role = Role(kind, identifier, '%s:%s:%s' % (self.account, kind, identifier), api_key)
        role.privileges = {self._privilege_key(k): frozenset(v) for k, v in item['privileges'].items()} \
            if 'privileges' in item else default_privileges
        try:
            role.restricted_to = tuple(normalize_cidr(x) for x in item.get('restricted_to', []))
        except CidrError as exc:
            raise SeedError(str(exc))
        self.roles[role.full_id] = role
        self.secrets['seeded'].append(api_key)
        return role

    def _privilege_key(self, name):
        """A seed privileges key: ``host:<id>``/``user:<login>`` (or fully qualified) name a role by its full id;
        anything else names a host factory by its identifier (``<account>:host_factory:`` is stripped)."""
        parts = name.split(':', 2)
        if len(parts) == 3 and parts[0] == self.account and parts[1] in ('host', 'user'):
            return name
        if len(parts) >= 2 and parts[0] in ('host', 'user'):
            return '%s:%s' % (self.account, name)
        prefix = '%s:host_factory:' % self.account
        return name[len(prefix):] if name.startswith(prefix) else name

    def qualify(self, kind, identifier):
        return identifier if identifier.count(':') >= 2 else '%s:%s:%s' % (self.account, kind, identifier)

    def role_id_for_login(self, login):
        """Conjur's login → role id mapping: host/x → acct:host:x, user/x or x → acct:user:x."""
        kind, slash, rest = login.partition('/')
        if slash and kind in ('host', 'user') and rest:
            return '%s:%s:%s' % (self.account, kind, rest)
        return '%s:user:%s' % (self.account, login)

    def count_request(self, key):
        with self.lock:
            self.requests_total += 1
            self.requests[key] = self.requests.get(key, 0) + 1

    def add_agent_token(self, label, token_id=None):
        """Caller holds the lock (or is loading). Returns the new id (== token value)."""
        token_id = token_id or '%s.%s' % (random_token_hex(), self.tenant)
        self.agent_tokens.put(token_id, label)
        self.secrets['agent_tokens'].append(token_id)
        return token_id

    def add_entity(self, fields, entity_id=None):
        """Caller holds the lock (or is loading). ``fields`` come from entities.validate. Returns the new id."""
        while entity_id is None or entity_id in self.entities:
            entity_id = entities.new_id()
        self.entities.put(entity_id, entities.new_record(entity_id, fields, int(self.now() * 1000)))
        return entity_id

    def host_factory_by_id(self, full_id):
        """The host factory whose full id is ``full_id``, or None."""
        account, _sep, rest = full_id.partition(':')
        kind, _sep, identifier = rest.partition(':')
        return self.hfs.get(identifier) if account == self.account and kind == 'host_factory' else None

    def owns(self, role_id, owner):
        """Whether ``role_id`` owns what ``owner`` owns: it is the owner, or owns the owner (a host factory or a role)
        through a chain of owners, since Conjur makes the owner of a role a member of it."""
        for _depth in range(8):
            if owner is None:
                return False
            if owner == role_id:
                return True
            hf = self.host_factory_by_id(owner)
            record = hf if hf is not None else self.roles.get(owner)
            owner = record.owner if record is not None else None
        return False

    def role_privileges(self, caller, key, owner):
        """The privileges ``caller`` holds on a resource: all of them for admins (no ``privileges`` in the seed) and
        owners, else what its seed ``privileges`` list under ``key`` (a full role id or a host factory identifier)."""
        if caller.privileges is None or self.owns(caller.full_id, owner):
            return ALL_PRIVILEGES
        return caller.privileges.get(key, frozenset())

    @staticmethod
    def visible(role, hf):
        return role.privileges is None or hf.owner == role.full_id or bool(role.privileges.get(hf.identifier))

    @staticmethod
    def allowed(role, hf, privilege):
        return role.privileges is None or hf.owner == role.full_id or privilege in role.privileges.get(hf.identifier, ())


def random_token_hex():
    return os.urandom(32).hex()


def _annotations(mapping):
    return tuple(sorted((str(k), str(v)) for k, v in mapping.items()))
