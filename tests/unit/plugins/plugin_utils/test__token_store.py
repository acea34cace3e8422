# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
import stat
import subprocess
import time

import pytest

from ansible_collections.hostfactory.enrollment.plugins.plugin_utils._token_store import (
    MIN_REMAINING,
    StoreError,
    TokenStore,
    process_alive,
    process_record,
    process_start,
    stale_stores,
)

HF_TOKEN = '1bcarsc2bqvsxt6cnd74xem8yf15gtma71vp23y315n0z201c1jza7'


def iso(seconds_from_now):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


class Minter:
    def __init__(self, lifetime=600):
        self.calls = 0
        self.lifetime = lifetime

    def __call__(self):
        self.calls += 1
        return {'token': '%s-%d' % (HF_TOKEN, self.calls), 'expiration': iso(self.lifetime),
                'access_token': 'ZXlKaGJHY2lPaUpJVXpJMU5pSjk=', 'connection': {'account': 'myorg'}}


@pytest.fixture
def store(tmp_path):
    return TokenStore(str(tmp_path / 'store'))


def test_key_depends_on_what_the_token_is_for():
    base = TokenStore.key('https://c', 'myorg', 'hf', ['10.0.0.0/8'], 'admin')
    assert base == TokenStore.key('https://c', 'myorg', 'hf', ['10.0.0.0/8'], 'admin')
    assert TokenStore.key('https://c', 'myorg', 'hf', ['10.0.0.0/8', '10.1.0.0/16'], 'admin') == \
        TokenStore.key('https://c', 'myorg', 'hf', ['10.1.0.0/16', '10.0.0.0/8'], 'admin')
    others = [TokenStore.key('https://d', 'myorg', 'hf', ['10.0.0.0/8'], 'admin'),
              TokenStore.key('https://c', 'other', 'hf', ['10.0.0.0/8'], 'admin'),
              TokenStore.key('https://c', 'myorg', 'hf2', ['10.0.0.0/8'], 'admin'),
              TokenStore.key('https://c', 'myorg', 'hf', [], 'admin'),
              TokenStore.key('https://c', 'myorg', 'hf', ['10.0.0.0/8'], 'bob')]
    assert base not in others and len(set(others)) == len(others)


def held(store, key, mint=None, release=None):
    """The token C(hold) hands out, let go of at once."""
    with store.hold(key, mint, release) as token:
        return token


def test_mints_once_and_shares_the_token(store):
    mint = Minter()
    first = held(store, 'k', mint)
    second = held(store, 'k', mint)
    assert first == second == HF_TOKEN + '-1'
    assert mint.calls == 1
    entry = store.read('k')
    assert entry['minted'] == [{'token': first, 'expiration': entry['expiration']}]
    assert 'access_token' not in entry and entry['holders'] == {}
    with open(store.access_token_file('k'), encoding='utf-8') as handle:
        assert handle.read() == 'ZXlKaGJHY2lPaUpJVXpJMU5pSjk='


def test_without_a_minter_there_is_no_token_and_no_hold(store):
    assert held(store, 'k') is None
    assert store.read('k') is None


def test_every_token_a_mint_may_have_created_is_kept_for_revoking(store):
    def lost_answer():
        return {'token': 'a' * 20, 'expiration': iso(600),
                'tokens': [{'token': 'a' * 20, 'expiration': iso(600)}, {'token': 'b' * 20, 'expiration': iso(600)}]}
    assert held(store, 'k', lost_answer) == 'a' * 20
    assert [item['token'] for item in TokenStore.minted(store.read('k'))] == ['a' * 20, 'b' * 20]


def test_files_are_private(store):
    held(store, 'k', Minter())
    assert stat.S_IMODE(os.stat(store.directory).st_mode) == 0o700
    for name in os.listdir(store.directory):
        assert stat.S_IMODE(os.stat(os.path.join(store.directory, name)).st_mode) == 0o600, name


@pytest.mark.parametrize('use', ['hold', 'once'])
def test_a_failure_is_remembered(store, use):
    calls = []

    def failing():
        calls.append(1)
        raise StoreError('cannot mint one on the controller: authentication failed')

    for _attempt in range(3):
        with pytest.raises(StoreError, match='^cannot mint one on the controller: authentication failed$'):
            if use == 'hold':
                held(store, 'k', failing)
            else:
                store.once('k', failing)
    assert len(calls) == 1


