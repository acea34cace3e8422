# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import multiprocessing
import os
import stat
import time

import pytest

from ansible_collections.hostfactory.enrollment.plugins.plugin_utils._token_store import (
    MIN_REMAINING,
    StoreError,
    TokenStore,
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


def test_mints_once_and_shares_the_token(store):
    mint = Minter()
    first = store.shared_token('k', mint)
    second = store.shared_token('k', mint)
    assert first == second == HF_TOKEN + '-1'
    assert mint.calls == 1
    entry = store.read('k')
    assert entry['minted'] == [first]
    assert 'access_token' not in entry
    with open(store.access_token_file('k'), encoding='utf-8') as handle:
        assert handle.read() == 'ZXlKaGJHY2lPaUpJVXpJMU5pSjk='


def test_files_are_private(store):
    store.shared_token('k', Minter())
    assert stat.S_IMODE(os.stat(store.directory).st_mode) == 0o700
    for name in os.listdir(store.directory):
        assert stat.S_IMODE(os.stat(os.path.join(store.directory, name)).st_mode) == 0o600, name


@pytest.mark.parametrize('use', ['shared_token', 'once'])
def test_a_failure_is_remembered(store, use):
    calls = []

    def failing():
        calls.append(1)
        raise StoreError('cannot mint one on the controller: authentication failed')

    for _attempt in range(3):
        with pytest.raises(StoreError, match='^cannot mint one on the controller: authentication failed$'):
            getattr(store, use)('k', failing)
    assert len(calls) == 1


def test_a_token_about_to_expire_is_replaced_and_both_are_kept_for_revoking(store):
    mint = Minter(lifetime=MIN_REMAINING - 30)
    first = store.shared_token('k', mint)
    mint.lifetime = 3600
    second = store.shared_token('k', mint)
    assert first != second
    assert store.read('k')['minted'] == [first, second]
    assert store.usable(store.read('k')) == second


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
    store.shared_token('a', Minter())
    store.shared_token('b', Minter())
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
    results.put(store.shared_token('k', slow) if use == 'shared_token' else store.once('session-k', slow)['token'])


@pytest.mark.parametrize('use', ['shared_token', 'once'])
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
    store.shared_token('a', Minter())
    assert [name for name, _entry in store.entries()] == ['a']  # revoke_minted never sees (nor removes) it


def test_once_does_the_work_once_and_keeps_its_outcome(store):
    calls = []

    def work():
        calls.append(1)
        return {'warnings': ['w']}

    assert store.once('preflight-x', work) == {'warnings': ['w']}
    assert store.once('preflight-x', work) == {'warnings': ['w']}
    assert calls == [1]
