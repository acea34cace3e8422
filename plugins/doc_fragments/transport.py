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
  use_proxy:
    description:
      - Whether to send the requests through the proxy named by the environment variables E(https_proxy) or
        E(HTTPS_PROXY) (and E(http_proxy) for V(http://) URLs) of the process that sends them, with the host names
        of E(no_proxy) or E(NO_PROXY) going direct. The lowercase variable wins over the uppercase one.
      - E(no_proxy) entries are host names, domain suffixes and addresses compared as text, as Python's C(urllib)
        does; CIDR ranges are not understood, and a loopback address is proxied like any other unless listed.
      - V(false) ignores these variables and connects directly.
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
