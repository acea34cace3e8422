# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the hostfactory_host module: decision logic, files written, check/diff mode, secrets in output.

The Conjur client is replaced by a recording fake; the real client is tested in test__conjur.py and, against the
mock server, by the integration target.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible.module_utils import basic

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _enrollment, _enrollment_exec
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import ConjurError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._netrc import render_entry
from ansible_collections.hostfactory.enrollment.plugins.modules import hostfactory_host as module
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_args import patch_module_args


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
    branch = ''  # a host factory whose hosts land under this policy branch

    def __init__(self, connection):
        self.connection = connection

    def create_host(self, hf_token, host_id, annotations=None):
        FakeClient.calls.append(('create_host', hf_token, host_id, annotations))
        if FakeClient.create_error:
            raise FakeClient.create_error
        FakeClient.valid_keys = {FakeClient.new_key}
        return dict(HOST, id='myorg:host:%s%s' % (FakeClient.branch, host_id), api_key=FakeClient.new_key)

    def check_api_key(self, login, api_key):
        FakeClient.calls.append(('check_api_key', login))
        return api_key in FakeClient.valid_keys


@pytest.fixture(autouse=True)
def fake_client(monkeypatch):
    FakeClient.calls = []
    FakeClient.valid_keys = set()
    FakeClient.create_error = None
    FakeClient.new_key = NEW_KEY
    FakeClient.branch = ''
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
        'authn/api-key': 'true', 'off': 'false', 'n': '3'}
    assert _enrollment_exec.annotation_values(None) == {'authn/api-key': 'true'}
    assert _enrollment_exec.annotation_values({'team': 'web'}) == {'authn/api-key': 'true', 'team': 'web'}
    assert _enrollment_exec.annotation_values({'authn/api-key': False}) == {'authn/api-key': 'false'}
    assert _enrollment_exec.annotation_values({'authn/api-key': None, 'team': 'web'}) == {'team': 'web'}


@pytest.mark.parametrize('annotations, message', [
    ({'a[b]': 'x'}, "annotations: the key 'a[b]' cannot be sent: a key must not be empty and must not contain '['"),
    ({'a]': 'x'}, "annotations: the key 'a]' cannot be sent"),
    ({' ': 'x'}, "annotations: the key ' ' cannot be sent"),
    ({'team': {'name': 'web'}}, "annotations: the value of 'team' is a dict; annotation values must be strings"),
    ({'team': ['web', 'db']}, "annotations: the value of 'team' is a list; annotation values must be strings"),
])
def test_annotations_the_form_cannot_carry_are_refused_before_any_request(capfd, files, fake_client, annotations,
                                                                          message):
    write_identity(files)
    _out, result = run(capfd, files, host_factory_token=TOKEN, annotations=annotations, rotate=True, verify=True)
    assert result['failed'] is True and result['msg'].startswith(message)
    assert fake_client.calls == []
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', OLD_KEY) + '\n'


@pytest.mark.parametrize('raw', [TOKEN + '\n', TOKEN + '\r\n', ' ' + TOKEN, TOKEN + ' \n'])
def test_a_token_with_surrounding_white_space_is_sent_without_it(capfd, files, fake_client, raw, monkeypatch):
    _out, result = run(capfd, files, host_factory_token=raw)
    assert result['enrolled'] is True
    assert fake_client.calls == [('create_host', TOKEN, 'web-01', {'authn/api-key': 'true'})]
    monkeypatch.setenv('CONJUR_HOST_FACTORY_TOKEN', raw)
    _out, result = run(capfd, files, rotate=True)
    assert result['rotated'] is True and fake_client.calls[-1] == ('create_host', TOKEN, 'web-01', {'authn/api-key': 'true'})


def test_a_token_with_a_nul_inside_is_refused_before_any_request(capfd, files, fake_client):
    out, result = run(capfd, files, host_factory_token=TOKEN[:20] + '\x00' + TOKEN[20:])
    assert result['failed'] is True
    assert result['msg'].startswith('host_factory_token holds white space or a control character inside the value')
    assert fake_client.calls == [] and TOKEN[:20] not in out and TOKEN[20:] not in out
    assert not os.path.exists(files['identity'])


# -- enrollment -------------------------------------------------------------------------------------------------------

