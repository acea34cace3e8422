# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Agents bound to their Cloud Monitoring entities, over an C(EntityApi) (see C(_rackspace)).

The third step of C(rackspace-monitoring-agent --setup): the checks of an entity run on the agent whose id is the
entity's C(agent_id). For each agent, in this order:

1. an entity already bound to the agent is kept (the first by id; a warning names the others);
2. else, with an explicit C(entity_id), that entity is bound;
3. else the one entity whose label is the agent's label (by default the agent id) is bound; else the one unbound
   entity that lists one of the agent's addresses;
4. else, when asked, an entity is created (label, agent id, addresses), as the agent's C(--auto-create-entity) does.

Nothing is guessed: several candidates, an entity bound to another agent (taken over only with C(rebind), and never
from an agent of the same run), one entity chosen by two agents of the run, or nothing to bind without C(create) are
errors of that agent, each a line that names the entities by id and label. Binding is C(PUT /entities/{id}
{"agent_id": ...}). One listing serves every agent; writes happen only outside check mode. Entity ids are not secrets.
"""

from __future__ import annotations

import ipaddress
import re

from ._agent_identity import check_agent_id
from ._errors import CollectionError, ParameterError
from ._rackspace import RackspaceError, create_once

MAX_LABEL = 255
MAX_ADDRESSES, MAX_ADDRESS_NAME = 64, 64
ENTITY_ID = re.compile(r'[-.\w]{1,64}', re.ASCII)
SHOWN = 5  # entities (or error lines) named in one message before "and N more"
AGENT_KEYS = ('agent_id', 'label', 'ip_addresses', 'entity_id')


class BindingError(CollectionError):
    """Some agents are not bound to an entity; C(fields) carry the module's result (C(changed), the entries)."""


class Agent:
    """One agent to bind: its id, the label of its entity, its addresses (name -> address) and an explicit entity."""

    def __init__(self, agent_id, label=None, ip_addresses=None, entity_id=None):
        self.agent_id = agent_id
        self.label = label if label is not None else agent_id
        self.ip_addresses = dict(ip_addresses or {})
        self.entity_id = entity_id

    def addresses(self):
        return _comparable(self.ip_addresses.values())


def _check_label(label, option):
    if label is None:
        return None
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL:
        raise ParameterError('%s must be a label of 1 to %d characters, not only white space' % (option, MAX_LABEL))
    return label


def _check_addresses(addresses, option):
    if addresses is None:
        return {}
    if not isinstance(addresses, dict):
        raise ParameterError('%s must be a dictionary of names to IP addresses' % option)
    if len(addresses) > MAX_ADDRESSES:
        raise ParameterError('%s has %d addresses; an entity holds at most %d' % (option, len(addresses), MAX_ADDRESSES))
    checked = {}
    for name, address in addresses.items():
        if not isinstance(name, str) or not 1 <= len(name) <= MAX_ADDRESS_NAME:
            raise ParameterError("%s: the name '%s' must have 1 to %d characters" % (option, name, MAX_ADDRESS_NAME))
        try:
            if not isinstance(address, str) or '%' in address or address != address.strip():
                raise ValueError(address)
            checked[name] = str(ipaddress.ip_address(address))
        except ValueError:
            raise ParameterError("%s: '%s' of %s is not an IPv4 or IPv6 address (without a zone index)"
                                 % (option, address, name))
    return checked


def _check_entity_id(entity_id, option):
    if entity_id is None:
        return None
    if not isinstance(entity_id, str) or not ENTITY_ID.fullmatch(entity_id):
        raise ParameterError("%s '%s' is not an entity id (1 to 64 ASCII letters, digits, '_', '-' or '.', for "
                             "example enAbCdEf12)" % (option, entity_id))
    return entity_id


def check_agent(values, prefix=''):
    """An L(Agent) from a dict with the keys of C(AGENT_KEYS); raise L(ParameterError) naming C(prefix + key)."""
    unknown = sorted(set(values) - set(AGENT_KEYS))
    if unknown:
        raise ParameterError('%s%s is not a key of an agent (use %s)' % (prefix, unknown[0], ', '.join(AGENT_KEYS)))
    check_agent_id(values.get('agent_id'), prefix + 'agent_id')
    return Agent(values['agent_id'], _check_label(values.get('label'), prefix + 'label'),
                 _check_addresses(values.get('ip_addresses'), prefix + 'ip_addresses'),
                 _check_entity_id(values.get('entity_id'), prefix + 'entity_id'))


def check_agents(items, option='agents'):
    """L(Agent)s from the elements of O(agents); raise L(ParameterError) for the first bad one."""
    agents = []
    for index, values in enumerate(items):
        if not isinstance(values, dict):
            raise ParameterError('%s[%d] must be a dictionary with the key agent_id' % (option, index))
        agents.append(check_agent(values, '%s[%d].' % (option, index)))
    return agents


# ----------------------------------------------------------------------------------------------------------------
# matching
# ----------------------------------------------------------------------------------------------------------------

