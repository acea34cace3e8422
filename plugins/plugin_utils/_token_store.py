# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this plugin util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Host factory tokens minted on the controller during one run of ansible-playbook, shared by the worker processes.

The hostfactory_enroll action plugin runs in a worker process forked for each host. The store is a directory in
the controller's private temporary directory of the run (created 0700 by the main process before it forks, removed
when the run ends): one JSON file per mint key (appliance, account, host factory, CIDR, login), written atomically
with mode 0600, and a lock file that makes sure only one worker mints.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile

from ansible import constants as C

from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import CollectionError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._hostfactory_tokens import seconds_left

# A shared token with less life left than this is not handed out any more; a fresh one is minted.
MIN_REMAINING = 120


class StoreError(CollectionError):
    """Minting failed (now or in another worker earlier in this run); C(str()) is a one-line, secret-free reason."""


def default_store_dir():
    """The store of this run of ansible-playbook, in its private temporary directory."""
    return os.path.join(C.DEFAULT_LOCAL_TMP, 'hostfactory_enroll')


class TokenStore:
    """Host factory tokens minted in this run, shared by all worker processes (one JSON file per mint key)."""

    def __init__(self, directory):
        self.directory = directory

    @staticmethod
    def key(appliance_url, account, host_factory, cidr, login):
        material = json.dumps([appliance_url, account, host_factory, sorted(cidr or []), login or ''])
        return hashlib.sha256(material.encode('utf-8')).hexdigest()[:32]

    @staticmethod
    def purpose_key(purpose, *parts):
        """A key for something else than a mint (C(purpose) such as C(preflight) or C(session)); never a mint key."""
        material = json.dumps([purpose] + [part or '' for part in parts])
        return purpose + '-' + hashlib.sha256(material.encode('utf-8')).hexdigest()[:32]

    def _path(self, key, suffix='.json'):
        return os.path.join(self.directory, key + suffix)

    def access_token_file(self, key):
        """Where the access token that minted under C(key) is kept, so that revoking needs no new login."""
        return self._path(key, '.authn')

    @contextlib.contextmanager
    def lock(self):
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        fd = os.open(os.path.join(self.directory, 'lock'), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def read(self, key):
        try:
            with open(self._path(key), 'r', encoding='utf-8') as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def write(self, key, entry):
        """Replace the entry of C(key) atomically (mode 0600)."""
        self._write_file(self._path(key), json.dumps(entry))

    def write_access_token(self, key, token):
        self._write_file(self.access_token_file(key), token)

    def _write_file(self, path, text):
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix='.entry-')  # mkstemp creates the file 0600
        try:
            with os.fdopen(fd, 'w', encoding='utf-8') as handle:
                handle.write(text)
            os.rename(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def entries(self):
        try:
            names = sorted(os.listdir(self.directory))
        except OSError:
            return []
        # the mint entries only: the keys of other purposes (L(purpose_key)) hold a '-'
        return [(name[:-5], self.read(name[:-5])) for name in names if name.endswith('.json') and '-' not in name]

    def remove(self, key):
        for path in (self._path(key), self.access_token_file(key)):
            with contextlib.suppress(OSError):
                os.unlink(path)

    @staticmethod
    def usable(entry, now=None):
        """The token of C(entry) when it has enough life left, else None."""
        if not entry or not entry.get('token'):
            return None
        left = seconds_left(entry.get('expiration'), now)
        if left is not None and left < MIN_REMAINING:
            return None
        return entry['token']

    def once(self, key, work):
        """The outcome of C(work)() under C(key), running it under the lock only the first time in this run.

        C(work) returns a dict (kept and returned to every later caller) or raises L(StoreError), which is kept too:
        every later caller gets the same error without doing the work again.
        """
        with self.lock():
            entry = self.read(key)
            if entry is None:
                try:
                    entry = dict(work())
                except StoreError as exc:
                    entry = {'error': str(exc)}
                self.write(key, entry)
        if entry.get('error'):
            raise StoreError(entry['error'])
        return entry

    def shared_token(self, key, mint):
        """The usable token under C(key), minting it with C(mint)() under the lock when there is none.

        A failed mint is remembered, so that the other hosts fail with the same message without sending requests.
        C(mint) returns the entry fields (at least C(token) and C(expiration); an C(access_token) goes to its own
        file, see L(access_token_file)) or raises L(StoreError).
        """
        with self.lock():
            entry = self.read(key) or {}
            if entry.get('error'):
                raise StoreError(entry['error'])
            token = self.usable(entry)
            if token:
                return token
            try:
                minted = dict(mint())
            except StoreError as exc:
                entry['error'] = str(exc)
                self.write(key, entry)
                raise
            access_token = minted.pop('access_token', None)
            if access_token:
                self.write_access_token(key, access_token)
            entry.update(minted, minted=entry.get('minted', []) + [minted['token']])
            self.write(key, entry)
            return minted['token']