def test_enroll_writes_identity_and_hides_key(capfd, files, fake_client):
    out, result = run(capfd, files, host_factory_token=TOKEN, annotations={'team': 'web'})
    assert result['changed'] is True and result['enrolled'] is True and result['rotated'] is False
    assert result['needs_token'] is False and result['verified'] is False
    assert result['host'] == dict((k, HOST[k]) for k in _enrollment_exec.HOST_KEYS)
    assert result['changed_files'] == [files['identity']]
    assert result['login'] == 'host/web-01'
    assert fake_client.calls == [('create_host', TOKEN, 'web-01', {'authn/api-key': 'true', 'team': 'web'})]
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', NEW_KEY) + '\n'
    assert result['host_id'] == 'web-01' and 'requested_id' not in result
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
        'account: myorg\nappliance_url: %s\ncert_file: %s\ncredential_storage: file\nnetrc_path: %s\nplugins: []\n'
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
        'account: myorg\nappliance_url: %s\ncert_file: %s\ncredential_storage: file\nnetrc_path: %s\nplugins: []\nversion: 4\n'
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
                               'after': 'account: myorg\nappliance_url: %s\ncredential_storage: file\nnetrc_path: %s\n'
                                        'plugins: []\n'
                               % (URL, files['identity'])}]
    assert read(files['conf']) == 'account: other\n'


# -- errors and secrets ---------------------------------------------------------------------------------------------------

def test_server_error_is_one_line_and_nothing_written(capfd, files, fake_client):
    fake_client.create_error = ConjurError(
        "cannot create host: the host factory token was refused: it has expired, was revoked or is unknown to this "
        "server, or this machine's address (as the server sees it) is outside the token's CIDR restriction; use a "
        "valid token whose CIDR includes this machine (HTTP 401)", status=401)
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


@pytest.mark.parametrize('host_id', ['web 01', 'we"b', 'web\\01', 'web\t01', 'web01\u00a0account\u00a0evil',
                                     'web\u202801', 'web\x0b01', 'web\x0c01', 'web\u00e901', 'web\x1b01',
                                     'web\U0001f51001'])
def test_id_that_netrc_cannot_hold_is_rejected_before_any_request(capfd, files, fake_client, host_id):
    _out, result = run(capfd, files, id=host_id, host_factory_token=TOKEN)
    assert result['failed'] is True
    # one_line() turns the line-breaking kinds of whitespace (U+2028, \v, \f) of the echoed id into spaces
    assert result['msg'].startswith("id '%s' cannot be written to the netrc identity file: it contains "
                                    % ' '.join(host_id.splitlines()))
    assert fake_client.calls == []


def test_missing_account_is_reported(capfd, files):
    _out, result = run(capfd, files, account=None, host_factory_token=TOKEN)
    assert result['failed'] is True and 'account' in result['msg'] and 'CONJUR_ACCOUNT' in result['msg']


def test_login_options_are_accepted_and_not_needed(capfd, files, fake_client):
    """module_defaults for the conjur action group may set them; this module does not use them."""
    _out, result = run(capfd, files, host_factory_token=TOKEN, login='admin', api_key='admin-api-key-value')
    assert result['enrolled'] is True and result.get('failed') is not True


# -- the host id the server returns -------------------------------------------------------------------------------------

RECORD = ' # hostfactory.enrollment: requested id web-01'
BRANCH_ENTRY = render_entry(MACHINE, 'host/data/ansible/web-01', NEW_KEY) + RECORD + '\n'


def test_the_returned_id_is_written_and_reported(capfd, files, fake_client):
    fake_client.branch = 'data/ansible/'
    out, result = run(capfd, files, host_factory_token=TOKEN)
    assert result['enrolled'] is True
    assert (result['login'], result['host_id'], result['requested_id']) == (
        'host/data/ansible/web-01', 'data/ansible/web-01', 'web-01')
    assert result['host']['id'] == 'myorg:host:data/ansible/web-01'
    assert read(files['identity']) == BRANCH_ENTRY
    assert NEW_KEY not in out


def test_a_rerun_recognises_the_returned_id(capfd, files, fake_client):
    fake_client.branch = 'data/ansible/'
    run(capfd, files, host_factory_token=TOKEN)
    fake_client.calls = []
    _out, result = run(capfd, files, host_factory_token=TOKEN)
    assert result['changed'] is False and result['enrolled'] is False and fake_client.calls == []
    assert (result['login'], result['host_id'], result['requested_id']) == (
        'host/data/ansible/web-01', 'data/ansible/web-01', 'web-01')
    fake_client.valid_keys = {NEW_KEY}
    _out, result = run(capfd, files, verify=True)
    assert result['verified'] is True and fake_client.calls == [('check_api_key', 'host/data/ansible/web-01')]


def test_rotating_a_returned_id_keeps_its_record(capfd, files, fake_client):
    fake_client.branch = 'data/ansible/'
    with open(files['identity'], 'w') as handle:
        handle.write(render_entry(MACHINE, 'host/data/ansible/web-01', OLD_KEY) + RECORD + '\n')
    _out, result = run(capfd, files, host_factory_token=TOKEN, rotate=True)
    assert result['rotated'] is True and fake_client.calls[0][2] == 'web-01'
    assert read(files['identity']) == BRANCH_ENTRY


