# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Netrc identity files (read, merge one entry, mask secrets) and an atomic file writer.

The netrc reader keeps the position of every token, so that merging one C(machine) entry leaves the rest of the
file byte for byte as it was: other machines, comments, odd whitespace, C(default) and C(macdef) blocks.
It reads what Python's C(netrc) module and the official Conjur clients read (quoted tokens, backslash escapes,
C(#) comments, the indented layout of the official Ansible role).

C(write_file_atomic) is shared by every file the collection writes (identity, agent configuration, conf and CA
files): a temporary file in the target directory, created with restrictive permissions from the first byte,
written, synced and renamed over the target; the directory is synced afterwards. A failure never leaves the
existing file damaged or empty.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets

MASK = '********'
ENCODING = 'utf-8'
_WHITESPACE = ' \t\r\n'
_ENTRY_KEYWORDS = ('machine', 'default')
_SECRET_KEYS = ('password', 'account')
_SYNONYMS = {'user': 'login'}
_NEEDS_QUOTES = set(_WHITESPACE + '"\\')


class IdentityFileError(Exception):
    """A file could not be read or written. C(str()) is a one-line message that never holds file content."""


# --------------------------------------------------------------------------------------------------------------
# netrc parsing
# --------------------------------------------------------------------------------------------------------------

class NetrcEntry:
    """One C(machine) or C(default) entry: its fields, and where it sits in the text."""

    def __init__(self, kind, start):
        self.kind = kind
        self.machine = None
        self.fields = {}
        self.start = start
        self.end = start
        self.secret_spans = []

    @property
    def login(self):
        return self.fields.get('login')

    @property
    def password(self):
        return self.fields.get('password')


class NetrcFile:
    """The parsed text of a netrc file. C(entries) are in file order; C(macro_spans) cover C(macdef) bodies."""

    def __init__(self, text, entries, macro_spans, ends_in_open_macro):
        self.text = text
        self.entries = entries
        self.macro_spans = macro_spans
        self.ends_in_open_macro = ends_in_open_macro

    def machine_entries(self, machine):
        return [e for e in self.entries if e.kind == 'machine' and e.machine == machine]

    def credentials(self, machine):
        """C((login, password)) for C(machine) as Python's netrc module resolves it (the last entry wins), or None."""
        found = self.machine_entries(machine)
        if not found:
            return None
        return found[-1].login, found[-1].password


def _read_token(text, pos):
    """Read one token starting at C(pos) (not whitespace). Return C((value, end, quoted))."""
    length = len(text)
    value = []
    if text[pos] == '"':
        pos += 1
        while pos < length:
            char = text[pos]
            if char == '"':
                return ''.join(value), pos + 1, True
            if char == '\\' and pos + 1 < length:
                pos += 1
                char = text[pos]
            value.append(char)
            pos += 1
        return ''.join(value), pos, True
    while pos < length and text[pos] not in _WHITESPACE:
        char = text[pos]
        if char == '\\' and pos + 1 < length:
            pos += 1
            char = text[pos]
        value.append(char)
        pos += 1
    return ''.join(value), pos, False


def _skip_whitespace(text, pos):
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _line_end(text, pos):
    end = text.find('\n', pos)
    return len(text) if end < 0 else end + 1


def _macro_body(text, pos):
    """A C(macdef) body after its name at C(pos): C((start, end, resume, unterminated)).

    The body runs from the next line up to the first blank line (excluded); parsing resumes after that line.
    """
    start = _line_end(text, pos)
    cursor = start
    while cursor < len(text):
        nxt = _line_end(text, cursor)
        if not text[cursor:nxt].strip():
            return start, cursor, nxt, False
        cursor = nxt
    return start, len(text), len(text), True


def parse_netrc(text):
    """Parse netrc C(text) tolerantly into a L(NetrcFile); never raises on odd content (it is kept verbatim)."""
    entries = []
    macro_spans = []
    open_macro = False
    current = None
    pending = None
    pos = _skip_whitespace(text, 0)
    while pos < len(text):
        start = pos
        value, pos, quoted = _read_token(text, pos)
        open_macro = False
        if pending is not None:
            if current is not None:
                if pending == 'machine':
                    current.machine = value
                else:
                    pending = _SYNONYMS.get(pending, pending)
                    current.fields[pending] = value
                    if pending in _SECRET_KEYS:
                        current.secret_spans.append((start, pos))
                current.end = pos
            pending = None
        elif not quoted and value.startswith('#'):
            pos = _line_end(text, start)
        elif not quoted and value in _ENTRY_KEYWORDS:
            current = NetrcEntry(value, start)
            current.end = pos
            entries.append(current)
            pending = 'machine' if value == 'machine' else None
        elif not quoted and value == 'macdef':
            current = None
            pos = _skip_whitespace(text, pos)
            if pos < len(text):
                _name, pos, _quoted = _read_token(text, pos)
            body_start, body_end, pos, open_macro = _macro_body(text, pos)
            macro_spans.append((body_start, body_end))
        elif current is not None:
            pending = value
        pos = _skip_whitespace(text, pos)
    return NetrcFile(text, entries, macro_spans, open_macro)


# --------------------------------------------------------------------------------------------------------------
# netrc writing
# --------------------------------------------------------------------------------------------------------------

def unsafe_token_reason(value):
    """Why C(value) cannot be a netrc token every client reads alike, or None when it can.

    Quoting is not an option: Python's netrc before 3.11 (and other readers) split quoted values at whitespace.
    """
    value = str(value)
    if not value:
        return 'it is empty'
    if _NEEDS_QUOTES & set(value):
        return 'it contains whitespace, a double quote or a backslash'
    if value.startswith('#'):
        return "it starts with '#'"
    return None


def render_entry(machine, login, password):
    """One entry in the layout of the official Conjur Ansible role (no trailing newline).

    Raises L(IdentityFileError) when a value cannot be written as a plain netrc token (see L(unsafe_token_reason)).
    """
    for name, value in (('machine', machine), ('login', login), ('password', password)):
        reason = unsafe_token_reason(value)
        if reason:
            raise IdentityFileError('the netrc %s cannot be written: %s' % (name, reason))
    return 'machine %s\n    login %s\n    password %s' % (machine, login, password)


def _removal_end(text, end):
    """Extend a removed entry over its trailing blanks and one line break."""
    while end < len(text) and text[end] in ' \t':
        end += 1
    if text.startswith('\r\n', end):
        return end + 2
    if end < len(text) and text[end] == '\n':
        return end + 1
    return end


def merge_entry(text, machine, login, password):
    """Return C(text) with exactly one entry for C(machine) holding C(login)/C(password).

    The text is returned unchanged when it already holds exactly that entry. Otherwise the first entry for the
    machine is replaced in place and any duplicates are removed; a new entry goes before a C(default) entry (which
    must stay last) or at the end. Everything else is kept byte for byte.
    """
    parsed = parse_netrc(text)
    found = parsed.machine_entries(machine)
    if len(found) == 1 and found[0].login == login and found[0].password == password:
        return text
    rendered = render_entry(machine, login, password)
    if found:
        first = found[0]
        pieces = [text[:first.start], rendered]
        cursor = first.end
        for entry in found[1:]:
            pieces.append(text[cursor:entry.start])
            cursor = _removal_end(text, entry.end)
        pieces.append(text[cursor:])
        return ''.join(pieces)
    defaults = [e for e in parsed.entries if e.kind == 'default']
    if defaults:
        where = defaults[0].start
        return text[:where] + rendered + '\n' + text[where:]
    prefix = text
    if prefix and not prefix.endswith('\n'):
        prefix += '\n'
    if parsed.ends_in_open_macro:
        prefix += '\n'
    return prefix + rendered + '\n'


def mask_netrc(text):
    """C(text) with every password/account value and every macro body replaced by a mask, for diffs."""
    parsed = parse_netrc(text)
    spans = [(s, e, MASK) for entry in parsed.entries for s, e in entry.secret_spans]
    spans.extend((s, e, MASK + '\n') for s, e in parsed.macro_spans if e > s)
    out = []
    cursor = 0
    for start, end, mask in sorted(spans):
        out.append(text[cursor:start])
        out.append(mask)
        cursor = end
    out.append(text[cursor:])
    return ''.join(out)


# --------------------------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------------------------

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
        raise IdentityFileError('cannot read %s: %s' % (path, _describe(exc)))
    return data.decode(ENCODING, errors='surrogateescape')


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
        raise IdentityFileError("%s '%s' does not exist on this machine" % (what, value))


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
    """Raise L(IdentityFileError) unless C(path) could be written (directory exists and is writable)."""
    directory = os.path.dirname(os.path.abspath(target_path(path)))
    if not os.path.isdir(directory):
        raise IdentityFileError('cannot write %s: directory %s does not exist' % (path, directory))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise IdentityFileError('cannot write %s: directory %s is not writable' % (path, directory))
    if os.path.isdir(path):
        raise IdentityFileError('cannot write %s: it is a directory' % path)


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
        raise IdentityFileError('cannot write %s: %s' % (path, _describe(exc)))
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
            raise IdentityFileError('cannot write %s: %s' % (path, _describe(exc)))
        raise
    _fsync_directory(directory)


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
        raise IdentityFileError('cannot read the attributes of %s: %s' % (path, _describe(exc)))
    before, after = {}, {}
    if uid != -1 and stat.st_uid != uid:
        before['owner'], after['owner'] = stat.st_uid, uid
    if gid != -1 and stat.st_gid != gid:
        before['group'], after['group'] = stat.st_gid, gid
    current_mode = stat.st_mode & 0o7777
    if mode is not None and current_mode != mode:
        before['mode'], after['mode'] = '%04o' % current_mode, '%04o' % mode
    if apply and before:
        try:
            if 'owner' in before or 'group' in before:
                os.chown(path, after.get('owner', -1), after.get('group', -1))
            if mode is not None:
                os.chmod(path, mode)
        except OSError as exc:
            raise IdentityFileError('cannot set owner, group or mode of %s: %s' % (path, _describe(exc)))
    return before, after
