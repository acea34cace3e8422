# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this plugin util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Host factory tokens minted on the controller during one run of ansible-playbook, shared by the worker processes.

The hostfactory_enroll action plugin runs in a worker process forked for each host. The store is a directory in
the controller's private temporary directory of the run (created 0700 by the main process before it forks, removed
by Ansible when the run ends): one JSON file per mint key (appliance, account, host factory, CIDR, login), written
atomically with mode 0600, the access token that minted it (its own 0600 file), a lock file that makes sure only one
worker mints, and C(owner.json): the process id and start time of the run's ansible-playbook process.

A token is I(held) by a worker while it runs the module with it (L(TokenStore.hold)); the revoking task of a host
revokes only tokens that no live process holds, and otherwise asks the last holder to revoke when it lets go. So a
host that is still enrolling never sees its token revoked, under any strategy.

A run that was killed leaves its store behind (Ansible cannot remove its temporary directory): L(stale_stores) finds
the stores of runs whose ansible-playbook process is gone, so that a later run revokes and removes them.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import hashlib
import json
import os
import shutil
import tempfile
import uuid

from ansible import constants as C

from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import CollectionError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._hostfactory_tokens import seconds_left

# A shared token with less life left than this is not handed out any more; a fresh one is minted.
MIN_REMAINING = 120
STORE_NAME = 'hostfactory_enroll'
RUN_DIR_PREFIX = 'ansible-local-'  # how Ansible names the per-run temporary directory of the controller


class StoreError(CollectionError):
    """Minting failed (now or in another worker earlier in this run); C(str()) is a one-line, secret-free reason."""


def default_store_dir():
    """The store of this run of ansible-playbook, in its private temporary directory."""
    return os.path.join(C.DEFAULT_LOCAL_TMP, STORE_NAME)


