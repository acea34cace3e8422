# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the hostfactory_host module: decision logic, files written, check/diff mode, secrets in output.

The Conjur client is replaced by a recording fake; the real client is tested in test__conjur.py and, against the
mock server, by the integration target.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat

import pytest

from ansible.module_utils import basic

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _enrollment, _enrollment_exec
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import ConjurError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._netrc import render_entry
from ansible_collections.hostfactory.enrollment.plugins.modules import hostfactory_host as module

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    @contextlib.contextmanager
    def patch_module_args(args):
        serialized = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()
        with pytest.MonkeyPatch.context() as patcher:
            patcher.setattr(basic, '_ANSIBLE_ARGS', serialized)
            yield

URL = 'https://conjur.example.com'
MACHINE = URL + '/authn'
TOKEN = '1bcarsc2bqvsxt6cnd74xem8yf15gtma71vp23y315n0z201c1jza7'
OLD_KEY = '2k4vq0m8x5rj3t1pkyzx6w9c0a8s7d6f5g4h3j2k1l0zxcvbnm9qw'
NEW_KEY = '3y9e4r7t2u1i0o9p8a7s6d5f4g3h2j1k0l9z8x7c6v5b4n3m2q1w'
PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----'
HOST = {'created_at': '2025-01-01T00:00:00.000+00:00', 'id': 'myorg:host:web-01',
        'owner': 'myorg:host_factory:provisioning/hosts', 'permissions': [],
        'annotations': [{'name': 'team', 'value': 'web'}], 'restricted_to': []}


class FakeClient:
    """Stands in for ConjurClient; records calls, answers from class-level settings."""

    calls = []
    valid_keys = set()
    create_error = None
    new_key = NEW_KEY

    def __init__(self, connection):
        self.connection = connection

    def create_host(self, hf_token, host_id, annotations=None):
        FakeClient.calls.append(('create_host', hf_token, host_id, annotations))
        if FakeClient.create_error:
            raise FakeClient.create_error
        FakeClient.valid_keys = {FakeClient.new_key}
        return dict(HOST, api_key=FakeClient.new_key)

    def check_api_key(self, login, api_key):
        FakeClient.calls.append(('check_api_key', login))
        return api_key in FakeClient.valid_keys


@pytest.fixture(autouse=True)
def fake_client(monkeypatch):
    FakeClient.calls = []
    FakeClient.valid_keys = set()
    FakeClient.create_error = None
    FakeClient.new_key = NEW_KEY
    monkeypatch.setattr(_enrollment_exec, 'ConjurClient', FakeClient)
    monkeypatch.delenv('CONJUR_HOST_FACTORY_TOKEN', raising=False)
    for name in ('CONJUR_APPLIANCE_URL', 'CONJUR_ACCOUNT', 'CONJUR_CERT_FILE', 'CONJUR_VERSION'):
        monkeypatch.delenv(name, raising=False)
    return FakeClient


@pytest.fixture
def files(tmp_path):
    return {'identity': str(tmp_path / 'conjur.identity'), 'conf': str(tmp_path / 'conjur.conf'),
            'cert': str(tmp_path / 'conjur.pem'), 'dir': tmp_path}


def run(capfd, files, check=False, diff=False, **params):
    args = dict(appliance_url=URL, account='myorg', id='web-01', identity_file=files['identity'],
                config_file=str(files['dir'] / 'absent.conf'))
    args.update(params)
    args['_ansible_check_mode'] = check
    args['_ansible_diff'] = diff
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    out, _err = capfd.readouterr()
    return out, json.loads(out)


def write_identity(files, login='host/web-01', key=OLD_KEY, extra='', mode=0o600):
    with open(files['identity'], 'w') as handle:
        handle.write(extra + render_entry(MACHINE, login, key) + '\n')
    os.chmod(files['identity'], mode)


def read(path):
    with open(path) as handle:
        return handle.read()


def file_mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# -- decision logic -----------------------------------------------------------------------------------------------

def test_annotation_values():
    assert _enrollment_exec.annotation_values({'authn/api-key': True, 'off': False, 'n': 3, 'none': None}) == {
        'authn/api-key': 'true', 'off': 'false', 'n': '3', 'none': ''}
    assert _enrollment_exec.annotation_values(None) == {}


