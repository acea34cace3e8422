# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _token_file: the checks on the open descriptor, and removal (the module's use: test_hostfactory_host.py)."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _token_file
from ansible_collections.hostfactory.enrollment.plugins.module_utils._token_file import (
    TokenFileError,
    read_token_file,
    remove_token_file,
)

TOKEN = '1bcarsc2bqvsxt6cnd74xem8yf15gtma71vp23y315n0z201c1jza7'


def fake_stat(mode, uid):
    return os.stat_result((mode, 0, 0, 1, uid, 0, 55, 0, 0, 0))


@pytest.mark.parametrize('uid, allowed', [(0, True), ('me', True), ('other', False)])
def test_owner_must_be_root_or_the_user_running_the_module(uid, allowed):
    me = os.geteuid()
    uid = {'me': me, 'other': me + 4242 if me else 4242}.get(uid, uid)
    info = fake_stat(stat.S_IFREG | 0o600, uid)
    if allowed:
        _token_file._check('/run/hf-token', info)
    else:
        with pytest.raises(TokenFileError) as error:
            _token_file._check('/run/hf-token', info)
        assert str(error.value) == ("host_factory_token_file '/run/hf-token' belongs to uid %d, neither root nor the "
                                    "user running the module" % uid)


@pytest.mark.parametrize('mode', [0o400, 0o600, 0o700])
def test_owner_only_modes_are_accepted(mode):
    _token_file._check('/run/hf-token', fake_stat(stat.S_IFREG | mode, os.geteuid()))


@pytest.mark.parametrize('kind', [stat.S_IFCHR, stat.S_IFBLK, stat.S_IFSOCK, stat.S_IFIFO, stat.S_IFDIR])
def test_only_regular_files_are_accepted(kind):
    with pytest.raises(TokenFileError, match='is not a regular file'):
        _token_file._check('/run/hf-token', fake_stat(kind | 0o600, os.geteuid()))


def test_a_device_is_refused_without_reading_it():
    with pytest.raises(TokenFileError, match="'/dev/zero' is not a regular file"):
        read_token_file('/dev/zero')


def test_a_device_or_a_fifo_is_never_opened(tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(_token_file.os, 'open', lambda *args: opened.append(args))
    os.mkfifo(str(tmp_path / 'fifo'))
    for path in ('/dev/null', str(tmp_path / 'fifo')):
        with pytest.raises(TokenFileError, match='is not a regular file'):
            read_token_file(path)
    assert opened == []


def test_read_and_remove(tmp_path):
    path = tmp_path / 'hf-token'
    assert read_token_file(str(path)) is None
    path.write_text('\n%s\r\n' % TOKEN)
    path.chmod(0o400)
    assert read_token_file(str(path)) == TOKEN
    assert remove_token_file(str(path)) is True
    assert remove_token_file(str(path)) is False


def test_remove_takes_a_link_not_its_target(tmp_path):
    target = tmp_path / 'target'
    target.write_text(TOKEN)
    link = tmp_path / 'hf-token'
    link.symlink_to(target)
    assert remove_token_file(str(link)) is True
    assert target.exists() and not os.path.lexists(link)


def test_an_unreadable_directory_entry_is_reported_without_content(tmp_path, monkeypatch):
    def refuse(path, flags):
        raise PermissionError(13, 'Permission denied')
    monkeypatch.setattr(_token_file.os, 'open', refuse)
    (tmp_path / 'hf-token').write_text('secret-token-value\n')
    with pytest.raises(TokenFileError) as error:
        read_token_file(str(tmp_path / 'hf-token'))
    assert str(error.value) == "host_factory_token_file '%s' cannot be read: Permission denied" % (tmp_path / 'hf-token')
    assert 'secret-token-value' not in str(error.value)