def _comparable(addresses):
    """The addresses that may identify a host: parsed, without loopback, link-local, multicast and unspecified ones."""
    found = set()
    for text in addresses:
        try:
            address = ipaddress.ip_address(str(text).strip())
        except ValueError:
            continue
        if not (address.is_loopback or address.is_link_local or address.is_multicast or address.is_unspecified):
            found.add(address)
    return found


def _name(entity):
    return "%s (label '%s')" % (entity['id'], entity.get('label'))


def _names(entities):
    shown = ', '.join(_name(e) for e in entities[:SHOWN])
    if len(entities) > SHOWN:
        shown += ' and %d more' % (len(entities) - SHOWN)
    return shown


def _state(entity):
    return {'id': entity['id'], 'label': entity.get('label'), 'agent_id': entity.get('agent_id')}


class Decision:
    """What to do for one agent: C(action) is C(keep), C(bind), C(create) or C(fail) (with C(error))."""

    def __init__(self, agent, action, entity=None, matched=None, error=None):
        self.agent = agent
        self.action = action
        self.entity = entity
        self.matched = matched
        self.error = error
        self.warnings = []


def _fail(agent, text):
    return Decision(agent, 'fail', error="agent '%s': %s" % (agent.agent_id, text))


def _taken(agent, entity, run_agents, rebind):
    """Why an entity bound to another agent may not be taken by C(agent), or None when it may."""
    if entity['agent_id'] in run_agents:
        return "entity %s is bound to agent '%s', which is also in this run" % (_name(entity), entity['agent_id'])
    if not rebind:
        return ("entity %s is bound to agent '%s'; set rebind=true to take it over, or entity_id to bind another "
                "one" % (_name(entity), entity['agent_id']))
    return None


def _choose(agent, candidates, why):
    if len(candidates) == 1:
        return candidates[0]
    return _fail(agent, '%d entities %s and none is bound to it: %s; name the one to bind with entity_id'
                 % (len(candidates), why, _names(candidates)))


def decide(agent, entities, run_agents=(), rebind=False, create=False):
    """The L(Decision) for one L(Agent), given every entity of the tenant and the agent ids of the whole run."""
    if agent.entity_id is not None:
        entity = next((e for e in entities if e['id'] == agent.entity_id), None)
        if entity is None:
            return _fail(agent, "there is no entity with the id '%s' (entity_id)" % agent.entity_id)
        if entity['agent_id'] == agent.agent_id:
            return Decision(agent, 'keep', entity, 'entity_id')
        refused = entity['agent_id'] and _taken(agent, entity, run_agents, rebind)
        return _fail(agent, refused) if refused else Decision(agent, 'bind', entity, 'entity_id')
    bound = [e for e in entities if e['agent_id'] == agent.agent_id]
    if bound:
        decision = Decision(agent, 'keep', bound[0], 'agent_id')
        if len(bound) > 1:
            decision.warnings.append("agent '%s' is bound to %d entities: %s; all are kept as they are"
                                     % (agent.agent_id, len(bound), _names(bound)))
        return decision
    labelled = [e for e in entities if e['label'] == agent.label]
    free = [e for e in labelled if not e['agent_id'] or _taken(agent, e, run_agents, rebind) is None]
    if free:
        chosen = _choose(agent, free, "have the label '%s'" % agent.label)
        return chosen if isinstance(chosen, Decision) else Decision(agent, 'bind', chosen, 'label')
    if labelled:
        return _fail(agent, _taken(agent, labelled[0], run_agents, rebind))
    mine = agent.addresses()
    # An entity bound to another agent is never matched by address: addresses repeat across networks.
    listing = [e for e in entities if not e['agent_id'] and mine & _comparable(e['ip_addresses'].values())]
    if listing:
        shared = sorted(set(str(a) for e in listing for a in mine & _comparable(e['ip_addresses'].values())))
        chosen = _choose(agent, listing, 'list one of its addresses (%s)' % ', '.join(shared))
        return chosen if isinstance(chosen, Decision) else Decision(agent, 'bind', chosen, 'ip_address')
    if create:
        return Decision(agent, 'create')
    where = "has the label '%s'" % agent.label
    if mine:
        where += ' or lists one of its addresses (%s)' % ', '.join(sorted(str(a) for a in mine))
    return _fail(agent, 'no entity is bound to it, %s; set create=true to create one, or entity_id to bind an '
                        'existing one' % where)


def _duplicates(agents):
    counts = {}
    for agent in agents:
        counts[agent.agent_id] = counts.get(agent.agent_id, 0) + 1
    return dict((agent_id, n) for agent_id, n in counts.items() if n > 1)


