# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The one place that resolves the Conjur connection settings, on the node and on the controller.

Precedence, for every setting: the option, then its environment variable, then the key of the Conjur configuration
file (C(config_file)), then the default. The CA is one setting: C(ca_path)/C(ca_content) options, then
E(CONJUR_CERT_CONTENT), then E(CONJUR_CERT_FILE), then C(cert_file) of the configuration file. The doc fragment
C(hostfactory.enrollment.conjur) documents the same order.

Conjur Cloud (SaaS) is recognised by its host name, as the official Go client and CLI recognise it: an appliance URL
without a path gets C(/api) appended, and the account defaults to C(conjur).

Standard library only: the node probe resolves the settings exactly as the module does.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse

from ._errors import ParameterError
from ._files import FileError, read_input
from ._secrets import clean_secret
from ._transport import transport_settings

DEFAULT_CONFIG_FILE = '/etc/conjur.conf'
DEFAULT_API_VERSION = 5
CLOUD_ACCOUNT = 'conjur'
CLOUD_API_PATH = '/api'
# Host names of Conjur Cloud (Secrets Manager SaaS), production and CyberArk's own integration/test tenants: the
# pattern of the official Go client (conjur-api-go ConjurCloudRegexp), matched on the lowercased host name of an
# https:// URL only.
CLOUD_HOST = re.compile(r'(\.secretsmgr|-secretsmanager)(\.cyberark\.cloud|\.integration-cyberark\.cloud'
                        r'|\.test-cyberark\.cloud|\.dev-cyberark\.cloud|\.cyberark-everest-integdev\.cloud'
                        r'|\.cyberark-everest-pre-prod\.cloud|\.sandbox-cyberark\.cloud|\.pt-cyberark\.cloud)\Z')

ENV = {
    'appliance_url': 'CONJUR_APPLIANCE_URL',
    'account': 'CONJUR_ACCOUNT',
    'login': 'CONJUR_AUTHN_LOGIN',
    'api_key': 'CONJUR_AUTHN_API_KEY',
    'authn_token_file': 'CONJUR_AUTHN_TOKEN_FILE',
    'ca_path': 'CONJUR_CERT_FILE',
    'ca_content': 'CONJUR_CERT_CONTENT',
    'api_version': 'CONJUR_VERSION',
    'config_file': 'CONJUR_CONFIG_FILE',
}

# conf file key -> option name
CONF_KEYS = {
    'appliance_url': 'appliance_url',
    'account': 'account',
    'cert_file': 'ca_path',
    'version': 'api_version',
}

LOGIN_OPTIONS = ('login', 'api_key', 'authn_token_file')


class ConjurConfigError(ParameterError):
    """The connection settings are missing or invalid (no request was made)."""


def _missing(option, config_file=None):
    hint = "option %s or environment variable %s" % (option, ENV[option])
    conf_key = {v: k for k, v in CONF_KEYS.items()}.get(option)
    if conf_key and config_file:
        hint += " or '%s' in %s" % (conf_key, config_file)
    return ConjurConfigError('missing Conjur connection setting %s (set %s)' % (option, hint))


def _double_quoted(value):
    """The string of a YAML double-quoted scalar (JSON escapes), up to its closing quote."""
    escaped = False
    for index, char in enumerate(value[1:], 1):
        if char == '"' and not escaped:
            try:
                return json.loads(value[:index + 1])
            except ValueError:
                return value[1:index]
        escaped = char == '\\' and not escaped
    return value[1:]


def parse_conf(text):
    """Parse the flat C(key: value) YAML of /etc/conjur.conf without PyYAML. Nested or list values are skipped."""
    values = {}
    for raw in text.splitlines():
        if not raw.strip() or raw[0] in ' \t-#' or raw.startswith('---') or raw.startswith('...'):
            continue
        key, sep, value = raw.partition(':')
        if not sep or not key.strip():
            continue
        value = value.strip()
        if value[:1] == '"':
            value = _double_quoted(value)
        elif value[:1] == "'":
            value = re.match(r"'((?:[^']|'')*)", value).group(1).replace("''", "'")
        else:
            value = value.split(' #', 1)[0].strip()
            if value in ('', '~', 'null', 'Null', 'NULL', '[]', '{}'):
                value = None
        values[key.strip()] = value
    return values


