# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import json
import os
import subprocess
from unittest.mock import MagicMock

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.hostfactory.enrollment.plugins.action import hostfactory_enroll as plugin
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import LOGIN_OPTIONS
from ansible_collections.hostfactory.enrollment.plugins.module_utils._enroll_probe import probe
from ansible_collections.hostfactory.enrollment.plugins.module_utils._enrollment_exec import host_argument_spec
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import ConjurError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._enrollment import EnrollmentError
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
MODULE_ONLY = ('host_factory_token', 'host_factory_token_file', 'remove_token_file', 'missing_token', 'return_api_key')
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
    assert node['use_proxy'] is True
    assert plugin.node_arguments(validated(use_proxy=False), plugin.controller_connection(validated()))[
        'use_proxy'] is False


def test_a_cloud_url_reaches_the_node_with_its_api_prefix_and_account():
    args = validated(appliance_url='https://tenant.secretsmgr.cyberark.cloud', account=None)
    node = plugin.node_arguments(args, plugin.controller_connection(args))
    assert (node['appliance_url'], node['account']) == ('https://tenant.secretsmgr.cyberark.cloud/api', 'conjur')


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
                          changed_files=[], login='host/web-01', identity_file=str(identity), host_id='web-01')
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


NOTHING = dict(changed=False, revoked=0, deferred=0, stale_stores=0)


def test_revoke_minted_revokes_everything_and_forgets_it(store, fake_client):
    fill(store, 'a', ['t1', 't2'])
    fill(store, 'b', ['t3'])
    act = action(None, Node())
    assert act.revoke_minted(validated(revoke_minted=True), store) == dict(NOTHING, changed=True, revoked=3)
    assert [token for token, _file in fake_client.revoked] == ['t1', 't2', 't3']
    assert all(token_file == store.access_token_file(key) for (token, token_file), key in
               zip(fake_client.revoked, ['a', 'a', 'b']))
    assert store.entries() == []
    assert act.revoke_minted(validated(revoke_minted=True), store) == NOTHING


def test_expired_tokens_need_no_request(store, fake_client):
    store.write('a', {'minted': [{'token': 'old', 'expiration': iso(-5)}, {'token': 'new', 'expiration': iso(60)}],
                      'connection': dict(appliance_url=URL, account='myorg')})
    assert action(None, Node()).revoke_minted(validated(revoke_minted=True), store)['revoked'] == 1
    assert [token for token, _file in fake_client.revoked] == ['new']


def test_revoke_failures_are_reported_and_kept(store, fake_client):
    fill(store, 'a', ['t1'])
    fake_client.fail = True
    act = action(None, Node())
    with pytest.raises(StoreError, match=r'^cannot revoke the host factory token minted for this run '
                                         r'\(0 revoked, 1 left; they expire by themselves\): .*503'):
        act.revoke_minted(validated(revoke_minted=True), store)
    assert [item['token'] for item in store.minted(store.read('a'))] == ['t1']


# -- a host that still enrolls keeps its token (strategy free, host_pinned) -----------------------------------------
class Enrolling(Node):
    """The module on a node that is slow to enroll: the other hosts' revoking tasks run meanwhile."""

    def __init__(self, meanwhile):
        super().__init__()
        self.meanwhile = meanwhile

    def __call__(self, module_name=None, module_args=None, task_vars=None):
        if module_args.get('host_factory_token'):
            self.meanwhile()
        return super().__call__(module_name, module_args, task_vars)


def test_a_held_token_is_revoked_by_its_last_holder_not_by_an_early_revoking_task(store, fake_client):
    early = []
    revoker = action(None, Node())
    node = Enrolling(lambda: early.append(revoker.revoke_minted(validated(revoke_minted=True), store)))
    act = action(MISSING, node)
    result = act.enroll(validated(), store, {})
    assert result['enrolled'] and early == [dict(NOTHING, deferred=1)]  # not revoked while the module ran
    assert [token for token, _file in fake_client.revoked] == [HF_TOKEN]  # revoked when the host let go
    assert store.entries() == [] and 'warnings' not in result
    assert revoker.revoke_minted(validated(revoke_minted=True), store) == NOTHING


