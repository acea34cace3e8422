# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The file rules under attack (_files): symbolic links, FIFOs, devices, sockets and directories at a path the
collection reads or writes (and at the input files the HTTP and Conjur clients open), a path swapped between the
check and the open, a full disk, and the enrollment lock.

Every call that could block (a FIFO opened without O_NONBLOCK) runs through L(bounded), so that a regression fails
the test instead of hanging the suite.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import stat

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _files as idf
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import ConjurClient
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import ConjurConfigError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._files import (
    FileError,
    FileLock,
    PreparedFile,
    check_input,
    ensure_attributes,
    owner_uid,
    read_input,
    read_state,
    write_file_atomic,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import ConnectionFailure, HttpClient
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.bounded_call import bounded
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.conjur_fake import BASE, resolve

SECRET = 'machine https://victim.example.com/authn login host/victim password victim-secret-value\n'
LINK = 'is a symbolic link (the collection never reads or writes a file through a link)'


def make_special(tmp_path, kind):
    """Put C(kind) at tmp_path/target; return (path, what the message must say, the file a link points to)."""
    path = str(tmp_path / 'target')
    victim = tmp_path / 'victim'
    victim.write_text(SECRET)
    os.chmod(str(victim), 0o644)
    if kind == 'symlink':
        os.symlink(str(victim), path)
        return path, LINK, victim
    if kind == 'dangling symlink':
        os.symlink(str(tmp_path / 'created-through-the-link'), path)
        return path, LINK, None
    if kind == 'symlink to a character device':
        os.symlink('/dev/null', path)
        return path, LINK, None
    if kind == 'FIFO':
        os.mkfifo(path, 0o600)
        return path, 'is a FIFO, not a regular file', None
    if kind == 'socket':
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(path)
        sock.close()
        return path, 'is a socket, not a regular file', None
    if kind == 'directory':
        os.mkdir(path)
        return path, 'is a directory, not a regular file', None
    raise AssertionError(kind)


KINDS = ['symlink', 'dangling symlink', 'symlink to a character device', 'FIFO', 'socket', 'directory']


def snapshot(tmp_path):
    return sorted((name, os.lstat(str(tmp_path / name)).st_mode) for name in os.listdir(str(tmp_path)))


# -- files the collection writes: never through a link, only regular files -------------------------------------------

@pytest.mark.parametrize('kind', KINDS)
def test_read_state_refuses_anything_but_a_regular_file(tmp_path, kind):
    path, found, _victim = make_special(tmp_path, kind)
    with pytest.raises(FileError) as err:
        bounded(read_state, path, 'identity_file')
    assert str(err.value) == 'identity_file %s %s' % (path, found)
    assert 'victim-secret' not in str(err.value)


@pytest.mark.parametrize('kind', KINDS)
def test_write_refuses_and_changes_nothing(tmp_path, kind):
    path, found, victim = make_special(tmp_path, kind)
    before = snapshot(tmp_path)
    with pytest.raises(FileError) as err:
        bounded(write_file_atomic, path, b'new content\n', what='conf_file')
    assert str(err.value) == 'conf_file %s %s' % (path, found)
    assert snapshot(tmp_path) == before  # no temporary file left, nothing created where a link points
    if victim:
        assert victim.read_text() == SECRET and stat.S_IMODE(victim.stat().st_mode) == 0o644


def test_character_device_is_refused_without_being_opened(monkeypatch):
    opened = []
    real_open = os.open
    monkeypatch.setattr(idf.os, 'open', lambda path, *args: opened.append(path) or real_open(path, *args))
    with pytest.raises(FileError, match='^identity_file /dev/null is a character device, not a regular file$'):
        read_state('/dev/null', 'identity_file')
    with pytest.raises(FileError, match="^ca_path '/dev/null' cannot be read: it is a character device"):
        read_input('/dev/null', 'ca_path')
    assert opened == []


def test_a_link_swapped_in_after_the_check_is_refused_by_the_open(tmp_path, monkeypatch):
    """lstat saw a regular file; by the open it is a link: O_NOFOLLOW refuses it."""
    regular = tmp_path / 'regular'
    regular.write_text('x')
    path, _found, _victim = make_special(tmp_path, 'symlink')
    monkeypatch.setattr(idf.os, 'lstat', lambda p: os.stat(str(regular)))
    with pytest.raises(FileError) as err:
        read_state(path, 'identity_file')
    assert str(err.value) == 'identity_file %s %s' % (path, LINK)


def test_a_fifo_swapped_in_after_the_check_is_refused_by_fstat(tmp_path, monkeypatch):
    """lstat saw a regular file; by the open it is a FIFO: the open does not block and fstat refuses it."""
    regular = tmp_path / 'regular'
    regular.write_text('x')
    path, _found, _victim = make_special(tmp_path, 'FIFO')
    monkeypatch.setattr(idf.os, 'lstat', lambda p: os.stat(str(regular)))
    with pytest.raises(FileError, match='^identity_file %s is a FIFO, not a regular file$' % path):
        bounded(read_state, path, 'identity_file')


def test_a_link_planted_between_prepare_and_commit_is_refused(tmp_path):
    target = tmp_path / 'conjur.identity'
    victim = tmp_path / 'victim'
    victim.write_text(SECRET)
    prepared = PreparedFile(str(target), 64, what='identity_file')
    target.symlink_to(victim)
    with pytest.raises(FileError, match='identity_file %s is a symbolic link' % target):
        prepared.commit(b'new\n')
    assert target.is_symlink() and victim.read_text() == SECRET
    assert sorted(os.listdir(str(tmp_path))) == ['conjur.identity', 'victim']


@pytest.mark.parametrize('kind', ['symlink', 'FIFO', 'directory'])
def test_ensure_attributes_refuses_and_never_changes_a_link_target(tmp_path, kind):
    path, found, victim = make_special(tmp_path, kind)
    with pytest.raises(FileError) as err:
        bounded(ensure_attributes, path, 0o600, uid=os.geteuid())
    assert str(err.value) == '%s %s' % (path, found)
    if victim:
        assert stat.S_IMODE(victim.stat().st_mode) == 0o644


def test_ensure_attributes_works_on_the_descriptor_not_the_path(tmp_path, monkeypatch):
    target = tmp_path / 'id'
    target.write_text('x')
    os.chmod(str(target), 0o644)

    def by_path(*args, **kwargs):
        raise AssertionError('chown/chmod by path')

    monkeypatch.setattr(idf.os, 'chmod', by_path)
    monkeypatch.setattr(idf.os, 'chown', by_path)
    assert ensure_attributes(str(target), 0o600) == ({'mode': '0644'}, {'mode': '0600'})
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason='only root can give a file to another user')
def test_a_file_of_another_user_is_taken_back(tmp_path):
    target = tmp_path / 'id'
    target.write_text('x')
    os.chmod(str(target), 0o600)
    os.chown(str(target), 4321, -1)
    assert owner_uid(None) == os.geteuid() == 0
    assert ensure_attributes(str(target), 0o600, owner_uid(None)) == ({'owner': 4321}, {'owner': 0})
    assert target.stat().st_uid == 0


