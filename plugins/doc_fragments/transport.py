# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Transport options of every module that talks to an API, mirrored by transport_argument_spec() in
    # plugins/module_utils/_transport.py. The CA options are documented by each service fragment (their sources differ).
    DOCUMENTATION = r"""
options:
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate. Only set to V(false) on a test system.
    type: bool
    default: true
  timeout:
    description:
      - Timeout in seconds of each HTTP request.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried after a network error, a truncated response, HTTP 429 or a 5xx status,
        with exponential backoff and jitter. Other 4xx statuses are never retried.
      - V(0) disables retries.
    type: int
    default: 3
"""
