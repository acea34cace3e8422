# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The netrc format of Conjur identity files: read, merge one entry, mask secrets.

The reader keeps the position of every token, so that merging one C(machine) entry leaves the rest of the file byte
for byte as it was: other machines, comments, odd whitespace, C(default) and C(macdef) blocks. It reads what
Python's C(netrc) module and the official Conjur clients read (quoted tokens, backslash escapes, C(#) comments, the
indented layout of the official Ansible role). Standard library only (shipped with the node probe).
"""

from __future__ import annotations

from ._errors import CollectionError
from ._secrets import MASK

_WHITESPACE = ' \t\r\n'
_ENTRY_KEYWORDS = ('machine', 'default')
_SECRET_KEYS = ('password', 'account')
_SYNONYMS = {'user': 'login'}
_NEEDS_QUOTES = set(_WHITESPACE + '"\\')


class NetrcError(CollectionError):
    """A value cannot be written as a netrc token that every client reads alike."""


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
    White space is any character for which C(str.isspace()) is true: the Go netrc reader of conjur-api-go and Summon
    splits at Unicode white space (NBSP, U+2028, ...) where Python's does not, so the two would read different logins,
    and some of those characters make the Go reader drop the whole file. Python 3.9 and 3.10's netrc reads only
    ASCII tokens: one non-ASCII character makes it reject the whole file.
    """
    value = str(value)
    if not value:
        return 'it is empty'
    if any(char.isspace() for char in value) or _NEEDS_QUOTES & set(value):
        return 'it contains whitespace (Unicode whitespace too), a double quote or a backslash'
    if not value.isascii():
        return ('it contains non-ASCII characters, which the netrc module of Python 3.9 and 3.10 cannot read (it '
                'rejects the whole file)')
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return 'it contains a control character'
    if value.startswith('#'):
        return "it starts with '#'"
    return None


def render_entry(machine, login, password):
    """One entry in the layout of the official Conjur Ansible role (no trailing newline).

    Raises L(NetrcError) when a value cannot be written as a plain netrc token (see L(unsafe_token_reason)).
    """
    for name, value in (('machine', machine), ('login', login), ('password', password)):
        reason = unsafe_token_reason(value)
        if reason:
            raise NetrcError('the netrc %s cannot be written: %s' % (name, reason))
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


def _removal_start(text, start):
    """Extend a removed entry back over the indentation before it when it starts its line."""
    line_start = text.rfind('\n', 0, start) + 1
    return line_start if not text[line_start:start].strip(' \t') else start


def remove_entries(text, machine, login):
    """Return C(text) without the entries for C(machine) that hold C(login); everything else byte for byte.

    Entries for the machine with another login, other machines, comments, C(macdef) and C(default) blocks stay as
    they were. The text is returned unchanged when there is no such entry.
    """
    found = [e for e in parse_netrc(text).machine_entries(machine) if e.login == login]
    pieces = []
    cursor = 0
    for entry in found:
        pieces.append(text[cursor:_removal_start(text, entry.start)])
        cursor = _removal_end(text, entry.end)
    pieces.append(text[cursor:])
    return ''.join(pieces)


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


def existing_api_key(text, machine, login):
    """The API key C(text) holds for C(machine) and C(login), or None (no entry, another login, no password)."""
    if not text:
        return None
    credentials = parse_netrc(text).credentials(machine)
    if credentials and credentials[0] == login and credentials[1]:
        return credentials[1]
    return None
