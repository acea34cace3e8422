# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Files on the node: safe reads, the prepared atomic writer, owner/group/mode, the enrollment lock.

The rules, for every file the collection writes (identity, conf, CA, agent configuration):

* It is never read or written through a symbolic link at the last component of its path, and never opened unless
  it is a regular file: C(lstat) first (a device is never opened), then C(open) with
  C(O_NOFOLLOW|O_NONBLOCK|O_NOCTTY|O_CLOEXEC) (a FIFO never blocks), then C(fstat) on the descriptor (the path may
  have been swapped in between). Anything else fails with a one-line message naming the path and what is there.
* Owner, group and mode of an existing file are fixed on that descriptor (C(fchown)/C(fchmod)), never by path.
* It is replaced through a temporary file in its directory, created with C(O_EXCL) at most 0600, given its owner,
  group and final mode before the first byte, optionally with its space reserved in advance (L(PreparedFile)),
  synced and renamed over the path; the directory is synced afterwards. A failure never leaves the file damaged.

Files the collection only reads as inputs (a CA file, a configuration file, a token file) may be symbolic links
(system CA files often are), but must be regular files too (L(read_input), L(check_input)).

Standard library only (shipped with the node probe).
"""

from __future__ import annotations

import errno
import fcntl
import grp
import os
import pwd
import secrets
import stat
import time

from ._errors import CollectionError

ENCODING = 'utf-8'
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, 'O_NOCTTY', 0) | getattr(os, 'O_CLOEXEC', 0)
_NOFOLLOW = getattr(os, 'O_NOFOLLOW', 0)
_KINDS = ((stat.S_ISLNK, 'a symbolic link'), (stat.S_ISDIR, 'a directory'), (stat.S_ISFIFO, 'a FIFO'),
          (stat.S_ISCHR, 'a character device'), (stat.S_ISBLK, 'a block device'), (stat.S_ISSOCK, 'a socket'))


class FileError(CollectionError):
    """A file could not be read or written. C(str()) is a one-line message that never holds file content;
    C(reason) is the cause alone (C(No space left on device), C(it is a FIFO, not a regular file))."""

    def __init__(self, message, reason=None):
        super().__init__(message)
        self.reason = reason or self.message


class FileState:
    """What a file holds: its text and the C(os.stat_result) of the descriptor it was read from."""

    def __init__(self, path, text, stat_result):
        self.path = path
        self.text = text
        self.stat = stat_result


def _describe(exc):
    return exc.strerror or exc.__class__.__name__


def _name(path, what):
    return '%s %s' % (what, path) if what else path


def kind(mode):
    """What a file of C(st_mode) is, for a message: C(a FIFO), C(a symbolic link), ..."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return 'not a regular file'


def _refusal(path, mode, what=None, read_only=False):
    """The L(FileError) for something other than a regular file at C(path) (C(read_only): an input file)."""
    if stat.S_ISLNK(mode):
        found = 'a symbolic link (the collection never reads or writes a file through a link)'
    else:
        found = '%s, not a regular file' % kind(mode)
    if read_only:
        return FileError("%s '%s' cannot be read: it is %s" % (what or 'file', path, found), 'it is ' + found)
    return FileError('%s is %s' % (_name(path, what), found), 'it is ' + found)


def _open_regular(path, what=None, follow=False):
    """C((fd, fstat)) of the regular file C(path) opened read-only, or None when it does not exist.

    With C(follow=False) a symbolic link at the last component is refused, otherwise it is followed. Anything that
    is not a regular file is refused before it is opened (a device is never opened; the open cannot block).
    """
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _read_error(path, what, follow, _describe(exc))
    if not stat.S_ISREG(info.st_mode):
        raise _refusal(path, info.st_mode, what, read_only=follow)
    try:
        fd = os.open(path, _OPEN_FLAGS | (0 if follow else _NOFOLLOW))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:  # swapped for a link since the lstat
            raise _refusal(path, stat.S_IFLNK, what)
        raise _read_error(path, what, follow, _describe(exc))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refusal(path, info.st_mode, what, read_only=follow)
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def _read_error(path, what, read_only, reason):
    if read_only:
        return FileError("%s '%s' cannot be read: %s" % (what or 'file', path, reason), reason)
    return FileError('cannot read %s: %s' % (_name(path, what), reason), reason)


def _read_fd(fd, path, what, read_only):
    chunks = []
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return b''.join(chunks)
            chunks.append(chunk)
    except OSError as exc:
        raise _read_error(path, what, read_only, _describe(exc))
    finally:
        os.close(fd)


def read_state(path, what=None):
    """The L(FileState) of the file C(path) the collection manages, or None when it does not exist.

    C(what) names it in messages (the option, C(identity_file)). A symbolic link or anything but a regular file is
    refused with L(FileError). Undecodable bytes survive a later write unchanged.
    """
    opened = _open_regular(path, what)
    if opened is None:
        return None
    fd, info = opened
    data = _read_fd(fd, path, what, False)
    return FileState(path, decode_text(data), info)


