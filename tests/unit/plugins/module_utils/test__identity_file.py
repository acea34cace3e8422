# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the netrc reader/merger/masker and the atomic writer."""

from __future__ import annotations

import grp
import netrc
import os
import stat

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _identity_file as idf
from ansible_collections.hostfactory.enrollment.plugins.module_utils._identity_file import (
    MASK,
    IdentityFileError,
    check_writable,
    encode_text,
    ensure_attributes,
    mask_netrc,
    merge_entry,
    numeric_mode,
    parse_netrc,
    read_text,
    render_entry,
    resolve_gid,
    resolve_uid,
    unsafe_token_reason,
    write_file_atomic,
)

MACHINE = 'https://conjur.example.com/authn'
KEY = '1vgw4jzdq9a2j33cj6tb2ht4rm52wn5tx3s8tph1e2hnf3cy1v9x3'
OTHER_KEY = '3x9k2mq8w0r7t6y5u4i3o2p1a0s9d8f7g6h5j4k3l2z1x0c9v8b7'

# The layout the official cyberark.conjur role writes (templates/conjur.identity.j2).
OFFICIAL = 'machine https://conjur.example.com/authn\n    login host/web-01\n    password %s\n' % KEY

MIXED = (
    '# managed by hand\n'
    'machine https://other.example.com/authn\n'
    '\tlogin host/db-02   password  pw-other  # the conjur entry follows\n'
    '\n'
    'machine   https://conjur.example.com/authn login host/old\tpassword oldpassword account acct\n'
    'macdef init\n'
    'cd /tmp\n'
    'put secret-macro-line\n'
    '\n'
    'default login anonymous password guest-pw\n'
)


def python_netrc(tmp_path, text):
    path = tmp_path / 'check.netrc'
    path.write_text(text)
    return netrc.netrc(str(path))


# -- parsing ------------------------------------------------------------------------------------------------------

def test_parse_official_layout():
    parsed = parse_netrc(OFFICIAL)
    assert [(e.kind, e.machine, e.login, e.password) for e in parsed.entries] == [
        ('machine', MACHINE, 'host/web-01', KEY)]
    assert parsed.credentials(MACHINE) == ('host/web-01', KEY)
    assert parsed.credentials('https://conjur.example.com') is None


def test_parse_mixed_file_matches_python_netrc(tmp_path):
    parsed = parse_netrc(MIXED)
    reference = python_netrc(tmp_path, MIXED)
    for machine in ('https://other.example.com/authn', MACHINE):
        login, _account, password = reference.authenticators(machine)
        assert parsed.credentials(machine) == (login, password)
    assert [e.kind for e in parsed.entries] == ['machine', 'machine', 'default']
    assert parsed.entries[1].fields['account'] == 'acct'
    assert len(parsed.macro_spans) == 1
    start, end = parsed.macro_spans[0]
    assert MIXED[start:end] == 'cd /tmp\nput secret-macro-line\n'


def test_parse_quoted_tokens_and_escapes(tmp_path):
    text = 'machine "https://c/authn" login "host/with space" password "p\\"w\\\\x"\n'
    parsed = parse_netrc(text)
    assert parsed.credentials('https://c/authn') == ('host/with space', 'p"w\\x')


def test_parse_whole_line_comment_between_entries():
    text = 'machine a login x password y\n\n# machine b login z password w\nmachine c login u password v\n'
    parsed = parse_netrc(text)
    assert [e.machine for e in parsed.entries] == ['a', 'c']
    assert parsed.credentials('a') == ('x', 'y')


def test_user_is_a_synonym_of_login(tmp_path):
    text = 'machine m user host/u password k\n'
    assert parse_netrc(text).credentials('m') == ('host/u', 'k')
    assert python_netrc(tmp_path, text).authenticators('m')[::2] == ('host/u', 'k')


def test_parse_comment_inside_entry_and_crlf():
    text = 'machine https://c/authn\r\n  # login host/commented\r\n  login host/real\r\n  password k1\r\n'
    assert parse_netrc(text).credentials('https://c/authn') == ('host/real', 'k1')


def test_last_duplicate_wins_like_python_netrc(tmp_path):
    text = 'machine m login host/a password one\nmachine m login host/b password two\n'
    assert parse_netrc(text).credentials('m') == ('host/b', 'two')
    assert python_netrc(tmp_path, text).authenticators('m')[::2] == ('host/b', 'two')


