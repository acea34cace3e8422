# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A node in the layout the module writes (identity, conf and CA files), shared by the probe tests."""

from __future__ import annotations

import os

from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_files import normalize_pem, render_conf
from ansible_collections.hostfactory.enrollment.plugins.module_utils._netrc import render_entry

URL = 'https://conjur.example.com'
MACHINE = URL + '/authn'
API_KEY = '1vgw4jzdq9a2j33cj6tb2ht4rm52wn5tx3s8tph1e2hnf3cy1v9x3'
CA = '-----BEGIN CERTIFICATE-----\nMIIBprobe\n-----END CERTIFICATE-----\n'
ENV = ('CONJUR_APPLIANCE_URL', 'CONJUR_ACCOUNT', 'CONJUR_CERT_FILE', 'CONJUR_CERT_CONTENT', 'CONJUR_VERSION',
       'CONJUR_CONFIG_FILE', 'CONJUR_HOST_FACTORY_TOKEN')


def write(path, text, mode=0o600):
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.chmod(path, mode)


def make_node(tmp_path):
    """A node in the module's layout: identity, conf and CA file, all as the module writes them; and the arguments
    the action plugin would send for it."""
    paths = dict((name, str(tmp_path / name)) for name in ('conjur.identity', 'conjur.conf', 'conjur.pem'))
    write(paths['conjur.identity'], render_entry(MACHINE, 'host/web-01', API_KEY) + '\n')
    write(paths['conjur.conf'], render_conf('myorg', URL, paths['conjur.identity'], cert_file=paths['conjur.pem']),
          0o644)
    write(paths['conjur.pem'], normalize_pem(CA), 0o644)
    args = dict(appliance_url=URL, account='myorg', api_version=5, ca_content=CA, id='web-01',
                identity_file=paths['conjur.identity'], conf_file=paths['conjur.conf'], cert_file=paths['conjur.pem'],
                mode='0600', rotate=False, verify=False, validate_certs=True, timeout=30, retries=3,
                config_file=str(tmp_path / 'absent.conf'), missing_token='skip')
    return tmp_path, paths, args