def read_conf(path):
    """Read a Conjur conf file; an absent file yields {}. Unreadable files raise L(ConjurConfigError).

    It may be a symbolic link but must be a regular file (a FIFO would block the read).
    """
    if not path:
        return {}
    try:
        data = read_input(path, 'config_file', required=False)
        return parse_conf(data.decode('utf-8')) if data is not None else {}
    except FileError as exc:
        raise ConjurConfigError(str(exc))
    except UnicodeDecodeError as exc:
        raise ConjurConfigError("config_file '%s' cannot be read: %s" % (path, exc))


def is_cloud_url(url):
    """Whether C(url) is a Conjur Cloud appliance URL (an https:// URL whose host name is a Conjur Cloud one)."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower() == 'https' and bool(CLOUD_HOST.search((parts.hostname or '').lower()))


def normalize_appliance_url(url, warn=None):
    """Validate the scheme and strip trailing slashes (the netrc machine must be byte-identical).

    A Conjur Cloud URL without a path gets C(/api), where Conjur Cloud serves its API.
    """
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    if '@' in (parts.netloc or url.split('/', 1)[0]):
        # checked first, and the URL is never quoted: it would end up in the 0644 conf file and in messages
        raise ConjurConfigError('appliance_url must not hold a user name or password (user:password@host); give the '
                                'Conjur credentials in their own options (the URL is not shown)')
    if parts.scheme.lower() not in ('http', 'https') or not parts.netloc:
        raise ConjurConfigError("appliance_url must be an https:// URL such as https://conjur.example.com, got '%s'"
                                % url)
    if parts.query or parts.fragment:
        raise ConjurConfigError("appliance_url must not have a query string or fragment, got '%s'"
                                % urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, '', '')))
    if parts.scheme.lower() == 'http' and warn:
        warn('appliance_url %s uses http://: API keys and tokens travel unencrypted; use https://' % url.rstrip('/'))
    url = url.rstrip('/')
    if is_cloud_url(url) and not urllib.parse.urlsplit(url).path:
        url += CLOUD_API_PATH
    return url


def split_host_factory_id(host_factory, account):
    """Return (account, identifier) from C(id), C(host_factory:id) or C(account:host_factory:id)."""
    value = (host_factory or '').strip()
    parts = value.split(':', 2)
    if len(parts) == 3 and parts[1] == 'host_factory':
        hf_account, identifier = parts[0], parts[2]
    elif len(parts) >= 2 and parts[0] == 'host_factory':
        hf_account, identifier = account, value[len('host_factory:'):]
    else:
        hf_account, identifier = account, value
    if not identifier or not hf_account:
        raise ConjurConfigError("host_factory '%s' is not a valid host factory id (expected ID, host_factory:ID or "
                                "ACCOUNT:host_factory:ID)" % host_factory)
    return hf_account, identifier


def _api_version(value, config_file, appliance_url):
    try:
        value = int(DEFAULT_API_VERSION if value is None else value)
    except (TypeError, ValueError):
        value = None
    if value not in (4, 5):
        raise ConjurConfigError("api_version must be 4 or 5 (check %s and 'version' in %s)"
                                % (ENV['api_version'], config_file))
    if value == 4 and is_cloud_url(appliance_url):
        raise ConjurConfigError('api_version 4 cannot be used with %s: Conjur Cloud serves only the v5 API (set '
                                'api_version: 5)' % appliance_url)
    return value


def _credentials(login, api_key, token_file):
    if token_file:
        return
    if not login and not api_key:
        raise ConjurConfigError('missing Conjur credentials: set login and api_key (environment variables %s and %s) '
                                'or authn_token_file (%s)' % (ENV['login'], ENV['api_key'], ENV['authn_token_file']))
    if not login:
        raise _missing('login')
    if not api_key:
        raise _missing('api_key')


class ConjurConnection:
    """Resolved connection settings (see the module docstring for the precedence)."""

    def __init__(self, appliance_url, account, login=None, api_key=None, authn_token_file=None, ca_path=None,
                 ca_content=None, validate_certs=True, timeout=30, retries=3, api_version=DEFAULT_API_VERSION,
                 config_file=None, use_proxy=True):
        self.appliance_url = appliance_url
        self.account = account
        self.login = login
        self.api_key = api_key
        self.authn_token_file = authn_token_file
        self.ca_path = ca_path
        self.ca_content = ca_content
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.retries = retries
        self.api_version = api_version
        self.config_file = config_file
        self.use_proxy = use_proxy

    @classmethod
    def resolve(cls, params, environ=None, warn=None, credentials=False, use_config_file=True):
        """Resolve the settings from C(params) (module options), C(environ) and the configuration file.

        C(credentials=True) requires login and api_key, or authn_token_file (to mint and revoke); otherwise the
        login options are ignored. C(use_config_file=False) reads no configuration file (the controller's case).
        """
        environ = os.environ if environ is None else environ

        def given(option):
            value = params.get(option)
            if value is None or value == '':
                value = environ.get(ENV[option]) or None
                if option == 'api_key':  # the option itself is cleaned by the module or the action
                    value = clean_secret(value, ENV[option]) or None
            return value

        config_file = given('config_file') or DEFAULT_CONFIG_FILE if use_config_file else None
        conf_cache = []

        def conf(option):
            if not config_file:
                return None
            if not conf_cache:
                conf_cache.append(read_conf(config_file))
            for key, name in CONF_KEYS.items():
                if name == option and conf_cache[0].get(key) is not None:
                    return conf_cache[0][key]
            return None

        appliance_url = given('appliance_url') or conf('appliance_url')
        if not appliance_url:
            raise _missing('appliance_url', config_file)
        appliance_url = normalize_appliance_url(appliance_url, warn)

        account = given('account') or conf('account') or (CLOUD_ACCOUNT if is_cloud_url(appliance_url) else None)
        if not account:
            raise _missing('account', config_file)
        if '/' in account or ':' in account:
            raise ConjurConfigError("account '%s' must not contain '/' or ':'" % account)

        # The CA is one setting: an environment variable never competes with an explicit option.
        ca_path, ca_content = params.get('ca_path'), params.get('ca_content')
        if not ca_path and not ca_content:
            ca_content = environ.get(ENV['ca_content']) or None
            if not ca_content:
                ca_path = environ.get(ENV['ca_path']) or conf('ca_path')

        api_version = params.get('api_version')
        if api_version is None:
            api_version = environ.get(ENV['api_version']) or conf('api_version')
        api_version = _api_version(api_version, config_file, appliance_url)

        transport = transport_settings(params, ConjurConfigError)
        login = api_key = token_file = None
        if credentials:
            login, api_key, token_file = given('login'), given('api_key'), given('authn_token_file')
            _credentials(login, api_key, token_file)

        return cls(appliance_url, account, login=login, api_key=api_key, authn_token_file=token_file,
                   ca_path=ca_path, ca_content=ca_content, validate_certs=transport['validate_certs'],
                   timeout=transport['timeout'], retries=transport['retries'], api_version=api_version,
                   config_file=config_file, use_proxy=transport['use_proxy'])

    @property
    def netrc_machine(self):
        return self.appliance_url + '/authn'

    def split_host_factory_id(self, host_factory):
        return split_host_factory_id(host_factory, self.account)

    def full_host_factory_id(self, host_factory):
        return '%s:host_factory:%s' % self.split_host_factory_id(host_factory)

    def public(self):
        """The settings without credentials: what may be stored or sent to another process."""
        return dict(appliance_url=self.appliance_url, account=self.account, ca_path=self.ca_path,
                    ca_content=self.ca_content, validate_certs=self.validate_certs, timeout=self.timeout,
                    retries=self.retries, api_version=self.api_version, use_proxy=self.use_proxy)
