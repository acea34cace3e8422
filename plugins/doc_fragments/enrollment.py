# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The enrollment options of the machine, shared by hostfactory_host and hostfactory_enroll; mirrored by
    # enrollment_argument_spec() in plugins/module_utils/_enrollment_exec.py. Paths are paths on the machine.
    # The host id is documented by each plugin: it is required by one and not by the other.
    DOCUMENTATION = r"""
options:
  annotations:
    description:
      - Annotations to set on the host.
      - C(authn/api-key) with value V(true) is sent unless this dictionary names C(authn/api-key). Servers where API
        key authentication is off by default (C(CONJUR_AUTHN_API_KEY_DEFAULT=false)) create no host without it, and
        a host needs it to log in with the API key written to O(identity_file). An explicit value wins; the value
        V(null) (C(~)) sends no C(authn/api-key) annotation at all.
      - Values are sent as strings; booleans as V(true) and V(false); a V(null) value sends no annotation of that
        name.
      - The server applies them only when it creates the host, not when it rotates the key of an existing host.
    type: dict
  identity_file:
    description:
      - Path on the machine of the netrc file that receives the host's API key.
      - If the path is a symbolic link, the file it points to is written.
    type: path
    default: /etc/conjur.identity
  mode:
    description:
      - Permissions of O(identity_file), as an octal string such as V('0600') or V('0640'), or a symbolic mode.
      - The temporary file is created with at most V(0600) and gets the final mode before the first byte is
        written.
      - An existing identity file with other permissions is corrected.
    type: raw
    default: '0600'
  owner:
    description:
      - Owner of O(identity_file), as would be fed to C(chown). It is set on the temporary file before the first
        byte is written.
      - When not set, the file belongs to the user the module runs as.
    type: str
  group:
    description:
      - Group of O(identity_file), as would be fed to C(chown), for example a group of services that may read the
        identity with O(mode=0640).
    type: str
  conf_file:
    description:
      - Also write this Conjur client configuration file (YAML) on the machine, for example V(/etc/conjur.conf),
        with the keys the official clients read - C(account), C(appliance_url), C(cert_file) (when there is a CA
        file), C(netrc_path) (O(identity_file)) and C(plugins), plus C(version) V(4) for O(api_version=4).
      - Written with mode V(0644). The whole content of this file is managed; a file with the same content (as
        written by the official C(cyberark.conjur.conjur_host_identity) role) is left alone.
    type: path
  cert_file:
    description:
      - Also write the CA certificate (O(ca_content), or the content of O(ca_path)) to this file on the machine, for
        example V(/etc/conjur.pem), with mode V(0644). O(conf_file) then refers to it.
      - Without a CA, M(hostfactory.enrollment.hostfactory_host) fails and M(hostfactory.enrollment.hostfactory_enroll)
        writes no CA file (the machine then uses its system trust store).
    type: path
  rotate:
    description:
      - Enroll the machine again even when O(identity_file) holds a usable entry. The server then rotates the host's
        API key; the old key stops working and the new one is written.
      - The task then reports a change on every run.
    type: bool
    default: false
  verify:
    description:
      - Authenticate with the API key to prove it works (one request per machine on every run).
      - After an enrollment the new key is checked; otherwise the key found in O(identity_file).
      - When the existing key is rejected the task fails and tells to use O(rotate=true); the key is only
        replaced with O(rotate=true).
    type: bool
    default: false
"""
