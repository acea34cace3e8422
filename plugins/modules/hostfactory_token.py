#!/usr/bin/python
# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: hostfactory_token
short_description: Create or revoke Conjur host factory tokens
version_added: 0.1.0
description:
  - Mints host factory tokens (O(state=present)) that new machines use to enroll themselves into Conjur with
    M(hostfactory.enrollment.hostfactory_host), or revokes them (O(state=absent)). It revokes given tokens, or
    with O(all_tokens=true) every token of the host factory without knowing their values (after an interrupted
    run).
  - With O(reuse=true), an unexpired token of the host factory with the same CIDR restriction and enough lifetime left
    is returned instead of minting a new one, so that repeated runs do not pile up tokens.
  - Works with the Conjur v5 API and with the legacy v4 API (O(api_version=4)).
  - The returned tokens are secrets. Set C(no_log) on the task, otherwise they are shown in the task result at C(-v)
    and stored wherever the registered result goes. The module itself never puts a token in a warning or an error.
  - Authenticates with O(login) and O(api_key), or with an access token from O(authn_token_file). The login needs the
    C(execute) privilege on the host factory to mint, C(update) to revoke, and C(read) for O(reuse=true),
    O(all_tokens=true) and to recover from a lost answer (below).
  - The module runs where the task runs, with these credentials in its arguments. Run it on the controller
    (C(delegate_to) V(localhost), with C(run_once)), never on the machines to enroll.
  - Minting is never sent twice blindly. When the answer to a mint is lost (network failure, timeout, truncated or
    unreadable answer, 5xx, 429), the host factory is listed and the tokens with exactly the requested expiration and
    CIDR restriction are returned, since they are the ones the lost request minted. Only when there is none is the mint
    sent again, within O(retries). Another client that minted on the same host factory, with the same CIDR
    restriction and an expiration in the same second, at the same moment, would have its tokens returned too
    (with a warning), so that no token this task may have minted is left unknown. Use O(duration) rather than a
    fixed O(expiration) shared by several runs.
author:
  - hostfactory.enrollment contributors (@hostfactory)
extends_documentation_fragment:
  - hostfactory.enrollment.conjur
  - hostfactory.enrollment.transport
  - hostfactory.enrollment.conjur.login
  - hostfactory.enrollment.attributes
  - hostfactory.enrollment.attributes.action_group_conjur
attributes:
  check_mode:
    support: full
    details:
      - With O(state=present) and O(reuse=false), check mode sends no request at all and reports C(changed=true).
      - With O(reuse=true), or with O(state=absent) and O(host_factory) set, the host factory is read (never written)
        to predict the change. With O(all_tokens=true) check mode reads the host factory and reports how many
        tokens would be revoked (RV(revoked)).
  diff_mode:
    support: full
    details:
      - The diff lists token expirations and CIDR restrictions, never token values. With O(all_tokens=true) it lists
        the tokens revoked by their fingerprints (see M(hostfactory.enrollment.hostfactory_token_info)).
  idempotent:
    support: partial
    details:
      - O(state=present) mints new tokens on every run unless O(reuse=true).
      - O(state=absent) is idempotent; with O(all_tokens=true) a second run finds no token and changes nothing.
  platform:
    support: full
    platforms: posix