def test_a_failed_revocation_by_the_last_holder_is_a_warning(store, fake_client):
    revoker = action(None, Node())
    node = Enrolling(lambda: revoker.revoke_minted(validated(revoke_minted=True), store))
    fake_client.fail = True
    result = action(MISSING, node).enroll(validated(), store, {})
    assert result['enrolled'] and '503' in result['warnings'][0] and HF_TOKEN not in result['warnings'][0]
    assert [item['token'] for item in store.minted(store.read(store.entries()[0][0]))] == [HF_TOKEN]


class LateStore(TokenStore):
    """A store whose first read returns what a host saw just before another host revoked the token."""

    def __init__(self, directory, seen):
        super().__init__(directory)
        self.seen = seen

    def read(self, key):
        seen, self.seen = self.seen, None
        return seen if seen is not None else super().read(key)


def test_a_token_revoked_meanwhile_is_minted_anew_for_a_host_that_skipped_the_probe(store, fake_client):
    action(MISSING, Node()).enroll(validated(), store, {})
    key, seen = store.entries()[0]
    with store.lock():
        store.settle(key, seen, [])  # revoked by another host after this host looked at the store
    act = action(None, Node())
    act.probe = MagicMock(side_effect=AssertionError('a token was there: no probe'))
    node = Node()
    act._execute_module = node
    result = act.enroll(validated(id='web-02'), LateStore(store.directory, seen), {})
    assert [call.get('host_factory_token') for call in node.calls] == [None, HF_TOKEN]
    assert result['enrolled'] and act.mints == ['provisioning/hosts']


def test_the_store_holds_every_token_of_a_mint_and_never_the_api_key(store, monkeypatch):
    class Minting:
        def __init__(self, connection):
            assert connection.api_key == ADMIN_KEY

        @staticmethod
        def authenticate():
            return 'ZXlKaGJHY2lPaUpJVXpJMU5pSjk='

    lost = [{'token': HF_TOKEN, 'expiration': iso(600), 'cidr': []}, {'token': HF_TOKEN[::-1], 'expiration': iso(600),
                                                                      'cidr': []}]
    monkeypatch.setattr(plugin, 'ConjurClient', Minting)
    monkeypatch.setattr(plugin.tokens, 'mint_one', lambda client, hf, duration, cidr: lost)
    act = plugin.ActionModule(MagicMock(), MagicMock(), MagicMock(), MagicMock(), MagicMock(), MagicMock())
    with store.hold('k', lambda: act.mint(validated())) as token:
        assert token == HF_TOKEN
    assert [item['token'] for item in store.minted(store.read('k'))] == [HF_TOKEN, HF_TOKEN[::-1]]
    for name in os.listdir(store.directory):
        with open(os.path.join(store.directory, name), encoding='utf-8') as handle:
            assert ADMIN_KEY not in handle.read(), name


# -- stores that runs killed before their end left behind -----------------------------------------------------------
def stale_run(tmp_path, minted, appliance_url=URL):
    dead = subprocess.Popen(['true'])
    dead.wait()
    stale = TokenStore(str(tmp_path / 'tmp' / ('ansible-local-%dq1w2e3' % dead.pid) / 'hostfactory_enroll'))
    stale.write('k', {'minted': minted, 'connection': dict(appliance_url=appliance_url, account='myorg')})
    stale._write_file(os.path.join(stale.directory, 'owner.json'), json.dumps({'pid': dead.pid, 'start': None}))
    return stale


@pytest.fixture
def run_store(tmp_path):
    return TokenStore(str(tmp_path / 'tmp' / 'ansible-local-1ours' / 'hostfactory_enroll'))


def test_the_next_run_revokes_and_removes_a_killed_runs_store(run_store, tmp_path, fake_client):
    stale = stale_run(tmp_path, [{'token': 'stale-1', 'expiration': iso(600)},
                                 {'token': 'gone', 'expiration': iso(-1)}])
    result = action(None, Node()).revoke_minted(validated(revoke_minted=True), run_store)
    assert result == dict(NOTHING, changed=True, revoked=1, stale_stores=1)
    assert [token for token, _file in fake_client.revoked] == ['stale-1']
    assert not os.path.exists(stale.directory) and not os.path.exists(os.path.dirname(stale.directory))