@pytest.mark.parametrize('text', ['', '   \n\n', '# only a comment\n', 'login orphan password x\n', 'machine',
                                  'macdef x\nno terminator', '"unterminated quote', '\x00\x01 garbage \xff'])
def test_parse_tolerates_odd_content(text):
    parsed = parse_netrc(text)
    assert parsed.credentials(MACHINE) is None


# -- rendering and merging ------------------------------------------------------------------------------------------

def test_render_entry_is_the_official_layout():
    assert render_entry(MACHINE, 'host/web-01', KEY) + '\n' == OFFICIAL


@pytest.mark.parametrize('value, reason', [
    ('host/a b', 'whitespace'),
    ('tab\there', 'whitespace'),
    ('q"uote', 'double quote'),
    ('back\\slash', 'backslash'),
    ('#hash', "starts with '#'"),
    ('', 'empty'),
])
def test_render_refuses_values_that_need_quotes(value, reason):
    assert reason in unsafe_token_reason(value)
    with pytest.raises(IdentityFileError, match='the netrc login cannot be written: .*' + reason):
        render_entry(MACHINE, value, KEY)
    with pytest.raises(IdentityFileError, match='the netrc password cannot be written'):
        merge_entry(OFFICIAL, MACHINE, 'host/web-01', value)


@pytest.mark.parametrize('value', ['host/web-01', 'host/a/b.c-d_e@f', KEY, 'https://c:8443/api/authn', 'x#y'])
def test_plain_values_are_safe(value):
    assert unsafe_token_reason(value) is None


def test_merge_into_empty_file():
    assert merge_entry('', MACHINE, 'host/web-01', KEY) == OFFICIAL


def test_merge_same_entry_returns_text_unchanged():
    odd = 'machine %s login host/web-01 password %s   # trailing\n' % (MACHINE, KEY)
    assert merge_entry(odd, MACHINE, 'host/web-01', KEY) is odd
    assert merge_entry(OFFICIAL, MACHINE, 'host/web-01', KEY) is OFFICIAL


def test_merge_replaces_entry_and_preserves_everything_else(tmp_path):
    merged = merge_entry(MIXED, MACHINE, 'host/web-01', KEY)
    assert merged == MIXED.replace(
        'machine   https://conjur.example.com/authn login host/old\tpassword oldpassword account acct',
        render_entry(MACHINE, 'host/web-01', KEY))
    reference = python_netrc(tmp_path, merged)
    assert reference.authenticators(MACHINE)[::2] == ('host/web-01', KEY)
    assert reference.authenticators('https://other.example.com/authn')[::2] == ('host/db-02', 'pw-other')
    assert reference.macros == {'init': ['cd /tmp\n', 'put secret-macro-line\n']}
    assert 'oldpassword' not in merged


def test_merge_appends_new_machine_before_default():
    text = 'machine a login x password y\ndefault login anonymous password guest\n'
    merged = merge_entry(text, MACHINE, 'host/web-01', KEY)
    assert merged == 'machine a login x password y\n' + OFFICIAL + 'default login anonymous password guest\n'
    assert [e.kind for e in parse_netrc(merged).entries] == ['machine', 'machine', 'default']


def test_merge_appends_at_end_and_adds_missing_newline():
    assert merge_entry('machine a login x password y', MACHINE, 'host/web-01', KEY) == (
        'machine a login x password y\n' + OFFICIAL)


def test_merge_after_unterminated_macro_keeps_macro_closed(tmp_path):
    text = 'machine a login x password y\nmacdef init\ncd /\n'
    merged = merge_entry(text, MACHINE, 'host/web-01', KEY)
    assert merged == text + '\n' + OFFICIAL
    assert parse_netrc(merged).credentials(MACHINE) == ('host/web-01', KEY)
    assert python_netrc(tmp_path, merged).macros == {'init': ['cd /\n']}