# -- enrollment -------------------------------------------------------------------------------------------------------

def test_enroll_writes_identity_and_hides_key(capfd, files, fake_client):
    out, result = run(capfd, files, host_factory_token=TOKEN, annotations={'team': 'web'})
    assert result['changed'] is True and result['enrolled'] is True and result['rotated'] is False
    assert result['needs_token'] is False and result['verified'] is False
    assert result['host'] == dict((k, HOST[k]) for k in _enrollment_exec.HOST_KEYS)
    assert result['changed_files'] == [files['identity']]
    assert result['login'] == 'host/web-01'
    assert fake_client.calls == [('create_host', TOKEN, 'web-01', {'team': 'web'})]
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', NEW_KEY) + '\n'
    assert file_mode(files['identity']) == 0o600
    assert NEW_KEY not in out and TOKEN not in out
    assert 'api_key' not in result


def test_rerun_makes_no_request_and_no_change(capfd, files, fake_client):
    write_identity(files)
    before = read(files['identity'])
    _out, result = run(capfd, files, host_factory_token=TOKEN)
    assert result['changed'] is False and result['enrolled'] is False and result['changed_files'] == []
    assert fake_client.calls == []
    assert read(files['identity']) == before


def test_rerun_without_token_needs_none(capfd, files, fake_client):
    write_identity(files)
    _out, result = run(capfd, files)
    assert result['changed'] is False and result['needs_token'] is False
    assert fake_client.calls == []


def test_token_from_environment(capfd, files, fake_client, monkeypatch):
    monkeypatch.setenv('CONJUR_HOST_FACTORY_TOKEN', TOKEN)
    out, result = run(capfd, files)
    assert result['enrolled'] is True
    assert fake_client.calls[0][1] == TOKEN
    assert TOKEN not in out


def test_other_entries_are_preserved(capfd, files):
    other = 'machine https://other.example.com/authn\n  login host/x\n  password other-secret-value\n\n'
    with open(files['identity'], 'w') as handle:
        handle.write(other)
    run(capfd, files, host_factory_token=TOKEN)
    assert read(files['identity']) == other + render_entry(MACHINE, 'host/web-01', NEW_KEY) + '\n'


def test_entry_for_another_login_is_replaced(capfd, files, fake_client):
    write_identity(files, login='host/previous-name')
    _out, result = run(capfd, files, host_factory_token=TOKEN)
    assert result['enrolled'] is True and result['rotated'] is False
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', NEW_KEY) + '\n'


def test_rotate_replaces_key(capfd, files, fake_client):
    write_identity(files)
    out, result = run(capfd, files, host_factory_token=TOKEN, rotate=True)
    assert result['changed'] is True and result['enrolled'] is True and result['rotated'] is True
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', NEW_KEY) + '\n'
    assert OLD_KEY not in out and NEW_KEY not in out


def test_rotate_without_token_fails_clearly(capfd, files, fake_client):
    write_identity(files)
    _out, result = run(capfd, files, rotate=True)
    assert result['failed'] is True
    assert result['msg'] == ('host/web-01 must be enrolled (rotate is true) but no host_factory_token was given (set '
                             'the option or the environment variable CONJUR_HOST_FACTORY_TOKEN, or missing_token: skip)')
    assert result['needs_token'] is True
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', OLD_KEY) + '\n'


def test_missing_token_fail(capfd, files, fake_client):
    _out, result = run(capfd, files)
    assert result['failed'] is True
    assert 'no entry for it in %s' % files['identity'] in result['msg']
    assert 'no host_factory_token was given' in result['msg']
    assert not os.path.exists(files['identity'])
    assert fake_client.calls == []


def test_missing_token_skip_still_writes_config(capfd, files, fake_client):
    _out, result = run(capfd, files, missing_token='skip', conf_file=files['conf'], cert_file=files['cert'],
                       ca_content=PEM)
    assert result.get('failed') is not True
    assert result['needs_token'] is True and result['enrolled'] is False
    assert result['changed'] is True and result['changed_files'] == [files['conf'], files['cert']]
    assert not os.path.exists(files['identity'])
    assert fake_client.calls == []
    _out, again = run(capfd, files, missing_token='skip', conf_file=files['conf'], cert_file=files['cert'],
                      ca_content=PEM)
    assert again['changed'] is False and again['needs_token'] is True


