# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The transport options every API module shares (TLS, proxy, timeout, retries) and their check.

Documented once by the doc fragment C(hostfactory.enrollment.transport); the Conjur and Rackspace argspecs extend
L(transport_argument_spec). Standard library only.
"""

from __future__ import annotations

from ._errors import ParameterError


def transport_argument_spec():
    """Return a fresh dict with the transport options."""
    return dict(
        ca_path=dict(type='path'),
        ca_content=dict(type='str'),
        validate_certs=dict(type='bool', default=True),
        use_proxy=dict(type='bool', default=True),
        timeout=dict(type='int', default=30),
        retries=dict(type='int', default=3),
    )


def transport_settings(params, error_class=ParameterError):
    """The C(HttpClient) keyword arguments from the transport options, checked (raises C(error_class))."""
    timeout, retries = params.get('timeout', 30), params.get('retries', 3)
    if timeout is None or timeout < 1:
        raise error_class('timeout must be at least 1 second, got %s' % timeout)
    if retries is None or retries < 0:
        raise error_class('retries must be 0 or more, got %s' % retries)
    use_proxy = params.get('use_proxy')
    return dict(validate_certs=params.get('validate_certs', True), ca_path=params.get('ca_path'),
                ca_content=params.get('ca_content'), timeout=timeout, retries=retries,
                use_proxy=True if use_proxy is None else bool(use_proxy))
