# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The Rackspace Monitoring agent configuration file (C(/etc/rackspace-monitoring-agent.cfg)) and token fingerprints.

The agent reads one C(key value) pair per line, split at the first space. The file is rendered from validated values
only (no value may hold white space), so no option can inject another key. The token never appears in a diff: it is
masked and shown by its fingerprint.
"""

from __future__ import annotations

import hashlib
import re

DEFAULT_PATH = '/etc/rackspace-monitoring-agent.cfg'
SNET_REGIONS = ('dfw', 'ord', 'lon', 'syd', 'hkg', 'iad')
TOKEN_KEY = 'monitoring_token'
MASK = '********'

_AGENT_ID = re.compile(r'^[-.\w]{1,255}$')
_ENDPOINT = re.compile(r'^[^\s,]+:\d{1,5}$')
_NO_SPACE = re.compile(r'^\S+$')


class AgentConfigError(ValueError):
    """An option value cannot be written to the agent configuration; C(str()) never holds the token."""


def fingerprint(value):
    """A short, non-reversible fingerprint of an agent token (the first 16 hex digits of its SHA-256).

    Safe to log: it tells tokens apart (and shows that a configuration file holds a given token) without revealing
    them. On the current service a token's id is its value, so the fingerprint of the id and of the value agree.
    """
    if value is None:
        return None
    return hashlib.sha256(str(value).encode('utf-8')).hexdigest()[:16]


def render_config(token, monitoring_id=None, snet_region=None, endpoints=None, upgrade=True):
    """The text of the agent configuration file; raises L(AgentConfigError) for a value that cannot be written."""
    token = (token or '').strip()
    if not token or not _NO_SPACE.match(token):
        raise AgentConfigError('token must be a non-empty agent token without white space')
    lines = []
    if monitoring_id:
        if not _AGENT_ID.match(monitoring_id):
            raise AgentConfigError("monitoring_id '%s' is not a valid agent id (1 to 255 letters, digits, '_', '-' "
                                   "or '.')" % monitoring_id)
        lines.append('monitoring_id %s' % monitoring_id)
    lines.append('%s %s' % (TOKEN_KEY, token))
    if snet_region:
        if snet_region not in SNET_REGIONS:
            raise AgentConfigError("snet_region '%s' is not one of %s" % (snet_region, ', '.join(SNET_REGIONS)))
        lines.append('monitoring_snet_region %s' % snet_region)
    if endpoints:
        bad = [e for e in endpoints if not _ENDPOINT.match(str(e))]
        if bad:
            raise AgentConfigError("endpoints must be HOST:PORT entries without white space or commas, got '%s'"
                                   % bad[0])
        lines.append('monitoring_endpoints %s' % ','.join(str(e) for e in endpoints))
    if not upgrade:
        lines.append('monitoring_upgrade disabled')
    return '\n'.join(lines) + '\n'


def config_token(text):
    """The C(monitoring_token) value of a configuration text (the last one wins, as in the agent), or None."""
    token = None
    for line in (text or '').splitlines():
        key, _sep, value = line.strip().partition(' ')
        if key == TOKEN_KEY:
            token = value.strip()
    return token


def mask_config(text):
    """C(text) with every C(monitoring_token) value replaced by a mask and its fingerprint, for diffs."""
    if text is None:
        return ''
    out = []
    for line in text.splitlines(True):
        key, _sep, value = line.strip().partition(' ')
        if key == TOKEN_KEY:
            ending = line[len(line.rstrip('\r\n')):]
            line = '%s %s (fingerprint %s)%s' % (TOKEN_KEY, MASK, fingerprint(value.strip()), ending)
        out.append(line)
    return ''.join(out)