def test_check_mode_leaves_a_killed_runs_store_alone(run_store, tmp_path, fake_client):
    stale = stale_run(tmp_path, [{'token': 'stale-1', 'expiration': iso(600)}])
    result = action(None, Node(), check_mode=True).revoke_minted(validated(revoke_minted=True), run_store)
    assert result == NOTHING and fake_client.revoked == [] and os.path.exists(stale.directory)
    assert action(None, Node()).revoke_minted(validated(revoke_minted=True), run_store)['stale_stores'] == 1


def test_this_runs_credentials_never_go_to_another_server(run_store, tmp_path, fake_client, monkeypatch):
    stale = stale_run(tmp_path, [{'token': 'stale-1', 'expiration': iso(600)}], appliance_url='https://evil.example')
    monkeypatch.setenv('CONJUR_AUTHN_API_KEY', ADMIN_KEY)
    seen = []

    def connection(args, credentials=False, environ=None):
        seen.append((dict(args), environ))
        return MagicMock(appliance_url=URL, account='myorg')

    monkeypatch.setattr(plugin, 'controller_connection', connection)
    fake_client.fail = True
    result = action(None, Node()).revoke_minted(validated(revoke_minted=True), run_store)
    elsewhere = [(args, environ) for args, environ in seen if args.get('appliance_url') == 'https://evil.example']
    assert [args['api_key'] for args, _environ in elsewhere] == [None]
    assert elsewhere[0][1] is not None and 'CONJUR_AUTHN_API_KEY' not in elsewhere[0][1]
    assert result['stale_stores'] == 0 and os.path.exists(stale.directory)
    assert "a run that was killed left 1 host factory token(s) that cannot be revoked now" in result['warnings'][0]
    assert 'stale-1' not in json.dumps(result)


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


# -- secrets and inputs refused on the controller, before a probe or a mint --------------------------------------------

def run_task(task_vars=None, **task_args):
    task = MagicMock()
    task.get_play.return_value._uuid = 'play-uuid'
    task.check_mode = False
    task.async_val = 0
    task.args = dict(dict(appliance_url=URL, account='myorg', id='web-01', host_factory='provisioning/hosts',
                          login='admin', api_key=ADMIN_KEY), **task_args)
    connection = MagicMock()
    connection._shell.tmpdir = None
    act = plugin.ActionModule(task, connection, MagicMock(), MagicMock(), MagicMock(), MagicMock())
    act.probe = MagicMock(return_value=MISSING)
    act.mint = MagicMock(side_effect=AssertionError('no mint expected'))
    node = Node()
    act._execute_module = node
    return act.run(task_vars=task_vars or {}), act, node


def test_a_given_token_with_surrounding_white_space_reaches_the_node_without_it(tmp_path, monkeypatch):
    monkeypatch.setattr(plugin, 'default_store_dir', lambda: str(tmp_path / 'store'))
    result, _act, node = run_task(token=HF_TOKEN + '\r\n')
    assert result.get('failed') is not True, result
    assert [call.get('host_factory_token') for call in node.calls] == [HF_TOKEN]


@pytest.mark.parametrize('task_args, message', [
    ({'token': HF_TOKEN[:20] + '\x00' + HF_TOKEN[20:]}, 'token holds white space or a control character'),
    ({'api_key': ADMIN_KEY[:20] + ' ' + ADMIN_KEY[20:]}, 'api_key holds white space or a control character'),
    ({'token_duration': '99999999999999999999w'}, "token_duration '99999999999999999999w' is too long"),
    ({'annotations': {'a[b]': 'x'}}, "annotations: the key 'a[b]' cannot be sent"),
    ({'annotations': {'team': {'name': 'web'}}}, "annotations: the value of 'team' is a dict"),
])
def test_bad_input_is_refused_before_any_probe_or_mint(tmp_path, monkeypatch, task_args, message):
    monkeypatch.setattr(plugin, 'default_store_dir', lambda: str(tmp_path / 'store'))
    result, act, node = run_task(**task_args)
    assert result['failed'] is True and result['msg'].startswith(message), result
    act.probe.assert_not_called()
    act.mint.assert_not_called()
    assert node.calls == []
    assert HF_TOKEN[:20] not in json.dumps(result) and ADMIN_KEY[:20] not in json.dumps(result)


# -- options read from variables (options_from_vars) ----------------------------------------------------------------
try:  # ansible-core >= 2.19 templates only strings trusted as templates (as variables files are)
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 templates every string
    def trust_as_template(value):
        return value

