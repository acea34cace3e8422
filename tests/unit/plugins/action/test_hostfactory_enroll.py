# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import json
from unittest.mock import MagicMock

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hostfactory.enrollment.plugins.action import hostfactory_enroll as plugin
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import LOGIN_OPTIONS
from ansible_collections.hostfactory.enrollment.plugins.module_utils._enroll_probe import probe
from ansible_collections.hostfactory.enrollment.plugins.module_utils._enrollment_exec import host_argument_spec
from ansible_collections.hostfactory.enrollment.plugins.module_utils._http import ApiError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._netrc import render_entry
from ansible_collections.hostfactory.enrollment.plugins.plugin_utils._token_store import StoreError, TokenStore

URL = 'https://conjur.example.com'
HF_TOKEN = '1bcarsc2bqvsxt6cnd74xem8yf15gtma71vp23y315n0z201c1jza7'
ADMIN_KEY = '1tq3kbm2y1nfkq3z0hxaed5s0wq2ke8v3gq2wjyz6ar1rvqv2mwhgt'
HOST_KEY = '1vgw4jzdq9a2j33cj6tb2ht4rm52wn5tx3s8tph1e2hnf3cy1v9x3'
CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'


def validated(**task_args):
    task_args = dict(dict(appliance_url=URL, account='myorg', id='web-01', host_factory='provisioning/hosts',
                          login='admin', api_key=ADMIN_KEY), **task_args)
    result = ArgumentSpecValidator(plugin.argument_spec()).validate(task_args)
    assert not result.error_messages
    return result.validated_parameters


def iso(seconds_from_now):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


# -- argument spec and the arguments of the node ------------------------------------------------------------------
MODULE_ONLY = ('host_factory_token', 'missing_token', 'return_api_key')
# The verdicts of the probe (module_utils/_enroll_probe) that the flow tests need.
MISSING = {'done': False, 'needs_token': True, 'warnings': []}
PARTIAL = {'done': False, 'needs_token': False, 'warnings': []}


def test_argument_spec_is_the_module_spec_plus_minting():
    spec = plugin.argument_spec()
    module_spec = host_argument_spec()
    for name in MODULE_ONLY:
        assert name not in spec
    for name in set(module_spec) - set(MODULE_ONLY):
        assert name in spec
    for name in plugin.NODE_PATHS:
        assert spec[name]['type'] == 'str'  # expanded on the node, not on the controller
    assert spec['api_key']['no_log'] and spec['token']['no_log']
    assert 'fallback' not in spec['ca_path'] and 'fallback' not in spec['ca_content']


def test_ca_from_the_controller_environment_only_when_neither_is_given(monkeypatch):
    # the one resolution order (module_utils/_conjur_settings): CONJUR_CERT_CONTENT, then CONJUR_CERT_FILE
    monkeypatch.setenv('CONJUR_CERT_FILE', '/etc/pki/ca.pem')
    monkeypatch.setenv('CONJUR_CERT_CONTENT', CA)
    connection = plugin.controller_connection(validated())
    assert (connection.ca_path, connection.ca_content) == (None, CA)
    monkeypatch.delenv('CONJUR_CERT_CONTENT')
    connection = plugin.controller_connection(validated())
    assert (connection.ca_path, connection.ca_content) == ('/etc/pki/ca.pem', None)
    connection = plugin.controller_connection(validated(ca_content='given'))
    assert (connection.ca_path, connection.ca_content) == (None, 'given')


def test_the_controller_reads_no_conf_file(monkeypatch, tmp_path):
    conf = tmp_path / 'conjur.conf'
    conf.write_text('appliance_url: https://from-conf.example.com\naccount: fromconf\n')
    monkeypatch.setenv('CONJUR_CONFIG_FILE', str(conf))
    args = validated()
    args.update(appliance_url=None, account=None)
    with pytest.raises(plugin.ParameterError, match='missing Conjur connection setting appliance_url'):
        plugin.controller_connection(args)
    monkeypatch.setenv('CONJUR_APPLIANCE_URL', 'https://env.example.com/')
    monkeypatch.setenv('CONJUR_ACCOUNT', 'envorg')
    connection = plugin.controller_connection(args)
    assert (connection.appliance_url, connection.account) == ('https://env.example.com', 'envorg')