def test_missing_token_skip_when_enrolled_is_noop(capfd, files, fake_client):
    write_identity(files)
    _out, result = run(capfd, files, missing_token='skip')
    assert result['needs_token'] is False and result['changed'] is False
    assert fake_client.calls == []


# -- verify -----------------------------------------------------------------------------------------------------------

def test_verify_good_existing_key(capfd, files, fake_client):
    write_identity(files)
    fake_client.valid_keys = {OLD_KEY}
    _out, result = run(capfd, files, verify=True)
    assert result['changed'] is False and result['verified'] is True
    assert fake_client.calls == [('check_api_key', 'host/web-01')]


def test_verify_bad_existing_key_fails_and_keeps_file(capfd, files, fake_client):
    write_identity(files)
    out, result = run(capfd, files, verify=True, host_factory_token=TOKEN)
    assert result['failed'] is True
    assert 'is rejected by Conjur' in result['msg'] and 'rotate: true' in result['msg']
    assert OLD_KEY not in out
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', OLD_KEY) + '\n'
    assert [c[0] for c in fake_client.calls] == ['check_api_key']


def test_verify_with_rotate_checks_new_key(capfd, files, fake_client):
    write_identity(files)
    _out, result = run(capfd, files, verify=True, rotate=True, host_factory_token=TOKEN)
    assert result['verified'] is True and result['rotated'] is True
    assert [c[0] for c in fake_client.calls] == ['create_host', 'check_api_key']


def test_verify_new_key_rejected(capfd, files, fake_client, monkeypatch):
    monkeypatch.setattr(FakeClient, 'check_api_key', lambda self, login, key: False)
    _out, result = run(capfd, files, verify=True, host_factory_token=TOKEN)
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'] == ('host/web-01 was enrolled and its new API key written to %s, but Conjur rejects that key'
                             % files['identity'])


# -- check and diff mode ------------------------------------------------------------------------------------------------

def test_check_mode_predicts_enrollment_without_request_or_file(capfd, files, fake_client):
    out, result = run(capfd, files, check=True, diff=True, host_factory_token=TOKEN, conf_file=files['conf'])
    assert result['changed'] is True and result['enrolled'] is True
    assert result['changed_files'] == [files['identity'], files['conf']]
    assert fake_client.calls == []
    assert not os.path.exists(files['identity']) and not os.path.exists(files['conf'])
    identity_diff = result['diff'][0]
    assert identity_diff['before'] == ''
    assert identity_diff['after'] == 'machine %s\n    login host/web-01\n    password ********\n' % MACHINE
    assert TOKEN not in out


def test_check_mode_rerun_is_unchanged(capfd, files, fake_client):
    write_identity(files)
    _out, result = run(capfd, files, check=True, host_factory_token=TOKEN)
    assert result['changed'] is False and result['enrolled'] is False
    assert fake_client.calls == []


def test_check_mode_rotate_keeps_file(capfd, files, fake_client):
    write_identity(files)
    _out, result = run(capfd, files, check=True, rotate=True, host_factory_token=TOKEN)
    assert result['changed'] is True and result['rotated'] is True and result['host'] == {}
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', OLD_KEY) + '\n'
    assert fake_client.calls == []


def test_check_mode_missing_token_skip(capfd, files, fake_client):
    _out, result = run(capfd, files, check=True, missing_token='skip')
    assert result['changed'] is False and result['needs_token'] is True


def test_diff_masks_every_password(capfd, files, fake_client):
    other = 'machine https://other/authn login host/x password other-secret-value\n'
    write_identity(files, extra=other)
    out, result = run(capfd, files, diff=True, rotate=True, host_factory_token=TOKEN)
    identity_diff = result['diff'][0]
    assert identity_diff['before'] == (
        'machine https://other/authn login host/x password ********\n'
        'machine %s\n    login host/web-01\n    password ********\n' % MACHINE)
    assert identity_diff['after'] == identity_diff['before']
    assert identity_diff['after_header'] == files['identity'] + ' (new API key)'
    for secret in (OLD_KEY, NEW_KEY, 'other-secret-value', TOKEN):
        assert secret not in out


# -- file attributes ----------------------------------------------------------------------------------------------------

