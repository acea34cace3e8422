# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the file helpers (_files): safe reads, the atomic writer, owner/group/mode."""

from __future__ import annotations

import grp
import os
import stat

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _files as idf
from ansible_collections.hostfactory.enrollment.plugins.module_utils._files import (
    FileError,
    check_writable,
    encode_text,
    ensure_attributes,
    numeric_mode,
    read_text,
    remove_file,
    resolve_gid,
    resolve_uid,
    write_file_atomic,
)

KEY = '1vgw4jzdq9a2j33cj6tb2ht4rm52wn5tx3s8tph1e2hnf3cy1v9x3'
# The layout the official cyberark.conjur role writes (templates/conjur.identity.j2).
OFFICIAL = 'machine https://conjur.example.com/authn\n    login host/web-01\n    password %s\n' % KEY


# -- reading --------------------------------------------------------------------------------------------------------

def test_read_text_missing_file_is_none(tmp_path):
    assert read_text(str(tmp_path / 'absent')) is None


def test_read_text_round_trips_undecodable_bytes(tmp_path):
    path = tmp_path / 'bin'
    raw = b'machine a login x password \xff\xfe\n'
    path.write_bytes(raw)
    assert encode_text(read_text(str(path))) == raw


def test_read_text_error_is_one_line_without_content(tmp_path):
    path = tmp_path / 'unreadable'
    path.write_text('secret-content\n')

    def denied(fd, size):
        raise PermissionError(13, 'Permission denied')

    with pytest.MonkeyPatch.context() as patcher:
        patcher.setattr(idf.os, 'read', denied)
        with pytest.raises(FileError) as err:
            read_text(str(path), 'identity_file')
    assert str(err.value) == 'cannot read identity_file %s: Permission denied' % path


# -- modes, owners -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('mode, expected', [
    (None, 0o600), (0o640, 0o640), ('0640', 0o640), ('640', 0o640), ('u=rw,g=r', None), (384, 0o600)])
def test_numeric_mode(mode, expected):
    assert numeric_mode(mode) == expected


def test_resolve_owner_and_group():
    assert resolve_uid(None) == -1 and resolve_gid(None) == -1
    assert resolve_uid('0') == 0 and resolve_gid('0') == 0
    assert resolve_uid('root') == 0
    assert resolve_gid(grp.getgrgid(os.getgid()).gr_name) == os.getgid()
    with pytest.raises(FileError, match="owner 'no-such-user-xyz' does not exist"):
        resolve_uid('no-such-user-xyz')
    with pytest.raises(FileError, match="group 'no-such-group-xyz' does not exist"):
        resolve_gid('no-such-group-xyz')


def test_check_writable(tmp_path):
    check_writable(str(tmp_path / 'new'))
    with pytest.raises(FileError, match='does not exist'):
        check_writable(str(tmp_path / 'missing-dir' / 'file'))
    with pytest.raises(FileError, match='is a directory'):
        check_writable(str(tmp_path))


# -- atomic writer --------------------------------------------------------------------------------------------------

class WriteSpy:
    """Wraps os.write: records the mode and owner of the file descriptor when the first byte is written."""

    def __init__(self, monkeypatch, fail_after=None):
        self.real_write = os.write
        self.modes = []
        self.owners = []
        self.calls = 0
        self.fail_after = fail_after
        monkeypatch.setattr(idf.os, 'write', self)

    def __call__(self, fd, data):
        info = os.fstat(fd)
        self.modes.append(stat.S_IMODE(info.st_mode))
        self.owners.append((info.st_uid, info.st_gid))
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise OSError(28, 'No space left on device')
        # write a little at a time, so that a failure can strike mid-file
        return self.real_write(fd, bytes(data[:7]))


@pytest.mark.parametrize('mode', [0o600, 0o640, 0o400, 0o644])
def test_temp_file_has_final_restricted_mode_from_the_first_byte(tmp_path, monkeypatch, mode):
    os.umask(0o022)
    spy = WriteSpy(monkeypatch)
    target = tmp_path / 'conjur.identity'
    write_file_atomic(str(target), OFFICIAL.encode(), mode=mode)
    assert spy.calls > 1
    assert set(spy.modes) == {mode}
    assert target.read_text() == OFFICIAL
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_temp_file_is_created_at_most_0600(tmp_path, monkeypatch):
    created = []
    real_open = os.open

    def spy_open(path, flags, mode=0o777, **kwargs):
        fd = real_open(path, flags, mode, **kwargs)
        if flags & os.O_CREAT:
            created.append((path, flags, mode, stat.S_IMODE(os.fstat(fd).st_mode)))
        return fd

    monkeypatch.setattr(idf.os, 'open', spy_open)
    write_file_atomic(str(tmp_path / 'conf'), b'x\n', mode=0o644)
    ((path, flags, mode, actual),) = created
    assert os.path.dirname(path) == str(tmp_path)
    assert flags & os.O_EXCL
    assert mode == 0o600 and actual & 0o077 == 0


def test_failure_mid_write_leaves_old_file_intact(tmp_path, monkeypatch):
    target = tmp_path / 'conjur.identity'
    target.write_text(OFFICIAL)
    os.chmod(str(target), 0o600)
    WriteSpy(monkeypatch, fail_after=2)
    with pytest.raises(FileError) as err:
        write_file_atomic(str(target), (OFFICIAL * 10).encode())
    assert str(err.value) == 'cannot write %s: No space left on device' % target
    assert target.read_text() == OFFICIAL
    assert os.listdir(str(tmp_path)) == ['conjur.identity']


