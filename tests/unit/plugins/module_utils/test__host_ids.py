# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _host_ids: the returned id, the record of the requested id, and which entry is this machine's."""

from __future__ import annotations

import netrc

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._host_ids import (
    identity_entry,
    reserved_id_reason,
    returned_host_id,
    with_record,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._netrc import merge_entry, render_entry

MACHINE = 'https://conjur.example.com/api/authn'
KEY = '1vgw4jzdq9a2j33cj6tb2ht4rm52wn5tx3s8tph1e2hnf3cy1v9x3'
RECORD = ' # hostfactory.enrollment: requested id web-01'


@pytest.mark.parametrize('full_id, expected', [
    ('myorg:host:web-01', 'web-01'),
    ('conjur:host:data/ansible/web-01', 'data/ansible/web-01'),
    ('myorg:host:a:b', 'a:b'),
    ('data/ansible/web-01', 'data/ansible/web-01'),  # an unqualified id, as v4 servers also send
    ('myorg:user:web-01', 'web-01'),  # not a host: the requested id
    ('', 'web-01'),
    (None, 'web-01'),
])
def test_returned_host_id(full_id, expected):
    assert returned_host_id(full_id, 'web-01') == expected


@pytest.mark.parametrize('host_id, reserved', [
    ('conjur/x', True), ('/conjur/x', True), ('conjur-in-root', False), ('apps/conjur/x', False)])
def test_reserved_ids(host_id, reserved):
    assert bool(reserved_id_reason(host_id)) is reserved


def identity(login, record=RECORD, prefix=''):
    return prefix + render_entry(MACHINE, login, KEY) + record + '\n'


@pytest.mark.parametrize('text, requested, found', [
    (identity('host/web-01', record=''), 'web-01', True),
    (identity('host/data/ansible/web-01'), 'web-01', True),
    (identity('host/data/ansible/web-01'), 'web-02', False),
    (identity('host/data/ansible/web-01', record=''), 'web-01', False),
    (identity('host/data/ansible/web-01', record='\t# hostfactory.enrollment: requested id  web-01 \r'), 'web-01', True),
    (identity('host/data/ansible/web-01', record='\n' + RECORD), 'web-01', False),  # a line of its own: not a record
    (identity('host/data/ansible/web-01', record=' # requested id web-01'), 'web-01', False),
    (identity('user/web-01'), 'web-01', False),
    ('', 'web-01', False),
    (None, 'web-01', False),
    # the last entry for the machine counts, as for every netrc reader
    (identity('host/web-01', record='') + identity('host/x/web-01', record=''), 'web-01', False),
    # a record after another appliance's entry is not this one's
    (identity('host/data/ansible/web-01', record='', prefix=identity('host/a', prefix='').replace(MACHINE, 'https://o')),
     'web-01', False),
])
def test_identity_entry(text, requested, found):
    login = netrc_login(text) if found else None
    assert identity_entry(text, MACHINE, requested) == ((login, KEY) if found else None)


def netrc_login(text):
    return [line.split()[1] for line in text.splitlines() if line.strip().startswith('login')][-1]


@pytest.mark.parametrize('before', [
    '',
    'machine https://other/authn login host/x password y\n',
    identity('host/web-01', record=''),
    identity('host/data/ansible/web-01'),
    identity('host/data/old/web-01', record='# hostfactory.enrollment: requested id web-00\n'),
    'machine https://other/authn login host/x password y machine %s login host/a password b\n' % MACHINE,
    'machine %s login host/a password b machine https://other/authn login host/x password y\n' % MACHINE,
    'machine https://other/authn login host/x password y\n\n' + identity('host/data/old/web-01', record=' \t'),
])
@pytest.mark.parametrize('login', ['host/web-01', 'host/data/ansible/web-01'])
def test_with_record_writes_what_identity_entry_reads(tmp_path, before, login):
    text = with_record(merge_entry(before, MACHINE, login, KEY), MACHINE, login, 'web-01')
    assert identity_entry(text, MACHINE, 'web-01') == (login, KEY)
    assert text.count('# hostfactory.enrollment') == (0 if login == 'host/web-01' else 1)
    assert with_record(text, MACHINE, login, 'web-01') == text  # idempotent
    path = tmp_path / 'identity'
    path.write_text(text)
    parsed = netrc.netrc(str(path))  # Python's own reader skips the record
    assert parsed.authenticators(MACHINE)[0::2] == (login, KEY)
    if 'https://other/authn' in before:
        assert parsed.authenticators('https://other/authn')[0::2] == ('host/x', 'y')
