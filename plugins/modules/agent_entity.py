#!/usr/bin/python
# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: agent_entity
short_description: Bind Rackspace Monitoring agents to their Cloud Monitoring entities
version_added: 0.1.0
description:
  - Makes sure a Cloud Monitoring entity is bound to the agent with O(agent_id), so that the entity's agent checks
    run on it. This is the third step of C(rackspace-monitoring-agent --setup), after the agent token
    (M(hostfactory.enrollment.agent_token)) and the configuration file (M(hostfactory.enrollment.agent_config)).
  - "For each agent, in this order: an entity whose C(agent_id) already is the agent id is kept; else the entity
    named by O(entity_id) is bound; else the entity whose label is O(label) (by default the agent id) is bound;
    else the unbound entity that lists one of the agent's O(ip_addresses) is bound; else, with O(create=true), an
    entity is created with the label, the agent id and the addresses. Binding sets the entity's C(agent_id) with
    C(PUT /entities/{id}); nothing else of the entity changes."
  - "Nothing is guessed. These are errors, each reported in one line that names the entities by id and label:
    several entities with the label (or several unbound entities with one of the addresses); an entity with the
    label that is bound to another agent (unless O(rebind=true)); one entity matched by two agents of O(agents); an
    agent id given twice in O(agents); nothing to bind without O(create=true)."
  - With O(agents), every agent is handled the same way with a single listing of the entities, which is what a play
    enrolling many hosts wants (see the P(hostfactory.enrollment.monitoring_agent#role) role). An agent with an
    error is not bound, the others are, and the task fails with the errors of all of them.
  - "Unlike C(--auto-create-entity), which creates an entity whenever none is bound to the agent, an existing entity
    with the agent's label or address is bound first, so that a second entity is never made for a server that
    already has one (Rackspace Cloud servers have one from the start)."
  - Entity ids and agent ids are not secrets; the module needs no agent token.
author:
  - hostfactory.enrollment contributors (@hostfactory)
extends_documentation_fragment:
  - hostfactory.enrollment.rackspace
  - hostfactory.enrollment.transport
  - hostfactory.enrollment.attributes
  - hostfactory.enrollment.attributes.action_group_rackspace
attributes:
  check_mode:
    support: full
    details:
      - The entities are listed but never bound or created. An entity that would be created has no id yet.
  diff_mode:
    support: full
    details:
      - For each agent id, the id, label and C(agent_id) of its entity before and after; an entity that is created
        is C({}) before.
  idempotent:
    support: full
    details:
      - A second run finds every entity bound, lists the entities once and writes nothing.
  platform:
    support: full
    platforms: posix
options:
  agent_id:
    description:
      - The agent id, that is C(monitoring_id) of the agent's configuration or, without one, the id the agent detects
        (the cloud server's instance id, or the host name), as RV(hostfactory.enrollment.agent_config#module:agent_id)
        returns it.
      - 1 to 255 ASCII letters, digits, C(_), C(-) or C(.).
      - Mutually exclusive with O(agents).
    type: str
  label:
    description:
      - The label of the agent's entity, used to find an unbound entity and to name a created one.
      - If not set, the agent id, as the agent's own setup does.
    type: str
  ip_addresses:
    description:
      - The agent host's addresses, by name (for example C(eth0_v4), as the agent's setup names them).
      - An unbound entity that lists one of them is bound when no entity has the label. Loopback, link-local and
        multicast addresses never match.
      - A created entity gets them as its C(ip_addresses) (at most 64).
    type: dict
  entity_id:
    description:
      - Bind this entity, whatever its label and addresses; the way out when several entities match.
      - An entity bound to another agent is taken over only with O(rebind=true).
    type: str
  agents:
    description:
      - Several agents at once, with a single listing of the entities. Each element takes the keys O(agent_id),
        O(label), O(ip_addresses) and O(entity_id), with the same meaning.
      - The result is RV(entities), in the order of O(agents).
      - Mutually exclusive with O(agent_id), O(label), O(ip_addresses) and O(entity_id).
    type: list
    elements: dict
    suboptions:
      agent_id:
        description: The agent id.
        type: str
        required: true
      label:
        description: The label of the agent's entity (default the agent id).
        type: str
      ip_addresses:
        description: The agent host's addresses, by name.
        type: dict
      entity_id:
        description: The entity to bind.
        type: str
  create:
    description:
      - Create an entity when none is bound to the agent and none matches its label or addresses.
      - "Off by default: Rackspace Cloud servers already have an entity, and an entity created next to it is a
        duplicate that the Rackspace control panel does not show."
    type: bool
    default: false
  rebind:
    description:
      - Take over an entity that matches the label (or O(entity_id)) but is bound to another agent id, for example
        after a server was rebuilt with a new instance id.
      - An entity bound to another agent of O(agents) is never taken over, and an entity bound to another agent is
        never matched by its addresses.
    type: bool
    default: false
seealso:
  - module: hostfactory.enrollment.agent_config
  - module: hostfactory.enrollment.agent_token
  - name: Entity operations
    description: The Rackspace Cloud Monitoring API reference for entities.
    link: https://docs.rackspace.com/docs/rackspace-monitoring/v1/api-reference/entities-operations
"""

EXAMPLES = r"""
- name: Bind web1's agent to its entity (by agent id, then label, then address)
  hostfactory.enrollment.agent_entity:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    agent_id: web1.example.com
    ip_addresses:
      eth0_v4: 203.0.113.10
      eth1_v4: 10.176.1.10
  delegate_to: localhost

- name: One listing for the whole play, creating the entities that are missing (settings from module_defaults)
  hostfactory.enrollment.agent_entity:
    agents: "{{ ansible_play_hosts | map('extract', hostvars, 'my_agent') | list }}"
    create: true
  delegate_to: localhost
  run_once: true
  module_defaults:
    group/hostfactory.enrollment.rackspace:
      username: "{{ rax_username }}"
      api_key: "{{ rax_api_key }}"

- name: Several entities carry the label; bind the right one explicitly
  hostfactory.enrollment.agent_entity:
    agent_id: web1.example.com
    entity_id: enAbCdEf12
  delegate_to: localhost
"""

RETURN = r"""
entity:
  description:
    - The agent's entity after the run (or what it would be, in check mode).
  returned: when O(agent_id) is used
  type: dict
  contains:
    agent_id:
      description: The agent id.
      type: str
      returned: success
      sample: web1.example.com
    id:
      description: The entity id; V(null) in check mode for an entity that would be created.
      type: str
      returned: success
      sample: enAbCdEf12
    label:
      description: The label of the entity.
      type: str
      returned: success
      sample: web1.example.com
    action:
      description:
        - V(kept) (it was bound already), V(bound), V(created), or V(failed) (see RV(entities[].error)).
      type: str
      returned: success
      sample: bound
    matched:
      description:
        - How the entity was found; V(agent_id), V(entity_id), V(label) or V(ip_address); V(null) when it was
          created or the agent failed.
      type: str
      returned: success
      sample: label
entities:
  description:
    - One element per agent of O(agents), in that order, with the keys of RV(entity).
    - Also returned when the task fails because some agents were not bound; those have the key C(error).
  returned: when O(agents) is used
  type: list
  elements: dict
  contains:
    error:
      description: Why this agent was not bound (one line).
      type: str
      returned: when the agent was not bound
      sample: "agent 'web1': 2 entities have the label 'web1' and none is bound to it: enAAAAAAAA (label 'web1'),
        enBBBBBBBB (label 'web1'); name the one to bind with entity_id"
  sample:
    - {agent_id: web1, id: enAbCdEf12, label: web1, action: kept, matched: agent_id}
    - {agent_id: web2, id: enXyZ98765, label: web2, action: created, matched: null}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _entities as entities
from ansible_collections.hostfactory.enrollment.plugins.module_utils._rackspace import (
    RACKSPACE_MUTUALLY_EXCLUSIVE,
    EntityApi,
    rackspace_argument_spec,
    run_module,
)

AGENT_OPTIONS = dict(
    agent_id=dict(type='str'),
    label=dict(type='str'),
    ip_addresses=dict(type='dict'),
    entity_id=dict(type='str'),
)


def agents_of(params):
    """The validated agents of the task (raises a ParameterError before any request)."""
    if params['agents'] is not None:
        return entities.check_agents(params['agents'])
    return [entities.check_agent(dict((key, params[key]) for key in AGENT_OPTIONS))]


def run(module, api, agents):
    params = module.params
    outcome = entities.ensure_bound(api, agents, params['create'], params['rebind'], module.check_mode)
    for warning in outcome.warnings:
        module.warn(warning)
    result = {'changed': outcome.changed}
    if params['agents'] is not None:
        result['entities'] = outcome.entities
    else:
        result['entity'] = outcome.entities[0]
    message = outcome.error_message()
    if message:
        raise entities.BindingError(message, **result)
    if module._diff:  # pylint: disable=protected-access
        result['diff'] = outcome.diff
    return result


def main():
    argument_spec = rackspace_argument_spec()
    argument_spec.update(AGENT_OPTIONS)
    agent_options = dict((key, dict(spec)) for key, spec in AGENT_OPTIONS.items())
    agent_options['agent_id']['required'] = True
    argument_spec.update(
        agents=dict(type='list', elements='dict', options=agent_options),
        create=dict(type='bool', default=False),
        rebind=dict(type='bool', default=False),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=RACKSPACE_MUTUALLY_EXCLUSIVE + [('agents', key) for key in AGENT_OPTIONS],
        required_one_of=[('agent_id', 'agents')],
    )
    agents = []
    run_module(module, lambda api: run(module, api, agents), precheck=lambda: agents.extend(agents_of(module.params)),
               api_class=EntityApi)


if __name__ == '__main__':
    main()
