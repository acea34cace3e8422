# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The agent id: the name under which the Rackspace Monitoring agent announces itself.

An entity's checks run on the agent whose id is the entity's C(agent_id). The agent takes its id from
C(monitoring_id) in its configuration; without one it detects it, at C(--setup) and at every start, in this order:
the instance id cloud-init recorded (unless it is a placeholder), the C(name) of the Xen store without its
C(instance-) prefix (Rackspace Cloud servers), the host name. (It then also asks the EC2 metadata service, which is
not done here: on EC2, cloud-init has recorded the same instance id.)

Standard library only.
"""

from __future__ import annotations

import re
import socket

from ._errors import ParameterError

# The API's rule for an entity's agent_id (/^[-.\w]{1,255}$/, ASCII word characters).
AGENT_ID = re.compile(r'[-.\w]{1,255}', re.ASCII)
CLOUD_INIT_INSTANCE_ID = '/var/lib/cloud/data/instance-id'
# What cloud-init records when no datasource gave an instance id; the agent skips these.
CLOUD_INIT_PLACEHOLDERS = frozenset(('iid-datasource-none', 'nocloud'))
XEN_PREFIX_LENGTH = len('instance-')
READ_LIMIT = 4096


def is_agent_id(value):
    """Whether C(value) is an agent id the API accepts."""
    return isinstance(value, str) and AGENT_ID.fullmatch(value) is not None


def check_agent_id(value, option, error=ParameterError):
    """Raise C(error) naming C(option) unless C(value) is an agent id the API accepts."""
    if not is_agent_id(value):
        raise error("%s '%s' is not a valid agent id (1 to 255 ASCII letters, digits, '_', '-' or '.')"
                    % (option, value))


def read_text(path):
    """The beginning of a small text file, or None when it cannot be read."""
    try:
        with open(path, 'rb') as handle:
            return handle.read(READ_LIMIT).decode('utf-8', errors='replace')
    except OSError:
        return None


def detect_agent_id(read=read_text, xen_name=None, hostname=socket.gethostname):
    """The id the agent detects when its configuration has no C(monitoring_id), and where it came from.

    C(xen_name()) returns what C(xenstore-read name) printed, or None when it failed or is not installed. Returns
    C((agent_id, source)) with C(source) one of C(cloud-init), C(xen), C(hostname).
    """
    instance_id = (read(CLOUD_INIT_INSTANCE_ID) or '').strip()
    if instance_id and instance_id not in CLOUD_INIT_PLACEHOLDERS:
        return instance_id, 'cloud-init'
    name = xen_name() if xen_name is not None else None
    # Like the agent: a name of more than 10 characters, cut after "instance-" and trimmed.
    if name is not None and len(name) > XEN_PREFIX_LENGTH + 1:
        return name[XEN_PREFIX_LENGTH:].strip(), 'xen'
    return hostname(), 'hostname'


def module_xen_name(module):
    """A C(xen_name) for L(detect_agent_id) that runs C(xenstore-read name) through C(module), when installed."""
    def xen_name():
        command = module.get_bin_path('xenstore-read')
        if not command:
            return None
        rc, out, _err = module.run_command([command, 'name'])
        return out if rc == 0 else None
    return xen_name
