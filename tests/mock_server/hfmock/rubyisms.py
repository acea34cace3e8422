# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ruby and Rack semantics the Conjur server exposes to clients: Integer(), #to_s, parse_nested_query."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

_INT_RE = re.compile(
    r'\s*([-+]?)(?:0[xX]([0-9a-fA-F]+(?:_[0-9a-fA-F]+)*)|0[bB]([01]+(?:_[01]+)*)'
    r'|0[dD](\d+(?:_\d+)*)|0[oO_]?([0-7]+(?:_[0-7]+)*)|(\d+(?:_\d+)*))\s*')
_SEP = re.compile(r'[&;] *')
_BAD_ESCAPE = re.compile(r'%(?![0-9A-Fa-f]{2})')
_NAME_HEAD = re.compile(r'[\[\]]*([^\[\]]+)\]*')
_ARRAY_HASH = re.compile(r'\[\]\[([^\[\]]+)\]')
_ARRAY_REST = re.compile(r'\[\](.+)')
DEPTH_LIMIT = 100


class ParamsError(ValueError):
    """Rack could not parse the parameters (Rails answers 400)."""


def ruby_integer(value):
    """Kernel#Integer(value, exception: false) for Integer and String inputs; None when invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    m = _INT_RE.fullmatch(value)
    if not m:
        return None
    sign, hexa, binary, dec, octal, plain = m.groups()
    if hexa is not None:
        n = int(hexa.replace('_', ''), 16)
    elif binary is not None:
        n = int(binary.replace('_', ''), 2)
    elif dec is not None:
        n = int(dec.replace('_', ''), 10)
    elif octal is not None:
        n = int(octal.replace('_', ''), 8)
    elif plain.startswith('0') and len(plain) > 1:
        return None
    else:
        n = int(plain.replace('_', ''), 10)
    return -n if sign == '-' else n


def ruby_to_s(value):
    """Object#to_s of a JSON-decoded value, as it appears in Conjur's error messages."""
    if value is None:
        return ''
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return repr(value)
    return ruby_inspect(value)


def ruby_inspect(value):
    if value is None:
        return 'nil'
    if isinstance(value, (bool, int, float)):
        return ruby_to_s(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return '[' + ', '.join(ruby_inspect(v) for v in value) + ']'
    return '{' + ', '.join('%s=>%s' % (ruby_inspect(k), ruby_inspect(v)) for k, v in value.items()) + '}'


def unescape(text):
    """URI.decode_www_form_component: '+' is a space; a malformed %-escape is an error."""
    if _BAD_ESCAPE.search(text):
        raise ParamsError('invalid %-encoding')
    return unquote_to_bytes(text.replace('+', ' ')).decode('utf-8', 'replace')


def parse_nested_query(query):
    """Rack 2.2 Utils.parse_nested_query: a[]=1&a[]=2, h[k]=v, bare keys map to None."""
    params = {}
    if not query:
        return params
    for part in _SEP.split(query):
        if not part:
            continue
        name, eq, value = part.partition('=')
        _normalize(params, unescape(name), unescape(value) if eq else None, 0)
    return params


def _normalize(params, name, value, depth):
    if depth >= DEPTH_LIMIT:
        raise ParamsError('too deep')
    m = _NAME_HEAD.match(name)
    key = m.group(1) if m else ''
    after = name[m.end():] if m else ''
    if not key:
        return [value] if value is not None and name == '[]' else None
    if after == '':
        params[key] = value
    elif after == '[':
        params[name] = value
    elif after == '[]':
        _array(params, key).append(value)
    else:
        md = _ARRAY_HASH.fullmatch(after) or _ARRAY_REST.fullmatch(after)
        if md:
            child = md.group(1)
            items = _array(params, key)
            if items and isinstance(items[-1], dict) and not _has_key(items[-1], child):
                _normalize(items[-1], child, value, depth + 1)
            else:
                items.append(_normalize({}, child, value, depth + 1))
        else:
            sub = params.setdefault(key, {})
            if not isinstance(sub, dict):
                raise ParamsError('expected Hash for param %s' % key)
            params[key] = _normalize(sub, after, value, depth + 1)
    return params


def _array(params, key):
    items = params.setdefault(key, [])
    if not isinstance(items, list):
        raise ParamsError('expected Array for param %s' % key)
    return items


def _has_key(hash_, key):
    if re.search(r'\[\]', key):
        return False
    for part in [p for p in re.split(r'[\[\]]+', key) if p]:
        if not isinstance(hash_, dict) or part not in hash_:
            return False
        hash_ = hash_[part]
    return True