options:
  host_factory:
    description:
      - The host factory, as its identifier (V(provisioning/hosts)), as V(host_factory:provisioning/hosts), or as the
        fully qualified V(myorg:host_factory:provisioning/hosts).
      - Required with O(state=present) and with O(all_tokens=true). With O(state=absent) and O(token) or O(tokens)
        it is only used in check mode, to tell whether the tokens still exist.
    type: str
  state:
    description:
      - V(present) mints tokens (or reuses one, see O(reuse)); V(absent) revokes O(token) and O(tokens), or every
        token of O(host_factory) with O(all_tokens=true).
    type: str
    choices: [present, absent]
    default: present
  expiration:
    description:
      - When the new tokens expire, as an ISO 8601 date/time such as V(2030-01-31T12:00:00Z) or
        V(2030-01-31T14:00:00+02:00). A date and time without offset is UTC; a date alone is midnight UTC.
      - It must be in the future. The server receives it converted to UTC.
      - With the v5 API, one of O(expiration) and O(duration) is required for O(state=present). With the v4 API the
        default is one hour from now (the server's own default, sent explicitly so that a lost answer can be
        recognised).
      - Mutually exclusive with O(duration).
    type: str
  duration:
    description:
      - How long the new tokens stay valid from now, as seconds (V(3600)) or a number with a unit C(s), C(m), C(h),
        C(d) or C(w), also combined (V(30m), V(2h), V(1d), V(1h30m)).
      - At most V(365d) (one year).
      - Mutually exclusive with O(expiration).
    type: str
  count:
    description:
      - How many tokens to mint. All of them share the same expiration and CIDR restriction.
    type: int
    default: 1
  cidr:
    description:
      - Addresses the tokens may be used from, as IP addresses or CIDR ranges (IPv4 or IPv6). A bare address means a
        single host (V(/32) or V(/128)).
      - Ranges with bits set to the right of the mask, such as V(10.0.0.1/8), are rejected.
      - Empty or not set means the tokens can be used from anywhere.
    type: list
    elements: str
  reuse:
    description:
      - With O(state=present), return existing unexpired tokens of the host factory whose CIDR restriction equals
        O(cidr) and that remain valid for at least O(min_remaining), instead of minting; only the missing ones are
        minted up to O(count).
      - A token is only reused if it expires no more than a minute after the expiration a new token would get
        (O(duration) from now, or O(expiration)), so a token minted for something else, such as a batch for a later
        rollout, is left alone. With the v4 API and neither option set, any expiration is accepted.
      - A reused token is shared with whoever minted it. Revoking it (O(state=absent)) revokes it for every holder;
        to revoke only what this task minted, pass the tokens after the reused ones, C(tokens[reused:]) of the
        result (see the examples).
      - The login needs the C(read) privilege on the host factory.
    type: bool
    default: false
  min_remaining:
    description:
      - With O(reuse=true), the lifetime a token must still have to be reused, in the format of O(duration)
        (V(0) accepts any unexpired token).
    type: str
    default: 5m
  token:
    description:
      - A token to revoke with O(state=absent).
      - Surrounding white space (a trailing newline from a file lookup or C(echo)) is removed; a value that still
        holds white space or a control character is refused before any request, with a message that names the
        option and never shows the value.
    type: str
  tokens:
    description:
      - Tokens to revoke with O(state=absent), for example the RV(tokens) returned when they were minted (a list of
        strings, or of dictionaries with a C(token) key).
      - Each token is cleaned as O(token) is.
    type: list
    elements: raw
  all_tokens:
    description:
      - With O(state=absent), revoke every token O(host_factory) has when it is read (also expired ones the server
        still keeps), without knowing their values. For example after a run was interrupted (Ctrl-C, a lost
        controller) before it could revoke the token it minted.
      - B(This also revokes tokens that others minted for this host factory and still use), such as a batch handed to
        a provisioning system. List them first with M(hostfactory.enrollment.hostfactory_token_info).
      - The login needs C(read) (to list the tokens) and C(update) (to revoke them) on the host factory.
      - Not together with O(token) or O(tokens).
    type: bool
notes:
  - Revoking a token that no longer exists is not an error; it reports no change. The v5 server answers the same way
    (HTTP 404) when O(login) cannot see the token's host factory at all.
seealso:
  - module: hostfactory.enrollment.hostfactory_host
  - name: Conjur host factory documentation
    description: Host factory concepts, tokens and their CIDR restrictions.
    link: https://docs.cyberark.com/conjur-open-source/latest/en/content/operations/services/host_factory.htm
"""

EXAMPLES = r"""
- name: Mint one token valid for two hours for the new web servers
  hostfactory.enrollment.hostfactory_token:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /etc/pki/conjur-ca.pem
    login: host/ansible/controller
    api_key: "{{ conjur_controller_api_key }}"
    host_factory: provisioning/hosts
    duration: 2h
    cidr:
      - 10.20.0.0/16
  register: hf
  no_log: true
  run_once: true
  delegate_to: localhost

- name: Mint ten tokens expiring at a fixed time, with the connection and credentials taken from module_defaults
  module_defaults:
    group/hostfactory.enrollment.conjur:
      appliance_url: https://conjur.example.com
      account: myorg
      ca_path: /etc/pki/conjur-ca.pem
    hostfactory.enrollment.hostfactory_token:
      login: admin
      api_key: "{{ conjur_admin_api_key }}"
  hostfactory.enrollment.hostfactory_token:
    host_factory: myorg:host_factory:provisioning/hosts
    expiration: "2030-01-31T12:00:00Z"
    count: 10
  register: batch
  no_log: true

