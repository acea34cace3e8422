# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cloud Monitoring entities: the attributes a client may write, validated as the API documents them.

Shared by the HTTP routes (rackspace.py) and the seed (seed.py), so that a seeded entity obeys the same rules.
"""

from __future__ import annotations

import ipaddress
import os
import re
import string

WRITABLE = ('label', 'ip_addresses', 'metadata', 'managed', 'uri', 'agent_id')
MAX_LABEL = 255
MAX_IPS, MAX_IP_NAME, MAX_IP_TEXT = 64, 64, 64
MAX_METADATA, MAX_METADATA_TEXT = 256, 255
_AGENT_ID = re.compile(r'[-.\w]{1,255}', re.ASCII)
_ID_ALPHABET = string.ascii_letters + string.digits


class Invalid(ValueError):
    """An attribute the API refuses: ``key`` is the attribute, ``details`` says why."""

    def __init__(self, key, details):
        super().__init__(details)
        self.key = key
        self.details = details


def new_id():
    """``en`` plus 8 letters or digits, like the service's ids (``enAbCdEf12``)."""
    return 'en' + ''.join(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in os.urandom(8))


def new_record(entity_id, fields, now_ms):
    """A stored entity, keys in the order the API renders them."""
    record = {'id': entity_id, 'label': None, 'ip_addresses': {}, 'metadata': {}, 'managed': False, 'uri': None,
              'agent_id': None, 'created_at': now_ms, 'updated_at': now_ms}
    record.update(fields)
    return record


def validate(body, creating):
    """The writable attributes of the JSON object ``body``, checked and normalised; raise Invalid.

    Unknown keys are refused first, then a missing ``label`` on create, then each attribute in WRITABLE order."""
    extra = sorted(set(body) - set(WRITABLE))
    if extra:
        raise Invalid(extra[0], 'Unknown attribute.')
    if creating and 'label' not in body:
        raise Invalid('label', 'Missing required key.')
    return {key: _CHECKS[key](body[key]) for key in WRITABLE if key in body}


def _label(value):
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_LABEL:
        raise Invalid('label', 'Must be a string between 1 and %d characters long.' % MAX_LABEL)
    return value


def _ip_addresses(value):
    if value is None:
        return {}
    details = ('Must be an object of at most %d names (1 to %d characters) mapped to IPv4 or IPv6 addresses.'
               % (MAX_IPS, MAX_IP_NAME))
    if not isinstance(value, dict) or len(value) > MAX_IPS:
        raise Invalid('ip_addresses', details)
    for name, address in value.items():
        if not 1 <= len(name) <= MAX_IP_NAME or not _is_ip(address):
            raise Invalid('ip_addresses', details)
    return dict(value)


def _is_ip(value):
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_IP_TEXT or '%' in value or value != value.strip():
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _metadata(value):
    if value is None:
        return {}
    details = ('Must be an object of at most %d keys mapped to strings, keys and values 1 to %d characters long.'
               % (MAX_METADATA, MAX_METADATA_TEXT))
    if not isinstance(value, dict) or len(value) > MAX_METADATA:
        raise Invalid('metadata', details)
    for key, text in value.items():
        if not 1 <= len(key) <= MAX_METADATA_TEXT or not isinstance(text, str) or not 1 <= len(text) <= MAX_METADATA_TEXT:
            raise Invalid('metadata', details)
    return dict(value)


def _managed(value):
    if not isinstance(value, bool):
        raise Invalid('managed', 'Must be a boolean.')
    return value


def _uri(value):
    if value is not None and not isinstance(value, str):
        raise Invalid('uri', 'Must be a string or null.')
    return value


def _agent_id(value):
    if value is not None and not (isinstance(value, str) and _AGENT_ID.fullmatch(value)):
        raise Invalid('agent_id', 'Must be null or a string matching /^[-.\\w]{1,255}$/.')
    return value


_CHECKS = {'label': _label, 'ip_addresses': _ip_addresses, 'metadata': _metadata, 'managed': _managed, 'uri': _uri,
           'agent_id': _agent_id}
