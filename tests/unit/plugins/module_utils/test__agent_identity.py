# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _agent_identity: the agent id rule and its detection in the agent's order."""

from __future__ import annotations

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _agent_identity as identity
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import ParameterError


def files(**by_path):
    return by_path.get


def never():
    raise AssertionError('not asked')


@pytest.mark.parametrize('value, valid', [
    ('web1.example.com', True), ('a', True), ('A_b-c.9', True), ('x' * 255, True),
    ('', False), ('x' * 256, False), ('web 1', False), ('wéb1', False), ('web1\n', False), ('a/b', False),
    (None, False), (12, False),
])
def test_is_agent_id(value, valid):
    assert identity.is_agent_id(value) is valid


def test_check_agent_id_names_the_option_and_the_error_class():
    class Mine(ParameterError):
        pass
    with pytest.raises(Mine, match=r"^monitoring_id 'a b' is not a valid agent id \(1 to 255 ASCII"):
        identity.check_agent_id('a b', 'monitoring_id', Mine)
    identity.check_agent_id('ok', 'x')


def test_cloud_init_instance_id_comes_first():
    read = files(**{identity.CLOUD_INIT_INSTANCE_ID: ' i-0abc123\n'})
    assert identity.detect_agent_id(read, xen_name=never, hostname=never) == ('i-0abc123', 'cloud-init')


@pytest.mark.parametrize('placeholder', ['iid-datasource-none', 'nocloud', '', '  \n'])
def test_cloud_init_placeholders_are_skipped(placeholder):
    read = files(**{identity.CLOUD_INIT_INSTANCE_ID: placeholder})
    assert identity.detect_agent_id(read, xen_name=lambda: None, hostname=lambda: 'web1') == ('web1', 'hostname')


def test_xen_name_without_its_prefix():
    detected = identity.detect_agent_id(files(), lambda: 'instance-6ddfb6c0-d264-4e77-846a-aa67e4fe89df\n', never)
    assert detected == ('6ddfb6c0-d264-4e77-846a-aa67e4fe89df', 'xen')


@pytest.mark.parametrize('output', [None, '', 'instance-x'])
def test_short_or_missing_xen_name_falls_back_to_the_host_name(output):
    assert identity.detect_agent_id(files(), lambda: output, lambda: 'web1') == ('web1', 'hostname')


def test_read_text(tmp_path):
    path = tmp_path / 'instance-id'
    path.write_bytes(b'i-1\n' + b'x' * 10000)
    assert identity.read_text(str(path)) == 'i-1\n' + 'x' * (identity.READ_LIMIT - 4)
    assert identity.read_text(str(tmp_path / 'missing')) is None
    assert identity.read_text(str(tmp_path)) is None


class FakeModule:
    def __init__(self, path, rc=0, out=''):
        self.path, self.rc, self.out, self.ran = path, rc, out, []

    def get_bin_path(self, name):
        return self.path

    def run_command(self, argv):
        self.ran.append(argv)
        return self.rc, self.out, ''


def test_module_xen_name():
    assert identity.module_xen_name(FakeModule(None))() is None
    module = FakeModule('/usr/bin/xenstore-read', out='instance-abc')
    assert identity.module_xen_name(module)() == 'instance-abc'
    assert module.ran == [['/usr/bin/xenstore-read', 'name']]
    assert identity.module_xen_name(FakeModule('/usr/bin/xenstore-read', rc=1, out='x'))() is None