def read_text(path, what=None):
    """The text of the file C(path) the collection manages (see L(read_state)), or None when it does not exist."""
    state = read_state(path, what)
    return state.text if state else None


def read_input(path, what, required=True):
    """The bytes of the input file C(path) (option C(what)); a symbolic link is followed, but the file must be a
    regular file. None when it does not exist and not C(required)."""
    opened = _open_regular(path, what, follow=True)
    if opened is None:
        if required:
            raise _read_error(path, what, True, os.strerror(errno.ENOENT))
        return None
    fd, _info = opened
    return _read_fd(fd, path, what, True)


def check_input(path, what):
    """Raise L(FileError) unless C(path) exists and is (or links to) a regular file that can be opened, for a file
    another library opens by its path (the CA file of an SSL context) and would block on, were it a FIFO."""
    opened = _open_regular(path, what, follow=True)
    if opened is None:
        raise _read_error(path, what, True, os.strerror(errno.ENOENT))
    os.close(opened[0])


def check_regular(path, what=None):
    """Raise L(FileError) when something other than a regular file is at C(path) (absent is fine); no open."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise FileError('cannot write %s: %s' % (_name(path, what), _describe(exc)), _describe(exc))
    if not stat.S_ISREG(info.st_mode):
        raise _refusal(path, info.st_mode, what)


def encode_text(text):
    return text.encode(ENCODING, errors='surrogateescape')


def decode_text(data):
    """The text of C(data); undecodable bytes survive L(encode_text) unchanged."""
    return data.decode(ENCODING, errors='surrogateescape')


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


def owner_uid(owner):
    """The uid a file of the enrollment must belong to: C(owner), or else the user the module runs as (a file that
    someone else owns could be rewritten by them, so an existing one is taken back)."""
    uid = resolve_uid(owner)
    return os.geteuid() if uid == -1 else uid


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


def check_writable(path, what=None):
    """Raise L(FileError) unless C(path) could be written: its directory exists and is writable, and nothing but a
    regular file is at the path."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileError('cannot write %s: directory %s does not exist' % (path, directory),
                        'directory %s does not exist' % directory)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise FileError('cannot write %s: directory %s is not writable' % (path, directory),
                        'directory %s is not writable' % directory)
    check_regular(path, what)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _reserve(fd, size):
    """Allocate C(size) bytes for the file, so that writing that much later cannot fail for want of space."""
    try:
        os.posix_fallocate(fd, 0, size)
        return
    except AttributeError:  # no posix_fallocate on this platform (macOS)
        pass
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise
    _write_all(fd, b'\0' * size)  # placeholder bytes, overwritten in place by the content


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # the rename is done; some file systems cannot sync a directory
    finally:
        os.close(fd)


