# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _conjur_settings: the one resolution of the connection settings (option > environment > conf file)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import ParameterError
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import (
    ConjurConfigError,
    is_cloud_url,
    normalize_appliance_url,
    parse_conf,
    read_conf,
)
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.bounded_call import bounded
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.conjur_fake import (
    ALL_ENV,
    API_KEY,
    BASE,
    resolve,
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)


# -- settings resolution ------------------------------------------------------------------------------------------

def test_explicit_option_beats_environment_which_beats_conf_file(monkeypatch, tmp_path):
    conf = tmp_path / 'conjur.conf'
    conf.write_text('account: from-conf\nappliance_url: https://conf.example.com/\ncert_file: /etc/conf.pem\n'
                    'version: 4\n')
    monkeypatch.setenv('CONJUR_CONFIG_FILE', str(conf))
    monkeypatch.setenv('CONJUR_APPLIANCE_URL', 'https://env.example.com')
    monkeypatch.setenv('CONJUR_AUTHN_LOGIN', 'host/from-env')
    monkeypatch.setenv('CONJUR_AUTHN_API_KEY', API_KEY)

    conn = resolve({'account': 'explicit'})
    assert conn.appliance_url == 'https://env.example.com'
    assert conn.account == 'explicit'
    assert conn.login == 'host/from-env'
    assert conn.api_key == API_KEY
    assert conn.ca_path == '/etc/conf.pem'
    assert conn.api_version == 4

    conn = resolve({'appliance_url': 'https://explicit.example.com', 'api_version': 5})
    assert conn.appliance_url == 'https://explicit.example.com'
    assert conn.account == 'from-conf'
    assert conn.api_version == 5

    monkeypatch.delenv('CONJUR_APPLIANCE_URL')
    conn = resolve({})
    assert conn.appliance_url == 'https://conf.example.com'  # trailing slash stripped


def test_conf_cert_file_is_not_used_when_ca_content_is_given(tmp_path):
    conf = tmp_path / 'conjur.conf'
    conf.write_text('cert_file: /etc/conf.pem\n')
    conn = resolve(dict(BASE, config_file=str(conf), ca_content='PEM'))
    assert conn.ca_path is None and conn.ca_content == 'PEM'


def test_env_for_version_cert_and_token_file(monkeypatch):
    monkeypatch.setenv('CONJUR_VERSION', '4')
    monkeypatch.setenv('CONJUR_CERT_CONTENT', 'PEM')
    monkeypatch.setenv('CONJUR_AUTHN_TOKEN_FILE', '/run/conjur/access-token')
    conn = resolve({'appliance_url': 'https://c/api', 'account': 'a', 'config_file': '/nonexistent'})
    assert (conn.api_version, conn.ca_content, conn.authn_token_file) == (4, 'PEM', '/run/conjur/access-token')


@pytest.mark.parametrize('option, value', [('ca_content', 'PEM'), ('ca_path', '/etc/explicit.pem')])
def test_explicit_ca_option_beats_both_cert_environment_variables(monkeypatch, option, value):
    # An environment variable must not turn an explicit option into a "mutually exclusive" failure.
    monkeypatch.setenv('CONJUR_CERT_FILE', '/etc/env.pem')
    monkeypatch.setenv('CONJUR_CERT_CONTENT', 'ENV PEM')
    conn = resolve(dict(BASE, **{option: value}))
    assert (conn.ca_path, conn.ca_content) == ((value, None) if option == 'ca_path' else (None, value))


def test_cert_environment_variables_content_first_then_file_then_conf(monkeypatch, tmp_path):
    conf = tmp_path / 'conjur.conf'
    conf.write_text('cert_file: /etc/conf.pem\n')
    args = dict(BASE, config_file=str(conf))
    assert resolve(args).ca_path == '/etc/conf.pem'
    monkeypatch.setenv('CONJUR_CERT_FILE', '/etc/env.pem')
    assert (resolve(args).ca_path, resolve(args).ca_content) == ('/etc/env.pem', None)
    monkeypatch.setenv('CONJUR_CERT_CONTENT', 'ENV PEM')
    assert (resolve(args).ca_path, resolve(args).ca_content) == (None, 'ENV PEM')


