#!/usr/bin/python
# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: agent_config
short_description: Write the Rackspace Monitoring agent configuration file
version_added: 0.1.0
description:
  - Writes C(/etc/rackspace-monitoring-agent.cfg) (or O(path)) with the agent token and the other settings the
    Rackspace Monitoring agent reads (C(monitoring_token), C(monitoring_id), C(monitoring_snet_region),
    C(monitoring_endpoints), C(monitoring_upgrade)).
  - The file is replaced atomically (a temporary file in the same directory, created with O(mode), synced and
    renamed), so it is never readable by others and never half written, even if the run is interrupted.
  - Nothing is written when the file already has this content, mode, owner and group.
  - It runs on the managed node in a single module execution. Get the token on the controller with
    M(hostfactory.enrollment.agent_token), or use the P(hostfactory.enrollment.monitoring_agent#role) role, which
    does both.
author:
  - hostfactory.enrollment contributors (@hostfactory)
extends_documentation_fragment:
  - hostfactory.enrollment.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The token is never shown; its line reads C(monitoring_token ******** (fingerprint <16 hex digits>)).
  idempotent:
    support: full
  platform:
    support: full
    platforms: posix
options:
  path:
    description:
      - The configuration file. Its directory must exist. A symbolic link is followed and kept.
    type: path
    default: /etc/rackspace-monitoring-agent.cfg
  token:
    description:
      - The agent token (C(monitoring_token)), for example RV(hostfactory.enrollment.agent_token#module:agent_token.token).
    type: str
    required: true
  monitoring_id:
    description:
      - The agent id (C(monitoring_id)), which binds the agent to an entity whose C(agent_id) is this value.
      - If not set, the agent uses the cloud server's instance id or the host name (see RV(agent_id)).
    type: str
  snet_region:
    description:
      - Connect to the monitoring endpoints over ServiceNet in this region (C(monitoring_snet_region)).
    type: str
    choices: [dfw, ord, lon, syd, hkg, iad]
  endpoints:
    description:
      - Endpoints to connect to instead of the default ones, as C(HOST:PORT) (C(monitoring_endpoints)).
    type: list
    elements: str
  upgrade:
    description:
      - Whether the agent may upgrade itself. V(false) writes C(monitoring_upgrade disabled).
    type: bool
    default: true
  mode:
    description:
      - Permissions of the file, as an octal number. Quote it (V('0600')) so that YAML does not read it as a decimal
        number. Symbolic modes are not supported.
      - The token authenticates any agent for the whole account, so keep the file private.
    type: raw
    default: '0600'
  owner:
    description:
      - Owner of the file (name or uid). If not set, a new file belongs to the user running the module and an existing
        file keeps its owner.
    type: str
  group:
    description:
      - Group of the file (name or gid). If not set, a new file gets the user's group and an existing file keeps its
        group.
    type: str
seealso:
  - module: hostfactory.enrollment.agent_token
  - module: hostfactory.enrollment.agent_entity
"""

EXAMPLES = r"""
- name: Get the token of this host on the controller
  hostfactory.enrollment.agent_token:
    label: "{{ inventory_hostname }}"
    return_token: true
  delegate_to: localhost
  no_log: true
  register: agent_token

- name: Write the agent configuration
  hostfactory.enrollment.agent_config:
    token: "{{ agent_token.agent_token.token }}"
    monitoring_id: "{{ inventory_hostname }}"
    snet_region: iad
    upgrade: false
    owner: root
    group: root
  become: true
"""

RETURN = r"""
path:
  description: The configuration file.
  returned: success
  type: str
  sample: /etc/rackspace-monitoring-agent.cfg
fingerprint:
  description:
    - Fingerprint of the token in the file (the first 16 hex digits of its SHA-256); safe to log.
    - It equals RV(hostfactory.enrollment.agent_token#module:agent_token.fingerprint) of that token.
  returned: success
  type: str
  sample: 3f0c9a4e1b7d2c85
agent_id:
  description:
    - The id the agent announces with this configuration, which an entity's C(agent_id) must hold for its checks to
      run (see M(hostfactory.enrollment.agent_entity)).
    - "O(monitoring_id) when set. Otherwise the id the agent detects on this host, in its own order: the instance id
      cloud-init recorded (C(/var/lib/cloud/data/instance-id), unless C(iid-datasource-none) or C(nocloud)), the Xen
      store's C(name) without its C(instance-) prefix (C(xenstore-read name), Rackspace Cloud servers), the host name."
  returned: success
  type: str
  sample: web1.example.com
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hostfactory.enrollment.plugins.module_utils._agent_config import (
    DEFAULT_PATH,
    SNET_REGIONS,
    ensure_config,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._agent_identity import (
    detect_agent_id,
    module_xen_name,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import CollectionError, fail


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', default=DEFAULT_PATH),
            token=dict(type='str', required=True, no_log=True),
            monitoring_id=dict(type='str'),
            snet_region=dict(type='str', choices=list(SNET_REGIONS)),
            endpoints=dict(type='list', elements='str'),
            upgrade=dict(type='bool', default=True),
            mode=dict(type='raw', default='0600'),
            owner=dict(type='str'),
            group=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    try:
        result = ensure_config(module.params, module.check_mode, module._diff)  # pylint: disable=protected-access
        result['agent_id'] = module.params['monitoring_id'] or detect_agent_id(xen_name=module_xen_name(module))[0]
    except CollectionError as exc:
        fail(module, exc)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