VAR_NAMES = dict(appliance_url='r_url', account='r_account', id='r_id', host_factory='r_factory', login='r_login',
                 api_key='r_api_key', token='r_token', owner='r_owner', api_version='r_version')
VAR_MODES = dict(appliance_url='unless_empty', account='unless_empty', id='as_is', host_factory='unless_empty',
                 login='unless_empty', api_key='unless_empty', token='as_is', owner='unless_empty',
                 api_version='as_is')


def run_from_vars(tmp_path, monkeypatch, variables, modes=None, **task_args):
    """The task as the role has it: nothing but options_from_vars and option_names, with a real templar."""
    monkeypatch.setattr(plugin, 'default_store_dir', lambda: str(tmp_path / 'store'))
    task_vars = dict((name, trust_as_template(value) if isinstance(value, str) else value)
                     for name, value in dict(dict(base='https://conjur.example.com', r_url='{{ base }}',
                                                  r_account='myorg', r_id='web-01', r_factory='provisioning/hosts',
                                                  r_login='admin', r_api_key=ADMIN_KEY, r_owner='',
                                                  r_version=5), **variables).items())
    task = MagicMock()
    task.get_play.return_value._uuid = 'play-uuid'
    task.check_mode = False
    task.async_val = 0
    task.args = dict(dict(options_from_vars=modes or VAR_MODES, option_names=VAR_NAMES), **task_args)
    connection = MagicMock()
    connection._shell.tmpdir = None
    templar = Templar(loader=DataLoader(), variables=task_vars)
    act = plugin.ActionModule(task, connection, MagicMock(), MagicMock(), templar, MagicMock())
    act.probe = MagicMock(return_value=PARTIAL)
    act.mint = MagicMock(side_effect=AssertionError('no mint expected'))
    node = Node(enrolled=True)
    act._execute_module = node
    return act.run(task_vars=task_vars), act, node


def test_options_from_vars_reach_the_node_as_task_options_would(tmp_path, monkeypatch):
    result, _act, node = run_from_vars(tmp_path, monkeypatch, {})
    assert result.get('failed') is not True, result
    assert len(node.calls) == 1
    sent = node.calls[0]
    assert (sent['appliance_url'], sent['account'], sent['id'], sent['api_version']) == (URL, 'myorg', 'web-01', 5)
    assert 'owner' not in sent  # empty, so unset: the module's default


def test_options_from_vars_failures_name_the_variables_and_change_nothing(tmp_path, monkeypatch):
    result, act, node = run_from_vars(tmp_path, monkeypatch, dict(r_token=''))
    assert result['failed'] and result['msg'].startswith('r_token is set but empty'), result
    result, act, node = run_from_vars(tmp_path, monkeypatch, dict(r_version='three'))
    assert result['failed'] and 'r_version' in result['msg'] and 'api_version' not in result['msg'], result
    result, act, node = run_from_vars(tmp_path, monkeypatch, dict(r_api_key='{{ no_such_variable }}'))
    assert result == dict(failed=True, msg='r_api_key cannot be templated'), result
    act.probe.assert_not_called()
    assert node.calls == []


def test_a_variable_takes_the_place_of_the_task_value_and_an_unset_one_keeps_it(tmp_path, monkeypatch):
    # module_defaults (group/hostfactory.enrollment.conjur) reach the action as task arguments
    result, _act, node = run_from_vars(tmp_path, monkeypatch, dict(r_url=''), appliance_url='https://from-defaults',
                                       id='from-defaults')
    assert result.get('failed') is not True, result
    assert (node.calls[0]['appliance_url'], node.calls[0]['id']) == ('https://from-defaults', 'web-01')


@pytest.mark.parametrize('modes, message', [
    (dict(VAR_MODES, option_names='as_is'), 'options_from_vars: option_names cannot be read from a variable'),
    (dict(VAR_MODES, no_such_option='as_is'), 'options_from_vars: no_such_option cannot be read from a variable'),
    (dict(VAR_MODES, options_from_vars='as_is'), 'options_from_vars: options_from_vars cannot be read from a'),
])
def test_options_from_vars_refuses_a_bad_mapping(tmp_path, monkeypatch, modes, message):
    result, act, node = run_from_vars(tmp_path, monkeypatch, {}, modes=modes)
    assert result['failed'] and result['msg'].startswith(message), result
    act.probe.assert_not_called()
    assert node.calls == []


