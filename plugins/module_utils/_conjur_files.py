# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The machine-wide Conjur client configuration: C(/etc/conjur.conf) (YAML) and the CA certificate file.

Rendered without PyYAML (managed nodes need only the standard library), in the key order and plain style of the
official Conjur Ansible role, plus C(credential_storage: file) (see L(render_conf)).
"""

from __future__ import annotations

import json
import re

_PLAIN = re.compile(r'^[A-Za-z_/][A-Za-z0-9_./:@%+=~-]*$')
_YAML_WORDS = frozenset(('y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null', '~'))
# Characters a YAML double-quoted scalar must not hold as they are: outside YAML's printable set (DEL, C1 controls,
# U+FFFE/U+FFFF, lone surrogates), or line breaks for YAML 1.1 readers (NEL, U+2028, U+2029), or a BOM. They are
# written as \uXXXX escapes; everything else, astral characters included, as UTF-8 (Go YAML readers reject the
# surrogate-pair escapes that json.dumps writes for characters outside the Basic Multilingual Plane).
_YAML_ESCAPE = re.compile('[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]')


def yaml_scalar(value):
    """A YAML scalar for C(value): plain when that reads back as the same string, else double-quoted (UTF-8)."""
    value = str(value)
    if _PLAIN.match(value) and value.lower() not in _YAML_WORDS and ': ' not in value and not value.endswith(':'):
        return value
    return _YAML_ESCAPE.sub(lambda match: '\\u%04x' % ord(match.group()), json.dumps(value, ensure_ascii=False))


def render_conf(account, appliance_url, netrc_path, cert_file=None, api_version=5):
    """The text of a Conjur client configuration file (the keys the official clients read).

    C(credential_storage: file) makes conjur-api-go and Summon read the identity from C(netrc_path): without it they
    read the system keyring instead whenever one is reachable, and ignore the identity file.
    """
    lines = ['account: %s' % yaml_scalar(account),
             'appliance_url: %s' % yaml_scalar(appliance_url)]
    if cert_file:
        lines.append('cert_file: %s' % yaml_scalar(cert_file))
    lines.append('credential_storage: file')
    lines.append('netrc_path: %s' % yaml_scalar(netrc_path))
    lines.append('plugins: []')
    if int(api_version) == 4:
        lines.append('version: 4')
    return '\n'.join(lines) + '\n'


def normalize_pem(text):
    """PEM text without surrounding blank space and with exactly one final newline."""
    return text.strip() + '\n'
