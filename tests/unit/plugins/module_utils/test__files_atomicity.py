# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Crash safety of the atomic writer: SIGKILL it at random moments while it replaces a file.

Child processes (forked, so no start-up cost) run the real C(write_file_atomic) in a loop, alternating between two
contents of different lengths, with umask 0 so that only the writer's own modes protect the files. The parent reads
the target while they write and SIGKILLs them after a random delay. After every kill the target must be one of the
two complete contents, mode 0600, and any temporary file a kill left behind must not be readable by anyone else.
The large-file run makes the write itself take long enough for kills to land in the middle of it.
"""

from __future__ import annotations

import os
import random
import signal
import stat
import time

from ansible_collections.hostfactory.enrollment.plugins.module_utils._files import write_file_atomic

SMALL = (b'machine https://conjur.example.com/authn\n    login host/web-01\n    password %s\n' % (b'a' * 52),
         b'machine https://conjur.example.com/authn\n    login host/web-01\n    password %s\n' % (b'b' * 53)
         + b'machine https://other.example.com/authn login host/x password y\n')
LARGE = (b'\x01' * (6 * 1024 * 1024), b'\x02' * (9 * 1024 * 1024 + 7))


def _writer(path, contents, ready_fd):
    """The child: write the contents in turn forever (until killed). Never returns."""
    status = 1
    try:
        os.umask(0)
        turn = 0
        while True:
            write_file_atomic(path, contents[turn % 2], mode=0o600)
            if turn == 0:
                os.write(ready_fd, b'r')
            turn += 1
    except BaseException:  # pylint: disable=broad-except
        status = 2
    finally:
        os._exit(status)  # pylint: disable=protected-access


def _check(path, contents, seen, problems, when):
    """The target holds one complete content; return the number of temporary files examined (and removed)."""
    directory = os.path.dirname(path)
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError as exc:
        problems.append('%s: target unreadable: %s' % (when, exc))
        return 0
    if data not in contents:
        problems.append('%s: target holds %d bytes, not one of the complete contents' % (when, len(data)))
    else:
        seen.add(contents.index(data))
    if mode != 0o600:
        problems.append('%s: target mode %04o' % (when, mode))
    leftovers = 0
    for name in os.listdir(directory):
        full = os.path.join(directory, name)
        if full == path:
            continue
        leftovers += 1
        tmp_mode = stat.S_IMODE(os.lstat(full).st_mode)
        if tmp_mode & 0o077:
            problems.append('%s: temporary file left with mode %04o' % (when, tmp_mode))
        os.unlink(full)
    return leftovers


def _kill_loop(tmp_path, contents, kills, max_delay):
    """Run C(kills) writer children, each SIGKILLed after a random delay; return (kills done, leftovers, problems).

    Bounded by its count, not by a time budget, so that a loaded machine makes it slower, never different.
    """
    path = str(tmp_path / 'conjur.identity')
    write_file_atomic(path, contents[0], mode=0o600)
    rng = random.Random(0x5eed)
    problems, seen = [], set()
    done = leftovers = 0
    while done < kills:
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(ready_r)
            _writer(path, contents, ready_w)
        os.close(ready_w)
        os.read(ready_r, 1)  # the child has replaced the file once: it is in its write loop now
        os.close(ready_r)
        stop = time.monotonic() + rng.uniform(0, max_delay)
        while time.monotonic() < stop:  # read while it writes: never a partial file
            with open(path, 'rb') as handle:
                if handle.read() not in contents:
                    problems.append('kill %d: a reader saw a partial file' % done)
        os.kill(pid, signal.SIGKILL)
        _pid, status = os.waitpid(pid, 0)
        if not os.WIFSIGNALED(status):
            problems.append('kill %d: the writer exited by itself (status %d)' % (done, status))
        leftovers += _check(path, contents, seen, problems, 'kill %d' % done)
        done += 1
    return done, leftovers, seen, problems


def test_sigkill_during_small_replacements(tmp_path):
    done, leftovers, seen, problems = _kill_loop(tmp_path, SMALL, kills=150, max_delay=0.02)
    assert problems == []
    assert done == 150
    assert seen == {0, 1}, 'the kills never left one of the contents in place'
    print('small: %d kills, %d temporary files left by kills (all 0600), both contents seen' % (done, leftovers))


def test_sigkill_during_large_writes(tmp_path):
    done, leftovers, seen, problems = _kill_loop(tmp_path, LARGE, kills=30, max_delay=0.15)
    assert problems == []
    assert done == 30
    # the point of the large file: some kills must land while a temporary file is being written or synced
    assert leftovers > 0, 'no kill landed inside a write (%d kills)' % done
    print('large: %d kills, %d landed inside a write, contents seen %s' % (done, leftovers, sorted(seen)))