# -- un-enrolling (state=absent) and the preflight ------------------------------------------------------------------
class Controller:
    """Stands in for ConjurClient on the controller: records logins, key rotations and host factory reads."""

    events = []
    errors = {}  # operation -> the exception it raises
    document = None

    def __init__(self, connection):
        self.connection = connection

    def authenticate(self):
        Controller.events.append(('login', self.connection.login))
        if 'login' in Controller.errors:
            raise Controller.errors['login']
        return 'ZXlKaGJHY2lPaUpJVXpJMU5pSjk='

    def rotate_api_key(self, login):
        Controller.events.append(('rotate', login, self.connection.authn_token_file))
        if 'rotate' in Controller.errors:
            raise Controller.errors['rotate']

    def get_host_factory(self, host_factory):
        Controller.events.append(('read', host_factory))
        if 'read' in Controller.errors:
            raise Controller.errors['read']
        return Controller.document


@pytest.fixture
def controller(monkeypatch):
    Controller.events = []
    Controller.errors = {}
    Controller.document = {'id': 'myorg:host_factory:provisioning/hosts', 'owner': 'myorg:user:admin',
                           'permissions': [], 'tokens': []}
    monkeypatch.setattr(plugin, 'ConjurClient', Controller)
    return Controller


class Decommissioned:
    """Stands in for hostfactory_host with state=absent on the node; records the calls and their check mode."""

    def __init__(self, act, enrolled=True):
        self.act = act
        self.enrolled = enrolled
        self.calls = []

    def __call__(self, module_name=None, module_args=None, task_vars=None):
        assert module_name == plugin.MODULE and module_args['state'] == 'absent'
        assert not set(LOGIN_OPTIONS) & set(module_args) and 'host_factory_token' not in module_args
        assert ADMIN_KEY not in json.dumps(module_args)
        check_mode = self.act._task.check_mode
        Controller.events.append(('module', check_mode))
        result = dict(changed=self.enrolled, unenrolled=self.enrolled, login='host/web-01', changed_files=[])
        if not check_mode:
            self.enrolled = False
        return result


ENROLLED = {'done': False, 'needs_token': False, 'warnings': [], 'unenroll': True, 'login': 'host/web-01'}
GONE = {'done': True, 'needs_token': False, 'warnings': [], 'unenroll': False, 'login': 'host/web-01',
        'result': dict(changed=False, unenrolled=False, login='host/web-01')}


def unenroller(verdict, check_mode=False, enrolled=True):
    act = action(verdict, None, check_mode=check_mode)
    act._execute_module = Decommissioned(act, enrolled)
    return act


def test_unenroll_invalidates_the_key_then_removes_the_files(store, controller):
    act = unenroller(ENROLLED)
    result = act.unenroll(validated(state='absent'), store, {})
    assert result['unenrolled'] is True and result['key_invalidated'] is True
    assert controller.events == [('login', 'admin'), ('rotate', 'host/web-01', None), ('module', False)]


def test_an_un_enrolled_machine_costs_the_probe_only(store, controller):
    act = unenroller(GONE, enrolled=False)
    result = act.unenroll(validated(state='absent'), store, {})
    assert result == dict(changed=False, unenrolled=False, login='host/web-01', key_invalidated=False)
    assert controller.events == []


def test_unenroll_in_check_mode_sends_nothing(store, controller):
    act = unenroller(ENROLLED, check_mode=True)
    result = act.unenroll(validated(state='absent'), store, {})
    assert result['key_invalidated'] is True and result['changed'] is True
    assert controller.events == [('module', True)]


def test_a_refused_invalidation_leaves_the_machine_alone(store, controller):
    controller.errors['rotate'] = ConjurError(
        "cannot invalidate the API key of host 'web-01': login 'admin' has no update privilege on host 'web-01' "
        "(HTTP 403)", status=403)
    act = unenroller(ENROLLED)
    with pytest.raises(EnrollmentError) as caught:
        act.unenroll(validated(state='absent'), store, {})
    assert str(caught.value) == ("host/web-01 stays enrolled, nothing was changed: cannot invalidate the API key of "
                                 "host 'web-01': login 'admin' has no update privilege on host 'web-01' (HTTP 403)")
    assert caught.value.fields == {'status': 403}
    assert ('module', False) not in controller.events