# -- input files: a link is followed, but only to a regular file ----------------------------------------------------

def test_read_input_follows_a_link_to_a_regular_file(tmp_path):
    real = tmp_path / 'ca.pem'
    real.write_bytes(b'PEM\n')
    link = tmp_path / 'link.pem'
    link.symlink_to(real)
    assert read_input(str(link), 'ca_path') == b'PEM\n'
    check_input(str(link), 'ca_path')


@pytest.mark.parametrize('through_a_link', [False, True])
def test_read_input_refuses_a_fifo_without_blocking(tmp_path, through_a_link):
    fifo = str(tmp_path / 'fifo')
    os.mkfifo(fifo)
    path = fifo
    if through_a_link:
        path = str(tmp_path / 'link')
        os.symlink(fifo, path)
    expected = "config_file '%s' cannot be read: it is a FIFO, not a regular file" % path
    for call in (read_input, check_input):
        with pytest.raises(FileError) as err:
            bounded(call, path, 'config_file')
        assert str(err.value) == expected


def test_read_input_missing(tmp_path):
    path = str(tmp_path / 'absent')
    assert read_input(path, 'config_file', required=False) is None
    with pytest.raises(FileError, match="^authn_token_file '%s' cannot be read: No such file or directory$" % path):
        read_input(path, 'authn_token_file')
    os.symlink(str(tmp_path / 'nowhere'), path)  # a dangling link is a missing input
    with pytest.raises(FileError, match='No such file or directory'):
        check_input(path, 'ca_path')


@pytest.mark.parametrize('kind', ['FIFO', 'character device'])
def test_the_ca_file_of_the_http_client_and_the_token_file_are_never_special(tmp_path, kind):
    path = '/dev/null'
    if kind == 'FIFO':
        path = str(tmp_path / 'fifo')
        os.mkfifo(path)
    expected = "cannot be read: it is a %s, not a regular file" % kind
    with pytest.raises(ConnectionFailure) as err:
        bounded(HttpClient(ca_path=path, retries=0).request, 'GET', 'https://127.0.0.1:9/')
    assert str(err.value).startswith("ca_path '%s' %s" % (path, expected))
    client = ConjurClient(resolve(dict(BASE, login=None, api_key=None, authn_token_file=path)))
    with pytest.raises(ConjurConfigError) as err:
        bounded(client.authenticate)
    assert str(err.value) == "authn_token_file '%s' %s" % (path, expected)