def test_node_arguments_carry_no_credential_and_the_resolved_connection():
    args = validated(appliance_url=URL + '/', ca_content=CA, cert_file='/etc/conjur.pem', token='given-token-0123')
    node = plugin.node_arguments(args, plugin.controller_connection(args))
    assert not set(LOGIN_OPTIONS) & set(node) and 'token' not in node and 'host_factory_token' not in node
    assert node['appliance_url'] == URL and node['api_version'] == 5 and node['ca_content'] == CA
    assert node['missing_token'] == 'skip' and node['cert_file'] == '/etc/conjur.pem'
    assert ADMIN_KEY not in json.dumps(node)


# -- results -------------------------------------------------------------------------------------------------------
def test_merge_results():
    first = dict(changed=True, needs_token=True, changed_files=['/c'], diff=[{'a': 1}], warnings=['w1'],
                 ansible_facts={'discovered_interpreter_python': '/usr/bin/python3'})
    second = dict(changed=True, needs_token=False, enrolled=True, changed_files=['/i', '/c'], diff=[{'b': 2}])
    merged = plugin.merge_results(first, second)
    assert merged['needs_token'] is False and merged['enrolled'] is True and merged['changed'] is True
    assert merged['changed_files'] == ['/c', '/i']
    assert merged['diff'] == [{'a': 1}, {'b': 2}]
    assert merged['warnings'] == ['w1']
    assert merged['ansible_facts'] == {'discovered_interpreter_python': '/usr/bin/python3'}


# -- the flow ------------------------------------------------------------------------------------------------------
class Node:
    """Stands in for the module on the node: needs a token until it got one."""

    def __init__(self, enrolled=False):
        self.enrolled = enrolled
        self.calls = []

    def __call__(self, module_name=None, module_args=None, task_vars=None):
        self.calls.append(dict(module_args))
        assert module_name == plugin.MODULE and module_args['missing_token'] == 'skip'
        assert not set(LOGIN_OPTIONS) & set(module_args)  # the minting credentials never reach the node
        assert ADMIN_KEY not in json.dumps(module_args)
        if self.enrolled:
            return dict(changed=False, needs_token=False, enrolled=False, login='host/web-01')
        if not module_args.get('host_factory_token'):
            return dict(changed=True, needs_token=True, enrolled=False, login='host/web-01', changed_files=['/c'])
        self.enrolled = True
        return dict(changed=True, needs_token=False, enrolled=True, login='host/web-01', changed_files=['/i'])


@pytest.fixture
def store(tmp_path):
    return TokenStore(str(tmp_path / 'store'))


def action(verdict, node, check_mode=False, minted=None):
    task = MagicMock()
    task.check_mode = check_mode
    task.async_val = 0
    act = plugin.ActionModule(task, MagicMock(), MagicMock(), MagicMock(), MagicMock(), MagicMock())
    act._execute_module = node
    act.probe = MagicMock(return_value=verdict)
    act.mints = []

    def mint(args):
        act.mints.append(args['host_factory'])
        if minted is not None:
            raise minted
        return {'token': HF_TOKEN, 'expiration': iso(600)}

    act.mint = mint
    return act


def test_enrolled_host_costs_the_probe_only(store, tmp_path):
    identity = tmp_path / 'conjur.identity'
    identity.write_text(render_entry(URL + '/authn', 'host/web-01', HOST_KEY) + '\n')
    identity.chmod(0o600)
    node = Node(enrolled=True)
    act = action(None, node)
    act.probe = lambda module_args, task_vars: probe(module_args)  # the real planner, on this machine
    result = act.enroll(validated(identity_file=str(identity)), store, {})
    assert result == dict(changed=False, enrolled=False, rotated=False, needs_token=False, verified=False, host={},
                          changed_files=[], login='host/web-01', identity_file=str(identity))
    assert node.calls == [] and act.mints == []


