#!/usr/bin/python
# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This file only documents the action plugin plugins/action/hostfactory_enroll.py, which does the work.

from __future__ import annotations

DOCUMENTATION = r"""
module: hostfactory_enroll
short_description: Enroll machines into Conjur, minting one host factory token on the controller only when needed
version_added: 0.1.0
description:
  - Makes sure the machine holds its own Conjur identity, like M(hostfactory.enrollment.hostfactory_host) (which it
    runs on the machine), but without a token to pass around. It is the engine of the role
    P(hostfactory.enrollment.host_identity#role).
  - First a read-only probe checks on the machine whether the identity file holds an entry for this host and the
    configuration and CA files are as they should be. It sends no request and returns no secret. When all is in
    place the task is done; this costs less than one module run.
  - Otherwise the enrollment of M(hostfactory.enrollment.hostfactory_host) runs on the machine. Where the connection
    carries standard input (C(local), C(ssh); with a become method only where Ansible would pipeline a module, see
    C(pipelining)) it runs without a module, as the same code sent as standard-library sources with the token on
    standard input, never on a command line (a third of the CPU time of a module run on the machine). It runs as the
    module itself with other connections and become methods, and for a symbolic O(mode). With
    C(ANSIBLE_KEEP_REMOTE_FILES) set, what the machine receives is kept in the remote temporary directory, as for a
    module.
  - When the machine must be enrolled and no O(token) is given, a host factory token is minted B(on the controller)
    with O(login) and O(api_key) - one token per run of C(ansible-playbook) (per O(host_factory), O(token_cidr) and
    O(login)), shared by all machines, and only once a machine needs it. Machines that come after it receive the
    token without a probe.
  - The API key of a new host is written on the machine and never travels to the controller.
  - Run a task with O(revoke_minted=true) at the end (in an C(always) section) to revoke the tokens minted during
    the run. It runs on the controller only and revokes a token once no host is enrolling with it; when hosts still
    are (strategy C(free) or C(host_pinned)), the last of them revokes it when it is done. It works the same under
    every strategy, with C(serial), C(throttle) and C(max_fail_percentage). With C(run_once) (as the role has it)
    it runs once per batch under C(linear), whose C(always) section starts when every host is done; C(free) and
    C(host_pinned) ignore C(run_once) and run it on every host.
  - A lost answer to the mint is recovered without minting twice, as in M(hostfactory.enrollment.hostfactory_token);
    every token the lost request may have created is recorded and revoked with the others.
  - Tokens that are not revoked expire after O(token_duration). A run that was killed cannot revoke its tokens; the
    next run's O(revoke_minted=true) task revokes them and removes the token store the killed run left behind.
  - With O(state=absent) it un-enrolls the machine, so that a decommissioned machine's key stops working. When the
    machine holds an identity of this host, the host's API key is B(invalidated on the server) with the
    controller's credentials (see O(state)), then M(hostfactory.enrollment.hostfactory_host) removes the files.
  - With O(preflight=true) the controller's credentials are proved before anything else, once per run (see
    O(preflight)).
author:
  - hostfactory.enrollment contributors (@hostfactory)
extends_documentation_fragment:
  - hostfactory.enrollment.conjur
  - hostfactory.enrollment.transport
  - hostfactory.enrollment.conjur.login
  - hostfactory.enrollment.enrollment
  - hostfactory.enrollment.attributes
  - hostfactory.enrollment.attributes.action_group_conjur
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - Check mode sends no request at all (the probe and the module's check mode answer on the machines); it mints no
        token and invalidates no key. Machines that would be enrolled (or un-enrolled) are reported as changed,
        with the diff of their files (the API keys masked). So a run of a whole fleet with C(--check) tells which
        machines are not enrolled, without a request to Conjur.
      - With O(preflight=true), check mode also sends the preflight's requests (a login and one read per run).
  diff_mode:
    support: full
  idempotent:
    support: partial
    details:
      - Idempotent unless O(rotate=true). A second O(state=absent) finds no identity and makes no request.
  platform:
    support: full
    platforms: posix
options:
  id:
    description:
      - Id of the host to create for this machine; the login written to the identity file is C(host/<id>).
      - Every machine needs its own id; see O(hostfactory.enrollment.hostfactory_host#module:id).
      - Required unless O(revoke_minted=true).
    type: str
  host_factory:
    description:
      - The host factory to mint the token for, as V(provisioning/hosts), V(host_factory:provisioning/hosts) or
        V(myorg:host_factory:provisioning/hosts).
      - Required when a token must be minted.
    type: str
  token:
    description:
      - A host factory token minted elsewhere. Nothing is minted then, and O(revoke_minted) leaves it alone.
      - Only sent to machines that must be enrolled.
      - Surrounding white space (a trailing newline from a file lookup or C(echo)) is removed; a value that still
        holds white space or a control character is refused before any request, with a message that names the
        option and never shows the value.
      - An empty value is refused (it usually is an environment variable that is not set); leave the option unset to
        mint a token.
    type: str
  token_duration:
    description:
      - How long a minted token is valid, as seconds or a number with a unit C(s), C(m), C(h), C(d), C(w), at most
        V(365d). Checked before anything is done on a machine.
      - When less than two minutes are left, the next machine that needs a token gets a fresh one.
    type: str
    default: 15m
  token_cidr:
    description:
      - Addresses a minted token may be used from (IP addresses or CIDR ranges). Empty means anywhere.
    type: list
    elements: str
    default: []
  revoke_minted:
    description:
      - Instead of enrolling, revoke the tokens minted by this action during this run of C(ansible-playbook), on the
        controller. Makes no request when none was minted.
      - A token that a host is still enrolling with is not revoked; that host revokes it when it is done. Run the
        task on every host (no C(run_once)), so that it runs after the last host that needs the token.
      - The tokens are revoked on the servers they were minted on, led by the access token they were minted with,
        then with O(login) and O(api_key) (or O(authn_token_file)) of this task.
      - The first such task of a run also revokes the unexpired tokens that runs killed before their end left in
        the controller's temporary directory, and removes their token stores. This task's credentials are only sent
        to its own O(appliance_url) and O(account) (or those of this run's tokens); a killed run's tokens for another
        server are revoked with their own access token only, or left to expire, with a warning.
    type: bool
    default: false
  state:
    description:
      - V(present) enrolls the machine.
      - V(absent) un-enrolls it. If the machine holds an entry for this host in O(identity_file), the host's API key
        is first invalidated on the server with O(login) and O(api_key) (or O(authn_token_file)) of this task, on the
        controller, with C(PUT /authn/<account>/api_key?role=host:<id>), the API-key rotation any role with the
        C(update) privilege on the host may do; the new key is discarded, never logged or returned. Then
        M(hostfactory.enrollment.hostfactory_host) removes the entry, and O(conf_file) and O(cert_file) when they
        hold what V(present) writes there (see O(hostfactory.enrollment.hostfactory_host#module:state)).
      - The credentials never reach the machine. One login per run serves every machine (its access token is
        shared through the run's token store), then one request per machine to un-enroll.
      - A machine without such an entry (never enrolled, or un-enrolled before) costs the probe only and sends no
        request, also to the server; a re-run does not invalidate again. The key of a machine whose identity file
        was already lost is therefore not invalidated by this module; rotate it with the Conjur CLI, or delete the
        host from the policy.
      - When the key cannot be invalidated (for example HTTP 403, no C(update) privilege on the host, or HTTP 404,
        the host is gone or not visible to the login), the task fails and the machine's files stay as they are.
      - Needs the Conjur v5 API.
    type: str
    choices: [present, absent]
    default: present
  preflight:
    description:
      - Prove the controller's credentials before anything else, once per run of C(ansible-playbook) (not once per
        machine). It logs in with O(login) and O(api_key) (or O(authn_token_file)) and, with O(state=present), reads
        O(host_factory) once. Together with check mode this is a real preflight of a rollout.
      - Wrong credentials, an unknown host factory or one the login cannot see fail every machine with the same
        one-line message that starts with C(preflight failed); only the first machine sends the requests.
      - When the host factory does not show the login holding C(execute) (to mint) and C(update) (to revoke), the
        task warns. Only ownership and direct grants show in the host factory; a grant through a group or layer
        does not, which is why this is a warning and not a failure.
      - The login's access token is kept for the run and reused by O(state=absent).
    type: bool
    default: false
  shared_with:
    description:
      - The machines of the play that use the same O(id) as this one (this machine among them). When the list is not
        empty the task fails before anything is done, naming them, because enrolling one would rotate the key of the
        other.
      - The role P(hostfactory.enrollment.host_identity#role) sets O(unique_in_play) instead.
    type: list
    elements: str
    default: []
  unique_in_play:
    description:
      - Fail before anything is done, as with O(shared_with), when another machine of the play (of this batch or of
        an earlier batch of a play with C(serial)) would enroll under the same O(id) on the same O(appliance_url) and
        O(account).
      - The ids are those of the variables that O(option_names) names for O(appliance_url), O(account) and O(id),
        templated on the controller for every machine of the batch, once per batch and not once per machine, with
        the variables the task sees on each machine (role, play, inventory and host variables, facts). So that
        option is required; a role passes its variables as the task's options and names them there.
      - A machine whose variables cannot be templated is left out of the comparison; its own task fails with the
        reason.
    type: bool
    default: false
  option_names:
    description:
      - The names to use for this task's options in its messages, as a mapping of option name to the name to show,
        for a role that passes its own variables as these options (the role
        P(hostfactory.enrollment.host_identity#role) maps V(token) to V(host_identity_token), and so on).
    type: dict
  options_from_vars:
    description:
      - Options the task reads from variables itself, as a mapping of option name to how the variable gives it.
        V(as_is) passes the variable's value as it is, V(unless_empty) passes nothing when the value is empty, null
        or V(false). The variable of each option is the one O(option_names) names for it, templated for this machine
        on the controller.
      - For a role that passes many of its variables as options. Ansible compiles each Jinja expression of a task's
        arguments again for every machine; a variable read here costs no compilation when it holds a plain value.
        The role P(hostfactory.enrollment.host_identity#role) reads all its options this way.
      - A value read from a variable takes the place of the option's value in the task (or in C(module_defaults));
        an option whose variable is undefined, V(omit) or, with V(unless_empty), empty keeps that value or stays
        unset, as an option written C({{ var | default(omit\) }}) or C({{ var | default(omit, true\) }}) would.
      - An option that O(option_names) gives no variable, or O(option_names) and O(options_from_vars) themselves,
        fail the task before anything is done. A variable that cannot be templated fails the task with a message
        that names it (without the error's text for O(api_key) and O(token)).
    type: dict
notes:
  - Where each option is used. O(appliance_url), O(account), O(api_version) and the CA are resolved B(on the
    controller) (options, then the controller's environment variables; no configuration file is read there) and
    passed to the machine; the CA is sent as content, so O(ca_path) is a path on the controller. A relative
    O(ca_path) is looked up like the C(src) of M(ansible.builtin.copy) - in the C(files/) directory of the role and of
    the playbook, then relative to them, not to the current directory. O(login), O(api_key)
    and O(authn_token_file) are only used on the controller and never reach the machine. O(config_file),
    O(identity_file), O(conf_file) and O(cert_file) are paths on the machine. Without a CA on the controller,
    O(cert_file) is not written and the machine resolves its own CA (its environment, O(config_file)).
  - The token store lives in the controller's private temporary directory of the run (mode C(0600) files in a
    C(0700) directory) and disappears with it. It holds the minted tokens, the access token that minted them and the
    public connection settings, never an API key. Run the revoking task before the end of the play. When a play is
    aborted before it (C(max_fail_percentage) exceeded, C(any_errors_fatal), C(meta) V(end_play)), the tokens expire
    after O(token_duration).
  - Neither the token nor the API keys appear in the output, also at C(-vvvv).
  - Proxies (O(use_proxy)) are taken from the environment of the process that sends each request - the
    controller's environment (of C(ansible-playbook)) for minting and revoking, the machine's (with the task's
    C(environment)) for the enrollment itself.
seealso:
  - module: hostfactory.enrollment.hostfactory_host
  - module: hostfactory.enrollment.hostfactory_token
"""

