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
from ansible_collections.hostfactory.enrollment.plugins.module_utils._files import FileError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._host_ids import with_record
from ansible_collections.hostfactory.enrollment.plugins.module_utils._netrc import render_entry
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.enrollment_node import (
    API_KEY,
    MACHINE,
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


# -- the files of a plan (issue 12) -----------------------------------------------------------------------------------

def test_read_files_refuses_one_path_for_two_options_before_reading_it(tmp_path):
    fifo = str(tmp_path / 'conjur.identity')
    os.mkfifo(fifo)  # reading it would be refused too: the path comparison comes first
    with pytest.raises(planner.EnrollmentError) as err:
        planner.read_files({'identity_file': fifo, 'conf_file': str(tmp_path / '.' / 'conjur.identity')})
    assert str(err.value) == 'identity_file and conf_file name the same file %s: each must be a file of its own' % fifo


def test_read_files_compares_inodes_of_existing_files(tmp_path):
    (tmp_path / 'a').write_text('x')
    os.link(str(tmp_path / 'a'), str(tmp_path / 'b'))
    (tmp_path / 'c').write_text('x')
    with pytest.raises(planner.EnrollmentError, match=r'^conf_file \S+/a and cert_file \S+/b are the same file'):
        planner.read_files({'conf_file': str(tmp_path / 'a'), 'cert_file': str(tmp_path / 'b')})
    states = planner.read_files({'identity_file': str(tmp_path / 'a'), 'conf_file': str(tmp_path / 'c'),
                                 'cert_file': str(tmp_path / 'absent')})
    assert states['cert_file'] is None and states['conf_file'].text == 'x'


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
                                     identity_file=paths['conjur.identity'], unenrolled=False, host_id='web-01')


def test_files_of_another_content_are_kept_with_a_warning(node):
    _tmp, paths, args = node
    write(paths['conjur.conf'], 'account: someone-else\n', 0o644)
    plan = removal_plan(args)
    assert [f.path for f in plan.files() if f.differs] == [paths['conjur.identity'], paths['conjur.pem']]
    assert plan.warnings == [paths['conjur.conf'] + ' is kept: it does not hold what this module writes there']


def test_a_link_among_the_files_is_refused_and_nothing_is_removed(node):
    tmp, paths, args = node
    os.unlink(paths['conjur.pem'])
    os.symlink(paths['conjur.conf'], paths['conjur.pem'])
    with pytest.raises(FileError, match='is a symbolic link'):
        removal_plan(args)


def test_an_identity_link_is_refused_not_emptied_through_the_link(node):
    tmp, paths, args = node
    os.rename(paths['conjur.identity'], str(tmp / 'real.identity'))
    os.symlink(str(tmp / 'real.identity'), paths['conjur.identity'])
    with pytest.raises(FileError, match='identity_file .* is a symbolic link'):
        removal_plan(args, conf_file=None, cert_file=None)


def test_other_entries_stay_and_the_identity_is_rewritten(node):
    _tmp, paths, args = node
    other = 'machine https://other.example.com/authn login host/x password y\n'
    with open(paths['conjur.identity'], 'a') as handle:
        handle.write(other)
    plan = removal_plan(args)
    assert not isinstance(plan.identity, planner.FileRemoval) and plan.identity.after == other
    assert plan.identity.diff()['before'].count('********') == 2


def test_an_identity_under_a_returned_id_goes_with_its_record(node):
    _tmp, paths, args = node
    entry = render_entry(MACHINE, 'host/data/ansible/web-01', API_KEY)
    write(paths['conjur.identity'], with_record(entry + '\n', MACHINE, 'host/data/ansible/web-01', 'web-01'), 0o600)
    plan = removal_plan(args, conf_file=None, cert_file=None)
    assert plan.unenroll and plan.login == 'host/data/ansible/web-01'
    assert isinstance(plan.identity, planner.FileRemoval)  # nothing else was in it: the file goes