def test_unenroll_needs_credentials_before_anything(store, controller):
    act = unenroller(ENROLLED)
    with pytest.raises(plugin.ParameterError, match='missing Conjur credentials'):
        act.unenroll(validated(state='absent', login=None, api_key=None), store, {})
    act.probe.assert_not_called()
    assert controller.events == []


def test_without_a_probe_the_module_is_asked_in_check_mode_first(store, controller):
    act = unenroller(None)
    result = act.unenroll(validated(state='absent'), store, {})
    assert controller.events == [('module', True), ('login', 'admin'), ('rotate', 'host/web-01', None),
                                 ('module', False)]
    assert result['key_invalidated'] is True and act._task.check_mode is False
    gone = unenroller(None, enrolled=False)
    controller.events = []
    assert gone.unenroll(validated(state='absent'), store, {})['key_invalidated'] is False
    assert controller.events == [('module', True)]


def test_one_login_serves_every_host_of_the_run(store, controller):
    for host in ('web-01', 'web-02', 'web-03'):
        unenroller(dict(ENROLLED, login='host/' + host)).unenroll(validated(state='absent', id=host), store, {})
    logins = [event for event in controller.events if event[0] == 'login']
    rotations = [event for event in controller.events if event[0] == 'rotate']
    assert logins == [('login', 'admin')]
    key = TokenStore.purpose_key('session', URL, 'myorg', 'admin')
    assert rotations == [('rotate', 'host/web-01', None), ('rotate', 'host/web-02', store.access_token_file(key)),
                         ('rotate', 'host/web-03', store.access_token_file(key))]


def test_a_failed_login_is_tried_once_per_run(store, controller):
    controller.errors['login'] = ConjurError(
        "cannot authenticate to Conjur: authentication failed for login 'admin' (wrong api_key or unknown login) "
        "(HTTP 401)", status=401)
    for host in ('web-01', 'web-02'):
        with pytest.raises(EnrollmentError, match="^host/web-01 stays enrolled, nothing was changed: cannot "
                                                  "authenticate to Conjur: authentication failed"):
            unenroller(ENROLLED).unenroll(validated(state='absent', id=host), store, {})
    assert [event for event in controller.events if event[0] == 'login'] == [('login', 'admin')]


def test_preflight_logs_in_and_reads_the_host_factory_once_per_run(store, controller):
    for host in ('web-01', 'web-02'):
        assert action(None, Node()).preflight(validated(id=host, preflight=True), store) == []
    assert controller.events == [('login', 'admin'), ('read', 'provisioning/hosts')]


def test_preflight_failure_fails_every_host_with_one_line(store, controller):
    controller.errors['read'] = ConjurError(
        "cannot read host factory: host factory 'myorg:host_factory:provisioning/hosts' not found in account 'myorg' "
        "(or not visible to login 'admin') (HTTP 404)", status=404)
    for _host in ('web-01', 'web-02'):
        with pytest.raises(StoreError, match=r"^preflight failed: cannot read host factory: host factory "
                                             r"'myorg:host_factory:provisioning/hosts' not found"):
            action(None, Node()).preflight(validated(preflight=True), store)
    assert controller.events == [('login', 'admin'), ('read', 'provisioning/hosts')]


def test_preflight_warns_when_the_privileges_do_not_show(store, controller):
    controller.document = dict(controller.document, permissions=[{'privilege': 'read', 'role': 'myorg:user:alice'},
                                                                 {'privilege': 'execute', 'role': 'myorg:user:alice'}])
    warnings = action(None, Node()).preflight(validated(login='alice', preflight=True), store)
    assert warnings == ["preflight: host factory 'myorg:host_factory:provisioning/hosts' does not show login 'alice' "
                        "holding the update privilege (execute mints, update revokes); it is neither its owner nor "
                        "granted directly, and a grant through a group or layer does not show, so minting or "
                        "revoking may fail"]


