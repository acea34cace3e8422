# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The Rackspace Monitoring agent configuration file (C(/etc/rackspace-monitoring-agent.cfg)).

The agent reads one C(key value) pair per line, split at the first space. The file is rendered from validated values
only (no value may hold white space), so no option can inject another key. The token never appears in a diff: it is
masked and shown by its fingerprint.
"""

from __future__ import annotations

import re

from ._agent_identity import check_agent_id
from ._errors import ParameterError
from ._files import (
    attribute_changes,
    check_writable,
    encode_text,
    numeric_mode,
    read_state,
    resolve_gid,
    resolve_uid,
    write_file_atomic,
)
from ._secrets import MASK, fingerprint

DEFAULT_PATH = '/etc/rackspace-monitoring-agent.cfg'
SNET_REGIONS = ('dfw', 'ord', 'lon', 'syd', 'hkg', 'iad')
TOKEN_KEY = 'monitoring_token'

_ENDPOINT = re.compile(r'^[^\s,]+:\d{1,5}$')
_NO_SPACE = re.compile(r'^\S+$')


class AgentConfigError(ParameterError):
    """An option value cannot be written to the agent configuration; C(str()) never holds the token."""


def render_config(token, monitoring_id=None, snet_region=None, endpoints=None, upgrade=True):
    """The text of the agent configuration file; raises L(AgentConfigError) for a value that cannot be written."""
    token = (token or '').strip()
    if not token or not _NO_SPACE.match(token):
        raise AgentConfigError('token must be a non-empty agent token without white space')
    lines = []
    if monitoring_id:
        check_agent_id(monitoring_id, 'monitoring_id', AgentConfigError)
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


def ensure_config(params, check_mode=False, diff=False):
    """Bring the configuration file to the options of M(hostfactory.enrollment.agent_config); return its result."""
    path = params['path']
    text = render_config(params['token'], params['monitoring_id'], params['snet_region'], params['endpoints'],
                         params['upgrade'])
    mode = numeric_mode(params['mode'])
    if mode is None:
        raise AgentConfigError("mode must be an octal number such as '0600', got '%s'" % params['mode'])
    state = read_state(path)
    changed = (state is None or state.text != text
               or bool(attribute_changes(state.stat, mode, resolve_uid(params['owner']),
                                         resolve_gid(params['group']))[0]))
    if changed:
        check_writable(path)
    if changed and not check_mode:
        write_file_atomic(path, encode_text(text), mode=mode, owner=params['owner'], group=params['group'])
    result = {'changed': changed, 'path': path, 'fingerprint': fingerprint(config_token(text))}
    if diff:
        result['diff'] = {'before': mask_config(state.text if state else None), 'after': mask_config(text),
                          'before_header': path, 'after_header': path}
    return result
