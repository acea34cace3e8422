# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""A read-only look at a node's Conjur files, sent to the node by the hostfactory_enroll action plugin.

It answers, without the weight of a module run and without ever returning a secret, the one question that decides
what the action plugin does next: would M(hostfactory.enrollment.hostfactory_host) keep everything as it is? It
reads with the module's own functions (L(_identity_file)) and takes the module's decision for a host that holds an
identity: the entry for C(machine) must have C(login) and a password, the file must not need rewriting, and owner,
group and numeric mode must match. The configuration and CA files must have exactly the expected content (the
controller sends SHA-256 digests of the text the module would write) and mode.

Anything else - a missing entry, a difference, an error - makes the action plugin run the module, which then
does the real work or reports the real error. Only the standard library is used; it runs on Python 3.9+.
"""

from __future__ import annotations

import hashlib
import json
import sys

from ._identity_file import IdentityFileError, encode_text, ensure_attributes, merge_entry, parse_netrc, read_text

MISSING, DIFFERS, OK = 'missing', 'differs', 'ok'


def identity_state(path, machine, login, mode, owner=None, group=None):
    """C(missing) when the host must be enrolled, C(differs) when the module would touch the file, else C(ok)."""
    text = read_text(path)
    if not text:
        return MISSING
    credentials = parse_netrc(text).credentials(machine)
    if not credentials or credentials[0] != login or not credentials[1]:
        return MISSING
    if merge_entry(text, machine, login, credentials[1]) != text:
        return DIFFERS
    before, _after = ensure_attributes(path, mode, owner, group, apply=False)
    return DIFFERS if before else OK


def digest(text):
    return hashlib.sha256(encode_text(text)).hexdigest()


def file_matches(path, sha256, mode):
    """Whether C(path) holds text with digest C(sha256) and has C(mode)."""
    text = read_text(path)
    if text is None or digest(text) != sha256:
        return False
    before, _after = ensure_attributes(path, mode, apply=False)
    return not before


def probe(plan):
    """C(plan) is C({identity: {path, machine, login, mode, owner, group}, files: [{path, sha256, mode}]}).

    Returns C({identity: missing|differs|ok, files_ok: bool}), or C({error: message}) when something could not be
    read (the module then reports it properly).
    """
    try:
        identity = identity_state(**plan['identity'])
        files_ok = all(file_matches(**item) for item in plan['files'])
    except IdentityFileError as exc:
        return {'error': str(exc)}
    return {'identity': identity, 'files_ok': files_ok}


def main(plan_json):
    sys.stdout.write(json.dumps(probe(json.loads(plan_json))) + '\n')