def test_host_to_enroll_mints_once_and_runs_the_module_once(store):
    node = Node()
    act = action(MISSING, node)
    result = act.enroll(validated(), store, {})
    assert result['enrolled'] and result['changed']
    assert act.mints == ['provisioning/hosts']
    assert [call.get('host_factory_token') for call in node.calls] == [HF_TOKEN]


def test_once_a_token_exists_hosts_skip_the_probe(store):
    act = action(MISSING, Node())
    act.enroll(validated(), store, {})
    later = action(dict(PARTIAL, done=True, result={}), Node())
    result = later.enroll(validated(id='web-02'), store, {})
    assert result['enrolled']
    later.probe.assert_not_called()
    assert later.mints == []


def test_partial_files_are_repaired_without_a_token(store):
    node = Node(enrolled=True)
    act = action(PARTIAL, node)
    act.enroll(validated(), store, {})
    assert 'host_factory_token' not in node.calls[0] and act.mints == []


def test_without_a_probe_the_module_asks_for_a_token(store):
    node = Node()
    act = action(None, node)
    result = act.enroll(validated(), store, {})
    assert [call.get('host_factory_token') for call in node.calls] == [None, HF_TOKEN]
    assert result['changed_files'] == ['/c', '/i'] and result['needs_token'] is False
    assert act.mints == ['provisioning/hosts']


def test_a_given_token_is_used_and_nothing_is_minted(store):
    node = Node()
    act = action(MISSING, node)
    act.enroll(validated(token='given-token-0123456789'), store, {})
    assert [call.get('host_factory_token') for call in node.calls] == ['given-token-0123456789']
    assert act.mints == []


@pytest.mark.parametrize('verdict', [MISSING, None])
def test_check_mode_mints_nothing(store, verdict):
    node = Node()
    act = action(verdict, node, check_mode=True)
    act.enroll(validated(), store, {})
    assert act.mints == []
    assert [call.get('host_factory_token') for call in node.calls] == [plugin.CHECK_MODE_TOKEN]


def test_a_failed_mint_fails_the_host_with_the_reason(store):
    node = Node()
    act = action(MISSING, node, minted=StoreError('cannot mint one on the controller: authentication failed'))
    with pytest.raises(StoreError) as caught:
        act.enroll(validated(), store, {})
    assert str(caught.value) == ('host/web-01 must be enrolled but has no host factory token: cannot mint one on '
                                 'the controller: authentication failed')
    assert node.calls == []


def test_the_ca_is_read_on_the_controller_and_sent_as_content(store, tmp_path):
    ca_file = tmp_path / 'ca.pem'
    ca_file.write_text(CA)
    node = Node(enrolled=True)
    act = action(PARTIAL, node)
    act.enroll(validated(ca_path=str(ca_file), cert_file='/etc/conjur.pem'), store, {})
    assert node.calls[0]['ca_content'] == CA and 'ca_path' not in node.calls[0]
    assert node.calls[0]['cert_file'] == '/etc/conjur.pem'


def test_no_ca_no_ca_file(store):
    node = Node(enrolled=True)
    act = action(PARTIAL, node)
    act.enroll(validated(cert_file='/etc/conjur.pem'), store, {})
    assert 'cert_file' not in node.calls[0]


def test_an_unreadable_controller_ca_is_reported(store, tmp_path):
    act = action(PARTIAL, Node())
    with pytest.raises(plugin.ParameterError, match="ca_path '.*absent.pem' cannot be read on the controller"):
        act.enroll(validated(ca_path=str(tmp_path / 'absent.pem')), store, {})


# -- revoking ------------------------------------------------------------------------------------------------------
class FakeClient:
    revoked = []
    fail = False

    def __init__(self, connection):
        self.connection = connection

    def revoke_token(self, token):
        if FakeClient.fail:
            raise ApiError('cannot revoke the host factory token: server error 503 after 4 attempts', 503)
        FakeClient.revoked.append((token, self.connection.authn_token_file))
        return True


@pytest.fixture
def fake_client(monkeypatch):
    FakeClient.revoked = []
    FakeClient.fail = False
    monkeypatch.setattr(plugin, 'ConjurClient', FakeClient)
    return FakeClient


