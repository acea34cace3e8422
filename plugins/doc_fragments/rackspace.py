# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Connection options, mirrored by rackspace_argument_spec() in plugins/module_utils/_rackspace.py (the transport
    # options validate_certs, timeout and retries are in the hostfactory.enrollment.transport fragment).
    DOCUMENTATION = r"""
options:
  username:
    description:
      - Rackspace cloud user name, authenticated with O(api_key) (or O(password)) through Identity v2.0 at
        O(identity_url).
      - If not set, the environment variable E(RAX_USERNAME) is used.
      - Mutually exclusive with O(auth_token).
    type: str
  api_key:
    description:
      - API key of O(username).
      - If neither O(api_key) nor O(password) is set, the environment variable E(RAX_API_KEY) is used, then
        E(RAX_PASSWORD).
      - Mutually exclusive with O(password) and O(auth_token).
      - Surrounding white space (a trailing newline from a file lookup or C(echo)) is removed; a value that still
        holds white space or a control character is refused before any request, with a message that names the
        option and never shows the value.
    type: str
  password:
    description:
      - Password of O(username), used instead of O(api_key).
      - Mutually exclusive with O(api_key) and O(auth_token).
      - Surrounding white space is removed and a value with white space or a control character inside is refused,
        as for O(api_key).
    type: str
  auth_token:
    description:
      - An existing Rackspace auth token (C(access.token.id) of Identity v2.0), used instead of O(username) and
        O(api_key); no identity request is made.
      - The monitoring endpoint is then O(monitoring_url), or
        C(https://monitoring.api.rackspacecloud.com/v1.0/<tenant_id>) built from O(tenant_id).
      - If none of O(auth_token), O(username), O(api_key) and O(password) is set, the environment variable
        E(RAX_AUTH_TOKEN) is used first, then E(RAX_USERNAME) with E(RAX_API_KEY) or E(RAX_PASSWORD). Options given in
        the task always decide the method.
      - Mutually exclusive with O(username), O(api_key) and O(password).
      - Surrounding white space is removed and a value with white space or a control character inside is refused,
        as for O(api_key); the same goes for the E(RAX_API_KEY), E(RAX_PASSWORD) and E(RAX_AUTH_TOKEN) variables.
    type: str
  tenant_id:
    description:
      - Rackspace tenant (account) id, for example V(123456) or V(hybrid:000000).
      - Needed with O(auth_token) when O(monitoring_url) is not set.
      - If not set, the environment variable E(RAX_TENANT_ID) is used.
    type: str
  identity_url:
    description:
      - Rackspace Identity v2.0 endpoint used with O(username).
      - The host root (V(https://identity.example.com)), the V(.../v2.0) URL and the full V(.../v2.0/tokens) URL are
        all accepted; the module always posts to C(<root>/v2.0/tokens).
    type: str
    default: https://identity.api.rackspacecloud.com/v2.0
  region:
    description:
      - Region whose Cloud Monitoring endpoint is taken from the service catalog, for example V(ORD).
      - Cloud Monitoring is one global endpoint without a region, so this only matters when the catalog lists
        regional endpoints. An endpoint of this region is preferred, then one without a region.
      - If not set, the environment variable E(RAX_REGION) is used.
    type: str
  monitoring_url:
    description:
      - Cloud Monitoring API endpoint including the version and tenant, for example
        V(https://monitoring.api.rackspacecloud.com/v1.0/123456).
      - If not set, it is the C(publicURL) of the C(cloudMonitoring) (type C(rax:monitor)) entry of the service
        catalog returned by Identity, or, with O(auth_token), it is built from O(tenant_id).
    type: str
  ca_path:
    description:
      - Path of a PEM file with the CA certificate(s) used to verify the servers' TLS certificates.
      - If neither O(ca_path) nor O(ca_content) is set, the system trust store is used.
      - Mutually exclusive with O(ca_content).
    type: path
  ca_content:
    description:
      - PEM text of the CA certificate(s) used to verify the servers' TLS certificates, instead of a file.
      - Mutually exclusive with O(ca_path).
    type: str
notes:
  - Creating a token is never blindly resent. After a failure that may be transient, the tokens are listed again
    and a token that now carries the label is used; only if there is none is the creation sent again.
  - "All requests run on the host that executes the module. Run the module on the controller
    (C(delegate_to: localhost)) unless the managed node must reach the API itself."
  - "On the current Rackspace service an agent token's id B(is) its secret value (the agent's C(monitoring_token)).
    These modules therefore treat ids like tokens: they are never shown unless requested, and a short
    C(fingerprint) (the first 16 hex digits of the SHA-256 of the id) tells tokens apart instead."
"""