# -- processes ------------------------------------------------------------------------------------------------------
def _proc_stat(pid):
    """The fields of /proc/<pid>/stat after the command name (which is in parentheses and may itself hold spaces
    and parentheses): [state, ppid, ...]; None where they cannot be read (not Linux, or no such process)."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as handle:
            stat = handle.read()
        return stat[stat.rindex(b')') + 2:].split()
    except (OSError, ValueError):
        return None


def process_start(pid):
    """The start time of process C(pid) in clock ticks since boot (Linux), so that a reused pid is not taken for the
    same process; None where it cannot be read."""
    fields = _proc_stat(pid)
    try:
        return int(fields[19])
    except (TypeError, ValueError, IndexError):
        return None


def process_record(pid):
    return {'pid': pid, 'start': process_start(pid)}


def process_alive(record):
    """Whether the process of C(record) (L(process_record)) still runs; a record without a pid counts as alive."""
    pid = (record or {}).get('pid')
    if not isinstance(pid, int):
        return True
    try:
        os.kill(pid, 0)
    except OSError as exc:
        if exc.errno == errno.ESRCH:
            return False
    fields = _proc_stat(pid)
    if fields and fields[0] in (b'Z', b'X'):
        return False  # killed, and not reaped (yet) by its parent
    start = record.get('start')
    return start is None or process_start(pid) in (None, start)


def run_owner(directory):
    """The record of the ansible-playbook process that owns the store C(directory): the parent of this worker when
    it created the run's temporary directory (whose name Ansible starts with the creator's pid), else unknown."""
    parent = os.getppid()
    run_dir = os.path.basename(os.path.dirname(os.path.abspath(directory)))
    if run_dir.startswith('%s%d' % (RUN_DIR_PREFIX, parent)):
        return process_record(parent)
    return {'pid': None, 'start': None}


def stale_stores(directory):
    """The stores next to C(directory) (in the other runs' temporary directories) whose run is no longer alive."""
    own = os.path.realpath(directory)
    runs = os.path.dirname(os.path.dirname(own))
    found = []
    for path in sorted(glob.glob(os.path.join(runs, RUN_DIR_PREFIX + '*', STORE_NAME))):
        if os.path.realpath(path) == own or os.path.islink(path):
            continue
        store = TokenStore(path)
        owner = store.owner()
        if owner and isinstance(owner.get('pid'), int) and not process_alive(owner):
            found.append(store)
    return found


class TokenStore:
    """Host factory tokens minted in this run, shared by all worker processes (one JSON file per mint key).

    An entry: C(token) and C(expiration) of the token handed out, C(connection) (the public settings that reach the
    server again; never a credential), C(minted) (every token minted under this key and not yet revoked, as
    C({token, expiration})), C(holders) (C({id: process record}) of the workers that use the token right now),
    C(revoke_wanted) (a revocation was asked for while the token was held), C(error) (a failed mint).
    """

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

    # -- files ------------------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, blocking=True, create=True):
        """Hold the store's lock; with C(blocking=False), yield False at once when another process holds it; with
        C(create=False), yield False when the store does not exist (any more)."""
        created = not os.path.isdir(self.directory)
        if created and not create:
            yield False
            return
        if create:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
        try:
            fd = os.open(os.path.join(self.directory, 'lock'), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except FileNotFoundError:  # removed meanwhile
            yield False
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
                acquired = True
            except BlockingIOError:
                acquired = False
            if not acquired:
                yield False
                return
            try:
                if created or self.owner() is None:
                    self._write_file(os.path.join(self.directory, 'owner.json'), json.dumps(run_owner(self.directory)))
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def owner(self):
        return self._read_json(os.path.join(self.directory, 'owner.json'))

    def read(self, key):
        return self._read_json(self._path(key))

    @staticmethod
    def _read_json(path):
        try:
            with open(path, 'r', encoding='utf-8') as handle:
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
        return [(name[:-5], self.read(name[:-5])) for name in names
                if name.endswith('.json') and name != 'owner.json' and '-' not in name]

    def remove(self, key):
        for path in (self._path(key), self.access_token_file(key)):
            with contextlib.suppress(OSError):
                os.unlink(path)

    def first_reaping(self):
        """True the first time it is called during the run of this store (under the lock), False afterwards."""
        marker = os.path.join(self.directory, 'reaped')
        with self.lock():
            try:
                os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
            except FileExistsError:
                return False
        return True

    def destroy(self):
        """Remove the whole store, and the run's temporary directory around it when nothing else is left in it."""
        shutil.rmtree(self.directory, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(self.directory))

    # -- tokens -----------------------------------------------------------------------------------------------------
    @staticmethod
    def usable(entry, now=None):
        """The token of C(entry) when it has enough life left, else None."""
        if not entry or not entry.get('token'):
            return None
        left = seconds_left(entry.get('expiration'), now)
        if left is not None and left < MIN_REMAINING:
            return None
        return entry['token']

    @staticmethod
    def minted(entry):
        """The tokens minted under C(entry) and not revoked yet, as C({token, expiration}) dicts."""
        return [item if isinstance(item, dict) else {'token': item, 'expiration': None}
                for item in (entry or {}).get('minted') or []]

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

    @staticmethod
    def live_holders(entry):
        return [holder for holder, record in sorted(((entry or {}).get('holders') or {}).items())
                if process_alive(record)]

    def _mint(self, key, entry, mint):
        """Mint with C(mint)() into C(entry) (under the lock); a failure is remembered, so that the other hosts fail
        with the same message without sending requests."""
        try:
            minted = dict(mint())
        except StoreError as exc:
            entry['error'] = str(exc)
            self.write(key, entry)
            raise
        access_token = minted.pop('access_token', None)
        if access_token:
            self.write_access_token(key, access_token)
        tokens = minted.pop('tokens', None) or [minted]
        entry.update(minted, minted=self.minted(entry) + [{'token': t['token'], 'expiration': t.get('expiration')}
                                                          for t in tokens])
        return entry

    @contextlib.contextmanager
    def hold(self, key, mint=None, release=None):
        """Yield the usable token under C(key), held by this process until the block ends; None when there is none
        and C(mint) is None. Otherwise C(mint)() mints one under the lock: it returns the entry fields (at least
        C(token) and C(expiration); C(tokens), every token the mint may have created, all to revoke; an
        C(access_token), kept in its own file, see L(access_token_file)) or raises L(StoreError).

        When this process lets go of the token as the last live holder and a revocation was asked for meanwhile
        (L(revocation_wanted)), C(release)(key, entry) is called under the lock to revoke it.
        """
        holder = None
        with self.lock():
            entry = self.read(key) or {}
            if entry.get('error'):
                raise StoreError(entry['error'])
            token = self.usable(entry)
            if not token and mint is not None:
                entry = self._mint(key, entry, mint)
                token = entry['token']
            if token:
                holder = '%d-%s' % (os.getpid(), uuid.uuid4().hex[:8])
                entry.setdefault('holders', {})[holder] = process_record(os.getpid())
                self.write(key, entry)
        try:
            yield token
        finally:
            if holder:
                with self.lock():
                    entry = self.read(key)
                    if entry is not None:
                        (entry.get('holders') or {}).pop(holder, None)
                        if entry.get('revoke_wanted') and not self.live_holders(entry) and release is not None:
                            release(key, entry)
                        else:
                            self.write(key, entry)

    def revocation_wanted(self, key, entry):
        """Record (under the lock) that the tokens of C(key) must be revoked as soon as nobody holds them."""
        self.write(key, dict(entry, revoke_wanted=True))

    def settle(self, key, entry, left):
        """After a revocation (under the lock): keep the tokens C(left) to revoke later, or drop the entry."""
        if left:
            self.write(key, dict(entry, minted=left, token=None, revoke_wanted=False))
        else:
            self.remove(key)