def test_defaults_without_conf_file():
    conn = resolve(BASE)
    assert conn.api_version == 5
    assert conn.validate_certs is True
    assert (conn.timeout, conn.retries) == (30, 3)
    assert conn.netrc_machine == 'https://conjur.example.com/authn'


@pytest.mark.parametrize('missing, env', [('appliance_url', 'CONJUR_APPLIANCE_URL'), ('account', 'CONJUR_ACCOUNT')])
def test_missing_setting_names_option_and_env(missing, env):
    args = dict(BASE)
    del args[missing]
    with pytest.raises(ConjurConfigError) as info:
        resolve(args)
    assert missing in str(info.value) and env in str(info.value)


def test_missing_credentials():
    args = {k: v for k, v in BASE.items() if k not in ('login', 'api_key')}
    with pytest.raises(ConjurConfigError) as info:
        resolve(args)
    assert 'CONJUR_AUTHN_LOGIN' in str(info.value) and 'authn_token_file' in str(info.value)
    with pytest.raises(ConjurConfigError) as info:
        resolve(dict(args, api_key=API_KEY))
    assert 'login' in str(info.value) and API_KEY not in str(info.value)
    assert resolve(dict(args, authn_token_file='/tmp/token')).authn_token_file == '/tmp/token'
    assert resolve(args, login_required=False).login is None


def test_appliance_url_schemes():
    warnings = []
    assert normalize_appliance_url('http://conjur:8080//', warnings.append) == 'http://conjur:8080'
    assert len(warnings) == 1 and 'http://' in warnings[0]
    assert normalize_appliance_url('https://conjur/api/') == 'https://conjur/api'
    for bad in ('ftp://conjur', 'conjur.example.com', 'https://', 'https://c/?x=1'):
        with pytest.raises(ConjurConfigError):
            normalize_appliance_url(bad)


@pytest.mark.parametrize('url', ['https://admin:s3cr3t-pw0rd@conjur.example.com', 'https://s3cr3t-pw0rd@conjur',
                                 'ftp://admin:s3cr3t-pw0rd@conjur', 'admin:s3cr3t-pw0rd@conjur/x',
                                 'https://admin:s3cr3t-pw0rd@conjur/?q=1'])
def test_appliance_url_with_credentials_is_refused_without_showing_them(url):
    with pytest.raises(ConjurConfigError) as info:
        normalize_appliance_url(url)
    assert str(info.value).startswith('appliance_url must not hold a user name or password')
    assert 's3cr3t' not in str(info.value) and 'admin' not in str(info.value)


def test_an_at_sign_in_the_path_is_not_a_credential():
    assert normalize_appliance_url('https://conjur.example.com/team@org') == 'https://conjur.example.com/team@org'


def test_api_key_from_the_environment_is_cleaned(monkeypatch):
    monkeypatch.setenv('CONJUR_AUTHN_API_KEY', API_KEY + '\r\n')
    args = dict((k, v) for k, v in BASE.items() if k != 'api_key')
    assert resolve(args).api_key == API_KEY
    monkeypatch.setenv('CONJUR_AUTHN_API_KEY', API_KEY[:9] + ' ' + API_KEY[9:])
    with pytest.raises(ParameterError) as info:
        resolve(args)
    assert str(info.value).startswith('CONJUR_AUTHN_API_KEY holds white space or a control character')
    assert API_KEY[:9] not in str(info.value)


# -- Conjur Cloud and Edge -------------------------------------------------------------------------------------------

CLOUD_SUFFIXES = ('cyberark.cloud', 'integration-cyberark.cloud', 'test-cyberark.cloud', 'dev-cyberark.cloud',
                  'cyberark-everest-integdev.cloud', 'cyberark-everest-pre-prod.cloud', 'sandbox-cyberark.cloud',
                  'pt-cyberark.cloud')


