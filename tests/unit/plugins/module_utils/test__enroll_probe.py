# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import io
import json
import os
import sys

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._enroll_probe import (
    DIFFERS,
    MISSING,
    OK,
    digest,
    file_matches,
    identity_state,
    main,
    probe,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._identity_file import render_entry

MACHINE = 'https://conjur.example.com/authn'
API_KEY = '1vgw4jzdq9a2j33cj6tb2ht4rm52wn5tx3s8tph1e2hnf3cy1v9x3'


def write(path, text, mode=0o600):
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.chmod(path, mode)
    return str(path)


def state(path, login='host/web-01', mode=0o600, **kwargs):
    return identity_state(str(path), MACHINE, login, mode, **kwargs)


def test_absent_or_empty_identity_is_missing(tmp_path):
    assert state(tmp_path / 'absent') == MISSING
    assert state(write(tmp_path / 'empty', '')) == MISSING


def test_identity_in_the_module_layout_is_ok(tmp_path):
    path = write(tmp_path / 'id', render_entry(MACHINE, 'host/web-01', API_KEY) + '\n')
    assert state(path) == OK


@pytest.mark.parametrize('text', [
    'machine %s login host/web-02 password %s\n' % (MACHINE, API_KEY),  # another host id
    'machine https://other.example.com/authn login host/web-01 password %s\n' % API_KEY,  # another appliance
    'machine %s login host/web-01\n' % MACHINE,  # no password
])
def test_identity_of_something_else_is_missing(tmp_path, text):
    assert state(write(tmp_path / 'id', text)) == MISSING


def test_identity_the_module_would_touch_differs(tmp_path):
    loose = write(tmp_path / 'loose', render_entry(MACHINE, 'host/web-01', API_KEY) + '\n', mode=0o644)
    assert state(loose) == DIFFERS
    entry = render_entry(MACHINE, 'host/web-01', API_KEY) + '\n'
    duplicated = write(tmp_path / 'dup', entry + entry)  # the module keeps exactly one entry per machine
    assert state(duplicated) == DIFFERS
    assert state(write(tmp_path / 'owner', entry), owner=str(os.getuid() + 1)) == DIFFERS


def test_other_entries_and_the_official_role_layout_are_kept_as_they_are(tmp_path):
    text = ('machine https://other.example.com/authn\n    login host/x\n    password y\n'
            'machine %s\n    login host/web-01\n    password %s\n' % (MACHINE, API_KEY))
    assert state(write(tmp_path / 'id', text)) == OK


def test_file_matches(tmp_path):
    path = write(tmp_path / 'conf', 'account: myorg\n', mode=0o644)
    assert file_matches(path, digest('account: myorg\n'), 0o644)
    assert not file_matches(path, digest('account: other\n'), 0o644)
    assert not file_matches(path, digest('account: myorg\n'), 0o600)
    assert not file_matches(str(tmp_path / 'absent'), digest(''), 0o644)


def plan(tmp_path, identity_mode=0o600, **identity):
    identity = dict(dict(path=str(tmp_path / 'id'), machine=MACHINE, login='host/web-01', mode=identity_mode),
                    **identity)
    return {'identity': identity, 'files': [{'path': str(tmp_path / 'conf'), 'sha256': digest('c\n'), 'mode': 0o644}]}


def test_probe(tmp_path):
    assert probe(plan(tmp_path)) == {'identity': MISSING, 'files_ok': False}
    write(tmp_path / 'id', render_entry(MACHINE, 'host/web-01', API_KEY) + '\n')
    assert probe(plan(tmp_path)) == {'identity': OK, 'files_ok': False}
    write(tmp_path / 'conf', 'c\n', mode=0o644)
    assert probe(plan(tmp_path)) == {'identity': OK, 'files_ok': True}


def test_probe_reports_errors_without_content(tmp_path):
    write(tmp_path / 'id', render_entry(MACHINE, 'host/web-01', API_KEY) + '\n')
    result = probe(plan(tmp_path, owner='no-such-user-hfenroll'))
    assert result == {'error': "owner 'no-such-user-hfenroll' does not exist on this machine"}


def test_main_prints_one_json_line_and_never_the_key(tmp_path, monkeypatch):
    write(tmp_path / 'id', render_entry(MACHINE, 'host/web-01', API_KEY) + '\n')
    out = io.StringIO()
    monkeypatch.setattr(sys, 'stdout', out)
    main(json.dumps(plan(tmp_path)))
    assert json.loads(out.getvalue()) == {'identity': OK, 'files_ok': False}
    assert API_KEY not in out.getvalue()