# The connection and the credentials of the next two tasks come from the controller's environment:
# CONJUR_APPLIANCE_URL, CONJUR_ACCOUNT, CONJUR_CERT_FILE, CONJUR_AUTHN_LOGIN and CONJUR_AUTHN_API_KEY.
- name: Reuse a token valid 30 more minutes at least and an hour at most, or mint one
  hostfactory.enrollment.hostfactory_token:
    host_factory: provisioning/hosts
    duration: 1h
    reuse: true
    min_remaining: 30m
  register: hf
  no_log: true

- name: Revoke at the end of the play the tokens minted above, not the reused ones (shared with others)
  hostfactory.enrollment.hostfactory_token:
    state: absent
    tokens: "{{ hf.tokens[hf.reused:] }}"
  no_log: true

- name: Revoke every token of the host factory after an interrupted run, without knowing their values
  hostfactory.enrollment.hostfactory_token:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /etc/conjur.pem
    host_factory: provisioning/hosts
    state: absent
    all_tokens: true
  register: cleanup
  run_once: true
  delegate_to: localhost

- name: Mint a token on a legacy Conjur 4 appliance (credentials from CONJUR_AUTHN_LOGIN / CONJUR_AUTHN_API_KEY)
  hostfactory.enrollment.hostfactory_token:
    appliance_url: https://conjur4.example.com/api
    account: myorg
    ca_path: /etc/pki/conjur-ca.pem
    api_version: 4
    host_factory: provisioning/hosts
  register: hf
  no_log: true
"""

RETURN = r"""
host_factory:
  description: The fully qualified id of the host factory.
  returned: when O(host_factory) is set
  type: str
  sample: myorg:host_factory:provisioning/hosts
tokens:
  description:
    - The tokens minted or reused with O(state=present), in the order returned by the server (reused tokens first).
    - Empty in check mode when tokens would be minted, and with O(state=absent) (never a value then).
    - These are secrets, see the description.
    - After a lost answer, more than O(count) tokens may be returned (with a warning, see the description).
  returned: always
  type: list
  elements: dict
  contains:
    token:
      description: The host factory token.
      type: str
      returned: always
      sample: 1bcarsc2bqvsxt6cnd74xem8yf15gtma71vp23y315n0z201c1jza7
    expiration:
      description: When the token expires (UTC, ISO 8601).
      type: str
      returned: always
      sample: "2030-01-31T12:00:00Z"
    cidr:
      description: The addresses the token may be used from; empty means anywhere.
      type: list
      elements: str
      returned: always
      sample: ["10.20.0.0/16"]
reused:
  description: How many of RV(tokens) were reused rather than minted.
  returned: when O(state=present)
  type: int
  sample: 1
revoked:
  description:
    - How many tokens were revoked (or would be, in check mode) with O(state=absent).
    - With O(all_tokens=true), how many tokens the host factory had (in check mode) or how many of them this run
      revoked.
  returned: when O(state=absent)
  type: int
  sample: 2
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _hostfactory_tokens as tokens
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur import (
    CONJUR_MUTUALLY_EXCLUSIVE,
    ConjurClient,
    conjur_argument_spec,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._conjur_settings import ConjurConnection
from ansible_collections.hostfactory.enrollment.plugins.module_utils._errors import CollectionError, fail
from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import clean_module_secrets


def argument_spec():
    spec = conjur_argument_spec(with_login=True)
    spec.update(
        host_factory=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        expiration=dict(type='str'),
        duration=dict(type='str'),
        count=dict(type='int', default=1),
        cidr=dict(type='list', elements='str'),
        reuse=dict(type='bool', default=False),
        min_remaining=dict(type='str', default='5m'),
        token=dict(type='str', no_log=True),
        tokens=dict(type='list', elements='raw', no_log=True),
        all_tokens=dict(type='bool'),
    )
    return spec


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=CONJUR_MUTUALLY_EXCLUSIVE + [('expiration', 'duration')],
        required_if=[('state', 'present', ('host_factory',)),
                     ('state', 'absent', ('token', 'tokens', 'all_tokens'), True),
                     ('all_tokens', True, ('host_factory',))],
        supports_check_mode=True,
    )
    try:
        clean_module_secrets(module)
        connection = ConjurConnection.resolve(module.params, warn=module.warn, credentials=True)
        module.no_log_values.add(connection.api_key)
        ensure = tokens.ensure_present if module.params['state'] == 'present' else tokens.ensure_absent
        result = ensure(ConjurClient(connection), module.params, module.check_mode,
                        module._diff)  # pylint: disable=protected-access
    except CollectionError as exc:
        fail(module, exc)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