@pytest.mark.parametrize('identity', [
    # another id's identity under a branch, recorded for that id (a copied image, or a renamed machine)
    render_entry(MACHINE, 'host/data/ansible/web-01', OLD_KEY) + ' # hostfactory.enrollment: requested id web-02',
    # the same login without the record: not written for this request
    render_entry(MACHINE, 'host/data/ansible/web-01', OLD_KEY),
    # the record belongs to another appliance's entry
    render_entry('https://other.example.com/authn', 'host/data/ansible/web-01', OLD_KEY) + RECORD + '\n'
    + render_entry(MACHINE, 'host/data/ansible/web-01', OLD_KEY),
])
def test_an_identity_not_recorded_for_this_id_is_not_ours(capfd, files, fake_client, identity):
    with open(files['identity'], 'w') as handle:
        handle.write(identity + '\n')
    _out, result = run(capfd, files, host_factory_token=TOKEN)
    assert result['enrolled'] is True and result['rotated'] is False
    assert [call[2] for call in fake_client.calls] == ['web-01']
    assert render_entry(MACHINE, 'host/web-01', NEW_KEY) in read(files['identity'])


def test_back_at_the_root_the_record_goes(capfd, files, fake_client):
    with open(files['identity'], 'w') as handle:
        handle.write(render_entry(MACHINE, 'host/data/ansible/web-01', OLD_KEY) + RECORD + '\n')
    run(capfd, files, host_factory_token=TOKEN, rotate=True)  # this server creates hosts at the root
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', NEW_KEY) + '\n'


@pytest.mark.parametrize('host_id', ['conjur/web-01', '/conjur/factories/x'])
def test_reserved_ids_are_refused_before_any_request(capfd, files, fake_client, host_id):
    _out, result = run(capfd, files, id=host_id, host_factory_token=TOKEN)
    assert result['failed'] is True
    assert result['msg'] == "id '%s' is reserved: ids under conjur/ belong to Conjur itself; choose another id" % host_id
    assert fake_client.calls == [] and not os.path.exists(files['identity'])


# -- a token handed over in a file --------------------------------------------------------------------------------------

def token_file(files, content=TOKEN + '\n', mode=0o600):
    path = str(files['dir'] / 'hf-token')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(content)
    os.chmod(path, mode)
    return path


def test_the_token_file_enrolls_and_is_removed_once_the_identity_is_written(capfd, files, fake_client):
    path = token_file(files, content='\u00a0 %s \u2003\n' % TOKEN)  # Unicode white space around it
    out, result = run(capfd, files, host_factory_token_file=path, remove_token_file=True)
    assert result['enrolled'] is True and result['token_file_removed'] is True
    assert fake_client.calls[0][1] == TOKEN
    assert not os.path.exists(path)
    assert TOKEN not in out and NEW_KEY not in out


def test_the_token_file_is_removed_when_already_enrolled(capfd, files, fake_client):
    write_identity(files)
    path = token_file(files)
    _out, result = run(capfd, files, host_factory_token_file=path, remove_token_file=True, check=True)
    assert result['changed'] is True and result['token_file_removed'] is True and os.path.exists(path)
    _out, result = run(capfd, files, host_factory_token_file=path, remove_token_file=True)
    assert result['changed'] is True and result['token_file_removed'] is True and not os.path.exists(path)
    assert fake_client.calls == [] and result['changed_files'] == []
    _out, result = run(capfd, files, host_factory_token_file=path, remove_token_file=True)
    assert result['changed'] is False and result['token_file_removed'] is False


def test_the_token_file_stays_without_remove_or_without_identity(capfd, files, fake_client):
    path = token_file(files)
    _out, result = run(capfd, files, host_factory_token_file=path)
    assert result['enrolled'] is True and 'token_file_removed' not in result and os.path.exists(path)
    os.unlink(files['identity'])
    fake_client.create_error = ConjurError('cannot create host: server error 503 after 4 attempts', status=503)
    _out, result = run(capfd, files, host_factory_token_file=path, remove_token_file=True)
    assert result['failed'] is True and os.path.exists(path)


def test_a_missing_token_file_is_a_missing_token(capfd, files, fake_client):
    path = str(files['dir'] / 'absent-token')
    _out, result = run(capfd, files, host_factory_token_file=path, remove_token_file=True)
    assert result['failed'] is True
    assert result['msg'] == ("host/web-01 must be enrolled (no entry for it in %s) but host_factory_token_file '%s' "
                             "does not exist (put the token there, or set missing_token: skip)" % (files['identity'], path))
    _out, result = run(capfd, files, host_factory_token_file=path, remove_token_file=True, missing_token='skip')
    assert result['needs_token'] is True and result['changed'] is False and 'token_file_removed' not in result