def _claimed_twice(decisions):
    """Fail every decision that binds an entity another decision of the run binds too."""
    claims = {}
    for decision in decisions:
        if decision.action == 'bind':
            claims.setdefault(decision.entity['id'], []).append(decision)
    for group in claims.values():
        if len(group) > 1:
            who = ', '.join("'%s'" % d.agent.agent_id for d in group)
            for decision in group:
                decision.action = 'fail'
                decision.error = ("agent '%s': entity %s matches %d agents of this run (%s); name each agent's "
                                  "entity with entity_id" % (decision.agent.agent_id, _name(decision.entity),
                                                             len(group), who))


# ----------------------------------------------------------------------------------------------------------------
# carrying it out
# ----------------------------------------------------------------------------------------------------------------

class Outcome:
    """What L(ensure_bound) found and did: one entry per agent, in order, and the diff keyed by agent id."""

    def __init__(self):
        self.changed = False
        self.entities = []
        self.before = {}
        self.after = {}
        self.warnings = []

    @property
    def errors(self):
        return [entry['error'] for entry in self.entities if entry.get('error')]

    @property
    def diff(self):
        return {'before': self.before, 'after': self.after}

    def error_message(self):
        """One line for the agents that were not bound, or None."""
        errors = self.errors
        if not errors:
            return None
        if len(self.entities) == 1:
            return errors[0]
        count = len(errors)
        errors = [e for index, e in enumerate(errors) if e not in errors[:index]]  # an agent id given twice: one line
        text = '%d of %d agents are not bound to an entity: %s' % (count, len(self.entities), '; '.join(errors[:SHOWN]))
        if len(errors) > SHOWN:
            text += '; and %d more (see entities)' % (len(errors) - SHOWN)
        return text


def _entry(agent, action, entity=None, matched=None, error=None):
    entry = {'agent_id': agent.agent_id, 'id': entity.get('id') if entity else None,
             'label': entity.get('label') if entity else None, 'action': action, 'matched': matched}
    if error:
        entry['error'] = error
    return entry


def _create(api, agent):
    attributes = {'label': agent.label, 'agent_id': agent.agent_id}
    if agent.ip_addresses:
        attributes['ip_addresses'] = agent.ip_addresses

    def find():
        # After a create whose answer was lost: adopt the entity it made, if it did.
        bound = [e for e in api.list() if e['agent_id'] == agent.agent_id]
        return bound[0]['id'] if bound else None

    return create_once(lambda retry: api.create(attributes, retry=retry), find, api.http.retries)


def _carry_out(api, decision, out, check_mode):
    agent, entity = decision.agent, decision.entity
    if decision.action == 'keep':
        out.before[agent.agent_id] = out.after[agent.agent_id] = _state(entity)
        return _entry(agent, 'kept', entity, decision.matched)
    out.changed = True
    if decision.action == 'bind':
        out.before[agent.agent_id] = _state(entity)
        if not check_mode and not api.update(entity['id'], {'agent_id': agent.agent_id}):
            raise RackspaceError('entity %s was deleted while agent %s was being bound to it (HTTP 404)'
                                 % (_name(entity), agent.agent_id), status=404)
        entity = dict(entity, agent_id=agent.agent_id)
        out.after[agent.agent_id] = _state(entity)
        return _entry(agent, 'bound', entity, decision.matched)
    entity_id = None if check_mode else _create(api, agent)
    entity = {'id': entity_id, 'label': agent.label, 'agent_id': agent.agent_id}
    out.before[agent.agent_id] = {}
    out.after[agent.agent_id] = _state(entity)
    return _entry(agent, 'created', entity)


def ensure_bound(api, agents, create=False, rebind=False, check_mode=False):
    """Bind every L(Agent) to its entity (see the module docstring); return an L(Outcome).

    Errors of one agent (ambiguity, conflicts, nothing to bind) are in its entry (C(error)); the others are bound. A
    request that fails stops the writes: the agents not done yet get that failure as their error.
    """
    out = Outcome()
    if not agents:
        return out
    duplicates = _duplicates(agents)
    decisions = []
    pending = [a for a in agents if a.agent_id not in duplicates]
    entities = api.list() if pending else []
    run_agents = frozenset(a.agent_id for a in agents)
    for agent in agents:
        if agent.agent_id in duplicates:
            decisions.append(_fail(agent, 'the agent id is given %d times (each agent needs its own id)'
                                   % duplicates[agent.agent_id]))
        else:
            decisions.append(decide(agent, entities, run_agents, rebind, create))
    _claimed_twice(decisions)
    failure = None
    for decision in decisions:
        out.warnings.extend(decision.warnings)
        if decision.action == 'fail':
            out.entities.append(_entry(decision.agent, 'failed', error=decision.error))
        elif failure is not None:
            out.entities.append(_entry(decision.agent, 'failed', error="agent '%s': not done after an earlier "
                                       'failure: %s' % (decision.agent.agent_id, failure)))
        else:
            try:
                out.entities.append(_carry_out(api, decision, out, check_mode))
            except RackspaceError as exc:
                failure = exc
                out.entities.append(_entry(decision.agent, 'failed',
                                           error="agent '%s': %s" % (decision.agent.agent_id, exc)))
    return out
