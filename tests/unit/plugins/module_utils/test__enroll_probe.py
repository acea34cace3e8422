# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the node probe: the planner's verdict for the arguments the action plugin sends.

Its agreement with the module on every node state, run as it is shipped, is tested with the action plugin
(tests/unit/plugins/action/test_hostfactory_enroll_probe.py).
"""

from __future__ import annotations

import io
import json
import os
import sys

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._enroll_probe import main, probe
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.enrollment_node import (
    API_KEY,
    ENV,
    make_node,
)


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def node(tmp_path):
    return make_node(tmp_path)


# -- the probe itself ----------------------------------------------------------------------------------------------

def test_a_node_in_the_module_layout_is_done_with_the_module_result(node):
    _tmp, paths, args = node
    verdict = probe(args)
    assert verdict == {'done': True, 'needs_token': False, 'warnings': [], 'result': dict(
        changed=False, enrolled=False, rotated=False, needs_token=False, verified=False, host={}, changed_files=[],
        login='host/web-01', identity_file=paths['conjur.identity'])}


def test_a_missing_identity_needs_a_token(node):
    _tmp, paths, args = node
    os.unlink(paths['conjur.identity'])
    assert probe(args) == {'done': False, 'needs_token': True, 'warnings': []}


def test_errors_are_reported_without_content(node):
    _tmp, _paths, args = node
    assert probe(dict(args, owner='no-such-user-hfenroll')) == {
        'error': "owner 'no-such-user-hfenroll' does not exist on this machine"}


def test_main_prints_one_json_line_and_never_the_key(node, monkeypatch):
    _tmp, _paths, args = node
    out = io.StringIO()
    monkeypatch.setattr(sys, 'stdout', out)
    main(json.dumps(args))
    assert json.loads(out.getvalue())['done'] is True
    assert API_KEY not in out.getvalue()


def test_paths_are_expanded_on_the_node_like_the_module_does(node, monkeypatch):
    tmp, paths, args = node
    monkeypatch.setenv('HFDIR', str(tmp))
    verdict = probe(dict(args, identity_file='$HFDIR/conjur.identity'))
    assert verdict['done'] is True and verdict['result']['identity_file'] == paths['conjur.identity']
