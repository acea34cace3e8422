# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The commands and the document of the probe and the lean run (what they run is tested with the action plugin)."""

from __future__ import annotations

import json
import shlex

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _enroll_probe, _node_run
from ansible_collections.hostfactory.enrollment.plugins.plugin_utils import _node_code

TOKEN = '3zc1w0r5mqv7x5z1hbk2e8s2ts4qdyp3kz90b4c5fh2q8r1an6x'


def test_the_run_command_never_holds_the_document():
    command = _node_code.run_command('/usr/bin/python3')
    assert shlex.split(command)[:4] == ['/usr/bin/python3', '-I', '-S', '-c']
    assert len(shlex.split(command)) == 5  # the document comes on standard input
    assert shlex.split(_node_code.run_command('/usr/bin/python3', '/tmp/x y/run.json'))[5] == '/tmp/x y/run.json'


def test_the_document_holds_the_sources_in_import_order_the_arguments_the_token_and_the_modes():
    document = json.loads(_node_code.run_document({'id': 'web-01'}, TOKEN, True, False))
    assert [name for name, _source in document['sources']] == list(_node_run.SOURCES)
    assert document['sources'][-1][0] == '_node_run'  # the loader calls main() of the last one
    assert document['args'] == {'id': 'web-01'} and document['token'] == TOKEN
    assert document['check_mode'] is True and document['diff'] is False
    assert 'token' not in json.loads(_node_code.run_document({'id': 'web-01'}, None, False, False))


def test_the_probe_command_carries_its_own_sources_and_no_token():
    command = _node_code.probe_command('/usr/bin/python3', {'id': 'web-01'})
    assert TOKEN not in command and shlex.split(command)[:4] == ['/usr/bin/python3', '-I', '-S', '-c']
    assert _node_code.sources(_enroll_probe.SOURCES)[-1][0] == '_enroll_probe'


def test_run_outcome_reads_the_last_line_and_whether_the_run_started():
    started = _node_run.STARTED
    assert _node_code.run_outcome('') == (False, None)
    assert _node_code.run_outcome(None) == (False, None)
    assert _node_code.run_outcome(started + '\n') == (True, None)
    assert _node_code.run_outcome(started + '\n{"changed": true}\n') == (True, {'changed': True})
    assert _node_code.run_outcome('{"unavailable": "x"}\n') == (False, {'unavailable': 'x'})
    assert _node_code.run_outcome('noise\n[1, 2]\n') == (False, None)
    assert _node_code.run_outcome(started + '\nTraceback (most recent call last):\n') == (True, None)


def test_last_json_is_the_object_on_the_last_line_only():
    assert _node_code.last_json('warming up\n{"done": true}\n') == {'done': True}
    assert _node_code.last_json('{"done": true}\nTraceback (most recent call last):\n') is None
    assert _node_code.last_json('[1, 2]\n') is None
    assert _node_code.last_json('') is None and _node_code.last_json(None) is None
