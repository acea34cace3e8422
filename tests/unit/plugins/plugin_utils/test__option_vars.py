# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.module_utils.common.text.converters import to_text
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible.template import Templar

from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import ParameterError
from ansible_collections.hostfactory.enrollment.plugins.plugin_utils._option_vars import options_from_vars

try:  # ansible-core >= 2.19 templates only strings trusted as templates (as variables files are)
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 templates every string
    def trust_as_template(value):
        return value

try:  # ansible-core >= 2.19: the vault secrets templates decrypt with
    from ansible.parsing.vault import VaultSecretsContext
except ImportError:  # ansible-core < 2.19
    VaultSecretsContext = None

OMIT = '__omit_place_holder__0123456789abcdef'
API_KEY = '1tq3kbm2y1nfkq3z0hxaed5s0wq2ke8v3gq2wjyz6ar1rvqv2mwhgt'


def task_vars(**variables):
    """Variables as a worker has them: strings trusted as templates, and the play's omit token."""
    trusted = dict((name, trust_as_template(value) if isinstance(value, str) else value)
                   for name, value in variables.items())
    return dict(trusted, omit=OMIT, base_url='https://conjur.example.com', account_name='myorg')


def read(variables, modes, secret=(), loader=None):
    names = dict((option, 'v_' + option) for option in modes)
    return options_from_vars(Templar(loader=loader or DataLoader(), variables=variables), variables, modes, names,
                             secret=secret)


def test_values_are_templated_for_the_machine():
    variables = task_vars(v_appliance_url='{{ base_url }}', v_account='{{ account_name }}', v_id='web-01',
                          v_validate_certs=False, v_annotations={'team': 'web'}, v_api_version=5)
    modes = dict(appliance_url='unless_empty', account='unless_empty', id='as_is', validate_certs='as_is',
                 annotations='as_is', api_version='as_is')
    assert read(variables, modes) == dict(appliance_url='https://conjur.example.com', account='myorg', id='web-01',
                                          validate_certs=False, annotations={'team': 'web'}, api_version=5)


@pytest.mark.parametrize('value', ['', None, False, [], {}])
def test_unless_empty_leaves_an_empty_variable_unset(value):
    assert read(task_vars(v_ca_path=value), dict(ca_path='unless_empty')) == {}


@pytest.mark.parametrize('value', ['', None, False, []])
def test_as_is_passes_an_empty_value_for_the_validation_to_judge(value):
    # an empty token must be refused, not taken for "mint one"
    assert read(task_vars(v_token=value), dict(token='as_is')) == dict(token=value)


def test_an_undefined_variable_leaves_its_option_unset():
    assert read(task_vars(), dict(token='as_is', ca_path='unless_empty')) == {}


def test_omit_leaves_the_option_unset():
    variables = task_vars(v_owner='{{ omit }}', v_group='{{ omit }}')
    assert read(variables, dict(owner='as_is', group='unless_empty')) == {}


def test_a_variable_that_cannot_be_templated_is_named():
    with pytest.raises(ParameterError, match=r"^v_appliance_url cannot be templated: .*no_such_variable"):
        read(task_vars(v_appliance_url='{{ no_such_variable }}'), dict(appliance_url='unless_empty'))


def test_a_secret_variable_that_cannot_be_templated_is_named_without_the_error():
    variables = task_vars(v_api_key='%s{{ no_such_variable }}' % API_KEY)
    with pytest.raises(ParameterError) as info:
        read(variables, dict(api_key='unless_empty'), secret=('api_key',))
    assert str(info.value) == 'v_api_key cannot be templated'


@pytest.mark.parametrize('modes, names, message', [
    (dict(id='as_is'), {}, 'options_from_vars: option id has no variable in option_names'),
    (dict(id='as_is'), {'id': ''}, 'options_from_vars: option id has no variable in option_names'),
    (dict(id='always'), None, "options_from_vars: the mode of option id is 'always', not one of as_is, unless_empty"),
])
def test_a_bad_mapping_is_refused(modes, names, message):
    variables = task_vars(v_id='web-01')
    names = dict((option, 'v_' + option) for option in modes) if names is None else names
    with pytest.raises(ParameterError) as info:
        options_from_vars(Templar(loader=DataLoader(), variables=variables), variables, modes, names)
    assert str(info.value) == message


def test_a_vaulted_variable_gives_its_plain_value(tmp_path, monkeypatch):
    # role variables in a vault-encrypted vars file, as the user guide suggests for the minting API key
    secrets = [('default', VaultSecret(b'vault password'))]
    encrypted = to_text(VaultLib(secrets).encrypt(API_KEY))
    indented = '\n'.join('  ' + line for line in encrypted.splitlines())
    (tmp_path / 'vars.yml').write_text('v_api_key: !vault |\n%s\n' % indented)
    loader = DataLoader()
    loader.set_vault_secrets(secrets)
    if VaultSecretsContext is not None:  # what ansible-playbook sets up once, for templates to decrypt with
        monkeypatch.setattr(VaultSecretsContext, '_current', VaultSecretsContext(secrets))
    variables = dict(loader.load_from_file(str(tmp_path / 'vars.yml')), omit=OMIT)
    options = read(variables, dict(api_key='unless_empty'), secret=('api_key',), loader=loader)
    assert options == dict(api_key=API_KEY) and isinstance(options['api_key'], str)  # not an encrypted object
