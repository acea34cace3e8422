# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the agent_config module: the file written, its mode, idempotence, check and diff mode, secrets."""

from __future__ import annotations

import os
import socket
import stat

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _agent_identity
from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import fingerprint
from ansible_collections.hostfactory.enrollment.plugins.modules import agent_config

TOKEN = 'b' * 64 + '.123456'
OTHER = 'c' * 64 + '.123456'


@pytest.fixture
def call(call_module):
    return lambda **args: call_module(agent_config, **args)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_0600_then_leaves_the_file_alone(tmp_path, call):
    path = tmp_path / 'agent.cfg'
    result, out = call(path=str(path), token=TOKEN, monitoring_id='web1', upgrade=False)
    assert result['changed'] is True and result['fingerprint'] == fingerprint(TOKEN)
    assert path.read_text() == 'monitoring_id web1\nmonitoring_token %s\nmonitoring_upgrade disabled\n' % TOKEN
    assert mode_of(path) == 0o600
    assert TOKEN not in out
    inode = os.stat(path).st_ino
    again, _out = call(path=str(path), token=TOKEN, monitoring_id='web1', upgrade=False)
    assert again['changed'] is False
    assert os.stat(path).st_ino == inode  # not rewritten
    assert sorted(os.listdir(tmp_path)) == ['agent.cfg']  # no temporary file left


def test_check_mode_and_diff_never_show_the_token(tmp_path, call):
    path = tmp_path / 'agent.cfg'
    path.write_text('monitoring_token %s\n' % OTHER)
    result, out = call(path=str(path), token=TOKEN, _ansible_check_mode=True, _ansible_diff=True)
    assert result['changed'] is True
    assert path.read_text() == 'monitoring_token %s\n' % OTHER
    assert result['diff']['before'] == 'monitoring_token ******** (fingerprint %s)\n' % fingerprint(OTHER)
    assert result['diff']['after'] == 'monitoring_token ******** (fingerprint %s)\n' % fingerprint(TOKEN)
    assert TOKEN not in out and OTHER not in out


def test_mode_is_corrected(tmp_path, call):
    path = tmp_path / 'agent.cfg'
    path.write_text('monitoring_token %s\n' % TOKEN)
    os.chmod(path, 0o644)
    result, _out = call(path=str(path), token=TOKEN)
    assert result['changed'] is True and mode_of(path) == 0o600
    result, _out = call(path=str(path), token=TOKEN, mode='0640')
    assert result['changed'] is True and mode_of(path) == 0o640
    result, _out = call(path=str(path), token=TOKEN, mode=0o640)
    assert result['changed'] is False


@pytest.mark.parametrize('args, match', [
    ({'monitoring_id': 'bad id'}, 'not a valid agent id'),
    ({'mode': 'u=rw'}, 'mode must be an octal number'),
    ({'owner': 'no-such-user-hf'}, "owner 'no-such-user-hf' does not exist"),
])
def test_bad_input_fails_and_writes_nothing(tmp_path, call, args, match):
    path = tmp_path / 'agent.cfg'
    result, out = call(path=str(path), token=TOKEN, **args)
    assert result['failed'] is True and match in result['msg']
    assert not path.exists() and TOKEN not in out


def test_missing_directory_fails_in_check_mode_too(tmp_path, call):
    path = tmp_path / 'missing' / 'agent.cfg'
    result, _out = call(path=str(path), token=TOKEN, _ansible_check_mode=True)
    assert result['failed'] is True and 'does not exist' in result['msg']


def test_missing_directory_is_named(tmp_path, call):
    result, _out = call(path=str(tmp_path / 'missing' / 'agent.cfg'), token=TOKEN)
    assert result['failed'] is True and 'directory %s does not exist' % (tmp_path / 'missing') in result['msg']


def test_agent_id_is_the_monitoring_id_or_what_the_agent_detects(tmp_path, call, monkeypatch):
    path = str(tmp_path / 'agent.cfg')
    result, _out = call(path=path, token=TOKEN, monitoring_id='web1', _ansible_check_mode=True)
    assert result['agent_id'] == 'web1'
    instance_id = tmp_path / 'instance-id'
    monkeypatch.setattr(_agent_identity, 'CLOUD_INIT_INSTANCE_ID', str(instance_id))
    monkeypatch.setenv('PATH', str(tmp_path))  # no xenstore-read
    result, _out = call(path=path, token=TOKEN)
    assert result['agent_id'] == socket.gethostname()
    instance_id.write_text('i-0123456789abcdef0\n')
    result, _out = call(path=path, token=TOKEN)
    assert result['agent_id'] == 'i-0123456789abcdef0' and result['changed'] is False