def test_mode_drift_is_corrected(capfd, files, fake_client):
    write_identity(files, mode=0o644)
    _out, result = run(capfd, files, diff=True)
    assert result['changed'] is True and result['changed_files'] == [files['identity']]
    assert result['diff'] == [{'before_header': files['identity'] + ' (attributes)', 'before': {'mode': '0644'},
                               'after_header': files['identity'] + ' (attributes)', 'after': {'mode': '0600'}}]
    assert file_mode(files['identity']) == 0o600
    assert fake_client.calls == []


def test_mode_drift_in_check_mode_is_only_reported(capfd, files):
    write_identity(files, mode=0o644)
    _out, result = run(capfd, files, check=True)
    assert result['changed'] is True
    assert file_mode(files['identity']) == 0o644


def test_custom_mode_and_group(capfd, files):
    group = str(os.getgid())
    _out, result = run(capfd, files, host_factory_token=TOKEN, mode='0640', group=group, owner=str(os.getuid()))
    assert result['changed'] is True
    info = os.stat(files['identity'])
    assert stat.S_IMODE(info.st_mode) == 0o640 and info.st_gid == os.getgid()
    _out, again = run(capfd, files, host_factory_token=TOKEN, mode='0640', group=group, owner=str(os.getuid()))
    assert again['changed'] is False


def test_unknown_group_fails_before_any_request(capfd, files, fake_client):
    _out, result = run(capfd, files, host_factory_token=TOKEN, group='no-such-group-xyz')
    assert result['failed'] is True
    assert result['msg'] == "group 'no-such-group-xyz' does not exist on this machine"
    assert fake_client.calls == []


def test_unwritable_directory_fails_before_any_request(capfd, files, fake_client):
    _out, result = run(capfd, files, host_factory_token=TOKEN,
                       identity_file=str(files['dir'] / 'missing' / 'conjur.identity'))
    assert result['failed'] is True
    assert 'directory %s does not exist' % (files['dir'] / 'missing') in result['msg']
    assert fake_client.calls == []


# -- conf and cert files ------------------------------------------------------------------------------------------------

def test_conf_and_cert_files(capfd, files, fake_client):
    _out, result = run(capfd, files, host_factory_token=TOKEN, conf_file=files['conf'], cert_file=files['cert'],
                       ca_content=PEM)
    assert result['changed_files'] == [files['identity'], files['conf'], files['cert']]
    assert read(files['conf']) == (
        'account: myorg\nappliance_url: %s\ncert_file: %s\nnetrc_path: %s\nplugins: []\n'
        % (URL, files['cert'], files['identity']))
    assert read(files['cert']) == PEM + '\n'
    assert file_mode(files['conf']) == 0o644 and file_mode(files['cert']) == 0o644
    _out, again = run(capfd, files, host_factory_token=TOKEN, conf_file=files['conf'], cert_file=files['cert'],
                      ca_content=PEM)
    assert again['changed'] is False and again['changed_files'] == []


def test_cert_file_copied_from_ca_path(capfd, files):
    ca_path = str(files['dir'] / 'ca.pem')
    with open(ca_path, 'w') as handle:
        handle.write('\n' + PEM + '\n\n')
    run(capfd, files, host_factory_token=TOKEN, cert_file=files['cert'], ca_path=ca_path)
    assert read(files['cert']) == PEM + '\n'


def test_conf_refers_to_ca_path_without_cert_file(capfd, files):
    ca_path = str(files['dir'] / 'ca.pem')
    with open(ca_path, 'w') as handle:
        handle.write(PEM)
    run(capfd, files, host_factory_token=TOKEN, conf_file=files['conf'], ca_path=ca_path, api_version=4)
    assert read(files['conf']) == (
        'account: myorg\nappliance_url: %s\ncert_file: %s\nnetrc_path: %s\nplugins: []\nversion: 4\n'
        % (URL, ca_path, files['identity']))


def test_cert_file_without_ca_fails(capfd, files, fake_client):
    _out, result = run(capfd, files, host_factory_token=TOKEN, cert_file=files['cert'])
    assert result['failed'] is True
    assert result['msg'] == 'cert_file needs the CA certificate: set ca_content or ca_path'
    assert fake_client.calls == []


