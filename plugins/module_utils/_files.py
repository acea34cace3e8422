# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Files on the node: safe reads, the atomic writer, owner/group/mode.

C(write_file_atomic) serves every file the collection writes (identity, agent configuration, conf and CA files): a
temporary file in the target directory, created with restrictive permissions from the first byte, written, synced
and renamed over the target; the directory is synced afterwards. A failure never leaves the existing file damaged
or empty. Standard library only (shipped with the node probe).
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import stat

from ._errors import CollectionError

ENCODING = 'utf-8'


class FileError(CollectionError):
    """A file could not be read or written. C(str()) is a one-line message that never holds file content."""


class FileState:
    """What a file holds: its text and its C(os.stat_result)."""

    def __init__(self, path, text, stat):
        self.path = path
        self.text = text
        self.stat = stat


def _describe(exc):
    return exc.strerror or exc.__class__.__name__


def read_text(path):
    """The text of C(path), or None when it does not exist. Undecodable bytes survive a later write unchanged."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileError('cannot read %s: %s' % (path, _describe(exc)))
    return data.decode(ENCODING, errors='surrogateescape')


def read_state(path):
    """The L(FileState) of C(path), or None when it does not exist."""
    text = read_text(path)
    if text is None:
        return None
    try:
        stat = os.stat(target_path(path))
    except OSError as exc:
        raise FileError('cannot read the attributes of %s: %s' % (path, _describe(exc)))
    return FileState(path, text, stat)


def encode_text(text):
    return text.encode(ENCODING, errors='surrogateescape')


def _resolve_id(value, lookup, what):
    """A numeric id from a name or number (C(lookup) maps a name to its id), or -1 for None."""
    if value is None or value == '':
        return -1
    value = str(value)
    if value.isdigit():
        return int(value)
    try:
        return lookup(value)
    except KeyError:
        raise FileError("%s '%s' does not exist on this machine" % (what, value))


def resolve_uid(owner):
    """The uid for a user name or number, or -1 for None."""
    return _resolve_id(owner, lambda name: pwd.getpwnam(name).pw_uid, 'owner')


def resolve_gid(group):
    """The gid for a group name or number, or -1 for None."""
    return _resolve_id(group, lambda name: grp.getgrnam(name).gr_gid, 'group')


def numeric_mode(mode, default=0o600):
    """An octal mode from an int or an octal string; None for a symbolic mode (left to the caller to apply)."""
    if mode is None:
        return default
    if isinstance(mode, int):
        return mode & 0o7777
    try:
        return int(str(mode), 8) & 0o7777
    except ValueError:
        return None


def target_path(path):
    """The file that writing C(path) replaces: a symbolic link is followed, so the link itself is kept."""
    return os.path.realpath(path) if os.path.islink(path) else path


def check_writable(path):
    """Raise L(FileError) unless C(path) could be written (directory exists and is writable)."""
    directory = os.path.dirname(os.path.abspath(target_path(path)))
    if not os.path.isdir(directory):
        raise FileError('cannot write %s: directory %s does not exist' % (path, directory))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise FileError('cannot write %s: directory %s is not writable' % (path, directory))
    if os.path.isdir(path):
        raise FileError('cannot write %s: it is a directory' % path)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # the rename is done; some file systems cannot sync a directory
    finally:
        os.close(fd)


def write_file_atomic(path, data, mode=0o600, owner=None, group=None):
    """Replace C(path) with C(data) (bytes) atomically.

    The temporary file is created in the same directory with C(O_CREAT|O_EXCL) and at most C(mode & 0600), so it is
    never readable by anyone else while it is being filled; owner, group and the final numeric C(mode) are set on
    it before the first byte is written. It is synced, renamed over C(path) and the directory is synced. On any
    failure the temporary file is removed and C(path) is left as it was. C(mode=None) keeps 0600.
    """
    path = target_path(path)
    directory = os.path.dirname(os.path.abspath(path))
    final_mode = 0o600 if mode is None else mode
    uid, gid = resolve_uid(owner), resolve_gid(group)
    tmp = os.path.join(directory, '.%s.%s.tmp' % (os.path.basename(path), secrets.token_hex(6)))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_CLOEXEC', 0) | getattr(os, 'O_NOFOLLOW', 0)
    try:
        fd = os.open(tmp, flags, final_mode & 0o600)
    except OSError as exc:
        raise FileError('cannot write %s: %s' % (path, _describe(exc)))
    try:
        try:
            if uid != -1 or gid != -1:
                os.fchown(fd, uid, gid)
            os.fchmod(fd, final_mode)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise FileError('cannot write %s: %s' % (path, _describe(exc)))
        raise
    _fsync_directory(directory)


def attribute_changes(stat, mode=None, uid=-1, gid=-1):
    """C((before, after)) dicts of what differs from the wanted owner, group (ids, -1 for any) and numeric mode.

    The dicts hold only what differs (C(owner)/C(group) as ids, C(mode) as an octal string).
    """
    before, after = {}, {}
    if uid != -1 and stat.st_uid != uid:
        before['owner'], after['owner'] = stat.st_uid, uid
    if gid != -1 and stat.st_gid != gid:
        before['group'], after['group'] = stat.st_gid, gid
    current_mode = stat.st_mode & 0o7777
    if mode is not None and current_mode != mode:
        before['mode'], after['mode'] = '%04o' % current_mode, '%04o' % mode
    return before, after


def ensure_attributes(path, mode=None, owner=None, group=None, apply=True):
    """Bring owner, group and numeric C(mode) of an existing C(path) in line; return C((before, after)) dicts.

    The dicts hold only what differs (C(owner)/C(group) as ids, C(mode) as an octal string), so empty dicts mean
    nothing to do. With C(apply=False) nothing is changed (check mode).
    """
    path = target_path(path)
    uid, gid = resolve_uid(owner), resolve_gid(group)
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise FileError('cannot read the attributes of %s: %s' % (path, _describe(exc)))
    before, after = attribute_changes(stat, mode, uid, gid)
    if apply and before:
        try:
            if 'owner' in before or 'group' in before:
                os.chown(path, after.get('owner', -1), after.get('group', -1))
            if mode is not None:
                os.chmod(path, mode)
        except OSError as exc:
            raise FileError('cannot set owner, group or mode of %s: %s' % (path, _describe(exc)))
    return before, after


def is_regular_file(path):
    """Whether C(path) itself (not what a link points to) is a regular file."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def remove_file(path):
    """Delete C(path) itself (a symbolic link is removed, never what it points to) and sync its directory.

    A file that is already gone is not an error.
    """
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise FileError('cannot remove %s: %s' % (path, _describe(exc)))
    _fsync_directory(os.path.dirname(os.path.abspath(path)))
