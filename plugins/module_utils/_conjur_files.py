# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The machine-wide Conjur client configuration: C(/etc/conjur.conf) (YAML) and the CA certificate file.

Rendered without PyYAML (managed nodes need only the standard library), in the key order and plain style of the
official Conjur Ansible role, so that a file that role wrote compares equal and is left alone.
"""

from __future__ import annotations

import json
import re

_PLAIN = re.compile(r'^[A-Za-z_/][A-Za-z0-9_./:@%+=~-]*$')
_YAML_WORDS = frozenset(('y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null', '~'))


def yaml_scalar(value):
    """A YAML scalar for C(value): plain when that reads back as the same string, else double-quoted."""
    value = str(value)
    if _PLAIN.match(value) and value.lower() not in _YAML_WORDS and ': ' not in value and not value.endswith(':'):
        return value
    return json.dumps(value)


def render_conf(account, appliance_url, netrc_path, cert_file=None, api_version=5):
    """The text of a Conjur client configuration file (the keys the official clients read)."""
    lines = ['account: %s' % yaml_scalar(account),
             'appliance_url: %s' % yaml_scalar(appliance_url)]
    if cert_file:
        lines.append('cert_file: %s' % yaml_scalar(cert_file))
    lines.append('netrc_path: %s' % yaml_scalar(netrc_path))
    lines.append('plugins: []')
    if int(api_version) == 4:
        lines.append('version: 4')
    return '\n'.join(lines) + '\n'


def normalize_pem(text):
    """PEM text without surrounding blank space and with exactly one final newline."""
    return text.strip() + '\n'
