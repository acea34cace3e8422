# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The probe as the action plugin ships it agrees with the module on every node state.

The differential test builds node states (files, modes, owners, environments), runs the probe as it is shipped
(the action plugin's shell command, a plain interpreter, no collection on the path) and the module in check mode
without a token, and asserts that the two agree: the probe says "done" exactly when the module would do nothing,
and then it gives the module's own result; it says "needs a token" exactly when the module would ask for one.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from ansible.module_utils import basic

from ansible_collections.hostfactory.enrollment.plugins.action import hostfactory_enroll as action
from ansible_collections.hostfactory.enrollment.plugins.module_utils import _enrollment_exec
from ansible_collections.hostfactory.enrollment.plugins.module_utils import _node_run as node_run
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_files import normalize_pem, render_conf
from ansible_collections.hostfactory.enrollment.plugins.module_utils._netrc import render_entry
from ansible_collections.hostfactory.enrollment.plugins.modules import hostfactory_host
from ansible_collections.hostfactory.enrollment.plugins.plugin_utils import _node_code as node_code
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.bounded_call import bounded
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.enrollment_node import (
    API_KEY,
    ENV,
    MACHINE,
    URL,
    write,
)
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_args import patch_module_args


RECORD = ' # hostfactory.enrollment: requested id %s'
OTHER_CA = '-----BEGIN CERTIFICATE-----\nMIIBother\n-----END CERTIFICATE-----\n'


class NoRequests:
    """The module must not send anything in these tests: enrolled hosts are checked, and check mode creates none."""

    calls = []

    def __init__(self, connection):
        self.connection = connection

    def check_api_key(self, login, api_key):
        NoRequests.calls.append('check_api_key')
        return True

    def create_host(self, *args, **kwargs):
        raise AssertionError('no host is created in check mode')


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    NoRequests.calls = []
    monkeypatch.setattr(_enrollment_exec, 'ConjurClient', NoRequests)


def shipped_probe(args, env=None):
    """Run the probe the way the node does: the action plugin's shell command, a plain interpreter."""
    proc = subprocess.run(['/bin/sh', '-c', action.probe_command(sys.executable, args)], capture_output=True,
                          check=False, cwd='/', env=dict({'PATH': '/usr/bin:/bin'}, **(env or {})), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert API_KEY not in proc.stdout.decode()
    return json.loads(proc.stdout)


def module_check_mode(capfd, args, env=None, diff=False):
    """What the module decides for C(args) in check mode, without a token; its warnings in C(warnings).

    The warnings are recorded from AnsibleModule.warn: in a process that loaded controller code (the action plugin)
    ansible-core sends them to the display instead of the result.
    """
    warnings = []
    with pytest.MonkeyPatch.context() as patcher:
        for name, value in (env or {}).items():
            patcher.setenv(name, value)
        patcher.setattr(basic.AnsibleModule, 'warn', lambda self, warning: warnings.append(warning))
        with patch_module_args(dict(args, _ansible_check_mode=True, _ansible_diff=diff)):
            with pytest.raises(SystemExit):
                hostfactory_host.main()
    out, _err = capfd.readouterr()
    return dict(json.loads(out), warnings=warnings)


# -- the differential test: probe and module agree on every node state ----------------------------------------------

def mutate(name, tmp, paths, args):
    """Change the node (files, environment) or the arguments into the state C(name); return (args, node env)."""
    env = {}
    identity, conf, cert = paths['conjur.identity'], paths['conjur.conf'], paths['conjur.pem']
    entry = render_entry(MACHINE, 'host/web-01', API_KEY) + '\n'
    if name == 'missing identity':
        os.unlink(identity)
    elif name == 'empty identity':
        write(identity, '')
    elif name == 'entry without password':
        write(identity, 'machine %s login host/web-01\n' % MACHINE)
    elif name == 'identity mode 0644':
        os.chmod(identity, 0o644)
    elif name == 'identity of another owner':
        args = dict(args, owner=str(os.getuid() + 1))
    elif name == 'another login':
        write(identity, render_entry(MACHINE, 'host/web-02', API_KEY) + '\n')
    elif name == 'another appliance':
        write(identity, render_entry('https://other.example.com/authn', 'host/web-01', API_KEY) + '\n')
    elif name == 'duplicate entries':
        write(identity, entry + entry)
    elif name == 'extra entries':
        write(identity, 'machine https://other.example.com/authn\n    login host/x\n    password y\n' + entry)
    elif name == 'official role layout, one line':
        write(identity, 'machine %s login host/web-01 password %s\n' % (MACHINE, API_KEY))
    elif name == 'stale conf':
        write(conf, render_conf('other', URL, identity, cert_file=cert), 0o644)
    elif name == 'conf mode 0600':
        os.chmod(conf, 0o600)
    elif name == 'missing conf':
        os.unlink(conf)
    elif name == 'stale CA':
        write(cert, normalize_pem(OTHER_CA), 0o644)
    elif name == 'missing CA file':
        os.unlink(cert)
    elif name == 'symbolic mode':
        args = dict(args, mode='u=rw,go=')
    elif name == 'relative identity path':
        args = dict(args, identity_file='conjur.identity')
    elif name == 'verify':
        args = dict(args, verify=True)
    elif name == 'rotate':
        args = dict(args, rotate=True)
    elif name == 'http appliance':
        args = dict(args, appliance_url='http://conjur.example.com')
    elif name == 'CA content without a CA file':
        args = dict(args, cert_file=None)
        write(conf, render_conf('myorg', URL, identity), 0o644)
    elif name == 'CA from the node environment':
        args = dict(args, ca_content=None, cert_file=None)
        env['CONJUR_CERT_FILE'] = cert
    elif name == 'CA from the node conf file':
        args = dict(args, ca_content=None, cert_file=None, config_file=str(tmp / 'node.conf'))
        write(str(tmp / 'node.conf'), 'cert_file: %s\n' % cert, 0o644)
    elif name == 'cert_file without any CA':
        args = dict(args, ca_content=None)
    elif name == 'unwritable conf directory':
        args = dict(args, conf_file=str(tmp / 'absent-dir' / 'conjur.conf'))
    elif name == 'unknown group':
        args = dict(args, group='no-such-group-hfenroll')
    # files (issue 12): links, special files, one file for two options, a file of another user
    elif name == 'identity is a symbolic link':
        os.rename(identity, str(tmp / 'real.identity'))
        os.symlink(str(tmp / 'real.identity'), identity)
    elif name == 'identity is a dangling symbolic link':
        os.unlink(identity)
        os.symlink(str(tmp / 'nowhere.identity'), identity)
    elif name == 'identity is a FIFO':
        os.unlink(identity)
        os.mkfifo(identity, 0o600)
    elif name == 'conf is a symbolic link':
        os.rename(conf, str(tmp / 'real.conf'))
        os.symlink(str(tmp / 'real.conf'), conf)
    elif name == 'CA file is a FIFO':
        os.unlink(cert)
        os.mkfifo(cert, 0o644)
    elif name == 'node conf file is a FIFO':
        args = dict(args, account=None, config_file=str(tmp / 'node.conf'))  # the account comes from it
        os.mkfifo(str(tmp / 'node.conf'))
    elif name == 'conf_file is identity_file':
        args = dict(args, conf_file=os.path.join(str(tmp), '.', 'conjur.identity'))
    elif name == 'cert_file is a hard link of conf_file':
        os.unlink(cert)
        os.link(conf, cert)
    elif name == 'identity owned by another user':
        os.chown(identity, os.geteuid() + 4321, -1)
    elif name == 'returned id, recorded for this id':
        write(identity, render_entry(MACHINE, 'host/data/ansible/web-01', API_KEY) + RECORD % 'web-01' + '\n')
    elif name == 'returned id, recorded for another id':
        write(identity, render_entry(MACHINE, 'host/data/ansible/web-01', API_KEY) + RECORD % 'web-02' + '\n')
    elif name == 'returned id, not recorded':
        write(identity, render_entry(MACHINE, 'host/data/ansible/web-01', API_KEY) + '\n')
    elif name == 'returned id, recorded, verify':
        write(identity, render_entry(MACHINE, 'host/data/ansible/web-01', API_KEY) + RECORD % 'web-01' + '\n')
        args = dict(args, verify=True)
    elif name == 'reserved id':
        args = dict(args, id='conjur/web-01')
    elif name == 'no files':
        for path in paths.values():
            os.unlink(path)
    elif name == 'only the conf file':
        os.unlink(identity)
        os.unlink(cert)
    elif name == 'identity that is a directory':
        os.unlink(identity)
        os.mkdir(identity)
    elif name == 'identity that is a link':
        os.rename(identity, str(tmp / 'real.identity'))
        os.symlink(str(tmp / 'real.identity'), identity)
    elif name != 'in place':
        raise AssertionError(name)
    return dict((k, v) for k, v in args.items() if v is not None), env


STATES = ['in place', 'missing identity', 'empty identity', 'entry without password', 'identity mode 0644',
          'identity of another owner', 'another login', 'another appliance', 'duplicate entries', 'extra entries',
          'official role layout, one line', 'stale conf', 'conf mode 0600', 'missing conf', 'stale CA',
          'missing CA file', 'symbolic mode', 'relative identity path', 'verify', 'rotate', 'http appliance',
          'CA content without a CA file', 'CA from the node environment', 'CA from the node conf file',
          'cert_file without any CA', 'unwritable conf directory', 'unknown group',
          'identity is a symbolic link', 'identity is a dangling symbolic link', 'identity is a FIFO',
          'conf is a symbolic link', 'CA file is a FIFO', 'node conf file is a FIFO', 'conf_file is identity_file',
          'cert_file is a hard link of conf_file', 'returned id, recorded for this id',
          'returned id, recorded for another id', 'returned id, not recorded', 'returned id, recorded, verify',
          'reserved id']
if os.geteuid() == 0:  # only root can give a file to another user
    STATES.append('identity owned by another user')
# What both must answer in the states that are refused.
REFUSED = {
    'identity is a symbolic link': 'conjur.identity is a symbolic link (',
    'identity is a dangling symbolic link': 'conjur.identity is a symbolic link (',
    'identity is a FIFO': 'conjur.identity is a FIFO, not a regular file',
    'conf is a symbolic link': 'conjur.conf is a symbolic link (',
    'CA file is a FIFO': 'conjur.pem is a FIFO, not a regular file',
    'node conf file is a FIFO': "node.conf' cannot be read: it is a FIFO, not a regular file",
    'conf_file is identity_file': 'identity_file and conf_file name the same file',
    'cert_file is a hard link of conf_file': 'are the same file (hard links)',
}


def agree(node, capfd, node_state, **overrides):
    """Run the shipped probe and the module in check mode on the node in C(node_state); assert what holds for every
    verdict (a probe error is the module's error; "done" carries the module's own result and warnings) and return
    both, or None when both failed alike."""
    tmp, paths, args = node
    args, env = mutate(node_state, tmp, paths, args)
    args.update(overrides)
    verdict = shipped_probe(args, env)
    module = bounded(module_check_mode, capfd, args, env)  # a FIFO must not block it
    if node_state in REFUSED:
        assert REFUSED[node_state] in verdict.get('error', '')
    if node_state == 'identity owned by another user':
        assert module['changed'] and not verdict['done']
    if verdict.get('error'):
        assert module.get('failed') and module['msg'] == verdict['error']
        return None
    assert not module.get('failed'), module
    if verdict['done']:
        expected = dict((k, v) for k, v in module.items() if k not in ('warnings', 'invocation'))
        assert verdict['result'] == expected
        assert verdict['warnings'] == module['warnings']
    return verdict, module


@pytest.mark.parametrize('state', STATES)
def test_probe_and_module_agree(node, capfd, state):
    both = agree(node, capfd, state)
    if both is None:
        return
    verdict, module = both
    asked_for_token = module['needs_token'] or module['enrolled']
    assert verdict['needs_token'] == asked_for_token
    module_did_nothing = not module['changed'] and not module['needs_token'] and not NoRequests.calls
    if state == 'returned id, recorded for this id':
        assert verdict['done'] and verdict['result']['host_id'] == 'data/ansible/web-01'
        assert verdict['result']['requested_id'] == 'web-01'
    if state.startswith('returned id, recorded for another') or state == 'returned id, not recorded':
        assert verdict['needs_token'] and module['needs_token'] and module['login'] == 'host/web-01'
    if verdict['done']:
        assert module_did_nothing
    else:
        # the module must run: it changes something, needs a token, checks a key, or only it can tell
        assert not module_did_nothing or state in ('symbolic mode', 'relative identity path')


ABSENT_STATES = ['in place', 'no files', 'only the conf file', 'missing identity', 'empty identity',
                 'entry without password', 'another login', 'another appliance', 'duplicate entries', 'extra entries',
                 'official role layout, one line', 'identity that is a link', 'stale conf', 'conf mode 0600',
                 'missing conf', 'stale CA', 'missing CA file', 'relative identity path', 'http appliance',
                 'CA content without a CA file', 'CA from the node environment', 'CA from the node conf file',
                 'cert_file without any CA', 'unwritable conf directory', 'identity that is a directory']


@pytest.mark.parametrize('state', ABSENT_STATES)
def test_probe_and_module_agree_on_un_enrollment(node, capfd, state):
    both = agree(node, capfd, state, state='absent')
    assert NoRequests.calls == []  # un-enrolling asks the server nothing on the node
    if both is None:
        return
    verdict, module = both
    assert verdict['needs_token'] is False and not module['needs_token']
    assert verdict['unenroll'] == module['unenrolled'] and verdict['login'] == module['login']
    assert verdict['done'] is not module['changed'] or state == 'relative identity path'


# -- the lean run agrees with the module on every node state; the shipped one is the same run ---------------------
CHECK_MODE_TOKEN = '3zc1w0r5mqv7x5z1hbk2e8s2ts4qdyp3kz90b4c5fh2q8r1an6x'


def lean_run(args, token, env=None):
    """The lean run in this process (the client stand-in of the module applies): (started, result)."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patcher:
        for name, value in (env or {}).items():
            patcher.setenv(name, value)
        result = node_run.run(dict(args=args, token=token, check_mode=True, diff=True), out)
    return out.getvalue() == node_run.STARTED + '\n', result


def shipped_lean_run(args, token, env=None):
    """Run the lean run the way the node does: the action plugin's shell command, the document on standard input,
    in the current directory (where the module runs too)."""
    proc = subprocess.run(['/bin/sh', '-c', node_code.run_command(sys.executable)], capture_output=True, check=False,
                          input=node_code.run_document(args, token, True, True),
                          env=dict({'PATH': '/usr/bin:/bin'}, **(env or {})), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert API_KEY not in proc.stdout.decode() and (token or API_KEY) not in proc.stdout.decode()
    return node_code.run_outcome(proc.stdout.decode())


@pytest.mark.parametrize('state', STATES)
@pytest.mark.parametrize('token', [None, CHECK_MODE_TOKEN], ids=['without a token', 'with a token'])
def test_lean_run_and_module_agree(node, capfd, monkeypatch, state, token):
    tmp, paths, args = node
    monkeypatch.chdir(str(tmp))  # a relative identity_file is found in the same place by both
    args, env = mutate(state, tmp, paths, args)
    started, result = bounded(lean_run, args, token, env)  # a FIFO must not block it
    lean_calls, NoRequests.calls = NoRequests.calls, []
    if state == 'symbolic mode':
        assert not started and 'symbolic mode' in result['unavailable']
        return
    module_args = dict(args, host_factory_token=token) if token else args
    expected = bounded(module_check_mode, capfd, module_args, env, diff=True)
    if not expected['warnings']:
        del expected['warnings']
    expected.pop('invocation', None)
    assert started and result == expected
    assert lean_calls == NoRequests.calls
    assert API_KEY not in json.dumps(result) and (token or API_KEY) not in json.dumps(result)


# A sample of the states: what the shipped run adds is its packaging (sources, loader, standard input), not a
# decision; no state sends a request.
SHIPPED_STATES = ['in place', 'missing identity', 'stale conf', 'CA from the node environment', 'identity is a FIFO',
                  'symbolic mode']


@pytest.mark.parametrize('state', SHIPPED_STATES)
def test_shipped_lean_run_is_the_lean_run(node, monkeypatch, state):
    tmp, paths, args = node
    monkeypatch.chdir(str(tmp))
    args, env = mutate(state, tmp, paths, args)
    assert shipped_lean_run(args, CHECK_MODE_TOKEN, env) == bounded(lean_run, args, CHECK_MODE_TOKEN, env)