@pytest.mark.parametrize('suffix', CLOUD_SUFFIXES)
@pytest.mark.parametrize('pattern', ['https://tenant.secretsmgr.%s', 'https://tenant-secretsmanager.%s',
                                     'https://eu.tenant.secretsmgr.%s', 'https://TENANT.SecretsMgr.%s:443/'])
def test_cloud_urls_are_recognised(pattern, suffix):
    assert is_cloud_url(pattern % suffix.upper() if 'TENANT' in pattern else pattern % suffix)


@pytest.mark.parametrize('url', [
    'http://tenant.secretsmgr.cyberark.cloud',  # https only, as the Go client
    'https://secretsmgr.cyberark.cloud',  # no tenant label
    'https://tenant.cyberark.cloud',
    'https://anything.integration-cyberark.cloud',
    'https://tenant.secretsmgrXcyberarkYcloud.com',
    'https://tenant.secretsmgr.cyberark.cloud.attacker.example.com',
    'https://conjur.example.com/tenant.secretsmgr.cyberark.cloud',
    'https://user@conjur.example.com#tenant.secretsmgr.cyberark.cloud',
    'https://conjur.example.com',
])
def test_other_urls_are_not_cloud(url):
    assert not is_cloud_url(url)


@pytest.mark.parametrize('given, expected', [
    ('https://tenant.secretsmgr.cyberark.cloud', 'https://tenant.secretsmgr.cyberark.cloud/api'),
    ('https://tenant.secretsmgr.cyberark.cloud/', 'https://tenant.secretsmgr.cyberark.cloud/api'),
    ('https://tenant.secretsmgr.cyberark.cloud/api/', 'https://tenant.secretsmgr.cyberark.cloud/api'),
    ('https://tenant-secretsmanager.cyberark.cloud:443', 'https://tenant-secretsmanager.cyberark.cloud:443/api'),
    ('https://tenant.secretsmgr.cyberark.cloud/custom', 'https://tenant.secretsmgr.cyberark.cloud/custom'),
    ('https://edge.example.com:8443/api/', 'https://edge.example.com:8443/api'),  # Edge: the prefix is given
    ('https://conjur.example.com', 'https://conjur.example.com'),
])
def test_cloud_urls_get_the_api_prefix_once(given, expected):
    assert normalize_appliance_url(given) == expected
    assert normalize_appliance_url(expected) == expected  # the node resolves the controller's URL to itself


def test_cloud_account_defaults_to_conjur_and_an_explicit_one_wins(monkeypatch, tmp_path):
    args = {k: v for k, v in BASE.items() if k != 'account'}
    conn = resolve(dict(args, appliance_url='https://tenant.secretsmgr.cyberark.cloud'))
    assert (conn.appliance_url, conn.account) == ('https://tenant.secretsmgr.cyberark.cloud/api', 'conjur')
    assert conn.netrc_machine == 'https://tenant.secretsmgr.cyberark.cloud/api/authn'
    assert conn.full_host_factory_id('data/hf') == 'conjur:host_factory:data/hf'
    assert resolve(dict(BASE, appliance_url='https://tenant.secretsmgr.cyberark.cloud')).account == 'myorg'
    monkeypatch.setenv('CONJUR_ACCOUNT', 'from-env')
    assert resolve(dict(args, appliance_url='https://tenant.secretsmgr.cyberark.cloud')).account == 'from-env'
    monkeypatch.delenv('CONJUR_ACCOUNT')
    conf = tmp_path / 'conjur.conf'
    conf.write_text('account: from-conf\n')
    conn = resolve(dict(args, appliance_url='https://tenant.secretsmgr.cyberark.cloud', config_file=str(conf)))
    assert conn.account == 'from-conf'
    with pytest.raises(ConjurConfigError, match="missing Conjur connection setting account"):
        resolve(dict(args, appliance_url='https://edge.example.com:8443/api'))  # Edge has no default account