def test_failure_of_rename_leaves_old_file_intact(tmp_path, monkeypatch):
    target = tmp_path / 'conjur.identity'
    target.write_text(OFFICIAL)

    def broken_replace(src, dst):
        raise OSError(5, 'Input/output error')

    monkeypatch.setattr(idf.os, 'replace', broken_replace)
    with pytest.raises(FileError, match='Input/output error'):
        write_file_atomic(str(target), b'new content\n')
    assert target.read_text() == OFFICIAL
    assert os.listdir(str(tmp_path)) == ['conjur.identity']


def test_interrupt_removes_temp_file_and_propagates(tmp_path, monkeypatch):
    target = tmp_path / 'conjur.identity'
    target.write_text(OFFICIAL)

    def interrupted(fd):
        raise KeyboardInterrupt()

    monkeypatch.setattr(idf.os, 'fsync', interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_file_atomic(str(target), b'new\n')
    assert target.read_text() == OFFICIAL
    assert os.listdir(str(tmp_path)) == ['conjur.identity']


def test_unwritable_directory_reports_one_line(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, 'Permission denied')

    monkeypatch.setattr(idf.os, 'open', denied)
    with pytest.raises(FileError) as err:
        write_file_atomic(str(tmp_path / 'id'), b'x')
    assert str(err.value) == 'cannot write %s: Permission denied' % (tmp_path / 'id')


def test_owner_and_group_are_set_on_the_temp_file_before_writing(tmp_path, monkeypatch):
    chowned = []
    spy = WriteSpy(monkeypatch)
    monkeypatch.setattr(idf.os, 'fchown', lambda fd, uid, gid: chowned.append((uid, gid, spy.calls)))
    group = grp.getgrgid(os.getgid()).gr_name
    write_file_atomic(str(tmp_path / 'id'), b'abc', owner='root', group=group)
    assert chowned == [(0, os.getgid(), 0)]
    assert spy.calls == 1


def test_owner_and_group_really_applied(tmp_path):
    uid, gid = os.getuid(), os.getgid()
    target = tmp_path / 'id'
    write_file_atomic(str(target), b'abc', owner=str(uid), group=str(gid), mode=0o640)
    info = target.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (uid, gid, 0o640)


def test_unknown_owner_fails_before_any_file_is_created(tmp_path):
    with pytest.raises(FileError, match="owner 'no-such-user-xyz'"):
        write_file_atomic(str(tmp_path / 'id'), b'abc', owner='no-such-user-xyz')
    assert os.listdir(str(tmp_path)) == []


def test_replaces_existing_file_with_other_mode(tmp_path):
    target = tmp_path / 'id'
    target.write_text('old\n')
    os.chmod(str(target), 0o644)
    write_file_atomic(str(target), b'new\n')
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == 'new\n'


def test_directory_is_synced(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def spy(fd):
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        return real_fsync(fd)

    monkeypatch.setattr(idf.os, 'fsync', spy)
    write_file_atomic(str(tmp_path / 'id'), b'x')
    assert synced == [False, True]


# -- attributes of existing files -------------------------------------------------------------------------------------

def test_ensure_attributes_reports_and_fixes_mode(tmp_path):
    target = tmp_path / 'id'
    target.write_text('x')
    os.chmod(str(target), 0o644)
    assert ensure_attributes(str(target), 0o600, apply=False) == ({'mode': '0644'}, {'mode': '0600'})
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert ensure_attributes(str(target), 0o600) == ({'mode': '0644'}, {'mode': '0600'})
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert ensure_attributes(str(target), 0o600) == ({}, {})


def test_ensure_attributes_owner_and_group(tmp_path, monkeypatch):
    target = tmp_path / 'id'
    target.write_text('x')
    os.chmod(str(target), 0o600)
    info = target.stat()
    assert ensure_attributes(str(target), 0o600, info.st_uid, info.st_gid) == ({}, {})
    calls = []

    def fchown(fd, uid, gid):
        calls.append((stat.S_ISREG(os.fstat(fd).st_mode), uid, gid))

    monkeypatch.setattr(idf.os, 'fchown', fchown)
    before, after = ensure_attributes(str(target), 0o600, info.st_uid + 1)
    assert before == {'owner': info.st_uid} and after == {'owner': info.st_uid + 1}
    assert calls == [(True, info.st_uid + 1, -1)]


def test_ensure_attributes_missing_file(tmp_path):
    with pytest.raises(FileError, match='cannot read the attributes of'):
        ensure_attributes(str(tmp_path / 'absent'), 0o600)


# -- removing -------------------------------------------------------------------------------------------------------

def test_remove_file_removes_a_link_never_its_target(tmp_path):
    target = tmp_path / 'target'
    target.write_text(OFFICIAL)
    link = tmp_path / 'link'
    link.symlink_to(target)
    assert target.is_file() and link.is_symlink()
    remove_file(str(link))
    assert not os.path.lexists(str(link)) and target.read_text() == OFFICIAL
    remove_file(str(target))
    assert not target.exists()
    remove_file(str(target))  # already gone: not an error


def test_remove_file_failure_is_one_line(tmp_path):
    directory = tmp_path / 'dir'
    directory.mkdir()
    with pytest.raises(FileError, match='cannot remove %s: Is a directory|cannot remove %s: Operation not permitted'
                       % (directory, directory)):
        remove_file(str(directory))
    assert directory.is_dir() and not (tmp_path / 'absent').exists()