EXAMPLES = r"""
- name: Enroll the new machines, minting one token on the controller only if one of them needs it
  block:
    - name: Enroll
      hostfactory.enrollment.hostfactory_enroll:
        appliance_url: https://conjur.example.com
        account: myorg
        ca_path: /etc/pki/conjur-ca.pem
        host_factory: provisioning/hosts
        token_cidr: [10.20.0.0/16]
        id: "{{ inventory_hostname }}"
        conf_file: /etc/conjur.conf
        cert_file: /etc/conjur.pem
        preflight: true
      become: true
  always:
    - name: Revoke the token minted for this run once no host uses it (on every host; on the controller only)
      hostfactory.enrollment.hostfactory_enroll:
        revoke_minted: true
        appliance_url: https://conjur.example.com
        account: myorg

- name: Decommission a machine - invalidate its API key on the server, then remove its Conjur files
  hostfactory.enrollment.hostfactory_enroll:
    appliance_url: https://conjur.example.com
    account: myorg
    ca_path: /etc/pki/conjur-ca.pem
    id: "{{ inventory_hostname }}"
    conf_file: /etc/conjur.conf
    cert_file: /etc/conjur.pem
    state: absent
  become: true
"""

RETURN = r"""
unenrolled:
  description: With O(state=absent), whether an entry of this host left the identity file (or would, in check mode).
  returned: when O(state=absent)
  type: bool
  sample: true
key_invalidated:
  description:
    - With O(state=absent), whether the host's API key was invalidated on the server by this task (in check mode,
      whether it would be).
  returned: when O(state=absent)
  type: bool
  sample: true
enrolled:
  description: Whether the host was created (or its key rotated) by this task; in check mode, whether it would be.
  returned: unless O(revoke_minted=true)
  type: bool
  sample: true
login:
  description: The login written to the identity file.
  returned: unless O(revoke_minted=true)
  type: str
  sample: host/web-01
host_id:
  description: See RV(hostfactory.enrollment.hostfactory_host#module:host_id).
  returned: unless O(revoke_minted=true)
  type: str
  sample: data/ansible/web-01
requested_id:
  description: See RV(hostfactory.enrollment.hostfactory_host#module:requested_id).
  returned: when the server placed the host elsewhere than O(id)
  type: str
  sample: web-01
identity_file:
  description: Path of the identity file.
  returned: unless O(revoke_minted=true)
  type: str
  sample: /etc/conjur.identity
changed_files:
  description: Files whose content, owner, group or mode changed (or would change in check mode).
  returned: unless O(revoke_minted=true)
  type: list
  elements: str
  sample: [/etc/conjur.identity]
needs_token:
  description: Always V(false) after a successful run; see M(hostfactory.enrollment.hostfactory_host).
  returned: unless O(revoke_minted=true)
  type: bool
  sample: false
rotated:
  description: See RV(hostfactory.enrollment.hostfactory_host#module:rotated).
  returned: unless O(revoke_minted=true)
  type: bool
  sample: false
verified:
  description: Whether the API key was checked by authenticating with it (O(verify=true)) and was accepted.
  returned: unless O(revoke_minted=true)
  type: bool
  sample: false
host:
  description: The host record the server returned, without its API key. Empty when no host was created.
  returned: unless O(revoke_minted=true)
  type: dict
  sample: {}
revoked:
  description: How many tokens were revoked, those of killed runs included.
  returned: when O(revoke_minted=true)
  type: int
  sample: 1
deferred:
  description: How many tokens were left to the hosts still enrolling with them, which revoke them when done.
  returned: when O(revoke_minted=true)
  type: int
  sample: 0
stale_stores:
  description: How many token stores of killed runs were removed.
  returned: when O(revoke_minted=true)
  type: int
  sample: 0
"""