def test_conf_diff_in_check_mode(capfd, files):
    with open(files['conf'], 'w') as handle:
        handle.write('account: other\n')
    _out, result = run(capfd, files, check=True, diff=True, missing_token='skip', conf_file=files['conf'])
    assert result['diff'] == [{'before_header': files['conf'], 'after_header': files['conf'],
                               'before': 'account: other\n',
                               'after': 'account: myorg\nappliance_url: %s\nnetrc_path: %s\nplugins: []\n'
                               % (URL, files['identity'])}]
    assert read(files['conf']) == 'account: other\n'


# -- errors and secrets ---------------------------------------------------------------------------------------------------

def test_server_error_is_one_line_and_nothing_written(capfd, files, fake_client):
    fake_client.create_error = ConjurError(
        "cannot create host: the host factory token is invalid, expired or revoked, or this machine's address is "
        "outside the token's CIDR restriction (HTTP 401)", status=401)
    out, result = run(capfd, files, host_factory_token=TOKEN)
    assert result['failed'] is True and '\n' not in result['msg'] and 'CIDR' in result['msg']
    assert result['changed'] is False and result['enrolled'] is False and result['host'] == {}
    assert not os.path.exists(files['identity'])
    assert TOKEN not in out


def test_return_api_key(capfd, files):
    _out, result = run(capfd, files, host_factory_token=TOKEN, return_api_key=True)
    assert result['api_key'] == NEW_KEY
    _out, again = run(capfd, files, return_api_key=True)
    assert again['api_key'] == NEW_KEY and again['changed'] is False


def test_key_is_registered_as_no_log_value(capfd, files, fake_client, monkeypatch):
    """Even if a message happened to contain the key, AnsibleModule would mask it."""
    write_identity(files)

    def leaky_decide(*args):
        raise _enrollment.EnrollmentError('leaked %s and %s' % (OLD_KEY, TOKEN))

    monkeypatch.setattr(_enrollment, 'decide', leaky_decide)
    out, result = run(capfd, files, host_factory_token=TOKEN)
    assert result['failed'] is True
    assert OLD_KEY not in out and TOKEN not in out


def test_empty_id_is_rejected(capfd, files, fake_client):
    _out, result = run(capfd, files, id='  ', host_factory_token=TOKEN)
    assert result['failed'] is True and result['msg'] == 'id must not be empty'
    assert fake_client.calls == []


@pytest.mark.parametrize('host_id', ['web 01', 'we"b', 'web\\01', 'web\t01'])
def test_id_that_netrc_cannot_hold_is_rejected_before_any_request(capfd, files, fake_client, host_id):
    _out, result = run(capfd, files, id=host_id, host_factory_token=TOKEN)
    assert result['failed'] is True
    assert result['msg'].startswith("id '%s' cannot be written to the netrc identity file: " % host_id)
    assert fake_client.calls == []


def test_missing_account_is_reported(capfd, files):
    _out, result = run(capfd, files, account=None, host_factory_token=TOKEN)
    assert result['failed'] is True and 'account' in result['msg'] and 'CONJUR_ACCOUNT' in result['msg']


def test_login_options_are_accepted_and_not_needed(capfd, files, fake_client):
    """module_defaults for the conjur action group may set them; this module does not use them."""
    _out, result = run(capfd, files, host_factory_token=TOKEN, login='admin', api_key='admin-api-key-value')
    assert result['enrolled'] is True and result.get('failed') is not True


# -- un-enrollment (state=absent) ---------------------------------------------------------------------------------------

OTHERS = ('# kept as it is\n'
          'machine https://other.example.com/authn\n    login host/x\n    password other-secret-value\n\n')


def enrolled_with_files(capfd, files):
    """A machine enrolled by the module, with conf and CA files, and another machine's entry before its own."""
    with open(files['identity'], 'w') as handle:
        handle.write(OTHERS)
    run(capfd, files, host_factory_token=TOKEN, conf_file=files['conf'], cert_file=files['cert'], ca_content=PEM)
    return dict(conf_file=files['conf'], cert_file=files['cert'], ca_content=PEM, state='absent')


@pytest.fixture
def warnings(monkeypatch):
    """The module's warnings (a process that loaded controller code would send them to the display instead)."""
    seen = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, warning: seen.append(warning))
    return seen