# -- prepared writes: space reserved before the request --------------------------------------------------------------

def test_prepared_file_has_its_owner_mode_and_space_before_the_content(tmp_path):
    target = tmp_path / 'conjur.identity'
    target.write_text('old\n')
    prepared = PreparedFile(str(target), 20000, mode=0o640)
    info = os.fstat(prepared.fd)
    assert stat.S_IMODE(info.st_mode) == 0o640 and info.st_uid == os.geteuid()
    assert info.st_size == 20000 and info.st_blocks * 512 >= 20000
    assert target.read_text() == 'old\n'
    prepared.commit(b'new\n')
    assert target.read_text() == 'new\n' and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(str(tmp_path)) == ['conjur.identity']


def test_prepared_file_discarded_leaves_nothing(tmp_path):
    target = tmp_path / 'conjur.identity'
    with PreparedFile(str(target), 100):
        assert len(os.listdir(str(tmp_path))) == 1
    assert os.listdir(str(tmp_path)) == []


def test_no_space_to_reserve_fails_before_anything_else(tmp_path, monkeypatch):
    def full(fd, offset, size):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(idf.os, 'posix_fallocate', full)
    with pytest.raises(FileError) as err:
        PreparedFile(str(tmp_path / 'conjur.identity'), 4096, what='identity_file')
    assert str(err.value) == 'cannot write %s: No space left on device' % (tmp_path / 'conjur.identity')
    assert err.value.reason == 'No space left on device'
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('missing', ['unsupported', 'absent'])
def test_reservation_falls_back_to_placeholder_bytes(tmp_path, monkeypatch, missing):
    if missing == 'absent':
        monkeypatch.delattr(idf.os, 'posix_fallocate')
    else:
        def unsupported(fd, offset, size):
            raise OSError(errno.EOPNOTSUPP, 'Operation not supported')
        monkeypatch.setattr(idf.os, 'posix_fallocate', unsupported)
    prepared = PreparedFile(str(tmp_path / 'f'), 5000)
    assert os.fstat(prepared.fd).st_size == 5000
    prepared.commit(b'short\n')
    assert (tmp_path / 'f').read_bytes() == b'short\n'


# -- the enrollment lock -----------------------------------------------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def hold(path):
    """Another run holding the lock on C(path): a descriptor of its own with the C(flock)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_lock_is_created_0600_and_left_in_place(tmp_path):
    path = tmp_path / 'conjur.identity.lock'
    os.umask(0)
    with FileLock(str(path), 5):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.exists()
    with FileLock(str(path), 5):  # taken again at once
        pass


def test_lock_waits_then_fails_clearly(tmp_path):
    path = str(tmp_path / 'conjur.identity.lock')
    holder = hold(path)
    clock = FakeClock()
    try:
        with pytest.raises(FileError) as err:
            FileLock(path, 3, sleep=clock.sleep, clock=clock).acquire()
    finally:
        os.close(holder)
    assert str(err.value) == ('%s is locked by another run that did not finish within lock_timeout (3 s); it may '
                              'still be running: try again later or raise lock_timeout' % path)
    assert round(sum(clock.sleeps), 6) == 3 and max(clock.sleeps) <= 0.5
    with FileLock(path, 0):  # released by the holder: free
        pass


def test_lock_is_taken_once_the_holder_releases_it(tmp_path):
    path = str(tmp_path / 'conjur.identity.lock')
    holder = hold(path)
    clock = FakeClock()

    def sleep(seconds):
        clock.sleep(seconds)
        if len(clock.sleeps) == 3:
            os.close(holder)

    with FileLock(path, 60, sleep=sleep, clock=clock) as lock:
        assert lock.fd is not None
    assert len(clock.sleeps) == 3


@pytest.mark.parametrize('kind', ['symlink', 'dangling symlink', 'FIFO', 'directory'])
def test_lock_file_is_never_a_link_or_special(tmp_path, kind):
    path, found, victim = make_special(tmp_path, kind)
    before = snapshot(tmp_path)
    with pytest.raises(FileError) as err:
        bounded(FileLock(path, 1).acquire)
    assert str(err.value) == 'lock file %s %s' % (path, found)
    assert snapshot(tmp_path) == before
    if victim:
        assert victim.read_text() == SECRET
