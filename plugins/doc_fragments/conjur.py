# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Connection options, mirrored by conjur_argument_spec() in plugins/module_utils/_conjur.py (the transport
    # options validate_certs, timeout and retries are in the hostfactory.enrollment.transport fragment). The order
    # in which settings are resolved is implemented once, by ConjurConnection.resolve() in _conjur_settings.py.
    DOCUMENTATION = r"""
notes:
  - "Every Conjur connection setting is resolved in the same order, wherever the module runs: the option, then its
    environment variable (E(CONJUR_APPLIANCE_URL), E(CONJUR_ACCOUNT), E(CONJUR_VERSION), E(CONJUR_CONFIG_FILE),
    E(CONJUR_AUTHN_LOGIN), E(CONJUR_AUTHN_API_KEY), E(CONJUR_AUTHN_TOKEN_FILE)), then the key of the
    configuration file O(config_file), then the default. The CA counts as one setting: O(ca_path) or O(ca_content),
    then E(CONJUR_CERT_CONTENT), then E(CONJUR_CERT_FILE), then C(cert_file) of O(config_file), then the system
    trust store."
options:
  appliance_url:
    description:
      - URL of the Conjur API, for example V(https://conjur.example.com). Every request goes to a path under it, so
        it may have a path prefix, for example V(https://edge.example.com:8443/api) for Conjur Edge.
      - For Conjur Cloud, V(https://<tenant>.secretsmgr.cyberark.cloud) (or C(<tenant>-secretsmanager.cyberark.cloud),
        and the integration and test tenants the official clients know) gets V(/api) appended when it has no path,
        as the official Go client and CLI do. The API version must then be V(5).
      - For O(api_version=4) it is the URL of the v4 API, which conventionally ends in V(/api) already; nothing is
        appended.
      - A trailing slash is removed, so that the netrc machine of the identity file is exactly C(<appliance_url>/authn)
        (with the prefix, V(https://edge.example.com:8443/api/authn)), as the official clients write and read it.
      - V(http://) URLs are accepted with a warning; other schemes are rejected, and so is a URL with a user name or
        password in it (C(https://user:password@host)), which would end up in the world-readable Conjur configuration
        file.
      - If not set, the environment variable E(CONJUR_APPLIANCE_URL) is used, then C(appliance_url) in O(config_file).
      - One of these sources is required.
    type: str
  account:
    description:
      - Conjur organization account, for example V(myorg).
      - If not set, the environment variable E(CONJUR_ACCOUNT) is used, then C(account) in O(config_file), and for a
        Conjur Cloud O(appliance_url) V(conjur).
      - One of these sources is required for other appliances.
    type: str
  ca_path:
    description:
      - Path of a PEM file with the CA certificate(s) used to verify the server certificate.
      - If neither O(ca_path) nor O(ca_content) is set, the environment variable E(CONJUR_CERT_CONTENT) is used,
        then E(CONJUR_CERT_FILE), then C(cert_file) in O(config_file), and otherwise the system trust store. An
        explicit option always wins over these variables.
      - Mutually exclusive with O(ca_content).
    type: path
  ca_content:
    description:
      - PEM text of the CA certificate(s) used to verify the server certificate, instead of a file.
      - If not set, the environment variable E(CONJUR_CERT_CONTENT) is used.
      - Mutually exclusive with O(ca_path).
    type: str
  api_version:
    description:
      - Major version of the Conjur API. V(5) is Conjur Open Source, Secrets Manager and Enterprise 5+; V(4) is the
        legacy Conjur 4 API.
      - If not set, the environment variable E(CONJUR_VERSION) is used, then C(version) in O(config_file), and
        otherwise V(5).
    type: int
    choices: [4, 5]
  config_file:
    description:
      - Conjur configuration file (YAML) with the keys C(appliance_url), C(account), C(cert_file) and C(version).
      - It is read only when it exists and only for settings not given as options or environment variables.
      - If not set, the environment variable E(CONJUR_CONFIG_FILE) is used, and otherwise V(/etc/conjur.conf).
    type: path
"""

    # Credentials to authenticate to Conjur (conjur_argument_spec(with_login=True)).
    LOGIN = r"""
options:
  login:
    description:
      - Login to authenticate with, for example V(admin) or V(host/ansible/controller).
      - If not set, the environment variable E(CONJUR_AUTHN_LOGIN) is used.
      - Required with O(api_key).
      - The credential options go wherever the task runs. Run tasks that use them on the controller
        (C(delegate_to) V(localhost)), never on the machines you enroll.
      - Every module of the C(group/hostfactory.enrollment.conjur) action group accepts the credential options, so
        C(module_defaults) can set them for the group. M(hostfactory.enrollment.hostfactory_host) does not use them,
        and its action drops them on the controller, so they never reach the machine.
    type: str
  api_key:
    description:
      - API key of O(login).
      - If not set, the environment variable E(CONJUR_AUTHN_API_KEY) is used.
      - Surrounding white space (a trailing newline from a file lookup or C(echo)) is removed; a value that still
        holds white space or a control character is refused before any request, with a message that names the
        option and never shows the value.
      - Either O(login) and O(api_key), or O(authn_token_file), is required.
      - Keep it out of C(environment:) keywords and command lines, which are printed at C(-vvv).
    type: str
  authn_token_file:
    description:
      - Path of a file holding a Conjur access token (the raw JSON token, as written by Conjur authenticators), used
        instead of O(login) and O(api_key).
      - If the server rejects the token (for example because it expired) and O(login) and O(api_key) are also set,
        the module authenticates with those once and goes on.
      - If not set, the environment variable E(CONJUR_AUTHN_TOKEN_FILE) is used.
    type: path
"""