def test_absent_removes_the_entry_and_the_files_it_wrote(capfd, files, fake_client, warnings):
    absent = enrolled_with_files(capfd, files)
    fake_client.calls = []
    out, result = run(capfd, files, diff=True, **absent)
    assert result['changed'] is True and result['unenrolled'] is True and result['enrolled'] is False
    assert result['changed_files'] == [files['identity'], files['conf'], files['cert']]
    assert read(files['identity']) == OTHERS  # the other entry and the comment, byte for byte
    assert not os.path.exists(files['conf']) and not os.path.exists(files['cert'])
    assert fake_client.calls == [] and warnings == []
    assert result['diff'][0]['before'].endswith('login host/web-01\n    password ********\n')
    assert result['diff'][0]['after'] == OTHERS.replace('other-secret-value', '********')
    assert [d['after_header'] for d in result['diff'][1:]] == [files['conf'] + ' (removed)',
                                                               files['cert'] + ' (removed)']
    assert NEW_KEY not in out and 'other-secret-value' not in out
    _out, again = run(capfd, files, **absent)
    assert again['changed'] is False and again['unenrolled'] is False and again['changed_files'] == []


def test_absent_deletes_an_identity_file_left_empty(capfd, files, fake_client):
    write_identity(files)
    out, result = run(capfd, files, state='absent')
    assert result['changed'] is True and result['unenrolled'] is True
    assert not os.path.exists(files['identity'])
    assert OLD_KEY not in out


def test_absent_in_check_mode_changes_nothing(capfd, files, fake_client):
    absent = enrolled_with_files(capfd, files)
    before = [read(files[name]) for name in ('identity', 'conf', 'cert')]
    out, result = run(capfd, files, check=True, diff=True, **absent)
    assert result['changed'] is True and result['unenrolled'] is True
    assert result['changed_files'] == [files['identity'], files['conf'], files['cert']]
    assert [read(files[name]) for name in ('identity', 'conf', 'cert')] == before
    assert NEW_KEY not in out


def test_absent_keeps_files_it_did_not_write(capfd, files, fake_client, warnings):
    absent = enrolled_with_files(capfd, files)
    with open(files['conf'], 'a') as handle:
        handle.write('# edited by hand\n')
    os.unlink(files['cert'])
    os.symlink(files['identity'] + '.nowhere', files['cert'])
    _out, result = run(capfd, files, **absent)
    assert result['changed_files'] == [files['identity']]
    assert read(files['conf']).endswith('# edited by hand\n') and os.path.islink(files['cert'])
    assert warnings == [files['conf'] + ' is kept: it does not hold what this module writes there']
    # a dangling link reads as no file: nothing to say about it


def test_absent_keeps_a_ca_file_without_a_ca_to_compare(capfd, files, fake_client, warnings):
    absent = enrolled_with_files(capfd, files)
    absent.pop('ca_content')
    os.unlink(files['conf'])
    _out, result = run(capfd, files, **absent)
    assert os.path.exists(files['cert']) and result['unenrolled'] is True
    assert warnings == [files['cert'] + ' is kept: no CA was given to compare it with (ca_content or ca_path)']


def test_absent_keeps_the_entry_of_another_host(capfd, files, fake_client):
    write_identity(files, login='host/web-02')
    before = read(files['identity'])
    _out, result = run(capfd, files, state='absent')
    assert result['changed'] is False and result['unenrolled'] is False
    assert read(files['identity']) == before


def test_absent_keeps_mode_and_rewrites_atomically(capfd, files, fake_client):
    write_identity(files, extra=OTHERS, mode=0o640)
    _out, result = run(capfd, files, state='absent', mode='0600')
    assert result['unenrolled'] is True and file_mode(files['identity']) == 0o640
    assert read(files['identity']) == OTHERS


def test_absent_in_an_unwritable_directory_fails_before_any_change(capfd, files, fake_client, monkeypatch):
    write_identity(files)
    real_access = os.access
    monkeypatch.setattr(os, 'access', lambda path, mode: path != str(files['dir']) and real_access(path, mode))
    _out, result = run(capfd, files, state='absent')
    assert result['failed'] is True
    assert result['msg'] == 'cannot write %s: directory %s is not writable' % (files['identity'], files['dir'])
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', OLD_KEY) + '\n'
