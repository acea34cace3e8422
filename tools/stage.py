# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mirror the working tree (tracked and untracked, non-ignored files) into the staging collection path.

ansible-test needs the collection physically at .../ansible_collections/hostfactory/enrollment. The copy keeps
tests/output (ansible-test caches) and removes files that are gone from the working tree, so a stale file never
leaks into a test run.

The staged copy is made its own git work tree: ansible-test lists a collection's files with git when it finds a
.git directory at or above the collection, and the default staging path sits inside this repository's ignored
build/ directory, where the outer repository would list no file at all.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

KEEP_PREFIXES = ("tests/output/", ".git/")


def source_files(root):
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root, check=True,
                             capture_output=True).stdout
        names = [n for n in out.decode().split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in (".git", ".venv", "build", "__pycache__", "output")]
            names.extend(os.path.relpath(os.path.join(dirpath, f), root) for f in filenames)
    return sorted(n for n in names if os.path.lexists(os.path.join(root, n)))


def same(src, dst):
    try:
        a, b = os.lstat(src), os.lstat(dst)
    except FileNotFoundError:
        return False
    return a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime) and a.st_mode == b.st_mode


def main(root, dest):
    wanted = set(source_files(root))
    os.makedirs(dest, exist_ok=True)
    copied = 0
    for name in wanted:
        src, dst = os.path.join(root, name), os.path.join(dest, name)
        if same(src, dst):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.lexists(dst):
            os.unlink(dst)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)
        copied += 1
    removed = 0
    for dirpath, dirnames, filenames in os.walk(dest, topdown=True):
        rel_dir = os.path.relpath(dirpath, dest)
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = [d for d in dirnames if not (rel_dir + d + "/").startswith(KEEP_PREFIXES) and d != "__pycache__"]
        for f in filenames:
            if rel_dir + f not in wanted:
                os.unlink(os.path.join(dirpath, f))
                removed += 1
    for dirpath, dirnames, filenames in os.walk(dest, topdown=False):
        rel_dir = os.path.relpath(dirpath, dest) + "/"
        if dirpath != dest and not rel_dir.startswith(KEEP_PREFIXES) and not os.listdir(dirpath):
            os.rmdir(dirpath)
    if not os.path.isdir(os.path.join(dest, ".git")):
        subprocess.run(["git", "init", "-q", dest], check=True)
    print("staged %d files at %s (%d updated, %d removed)" % (len(wanted), dest, copied, removed))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