def test_cloud_refuses_the_v4_api():
    with pytest.raises(ConjurConfigError) as info:
        resolve(dict(BASE, appliance_url='https://tenant.secretsmgr.cyberark.cloud', api_version=4))
    assert str(info.value) == ('api_version 4 cannot be used with https://tenant.secretsmgr.cyberark.cloud/api: '
                               'Conjur Cloud serves only the v5 API (set api_version: 5)')
    assert resolve(dict(BASE, appliance_url='https://conjur4.example.com/api', api_version=4)).appliance_url == (
        'https://conjur4.example.com/api')  # a v4 URL is used as given: no prefix is added


def test_use_proxy_is_a_transport_setting_kept_in_the_public_settings():
    assert resolve(BASE).use_proxy is True
    conn = resolve(dict(BASE, use_proxy=False))
    assert conn.use_proxy is False and conn.public()['use_proxy'] is False


def test_invalid_account_and_timeouts():
    with pytest.raises(ConjurConfigError):
        resolve(dict(BASE, account='my/org'))
    with pytest.raises(ConjurConfigError, match='timeout'):
        resolve(dict(BASE, timeout=0))
    with pytest.raises(ConjurConfigError, match='retries'):
        resolve(dict(BASE, retries=-1))


def test_invalid_version_in_conf(tmp_path):
    conf = tmp_path / 'c.conf'
    conf.write_text('version: three\n')
    with pytest.raises(ConjurConfigError, match='api_version must be 4 or 5'):
        resolve(dict(BASE, config_file=str(conf)))


def test_parse_conf_flat_yaml():
    text = ('---\n# comment\naccount: "myorg"\nappliance_url: https://c.example.com # trailing comment\n'
            "cert_file: '/etc/it''s.pem'\nnetrc_path: /etc/conjur.identity\nplugins: []\nnested:\n  - x\nversion: 4\n")
    assert parse_conf(text) == {'account': 'myorg', 'appliance_url': 'https://c.example.com',
                                'cert_file': "/etc/it's.pem", 'netrc_path': '/etc/conjur.identity',
                                'plugins': None, 'nested': None, 'version': '4'}


def test_read_conf_absent_and_unreadable(tmp_path):
    assert read_conf(str(tmp_path / 'absent.conf')) == {}
    with pytest.raises(ConjurConfigError, match='cannot be read'):
        read_conf(str(tmp_path))  # a directory


def test_read_conf_follows_a_link_but_refuses_a_fifo(tmp_path):
    real = tmp_path / 'real.conf'
    real.write_text('account: myorg\n')
    (tmp_path / 'link.conf').symlink_to(real)
    assert read_conf(str(tmp_path / 'link.conf')) == {'account': 'myorg'}
    os.mkfifo(str(tmp_path / 'fifo.conf'))
    with pytest.raises(ConjurConfigError) as err:
        bounded(read_conf, str(tmp_path / 'fifo.conf'))  # the open must not wait for a writer
    assert str(err.value) == ("config_file '%s' cannot be read: it is a FIFO, not a regular file"
                              % (tmp_path / 'fifo.conf'))


@pytest.mark.parametrize('given, expected', [
    ('provisioning/hosts', 'myorg:host_factory:provisioning/hosts'),
    ('host_factory:provisioning/hosts', 'myorg:host_factory:provisioning/hosts'),
    ('myorg:host_factory:provisioning/hosts', 'myorg:host_factory:provisioning/hosts'),
    ('other:host_factory:a', 'other:host_factory:a'),
])
def test_full_host_factory_id(given, expected):
    assert resolve(BASE).full_host_factory_id(given) == expected


@pytest.mark.parametrize('bad', ['', 'host_factory:', 'myorg:host_factory:'])
def test_invalid_host_factory_id(bad):
    with pytest.raises(ConjurConfigError):
        resolve(BASE).full_host_factory_id(bad)
