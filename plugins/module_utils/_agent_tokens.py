# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Desired state of Cloud Monitoring agent tokens, over an C(AgentTokenApi) (see C(_rackspace)).

On the current service a token's id is its secret value, so a described token carries only its C(label) and a
non-reversible C(fingerprint) unless the caller asks to C(reveal) it; then C(id) and C(token) are added.

Each function makes only the calls it needs: one listing (all pages) for label work, one GET for id work, and writes
only outside check mode.
"""

from __future__ import annotations

from ._rackspace import RackspaceError, create_once
from ._secrets import fingerprint


class Outcome:
    """What a desired-state function found and did."""

    def __init__(self):
        self.changed = False
        self.tokens = []
        self.before = {}
        self.after = {}
        self.warnings = []

    @property
    def diff(self):
        return {'before': self.before, 'after': self.after}


def _unique(values):
    seen = set()
    return [v for v in values if not (v in seen or seen.add(v))]


def group_by_label(items):
    """C({label: [items sorted by id]}) (the API sorts ids lexicographically; so does this)."""
    groups = {}
    for item in items:
        groups.setdefault(item['label'], []).append(item)
    for group in groups.values():
        group.sort(key=lambda item: item['id'])
    return groups


def describe(api, item, reveal=False):
    """The public view of a token: C({label, fingerprint}), plus C(id) and C(token) when C(reveal)."""
    entry = {'label': item.get('label'), 'fingerprint': fingerprint(item['id'])}
    if reveal:
        token = item.get('token')
        if not token:
            fresh = api.get(item['id'])
            token = fresh.get('token') if fresh else None
            if not token:
                raise RackspaceError("cannot read the value of the agent token labelled '%s' (fingerprint %s): the "
                                     "server did not return it" % (item.get('label'), entry['fingerprint']))
        entry['id'] = item['id']
        entry['token'] = token
    return entry


def _duplicate_warning(label, group):
    return ("%d agent tokens share the label '%s'; using the one with the lowest id (fingerprint %s). Delete the "
            "others with hostfactory.enrollment.agent_token state=absent and id." % (len(group), label,
                                                                                     fingerprint(group[0]['id'])))


def create_token(api, label):
    """Create a token labelled C(label) and return its id, without ever leaving a duplicate behind.

    After a create that may have reached the server (see C(_rackspace.create_once)), a token that now carries C(label)
    is adopted.
    """
    def find():
        group = group_by_label(api.list()).get(label)
        return group[0]['id'] if group else None

    return create_once(lambda retry: api.create(label, retry=retry), find, api.http.retries)


def ensure_labels_present(api, labels, check_mode=False, reveal=False):
    """Make sure a token exists for every label: reuse the lowest id with that label, or create one."""
    out = Outcome()
    if not labels:
        return out
    groups = group_by_label(api.list())
    for label in _unique(labels):
        group = groups.get(label)
        out.before[label] = 'present' if group else 'absent'
        out.after[label] = 'present'
        if group:
            if len(group) > 1:
                out.warnings.append(_duplicate_warning(label, group))
            out.tokens.append(describe(api, group[0], reveal))
            continue
        out.changed = True
        if check_mode:
            out.tokens.append({'label': label, 'fingerprint': None})
            continue
        token_id = create_token(api, label)
        out.tokens.append(describe(api, {'id': token_id, 'label': label, 'token': None}, reveal))
    return out


def ensure_labels_absent(api, labels, check_mode=False):
    """Delete every token that carries one of the labels; C(tokens) lists the deleted tokens."""
    out = Outcome()
    if not labels:
        return out
    groups = group_by_label(api.list())
    for label in _unique(labels):
        group = groups.get(label) or []
        out.before[label] = 'present' if group else 'absent'
        out.after[label] = 'absent'
        for item in group:
            out.changed = True
            out.tokens.append(describe(api, item))
            if not check_mode:
                api.delete(item['id'])
    return out


def _id_state(item):
    if item is None:
        return {'state': 'absent'}
    return {'state': 'present', 'label': item.get('label'), 'fingerprint': fingerprint(item['id'])}


def ensure_id_present(api, token_id, label=None, check_mode=False, reveal=False):
    """Make sure the token with this id exists, and carries C(label) when it is given (relabel with PUT)."""
    out = Outcome()
    item = api.get(token_id)
    if item is None:
        raise RackspaceError('id: there is no agent token with this id (HTTP 404)', status=404)
    out.before = _id_state(item)
    if label is not None and item.get('label') != label:
        out.changed = True
        if not check_mode and not api.update(item['id'], label):
            raise RackspaceError('id: the agent token was deleted while it was being relabelled (HTTP 404)',
                                 status=404)
        item = dict(item, label=label)
    out.after = _id_state(item)
    out.tokens.append(describe(api, item, reveal))
    return out


def ensure_id_absent(api, token_id, check_mode=False):
    """Delete the token with this id if it exists."""
    out = Outcome()
    item = api.get(token_id)
    out.before = _id_state(item)
    out.after = _id_state(None)
    if item is not None:
        out.changed = True
        out.tokens.append(describe(api, item))
        if not check_mode:
            api.delete(item['id'])
    return out


def list_tokens(api, label=None, reveal=False):
    """Every token (or those labelled C(label)), in the order of the API (by id)."""
    return [describe(api, item, reveal) for item in api.list() if label is None or item.get('label') == label]