def fill(store, key, tokens):
    for token in tokens:
        store.write(key, dict(store.read(key) or {}, token=token, minted=(store.read(key) or {}).get('minted', [])
                              + [token], connection=dict(appliance_url=URL, account='myorg')))
    store.write_access_token(key, 'ZXlKaGJHY2lPaUpJVXpJMU5pSjk=')


def test_revoke_minted_revokes_everything_and_forgets_it(store, fake_client):
    fill(store, 'a', ['t1', 't2'])
    fill(store, 'b', ['t3'])
    act = action(None, Node())
    assert act.revoke_minted(validated(revoke_minted=True), store) == dict(changed=True, revoked=3)
    assert [token for token, _file in fake_client.revoked] == ['t1', 't2', 't3']
    assert all(token_file == store.access_token_file(key) for (token, token_file), key in
               zip(fake_client.revoked, ['a', 'a', 'b']))
    assert store.entries() == []
    assert act.revoke_minted(validated(revoke_minted=True), store) == dict(changed=False, revoked=0)


def test_revoke_failures_are_reported_and_kept(store, fake_client):
    fill(store, 'a', ['t1'])
    fake_client.fail = True
    act = action(None, Node())
    with pytest.raises(StoreError, match=r'^cannot revoke the host factory token minted for this run '
                                         r'\(0 revoked, 1 left; they expire by themselves\): .*503'):
        act.revoke_minted(validated(revoke_minted=True), store)
    assert store.read('a')['minted'] == ['t1']


def test_run_reports_bad_arguments_without_values():
    task = MagicMock()
    task.check_mode = False
    task.async_val = 0
    task.args = dict(appliance_url=URL, account='myorg', api_key=ADMIN_KEY, id='web-01', api_version=3)
    connection = MagicMock()
    connection._shell.tmpdir = None
    act = plugin.ActionModule(task, connection, MagicMock(), MagicMock(), MagicMock(), MagicMock())
    result = act.run(task_vars={})
    assert result['failed']
    assert 'api_version' in result['msg'] and ADMIN_KEY not in json.dumps(result)


@pytest.mark.parametrize('token', ['', '  ', '\n'])
def test_a_token_set_but_empty_is_refused_before_anything(store, token):
    node = Node()
    act = action(MISSING, node)
    with pytest.raises(plugin.ParameterError, match='^token is set but empty'):
        act.enroll(validated(token=token), store, {})
    assert node.calls == [] and act.mints == [] and not act.probe.called


def test_an_unset_token_mints():
    plugin.check_token(None)


def run_task(**args):
    task = MagicMock()
    task.check_mode = False
    task.async_val = 0
    task.args = dict(dict(appliance_url=URL, account='myorg', id='web-01'), **args)
    connection = MagicMock()
    connection._shell.tmpdir = None
    return plugin.ActionModule(task, connection, MagicMock(), MagicMock(), MagicMock())


def test_failures_name_the_options_as_the_caller_does():
    names = {'token': 'host_identity_token', 'api_version': 'host_identity_api_version'}
    result = run_task(token='', option_names=names).run(task_vars={})
    assert result['failed'] and result['msg'].startswith('host_identity_token is set but empty')
    result = run_task(api_version=3, option_names=names).run(task_vars={})
    assert result['failed'] and 'host_identity_api_version' in result['msg']
    assert plugin.rename_result({'msg': 'set rotate: true', 'warnings': ['rotate: true'], 'exception': 'set rotate'},
                                {'rotate': 'r_v'}) == {'msg': 'set r_v: true', 'warnings': ['r_v: true']}
    untouched = {'msg': 'connection refused', 'exception': 'Traceback ...'}
    assert plugin.rename_result(dict(untouched), {'rotate': 'r_v'}) == untouched


def test_a_relative_ca_path_is_found_like_src_and_an_unknown_one_kept(tmp_path):
    act = run_task()
    found = str(tmp_path / 'files' / 'ca.pem')
    act._find_needle = MagicMock(return_value=found)
    assert act.controller_file('files/ca.pem') == found
    act._find_needle.assert_called_once_with('files', 'files/ca.pem')
    act._find_needle = MagicMock(side_effect=plugin.AnsibleError('not found'))
    assert act.controller_file('files/absent.pem') == 'files/absent.pem'