@pytest.mark.parametrize('kind, reason', [
    ('mode 0640', "is accessible by group or others (mode 0640); make it 0600"),
    ('mode 0604', "is accessible by group or others (mode 0604); make it 0600"),
    ('symbolic link', 'is a symbolic link; give the path of the file itself'),
    ('fifo', 'is not a regular file'),
    ('directory', 'is not a regular file'),
    ('empty', 'is empty'),
    ('white space only', 'is empty'),
    ('two words', 'holds more than one word; it must hold the token alone'),
    ('not utf-8', 'is not UTF-8 text'),
    ('too large', 'is larger than 4096 bytes: it does not hold a host factory token'),
])
def test_unsafe_token_files_are_refused_before_any_request(capfd, files, fake_client, kind, reason):
    path = str(files['dir'] / 'hf-token')
    if kind.startswith('mode'):
        token_file(files, mode=int(kind.split()[1], 8))
    elif kind == 'symbolic link':
        os.rename(token_file(files), path + '.real')
        os.symlink(path + '.real', path)
    elif kind == 'fifo':
        os.mkfifo(path, 0o600)
    elif kind == 'directory':
        os.mkdir(path, 0o700)
    elif kind == 'not utf-8':
        with open(path, 'wb') as handle:
            handle.write(b'\xff\xfe' + TOKEN.encode())
        os.chmod(path, 0o600)
    else:
        token_file(files, content={'empty': '', 'white space only': ' \n\t\u00a0', 'two words': TOKEN + ' ' + TOKEN,
                                   'too large': 'x' * 4097}[kind])
    out, result = run(capfd, files, host_factory_token_file=path, remove_token_file=True)
    assert result['failed'] is True
    assert result['msg'] == "host_factory_token_file '%s' %s" % (path, reason)
    assert fake_client.calls == [] and not os.path.exists(files['identity']) and os.path.lexists(path)
    assert TOKEN not in out


def test_token_file_options_are_checked(capfd, files, fake_client):
    _out, result = run(capfd, files, host_factory_token=TOKEN, host_factory_token_file=token_file(files))
    assert result['failed'] is True
    assert result['msg'] == 'parameters are mutually exclusive: host_factory_token|host_factory_token_file'
    _out, result = run(capfd, files, host_factory_token=TOKEN, remove_token_file=True)
    assert result['failed'] is True
    assert result['msg'] == 'remove_token_file is True but all of the following are missing: host_factory_token_file'
    assert fake_client.calls == []


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
    with open(files['cert'], 'a') as handle:
        handle.write('# another CA next to ours\n')
    _out, result = run(capfd, files, **absent)
    assert result['changed_files'] == [files['identity']]
    assert read(files['conf']).endswith('# edited by hand\n') and read(files['cert']).endswith('next to ours\n')
    assert warnings == [files['conf'] + ' is kept: it does not hold what this module writes there',
                        files['cert'] + ' is kept: it does not hold what this module writes there']


def test_absent_refuses_a_link_and_changes_nothing(capfd, files, fake_client):
    absent = enrolled_with_files(capfd, files)
    before = read(files['identity'])
    os.unlink(files['cert'])
    os.symlink(files['identity'] + '.nowhere', files['cert'])
    _out, result = run(capfd, files, **absent)
    assert result['failed'] is True and 'is a symbolic link' in result['msg']
    assert read(files['identity']) == before and os.path.exists(files['conf']) and os.path.islink(files['cert'])


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


def test_a_token_file_wins_over_the_environment_variable(capfd, files, fake_client, monkeypatch):
    monkeypatch.setenv('CONJUR_HOST_FACTORY_TOKEN', 'environment-token-value-0000000000000000000000000')
    path = token_file(files)
    out, result = run(capfd, files, host_factory_token_file=path, remove_token_file=True)
    assert result['enrolled'] is True and result['token_file_removed'] is True
    assert fake_client.calls[0][1] == TOKEN
    assert 'environment-token-value' not in out


def test_the_environment_variable_is_cleaned_and_never_shown(capfd, files, fake_client, monkeypatch):
    monkeypatch.setenv('CONJUR_HOST_FACTORY_TOKEN', TOKEN + '\n')
    out, result = run(capfd, files, return_api_key=True)
    assert result['enrolled'] is True and fake_client.calls[0][1] == TOKEN
    assert TOKEN not in out
    monkeypatch.setenv('CONJUR_HOST_FACTORY_TOKEN', TOKEN[:9] + ' ' + TOKEN[9:])
    out, result = run(capfd, files, rotate=True)
    assert result['failed'] is True
    assert result['msg'].startswith('CONJUR_HOST_FACTORY_TOKEN holds white space or a control character')
    assert TOKEN[:9] not in out and len(fake_client.calls) == 1
