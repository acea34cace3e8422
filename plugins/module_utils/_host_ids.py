# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Which host id and login are this machine's: the requested id, the id the server returned, and the record that
ties them together in the identity file.

A host factory may create the host elsewhere than the requested id (Conjur Cloud places factory-made hosts under a
policy branch: a request for C(web-01) creates C(data/ansible/web-01)). The server's answer is the truth: the login
written is the returned one. So that a later run recognises that identity (and neither enrolls the machine again nor
rotates its key), the entry then ends with a comment on its last line, C(password ... # hostfactory.enrollment:
requested id web-01). An entry is this machine's identity when its login is C(host/<requested id>), or when it carries
that record for the requested id: a record is only ever written by an enrollment made for that id on this machine, so
the entry of another id (or of another machine, in a copied image) is never taken for ours.

The record sits on the entry's own line because every netrc reader skips a comment there (Python's C(netrc) of
3.9 to 3.13, the Go and Ruby readers of the official clients), while Python 3.11 and later fail on a comment line that
follows a blank line or trailing blanks. Standard library only (shipped with the node probe).
"""

from __future__ import annotations

from ._netrc import parse_netrc

RECORD_PREFIX = '# hostfactory.enrollment: requested id '
LOGIN_PREFIX = 'host/'
RESERVED_PREFIXES = ('conjur/', '/conjur/')


def reserved_id_reason(host_id):
    """Why Conjur refuses C(host_id) for a new host (its own C(conjur/) branch), or None."""
    if host_id.startswith(RESERVED_PREFIXES):
        return "ids under conjur/ belong to Conjur itself; choose another id"
    return None


def returned_host_id(full_id, requested_id):
    """The host id of the server's answer (C(account:host:) stripped), or C(requested_id) when it names none."""
    value = str(full_id or '').strip()
    parts = value.split(':', 2)
    if len(parts) == 3 and parts[1] == 'host':
        value = parts[2]
    elif ':' in value:
        value = ''
    return value or requested_id


def _line_end(text, pos):
    end = text.find('\n', pos)
    return len(text) if end < 0 else end


def _record_span(text, entry):
    """C((start, end, id)) of the record after the last token of C(entry) on its line, or None."""
    rest = text[entry.end:_line_end(text, entry.end)].rstrip()
    if rest[:1] not in (' ', '\t') or not rest.lstrip().startswith(RECORD_PREFIX):
        return None
    return entry.end, entry.end + len(rest), rest.lstrip()[len(RECORD_PREFIX):].strip()


def identity_entry(text, machine, requested_id):
    """C((login, api_key)) of this machine's entry for C(machine) in the identity text, or None.

    Like every netrc reader, the last entry for C(machine) counts; it is ours when its login is
    C(host/<requested_id>) or when it carries the record of an enrollment requested as C(requested_id).
    """
    if not text:
        return None
    entries = parse_netrc(text).machine_entries(machine)
    if not entries:
        return None
    entry = entries[-1]
    login, api_key = entry.login, entry.password
    if not login or not api_key or not login.startswith(LOGIN_PREFIX):
        return None
    if login == LOGIN_PREFIX + requested_id:
        return login, api_key
    record = _record_span(text, entry)
    if record and record[2] == requested_id:
        return login, api_key
    return None


def with_record(text, machine, login, requested_id):
    """C(text) (holding one entry for C(machine)) with the record after the entry exactly when C(login) is not
    C(host/<requested_id>); other text is kept byte for byte."""
    entries = parse_netrc(text).machine_entries(machine)
    if not entries:
        return text
    entry = entries[0]
    wanted = '' if login == LOGIN_PREFIX + requested_id else ' ' + RECORD_PREFIX + requested_id
    record = _record_span(text, entry)
    if record:
        return text if text[record[0]:record[1]] == wanted else text[:record[0]] + wanted + text[record[1]:]
    if not wanted:
        return text
    rest = text[entry.end:_line_end(text, entry.end)]
    if rest.strip():  # more tokens follow on the line: they move to the next one, out of the comment
        return text[:entry.end] + wanted + '\n' + text[entry.end:].lstrip(' \t')
    return text[:entry.end] + wanted + text[entry.end:]


def without_records(text, machine, login):
    """C(text) without the records after the entries of C(login) for C(machine) (an un-enrollment removes the
    entries themselves; a record left behind would keep the file from being empty)."""
    spans = []
    for entry in parse_netrc(text).machine_entries(machine):
        record = _record_span(text, entry) if entry.fields.get('login') == login else None
        if record:
            spans.append(record[:2])
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    return text
