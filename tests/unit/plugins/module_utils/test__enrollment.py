# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _enrollment, the planner: the decision, and the verdict the probe reports (enrolling and
un-enrolling). The agreement of the shipped probe with the module is tested in
tests/unit/plugins/action/test_hostfactory_enroll_probe.py."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _enrollment as planner
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import ConjurConnection
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.enrollment_node import (
    API_KEY,
    write,
)

OLD_KEY = '2k4vq0m8x5rj3t1pkyzx6w9c0a8s7d6f5g4h3j2k1l0zxcvbnm9qw'


@pytest.mark.parametrize('existing, rotate, token, missing, expected', [
    (OLD_KEY, False, False, 'fail', planner.KEEP),
    (OLD_KEY, False, True, 'fail', planner.KEEP),
    (OLD_KEY, True, True, 'fail', planner.ENROLL),
    (OLD_KEY, True, False, 'skip', planner.SKIP),
    (OLD_KEY, True, False, 'fail', planner.FAIL),
    (None, False, True, 'fail', planner.ENROLL),
    (None, False, False, 'skip', planner.SKIP),
    (None, False, False, 'fail', planner.FAIL),
    (None, True, True, 'skip', planner.ENROLL),
])
def test_decide(existing, rotate, token, missing, expected):
    assert planner.decide(existing, rotate, token, missing) == expected


# -- un-enrollment (state=absent) -----------------------------------------------------------------------------------

def removal_plan(node_args, **options):
    args = dict(node_args, state='absent', **options)
    connection = ConjurConnection.resolve(args, environ={})
    return planner.make_plan(dict((name, args.get(name)) for name in planner.PLAN_OPTIONS), connection,
                             have_token=False)


def test_an_enrolled_node_is_un_enrolled_whole(node):
    _tmp, paths, args = node
    plan = removal_plan(args)
    assert isinstance(plan, planner.RemovalPlan) and plan.unenroll
    assert [type(f).__name__ for f in plan.files()] == ['FileRemoval'] * 3
    assert [f.path for f in plan.files()] == [paths['conjur.identity'], paths['conjur.conf'], paths['conjur.pem']]
    verdict = plan.verdict()
    assert verdict == {'needs_token': False, 'done': False, 'warnings': [], 'unenroll': True, 'login': 'host/web-01'}
    assert API_KEY not in json.dumps(verdict)


def test_an_un_enrolled_node_is_done(node):
    _tmp, paths, args = node
    for path in paths.values():
        os.unlink(path)
    verdict = removal_plan(args).verdict()
    assert verdict['done'] is True and verdict['unenroll'] is False
    assert verdict['result'] == dict(changed=False, enrolled=False, rotated=False, needs_token=False, verified=False,
                                     host={}, changed_files=[], login='host/web-01',
                                     identity_file=paths['conjur.identity'], unenrolled=False)


def test_files_of_another_content_or_kind_are_kept_with_a_warning(node):
    tmp, paths, args = node
    write(paths['conjur.conf'], 'account: someone-else\n', 0o644)
    os.unlink(paths['conjur.pem'])
    os.symlink(paths['conjur.conf'], paths['conjur.pem'])
    plan = removal_plan(args)
    assert [f.path for f in plan.files() if f.differs] == [paths['conjur.identity']]
    assert plan.warnings == [paths['conjur.conf'] + ' is kept: it does not hold what this module writes there',
                             paths['conjur.pem'] + ' is kept: it is not a regular file']


def test_an_identity_link_is_emptied_through_the_link_not_deleted(node):
    tmp, paths, args = node
    os.rename(paths['conjur.identity'], str(tmp / 'real.identity'))
    os.symlink(str(tmp / 'real.identity'), paths['conjur.identity'])
    plan = removal_plan(args, conf_file=None, cert_file=None)
    assert not isinstance(plan.identity, planner.FileRemoval) and plan.identity.after == '' and plan.unenroll


def test_other_entries_stay_and_the_identity_is_rewritten(node):
    _tmp, paths, args = node
    other = 'machine https://other.example.com/authn login host/x password y\n'
    with open(paths['conjur.identity'], 'a') as handle:
        handle.write(other)
    plan = removal_plan(args)
    assert not isinstance(plan.identity, planner.FileRemoval) and plan.identity.after == other
    assert plan.identity.diff()['before'].count('********') == 2