def test_preflight_to_unenroll_only_logs_in_and_shares_the_login(store, controller):
    act = unenroller(ENROLLED)
    args = validated(state='absent', preflight=True)
    assert act.preflight(args, store) == []
    act.unenroll(args, store, {})
    assert [event[0] for event in controller.events] == ['login', 'rotate', 'module']


def test_preflight_without_credentials_says_so(store, controller):
    with pytest.raises(StoreError, match='^preflight failed: missing Conjur credentials'):
        action(None, Node()).preflight(validated(login=None, api_key=None, token=HF_TOKEN, preflight=True), store)
    assert controller.events == []


@pytest.mark.parametrize('login, document, expected', [
    (None, {'owner': 'x', 'permissions': []}, 0),            # an access token file: the login is unknown
    ('admin', {'owner': 'myorg:user:admin', 'permissions': []}, 0),
    ('host/ci', {'owner': 'x', 'permissions': [{'privilege': p, 'role': 'myorg:host:ci'}
                                               for p in ('execute', 'update')]}, 0),
    ('host/ci', {'owner': 'x', 'permissions': []}, 1),
    ('admin', {'id': 'v4', 'tokens': []}, 0),                   # the v4 API shows no permissions
])
def test_privilege_warnings(login, document, expected):
    connection = plugin.ConjurConnection(URL, 'myorg', login=login)
    assert len(plugin.privilege_warnings(connection, dict(document, id='myorg:host_factory:hf'))) == expected


@pytest.mark.parametrize('state, work', [('present', 'enroll'), ('absent', 'unenroll')])
def test_run_proves_the_credentials_first_and_keeps_the_preflight_warnings(state, work, tmp_path, monkeypatch):
    monkeypatch.setattr(plugin, 'default_store_dir', lambda: str(tmp_path / 'store'))
    task = MagicMock()
    task.check_mode = False
    task.async_val = 0
    task.args = dict(appliance_url=URL, account='myorg', login='admin', api_key=ADMIN_KEY, id='web-01',
                     host_factory='provisioning/hosts', state=state, preflight=True)
    connection = MagicMock()
    connection._shell.tmpdir = None
    act = plugin.ActionModule(task, connection, MagicMock(), MagicMock(), MagicMock(), MagicMock())
    calls = []
    act.preflight = lambda args, store: calls.append('preflight') or ['from the preflight']
    setattr(act, work, lambda args, store, task_vars: calls.append(work) or dict(changed=False, warnings=['own']))
    result = act.run(task_vars={})
    assert calls == ['preflight', work]
    assert result['warnings'] == ['own', 'from the preflight'] and not result.get('failed')


@pytest.mark.parametrize('token', ['', '  ', '\n'])
def test_a_token_set_but_empty_is_refused_before_anything(store, token):
    node = Node()
    act = action(MISSING, node)
    with pytest.raises(plugin.ParameterError, match='^token is set but empty'):
        act.enroll(validated(token=token), store, {})
    assert node.calls == [] and act.mints == [] and not act.probe.called


def test_an_unset_token_mints():
    plugin.check_token(None)


def task_action(**args):
    task = MagicMock()
    task.check_mode = False
    task.async_val = 0
    task.args = dict(dict(appliance_url=URL, account='myorg', id='web-01'), **args)
    connection = MagicMock()
    connection._shell.tmpdir = None
    return plugin.ActionModule(task, connection, MagicMock(), MagicMock(), MagicMock(), MagicMock())


def test_failures_name_the_options_as_the_caller_does():
    names = {'token': 'host_identity_token', 'api_version': 'host_identity_api_version'}
    result = task_action(token='', option_names=names).run(task_vars={})
    assert result['failed'] and result['msg'].startswith('host_identity_token is set but empty')
    result = task_action(api_version=3, option_names=names).run(task_vars={})
    assert result['failed'] and 'host_identity_api_version' in result['msg']
    assert plugin.rename_result({'msg': 'set rotate: true', 'warnings': ['rotate: true'], 'exception': 'set rotate'},
                                {'rotate': 'r_v'}) == {'msg': 'set r_v: true', 'warnings': ['r_v: true']}
    untouched = {'msg': 'connection refused', 'exception': 'Traceback ...'}
    assert plugin.rename_result(dict(untouched), {'rotate': 'r_v'}) == untouched


