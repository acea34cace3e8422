# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every no_log option of every module: a value with a control character or white space inside is refused before any
request, with a one-line message that names the option and holds the value in no spelling.

The options are read from each module's own argument spec, so a secret option added later is covered too.
"""

from __future__ import annotations

import json

import pytest

from ansible.module_utils import basic

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _http
from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import secret_options, spellings
from ansible_collections.hostfactory.enrollment.plugins.modules import (
    agent_config,
    agent_entity,
    agent_token,
    agent_token_info,
    hostfactory_host,
    hostfactory_token,
    hostfactory_token_info,
)
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_args import patch_module_args

GOOD = '1tq3kbm2y1nfkq3z0hxaed5s0wq2ke8v3gq2wjyz6ar1rvqv2mwhgt'
# A value for each refused case; the halves are checked too (a message must not quote a part of it either).
BAD = {'NUL': GOOD[:20] + '\x00' + GOOD[20:], 'space': GOOD[:20] + ' ' + GOOD[20:],
       'line break': GOOD[:20] + '\r\n' + GOOD[20:], 'NBSP': GOOD[:20] + '\u00a0' + GOOD[20:]}
CONJUR = dict(appliance_url='https://127.0.0.1:9', account='myorg', config_file='/nonexistent/conjur.conf')
RACKSPACE = dict(username='rackuser', api_key=GOOD, identity_url='https://127.0.0.1:9/v2.0')
# Options that exclude others: what to drop and add when the option is the one under test.
SWAPS = {
    ('agent_token', 'password'): ({'api_key'}, {}), ('agent_token_info', 'password'): ({'api_key'}, {}),
    ('agent_token', 'auth_token'): ({'api_key', 'username'}, {'tenant_id': '123456'}),
    ('agent_token_info', 'auth_token'): ({'api_key', 'username'}, {'tenant_id': '123456'}),
    ('agent_entity', 'password'): ({'api_key'}, {}),
    ('agent_entity', 'auth_token'): ({'api_key', 'username'}, {'tenant_id': '123456'}),
}


def module_args(tmp_path):
    return {
        'hostfactory_host': (hostfactory_host, dict(CONJUR, id='web-01', identity_file=str(tmp_path / 'identity'))),
        'hostfactory_token': (hostfactory_token, dict(CONJUR, login='admin', api_key=GOOD, host_factory='hf',
                                                      duration='10m')),
        'agent_token': (agent_token, dict(RACKSPACE, label='web-01')),
        'agent_token_info': (agent_token_info, dict(RACKSPACE)),
        'agent_config': (agent_config, dict(path=str(tmp_path / 'agent.cfg'), token=GOOD)),
        'agent_entity': (agent_entity, dict(RACKSPACE, agent_id='web-01')),
        'hostfactory_token_info': (hostfactory_token_info, dict(CONJUR, login='admin', api_key=GOOD,
                                                                host_factory='hf')),
    }


@pytest.fixture
def specs(monkeypatch):
    """The argument spec of every AnsibleModule built, by module name."""
    seen = []
    real = basic.AnsibleModule.__init__

    def init(self, *args, **kwargs):
        real(self, *args, **kwargs)
        seen.append(self.argument_spec)
    monkeypatch.setattr(basic.AnsibleModule, '__init__', init)
    return seen


@pytest.fixture
def requests(monkeypatch):
    sent = []

    def attempt(self, method, url, data, headers):
        sent.append((method, url))
        raise _http.ConnectionFailure('no network in this test', url=url, transient=False)
    monkeypatch.setattr(_http.HttpClient, '_attempt', attempt)
    return sent


def run(capfd, module, args):
    args = dict(args, _ansible_remote_tmp='/tmp', _ansible_keep_remote_files=False)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    out, _err = capfd.readouterr()
    return json.loads(out), out


def secret_cases(tmp_path, capfd, specs):
    """(module name, module, base args, option) for every no_log option, read from the module's spec."""
    cases = []
    for name, (module, args) in module_args(tmp_path).items():
        run(capfd, module, dict(args, _ansible_check_mode=True))
        cases.extend((name, module, args, option) for option in secret_options(specs[-1]))
    return cases


def test_every_secret_option_is_known(tmp_path, capfd, specs, requests):
    found = set((name, option) for name, _module, _args, option in secret_cases(tmp_path, capfd, specs))
    # hostfactory_host: host_factory_token, and the login options it accepts for module_defaults
    assert found >= {('hostfactory_host', 'host_factory_token'), ('hostfactory_host', 'api_key'),
                     ('hostfactory_token', 'api_key'), ('hostfactory_token', 'token'),
                     ('hostfactory_token', 'tokens'), ('agent_token', 'api_key'), ('agent_token', 'password'),
                     ('agent_token', 'auth_token'), ('agent_token', 'id'), ('agent_token_info', 'auth_token'),
                     ('agent_config', 'token'), ('agent_entity', 'api_key'), ('agent_entity', 'auth_token'),
                     ('hostfactory_token_info', 'api_key')}


@pytest.mark.parametrize('kind', sorted(BAD))
def test_a_secret_with_white_space_or_a_control_character_inside_is_refused_before_any_request(
        tmp_path, capfd, specs, requests, kind):
    bad = BAD[kind]
    for name, module, args, option in secret_cases(tmp_path, capfd, specs):
        drop, add = SWAPS.get((name, option), (set(), {}))
        case = dict((k, v) for k, v in args.items() if k not in drop)
        case.update(add)
        case[option] = [bad] if option == 'tokens' else bad
        del requests[:]
        result, out = run(capfd, module, case)
        what = '%s %s (%s)' % (name, option, kind)
        assert result.get('failed'), what
        expected = '%s holds white space or a control character' % ('tokens[0]' if option == 'tokens' else option)
        assert result['msg'].startswith(expected), (what, result['msg'])
        assert requests == [], what
        for form in spellings(bad) | spellings(bad[:20]) | spellings(bad[21:].strip()):
            assert form not in out, (what, form)
        assert not (tmp_path / 'identity').exists() and not (tmp_path / 'agent.cfg').exists()
