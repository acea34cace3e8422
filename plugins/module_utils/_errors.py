# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The collection's error hierarchy and its one failure shape.

Every error raised on purpose is a L(CollectionError): C(str()) is one line that names the cause and never holds a
secret, and C(fields) holds the structured details (C(status), C(url), ...). Every module and action plugin fails
through L(fail_result): the message first, then those fields. Standard library only (shipped with the node probe).
"""

from __future__ import annotations

import re


def one_line(text):
    """C(text) on one line: every line break, with the white space around it, becomes one space."""
    return ' '.join(part.strip() for part in str(text).splitlines() if part.strip())


class CollectionError(Exception):
    """Base of every error the collection raises on purpose."""

    def __init__(self, message, **fields):
        self.message = one_line(message)
        self.fields = dict((name, value) for name, value in fields.items() if value is not None)
        super().__init__(self.message)

    def __str__(self):
        return self.message


class ParameterError(CollectionError):
    """An option value is invalid; nothing was sent and nothing was changed."""


def fail_result(error, result=None):
    """The keyword arguments of C(fail_json) for C(error): C(msg), the error's fields, then C(result) without a diff.

    A diff is dropped because it may describe a change that did not happen.
    """
    kwargs = dict(result or {})
    kwargs.pop('diff', None)
    kwargs.update(getattr(error, 'fields', None) or {})
    kwargs['msg'] = str(error)
    return kwargs


def fail(module, error, result=None):
    """Fail C(module) with L(fail_result)."""
    module.fail_json(**fail_result(error, result))


# Where a message of this collection names a plain-word option (C(token), C(rotate), C(username), ...). Such words
# are also English ("the host factory token", "failed for login 'admin'"), so they are renamed only in the forms the
# messages use for options: at the start of the message, after "set", "set option" or "setting", as "in NAME)", before
# ": true"/": false", and as the subject of a clause after ": " or "; " ("cidr: ...", "duration '5x' is not valid").
# Names with an underscore are identifiers: renamed anywhere they stand alone.
_NOT_AFTER = r'(?<![\w.:/-])'  # not part of a longer identifier, path, URL or resource id (myorg:host_factory:x)
_NOT_BEFORE = r'(?![\w/-]|[.:]\w)'


def _names_option(message, start, end):
    before, after = message[:start], message[end:]
    if before == '' or after.startswith((': true', ': false')) or before.endswith(('set ', 'option ', 'setting ')):
        return True
    if before.endswith('in '):
        return after.startswith(')')
    return before.endswith((': ', '; ')) and after.startswith((': ', " '"))


def rename_options(message, names):
    """C(message) with the options it names called by the names a caller exposes them under (a role's variables).

    C(names) maps an option name to the name to show. An option written C(option NAME) becomes just the new name.
    """
    if not names or not message:
        return message
    pattern = re.compile('%s(%s)%s' % (
        _NOT_AFTER, '|'.join(re.escape(n) for n in sorted(names, key=len, reverse=True)), _NOT_BEFORE))
    out, position = [], 0
    for match in pattern.finditer(message):
        name = match.group(1)
        if '_' not in name and not _names_option(message, match.start(), match.end()):
            continue
        prefix = message[position:match.start()]
        if prefix.endswith('option '):
            prefix = prefix[:-len('option ')]
        out.extend((prefix, names[name]))
        position = match.end()
    out.append(message[position:])
    return ''.join(out)