class PreparedFile:
    """The replacement of C(path), made ready before its content is known; a context manager that discards it
    unless L(commit) ran.

    The temporary file is created in the same directory with C(O_CREAT|O_EXCL|O_NOFOLLOW) and at most
    C(mode & 0600), so it is never readable by anyone else while it is being filled; owner, group and the final
    numeric C(mode) are set on it before the first byte is written. With C(size), that much space is reserved
    (C(posix_fallocate), or placeholder bytes) and synced, so that the file system is known to hold the content
    before a request whose answer it will hold. C(mode=None) keeps 0600.
    """

    def __init__(self, path, size=0, mode=0o600, owner=None, group=None, what=None):
        self.path = path
        self.what = what
        self.directory = os.path.dirname(os.path.abspath(path))
        self.committed = False
        final_mode = 0o600 if mode is None else mode
        uid, gid = resolve_uid(owner), resolve_gid(group)
        self.tmp = os.path.join(self.directory, '.%s.%s.tmp' % (os.path.basename(path), secrets.token_hex(6)))
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_CLOEXEC', 0) | _NOFOLLOW
        try:
            self.fd = os.open(self.tmp, flags, final_mode & 0o600)
        except OSError as exc:
            raise self._error(exc)
        self._guard(self._setup, uid, gid, final_mode, size)

    def _setup(self, uid, gid, mode, size):
        if uid != -1 or gid != -1:
            os.fchown(self.fd, uid, gid)
        os.fchmod(self.fd, mode)
        if size:
            _reserve(self.fd, size)
            os.fsync(self.fd)

    def _error(self, exc):
        return FileError('cannot write %s: %s' % (self.path, _describe(exc)), _describe(exc))

    def _guard(self, step, *args):
        """Run C(step); on any failure remove the temporary file, and turn an C(OSError) into a L(FileError)."""
        try:
            step(*args)
        except BaseException as exc:
            self.discard()
            if isinstance(exc, OSError):
                raise self._error(exc)
            raise

    def _commit(self, data):
        os.lseek(self.fd, 0, os.SEEK_SET)
        _write_all(self.fd, data)
        os.ftruncate(self.fd, len(data))
        os.fsync(self.fd)
        os.close(self.fd)
        self.fd = None
        check_regular(self.path, self.what)  # a link planted meanwhile is refused, not replaced
        os.replace(self.tmp, self.path)

    def commit(self, data):
        """Write C(data) (bytes) into the temporary file, sync it and rename it over the path. On any failure the
        temporary file is removed and the path is left as it was."""
        self._guard(self._commit, data)
        self.committed = True
        _fsync_directory(self.directory)

    def discard(self):
        """Remove the temporary file (the path is left as it was)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if not self.committed:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.discard()


def write_file_atomic(path, data, mode=0o600, owner=None, group=None, what=None):
    """Replace C(path) with C(data) (bytes) atomically, through a L(PreparedFile); a symbolic link or anything but a
    regular file at C(path) is refused. On any failure C(path) is left as it was."""
    check_regular(path, what)
    with PreparedFile(path, mode=mode, owner=owner, group=group, what=what) as prepared:
        prepared.commit(data)


def attribute_changes(stat_result, mode=None, uid=-1, gid=-1):
    """C((before, after)) dicts of what differs from the wanted owner, group (ids, -1 for any) and numeric mode.

    The dicts hold only what differs (C(owner)/C(group) as ids, C(mode) as an octal string).
    """
    before, after = {}, {}
    if uid != -1 and stat_result.st_uid != uid:
        before['owner'], after['owner'] = stat_result.st_uid, uid
    if gid != -1 and stat_result.st_gid != gid:
        before['group'], after['group'] = stat_result.st_gid, gid
    current_mode = stat_result.st_mode & 0o7777
    if mode is not None and current_mode != mode:
        before['mode'], after['mode'] = '%04o' % current_mode, '%04o' % mode
    return before, after


def ensure_attributes(path, mode=None, uid=-1, gid=-1, apply=True, what=None):
    """Bring owner, group (ids, -1 for any) and numeric C(mode) of the existing regular file C(path) in line, on
    its descriptor; return C((before, after)) dicts.

    The dicts hold only what differs (C(owner)/C(group) as ids, C(mode) as an octal string), so empty dicts mean
    nothing to do. With C(apply=False) nothing is changed (check mode).
    """
    opened = _open_regular(path, what)
    if opened is None:
        raise FileError('cannot read the attributes of %s: %s' % (path, os.strerror(errno.ENOENT)))
    fd, info = opened
    try:
        before, after = attribute_changes(info, mode, uid, gid)
        if apply and before:
            if 'owner' in before or 'group' in before:
                os.fchown(fd, after.get('owner', -1), after.get('group', -1))
            if mode is not None:
                os.fchmod(fd, mode)
    except OSError as exc:
        raise FileError('cannot set owner, group or mode of %s: %s' % (path, _describe(exc)), _describe(exc))
    finally:
        os.close(fd)
    return before, after


class FileLock:
    """An exclusive advisory lock (C(flock)) on C(path), waited for at most C(timeout) seconds; a context manager.

    The lock file is created with mode 0600 and never opened through a link or unless it is a regular file. It is
    left in place afterwards: removing it would let a third run lock a new file while a second one still holds (or
    waits on) the removed one, and both would go ahead.
    """

    def __init__(self, path, timeout, what='lock file', sleep=time.sleep, clock=time.monotonic):
        self.path = path
        self.timeout = timeout
        self.what = what
        self.sleep = sleep
        self.clock = clock
        self.fd = None

    def _open(self):
        check_regular(self.path, self.what)
        flags = os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | getattr(os, 'O_NOCTTY', 0) | getattr(os, 'O_CLOEXEC', 0)
        try:
            fd = os.open(self.path, flags | _NOFOLLOW, 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _refusal(self.path, stat.S_IFLNK, self.what)
            raise FileError('cannot open the %s %s: %s' % (self.what, self.path, _describe(exc)), _describe(exc))
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise _refusal(self.path, info.st_mode, self.what)
        return fd

    def acquire(self):
        fd = self._open()
        deadline = self.clock() + max(0.0, float(self.timeout))
        delay = 0.05
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.fd = fd
                return self
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                    os.close(fd)
                    raise FileError('cannot lock %s: %s' % (self.path, _describe(exc)), _describe(exc))
            left = deadline - self.clock()
            if left <= 0:
                os.close(fd)
                raise FileError('%s is locked by another run that did not finish within lock_timeout (%s s); it '
                                'may still be running: try again later or raise lock_timeout'
                                % (self.path, self.timeout), 'locked')
            self.sleep(min(delay, left))
            delay = min(delay * 2, 0.5)

    def release(self):
        if self.fd is not None:
            os.close(self.fd)  # closing the last descriptor releases the flock
            self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


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
