# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a call that could block forever (a FIFO opened without O_NONBLOCK) so that a regression fails the test
instead of hanging the suite."""

from __future__ import annotations

import threading


def bounded(call, *args, **kwargs):
    """Run C(call) in a daemon thread for at most 20 s; return its result or raise its exception."""
    outcome = {}

    def target():
        try:
            outcome['value'] = call(*args, **kwargs)
        except BaseException as exc:  # pylint: disable=broad-except
            outcome['error'] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), '%s blocked' % getattr(call, '__name__', call)
    if 'error' in outcome:
        raise outcome['error']
    return outcome.get('value')
