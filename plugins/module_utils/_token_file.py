# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""A host factory token handed to the machine in a file (cloud-init, ansible-pull): read it safely, remove it.

The file is opened without following a symbolic link and without blocking on a FIFO, and checked on the open
descriptor (no race between check and read): only a regular file that belongs to root or to the user running the
module, and that group and others can neither read nor write, is accepted. Messages never hold the content.
"""

from __future__ import annotations

import errno
import os
import stat

from ._errors import ParameterError

OPTION = 'host_factory_token_file'
MAX_SIZE = 4096  # a token is about 55 characters; anything larger is not a token file
_OPEN_FLAGS = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_NONBLOCK', 0) | getattr(os, 'O_CLOEXEC', 0)


class TokenFileError(ParameterError):
    """The token file is unsafe or unusable; nothing was sent and nothing was changed."""


def _refuse(path, reason):
    return TokenFileError("%s '%s' %s" % (OPTION, path, reason))


def _check(path, info):
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(path, 'is not a regular file')
    if info.st_mode & 0o077:
        raise _refuse(path, 'is accessible by group or others (mode %04o); make it 0600'
                      % stat.S_IMODE(info.st_mode))
    if info.st_uid not in (0, os.geteuid()):
        raise _refuse(path, 'belongs to uid %d, neither root nor the user running the module' % info.st_uid)


def _read(fd, path):
    chunks = []
    size = 0
    while size <= MAX_SIZE:
        chunk = os.read(fd, MAX_SIZE + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > MAX_SIZE:
        raise _refuse(path, 'is larger than %d bytes: it does not hold a host factory token' % MAX_SIZE)
    return b''.join(chunks)


def read_token_file(path):
    """The token in C(path), surrounding white space (Unicode too) stripped, or None when the file does not exist."""
    try:
        if os.path.islink(path):
            raise _refuse(path, 'is a symbolic link; give the path of the file itself')
        if not stat.S_ISREG(os.lstat(path).st_mode):  # a device is never opened (opening one can act on it)
            raise _refuse(path, 'is not a regular file')
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refuse(path, 'is a symbolic link; give the path of the file itself')
        raise _refuse(path, 'cannot be read: %s' % (exc.strerror or exc.__class__.__name__))
    try:
        _check(path, os.fstat(fd))
        data = _read(fd, path)
    except OSError as exc:
        raise _refuse(path, 'cannot be read: %s' % (exc.strerror or exc.__class__.__name__))
    finally:
        os.close(fd)
    try:
        token = data.decode('utf-8').strip()
    except UnicodeDecodeError:
        raise _refuse(path, 'is not UTF-8 text')
    if not token:
        raise _refuse(path, 'is empty')
    if len(token.split()) > 1:
        raise _refuse(path, 'holds more than one word; it must hold the token alone')
    return token


def remove_token_file(path):
    """Remove C(path) (a link itself, never its target); return False when it was already gone."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise _refuse(path, 'cannot be removed: %s' % (exc.strerror or exc.__class__.__name__))
    return True