def test_a_relative_ca_path_is_found_like_src_and_an_unknown_one_kept(tmp_path):
    act = task_action()
    found = str(tmp_path / 'files' / 'ca.pem')
    act._find_needle = MagicMock(return_value=found)
    assert act.controller_file('files/ca.pem') == found
    act._find_needle.assert_called_once_with('files', 'files/ca.pem')
    act._find_needle = MagicMock(side_effect=plugin.AnsibleError('not found'))
    assert act.controller_file('files/absent.pem') == 'files/absent.pem'


def test_a_host_id_shared_with_other_machines_is_refused_before_any_probe_or_mint(tmp_path, monkeypatch):
    monkeypatch.setattr(plugin, 'default_store_dir', lambda: str(tmp_path / 'store'))
    result, act, node = run_task(id=' web-01', shared_with=['web-01', 'web-01-clone'],
                                 option_names={'id': 'host_identity_host_id'})
    assert result['failed'] is True
    assert result['msg'] == ("host_identity_host_id 'web-01' is used by web-01 and web-01-clone: every machine needs "
                             "its own host id (enrolling one would rotate the key of the other), so this machine was "
                             "not enrolled")
    act.probe.assert_not_called()
    act.mint.assert_not_called()
    assert node.calls == []
    result, _act, node = run_task(shared_with=[], token=HF_TOKEN)
    assert result.get('failed') is not True and len(node.calls) == 1


ROLE_NAMES = {'appliance_url': 'host_identity_appliance_url', 'account': 'host_identity_account',
              'id': 'host_identity_host_id'}


class PlayKeys:
    """Stands in for plugin_utils/_play_host_ids.host_keys (tested against ansible-core there): records its calls."""

    def __init__(self, keys):
        self.keys, self.calls = keys, []

    def __call__(self, task, task_vars, templar, hosts, names):
        self.calls.append(list(hosts))
        assert names == ROLE_NAMES
        return dict((host, self.keys.get(host)) for host in hosts)


def batch_vars(host, batch):
    return {'inventory_hostname': host, 'ansible_play_batch': batch}


def test_unique_in_play_finds_the_ids_once_per_batch_and_refuses_shared_ones_first(tmp_path, monkeypatch):
    monkeypatch.setattr(plugin, 'default_store_dir', lambda: str(tmp_path / 'store'))
    keys = PlayKeys({'web-01': 'u a web-01', 'web-02': 'u a web-01', 'web-03': 'u a web-03', 'web-04': 'u a web-01'})
    monkeypatch.setattr(plugin, 'host_keys', keys)
    batch = ['web-01', 'web-02', 'web-03']
    result, act, node = run_task(batch_vars('web-02', batch), id='web-01', unique_in_play=True,
                                 option_names=ROLE_NAMES)
    assert result['failed'] is True
    assert result['msg'].startswith("host_identity_host_id 'web-01' is used by web-01 and web-02: ")
    act.probe.assert_not_called()
    act.mint.assert_not_called()
    assert node.calls == []
    result, _act, node = run_task(batch_vars('web-03', batch), id='web-03', unique_in_play=True,
                                  option_names=ROLE_NAMES, token=HF_TOKEN)
    assert result.get('failed') is not True and len(node.calls) == 1
    assert keys.calls == [batch]  # once for the whole batch, not once per machine
    # the next batch (serial) is compared with the machines of the batches before it
    result, _act, node = run_task(batch_vars('web-04', ['web-04']), id='web-01', unique_in_play=True,
                                  option_names=ROLE_NAMES, token=HF_TOKEN)
    assert result['msg'].startswith("host_identity_host_id 'web-01' is used by web-01 and web-02 and web-04: ")
    assert node.calls == [] and keys.calls == [batch, ['web-04']]


def test_unique_in_play_needs_the_names_of_the_variables(tmp_path, monkeypatch):
    monkeypatch.setattr(plugin, 'default_store_dir', lambda: str(tmp_path / 'store'))
    monkeypatch.setattr(plugin, 'host_keys', PlayKeys({}))
    result, act, node = run_task(batch_vars('web-01', ['web-01']), unique_in_play=True,
                                 option_names={'id': 'host_identity_host_id'})
    assert result['failed'] is True
    assert result['msg'] == 'unique_in_play needs option_names to name the variables of appliance_url, account, id'
    act.probe.assert_not_called()
    assert node.calls == []