def test_merge_collapses_duplicates_into_one_entry():
    text = ('machine %s login host/a password one\n'
            'machine other login o password p\n'
            'machine %s\n  login host/b\n  password two\n'
            'machine last login l password q\n') % (MACHINE, MACHINE)
    merged = merge_entry(text, MACHINE, 'host/web-01', KEY)
    parsed = parse_netrc(merged)
    assert len(parsed.machine_entries(MACHINE)) == 1
    assert parsed.credentials(MACHINE) == ('host/web-01', KEY)
    assert parsed.credentials('other') == ('o', 'p')
    assert parsed.credentials('last') == ('l', 'q')
    assert merged.startswith(render_entry(MACHINE, 'host/web-01', KEY) + '\nmachine other')


def test_merge_replaces_entry_for_another_login():
    merged = merge_entry(OFFICIAL, MACHINE, 'host/web-02', OTHER_KEY)
    assert merged == render_entry(MACHINE, 'host/web-02', OTHER_KEY) + '\n'


# -- masking --------------------------------------------------------------------------------------------------------

def test_mask_hides_every_password_account_and_macro():
    masked = mask_netrc(MIXED)
    for secret in ('pw-other', 'oldpassword', 'acct', 'secret-macro-line', 'guest-pw'):
        assert secret not in masked
    assert 'password ' + MASK in masked
    assert 'login host/db-02' in masked
    assert 'macdef init\n' + MASK + '\n\ndefault' in masked


def test_mask_official_layout():
    assert mask_netrc(OFFICIAL) == OFFICIAL.replace(KEY, MASK)


def test_mask_quoted_password():
    text = 'machine %s\n    login host/a\n    password "has space"\n' % MACHINE
    assert mask_netrc(text) == 'machine %s\n    login host/a\n    password %s\n' % (MACHINE, MASK)


# -- reading --------------------------------------------------------------------------------------------------------

def test_read_text_missing_file_is_none(tmp_path):
    assert read_text(str(tmp_path / 'absent')) is None


def test_read_text_round_trips_undecodable_bytes(tmp_path):
    path = tmp_path / 'bin'
    raw = b'machine a login x password \xff\xfe\n'
    path.write_bytes(raw)
    assert encode_text(read_text(str(path))) == raw


def test_read_text_error_is_one_line_without_content(tmp_path):
    with pytest.raises(IdentityFileError) as err:
        read_text(str(tmp_path))
    assert str(err.value).startswith('cannot read %s:' % tmp_path)
    assert '\n' not in str(err.value)


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
    with pytest.raises(IdentityFileError, match="owner 'no-such-user-xyz' does not exist"):
        resolve_uid('no-such-user-xyz')
    with pytest.raises(IdentityFileError, match="group 'no-such-group-xyz' does not exist"):
        resolve_gid('no-such-group-xyz')


def test_check_writable(tmp_path):
    check_writable(str(tmp_path / 'new'))
    with pytest.raises(IdentityFileError, match='does not exist'):
        check_writable(str(tmp_path / 'missing-dir' / 'file'))
    with pytest.raises(IdentityFileError, match='is a directory'):
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
    with pytest.raises(IdentityFileError) as err:
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
    with pytest.raises(IdentityFileError, match='Input/output error'):
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
    with pytest.raises(IdentityFileError) as err:
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
    with pytest.raises(IdentityFileError, match="owner 'no-such-user-xyz'"):
        write_file_atomic(str(tmp_path / 'id'), b'abc', owner='no-such-user-xyz')
    assert os.listdir(str(tmp_path)) == []


def test_write_follows_symlink_and_keeps_it(tmp_path):
    real = tmp_path / 'real.identity'
    real.write_text('old\n')
    link = tmp_path / 'conjur.identity'
    link.symlink_to(real)
    write_file_atomic(str(link), b'new\n')
    assert link.is_symlink()
    assert real.read_text() == 'new\n'


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
    assert ensure_attributes(str(target), 0o600, str(info.st_uid), str(info.st_gid)) == ({}, {})
    calls = []
    monkeypatch.setattr(idf.os, 'chown', lambda path, uid, gid: calls.append((uid, gid)))
    before, after = ensure_attributes(str(target), 0o600, str(info.st_uid + 1), None)
    assert before == {'owner': info.st_uid} and after == {'owner': info.st_uid + 1}
    assert calls == [(info.st_uid + 1, -1)]


def test_ensure_attributes_missing_file(tmp_path):
    with pytest.raises(IdentityFileError, match='cannot read the attributes of'):
        ensure_attributes(str(tmp_path / 'absent'), 0o600)
