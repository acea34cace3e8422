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
        name. A value that is a dictionary or a list is refused, and so is a key that is empty or contains C([) or
        C(]) (the form field is C(annotations[KEY])).
      - The server applies them only when it creates the host, not when it rotates the key of an existing host.
    type: dict
  identity_file:
    description:
      - Path on the machine of the netrc file that receives the host's API key.
      - It must be a regular file or absent. A symbolic link at this path (even one that points to a regular file),
        a FIFO, a device, a socket or a directory is refused with a one-line error that names the path and what is
        there; it is never read, written or shown in a diff. Directories above it may be links.
      - Before the host is created, the new file is prepared next to it (created with its owner and mode, its space
        reserved), so that a full disk or an unwritable directory fails before the server changes anything.
      - Runs that write it are serialised on the machine by a lock file next to it, see O(lock_timeout).
      - O(identity_file), O(conf_file) and O(cert_file) must be three different files (also not hard links of each
        other).
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
      - When not set, the file belongs to the user the module runs as; an existing identity file of another user
        is given back to that user.
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
      - Also C(credential_storage) V(file), so that conjur-api-go and Summon read O(identity_file); without it they
        read the system keyring instead whenever one is reachable, and ignore the identity file.
      - Written with mode V(0644) in UTF-8, owned by the user the module runs as. The whole content of this file is
        managed; a file with the same content is left alone (one written by the official
        C(cyberark.conjur.conjur_host_identity) role lacks C(credential_storage) and is rewritten once).
      - Like O(identity_file), it must be a regular file or absent, never a symbolic link.
    type: path
  cert_file:
    description:
      - Also write the CA certificate (O(ca_content), or the content of O(ca_path)) to this file on the machine, for
        example V(/etc/conjur.pem), with mode V(0644). O(conf_file) then refers to it.
      - Without a CA, M(hostfactory.enrollment.hostfactory_host) fails and M(hostfactory.enrollment.hostfactory_enroll)
        writes no CA file (the machine then uses its system trust store).
      - Like O(identity_file), it must be a regular file or absent, never a symbolic link.
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
  lock_timeout:
    description:
      - Seconds to wait for another run that is enrolling the same machine (the same O(identity_file)) to finish,
        for example C(ansible-pull) at boot while a controller run arrives.
      - A run that writes takes an exclusive lock on C(<identity_file>.lock) (created with mode V(0600), never
        through a link, left in place afterwards), then looks at the machine again. The second of two runs thus
        sees the identity the first one wrote and changes nothing.
      - Check mode and runs that have nothing to write take no lock.
      - When the wait is over the task fails with a message that says so; nothing was requested or written.
    type: int
    default: 120
"""
