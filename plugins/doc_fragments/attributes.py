# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:

    # Standard attribute descriptions; each module states its own support levels.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - This assumes that the system controlled/queried by the module has not changed in a relevant way.
  platform:
    description: Target OS/families that can be operated against.
"""

    # For read-only modules; use together with the standard fragment.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
  idempotent:
    support: full
    details:
      - This action does not modify state.
"""

    ACTION_GROUP_CONJUR = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/hostfactory.enrollment.conjur) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - hostfactory.enrollment.conjur
"""

    ACTION_GROUP_RACKSPACE = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/hostfactory.enrollment.rackspace) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - hostfactory.enrollment.rackspace
"""
