# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for _agent_config: rendering, validation, masking (the fingerprint is _secrets' one)."""

from __future__ import annotations

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._agent_config import (
    AgentConfigError,
    config_token,
    mask_config,
    render_config,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import fingerprint

TOKEN = 'a' * 64 + '.123456'


def test_render_minimal_and_full():
    assert render_config(TOKEN) == 'monitoring_token %s\n' % TOKEN
    text = render_config(' %s\n' % TOKEN, monitoring_id='web1.example.com', snet_region='iad',
                         endpoints=['10.0.0.1:443', 'agent.example.com:443'], upgrade=False)
    assert text.splitlines() == [
        'monitoring_id web1.example.com',
        'monitoring_token %s' % TOKEN,
        'monitoring_snet_region iad',
        'monitoring_endpoints 10.0.0.1:443,agent.example.com:443',
        'monitoring_upgrade disabled',
    ]


@pytest.mark.parametrize('kwargs, match', [
    ({'token': ''}, 'token must be a non-empty'),
    ({'token': 'two words'}, 'without white space'),
    ({'monitoring_id': 'web1\nmonitoring_token evil'}, 'not a valid agent id'),
    ({'monitoring_id': 'x' * 256}, 'not a valid agent id'),
    ({'snet_region': 'mars'}, "snet_region 'mars'"),
    ({'endpoints': ['10.0.0.1']}, 'HOST:PORT'),
    ({'endpoints': ['a:1,b:2']}, 'HOST:PORT'),
])
def test_render_rejects_values_that_would_break_the_file(kwargs, match):
    kwargs.setdefault('token', TOKEN)
    with pytest.raises(AgentConfigError, match=match) as info:
        render_config(**kwargs)
    assert TOKEN not in str(info.value)


def test_config_token_reads_the_last_token_line():
    assert config_token('monitoring_id x\nmonitoring_token one\n  monitoring_token two  \n') == 'two'
    assert config_token('monitoring_id x\n') is None
    assert config_token(None) is None


def test_mask_config_hides_the_token_and_keeps_the_rest():
    text = 'monitoring_id web1\r\nmonitoring_token %s\r\nmonitoring_upgrade disabled' % TOKEN
    masked = mask_config(text)
    assert TOKEN not in masked
    assert masked == ('monitoring_id web1\r\nmonitoring_token ******** (fingerprint %s)\r\nmonitoring_upgrade disabled'
                      % fingerprint(TOKEN))
    assert mask_config(None) == ''