def test_a_token_about_to_expire_is_replaced_and_both_are_kept_for_revoking(store):
    mint = Minter(lifetime=MIN_REMAINING - 30)
    first = held(store, 'k', mint)
    mint.lifetime = 3600
    second = held(store, 'k', mint)
    assert first != second
    assert [item['token'] for item in TokenStore.minted(store.read('k'))] == [first, second]
    assert store.usable(store.read('k')) == second


# -- holding and revoking ------------------------------------------------------------------------------------------
def test_a_held_token_is_listed_as_held_until_let_go(store):
    with store.hold('k', Minter()):
        with store.hold('k') as again:
            assert again == HF_TOKEN + '-1'
            assert len(TokenStore.live_holders(store.read('k'))) == 2
        assert len(TokenStore.live_holders(store.read('k'))) == 1
    assert TokenStore.live_holders(store.read('k')) == []


def test_the_last_holder_revokes_when_asked_meanwhile(store):
    released = []

    def release(key, entry):
        released.append((key, [item['token'] for item in TokenStore.minted(entry)]))
        store.settle(key, entry, [])

    with store.hold('k', Minter(), release):
        with store.hold('k', None, release):
            with store.lock():
                store.revocation_wanted('k', store.read('k'))
        assert released == []  # one holder is left
    assert released == [('k', [HF_TOKEN + '-1'])]
    assert store.read('k') is None


def test_without_a_revocation_asked_for_the_last_holder_keeps_the_token(store):
    with store.hold('k', Minter(), release=lambda key, entry: pytest.fail('revoked without being asked')):
        pass
    assert store.usable(store.read('k')) == HF_TOKEN + '-1'


def test_dead_holders_do_not_count(store, tmp_path):
    dead = subprocess.Popen(['true'])
    dead.wait()
    held(store, 'k', Minter())
    entry = store.read('k')
    entry['holders'] = {'gone': process_record(dead.pid), 'me': process_record(os.getpid())}
    assert TokenStore.live_holders(entry) == ['me']
    entry['holders']['me']['start'] = (entry['holders']['me']['start'] or 0) + 1  # the pid, reused by another process
    assert TokenStore.live_holders(entry) == ([] if process_start(os.getpid()) is not None else ['me'])


def test_a_killed_process_that_nobody_reaped_is_not_alive():
    zombie = subprocess.Popen(['true'])
    for _attempt in range(100):  # a child that exited and was not waited for: a zombie
        if process_start(zombie.pid) is None or not process_alive(process_record(zombie.pid)):
            break
        time.sleep(0.05)
    assert not process_alive({'pid': zombie.pid, 'start': None})
    zombie.wait()


def test_settle_keeps_what_is_left_or_forgets_the_key(store):
    held(store, 'k', Minter())
    entry = store.read('k')
    store.settle('k', entry, [{'token': 'left', 'expiration': None}])
    assert store.read('k')['minted'] == [{'token': 'left', 'expiration': None}] and store.read('k')['token'] is None
    store.settle('k', store.read('k'), [])
    assert store.read('k') is None and not os.path.exists(store.access_token_file('k'))


# -- runs that were killed -----------------------------------------------------------------------------------------
def run_dir(tmp_path, pid, suffix='x1y2z3'):
    path = tmp_path / 'tmp' / ('ansible-local-%d%s' % (pid, suffix)) / 'hostfactory_enroll'
    path.mkdir(parents=True)
    return path


def test_the_owner_is_the_run_that_created_the_temporary_directory(tmp_path):
    mine = TokenStore(str(run_dir(tmp_path, os.getppid())))
    with mine.lock():
        pass
    assert mine.owner() == process_record(os.getppid())
    other = TokenStore(str(run_dir(tmp_path, 999999999)))  # not this worker's parent: unknown, never reaped
    with other.lock():
        pass
    assert other.owner() == {'pid': None, 'start': None}


def test_stale_stores_are_those_whose_run_is_gone(tmp_path):
    dead = subprocess.Popen(['true'])
    dead.wait()
    mine = TokenStore(str(run_dir(tmp_path, os.getppid())))
    with mine.lock():
        pass
    killed = TokenStore(str(run_dir(tmp_path, dead.pid, 'aaaa')))
    killed._write_file(os.path.join(killed.directory, 'owner.json'), json.dumps(process_record(dead.pid)))
    alive = TokenStore(str(run_dir(tmp_path, os.getpid(), 'bbbb')))
    alive._write_file(os.path.join(alive.directory, 'owner.json'), json.dumps(process_record(os.getpid())))
    unknown = TokenStore(str(run_dir(tmp_path, 1, 'cccc')))  # written by a version without owner.json
    unknown.write('k', {'token': 'x'})
    assert [store.directory for store in stale_stores(mine.directory)] == [killed.directory]
    killed.destroy()
    assert not os.path.exists(os.path.dirname(killed.directory))


def test_stale_stores_are_reaped_once_per_run(store):
    assert store.first_reaping() is True
    assert store.first_reaping() is False


def test_a_store_being_reaped_is_skipped_by_another_reaper(store):
    with store.lock(blocking=False, create=False) as locked:
        assert locked is False and not os.path.exists(store.directory)  # removed meanwhile: not created again
    with store.lock():
        with store.lock(blocking=False) as locked:
            assert locked is False
    with store.lock(blocking=False, create=False) as locked:
        assert locked is True


@pytest.mark.parametrize('entry, usable', [
    (None, False),
    ({}, False),
    ({'token': HF_TOKEN, 'expiration': iso(3600)}, True),
    ({'token': HF_TOKEN, 'expiration': iso(MIN_REMAINING - 10)}, False),
    ({'token': HF_TOKEN, 'expiration': iso(-10)}, False),
    ({'token': HF_TOKEN, 'expiration': None}, True),  # the v4 API may not say; it is revoked at the end anyway
    ({'token': None, 'expiration': iso(3600), 'minted': [HF_TOKEN]}, False),
])
def test_usable(entry, usable):
    assert (TokenStore.usable(entry) == HF_TOKEN) is usable


def test_entries_and_remove(store):
    held(store, 'a', Minter())
    held(store, 'b', Minter())
    assert [key for key, _entry in store.entries()] == ['a', 'b']
    store.remove('a')
    assert [key for key, _entry in store.entries()] == ['b']
    assert not os.path.exists(store.access_token_file('a'))
    assert TokenStore(store.directory + '-absent').entries() == []


def _worker(directory, marker_dir, barrier, results, use):
    barrier.wait()

    def slow():
        with open(os.path.join(marker_dir, 'work-%d' % os.getpid()), 'w', encoding='utf-8'):
            pass
        time.sleep(0.2)  # a slow server: the others must wait for this one, not start their own
        return {'token': 'tok-%d' % os.getpid(), 'expiration': iso(600)}

    store = TokenStore(directory)
    if use == 'hold':
        with store.hold('k', slow) as token:
            results.put(token)
    else:
        results.put(store.once('session-k', slow)['token'])


@pytest.mark.parametrize('use', ['hold', 'once'])
def test_forked_workers_do_the_work_exactly_once(tmp_path, use):
    context = multiprocessing.get_context('fork')  # as ansible-playbook starts its workers
    barrier = context.Barrier(4)
    results = context.Queue()
    markers = tmp_path / 'markers'
    markers.mkdir()
    workers = [context.Process(target=_worker, args=(str(tmp_path / 'store'), str(markers), barrier, results, use))
               for _index in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    tokens = [results.get(timeout=5) for _worker_process in workers]
    assert len(os.listdir(str(markers))) == 1
    assert len(set(tokens)) == 1


# -- once per run (preflight, the shared login) ------------------------------------------------------------------------

def test_purpose_keys_never_collide_with_mint_keys_and_stay_out_of_the_entries(store):
    key = TokenStore.purpose_key('preflight', 'https://c', 'myorg', 'hf', 'admin')
    assert key == TokenStore.purpose_key('preflight', 'https://c', 'myorg', 'hf', 'admin')
    assert key != TokenStore.purpose_key('session', 'https://c', 'myorg', 'hf', 'admin')
    assert key != TokenStore.purpose_key('preflight', 'https://c', 'myorg', None, 'admin')
    assert key.startswith('preflight-') and '-' not in TokenStore.key('https://c', 'myorg', 'hf', [], 'admin')
    store.once(key, lambda: {'warnings': []})
    held(store, 'a', Minter())
    assert [name for name, _entry in store.entries()] == ['a']  # revoke_minted never sees (nor removes) it


def test_once_does_the_work_once_and_keeps_its_outcome(store):
    calls = []

    def work():
        calls.append(1)
        return {'warnings': ['w']}

    assert store.once('preflight-x', work) == {'warnings': ['w']}
    assert store.once('preflight-x', work) == {'warnings': ['w']}
    assert calls == [1]
