# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Addresses: Conjur's CIDR validation (policy-parser + Postgres cidr) and Rack's client-IP rule."""

from __future__ import annotations

import ipaddress
import re

TRUSTED_PROXIES = frozenset(('127.0.0.1', '::1'))
_SPLIT = re.compile(r'[,\s]+')
_DIGITS = re.compile(r'\d+')


class CidrError(ValueError):
    """Conjur's message for an entry of cidr[] it refuses."""


def normalize_cidr(value):
    """Validate one cidr[] entry like Conjur::CIDR; return (rendered 'addr/len', network)."""
    text = value if isinstance(value, str) else _plain(value)
    addr_text, slash, mask = text.partition('/')
    try:
        if '%' in addr_text or not addr_text or addr_text != addr_text.strip():
            raise ValueError(text)
        addr = ipaddress.ip_address(addr_text)
        if not slash:
            prefix = addr.max_prefixlen
        elif _DIGITS.fullmatch(mask):
            prefix = int(mask)
        else:
            prefix = _netmask_prefix(mask, addr.version)
        network = ipaddress.ip_network('%s/%d' % (addr, prefix), strict=False)
    except ValueError:
        raise CidrError("Invalid IP address or CIDR range '%s'" % text)
    canonical = '%s/%d' % (network.network_address, prefix)
    if slash and prefix != addr.max_prefixlen and text != canonical:
        raise CidrError("Invalid IP address or CIDR range '%s': Value has bits set to right of mask. Did you mean '%s'?" % (text, canonical))
    return canonical, network


def _netmask_prefix(mask, version):
    net = ipaddress.ip_network('%s/%s' % ('0.0.0.0' if version == 4 else '::', mask))
    return net.prefixlen


def _plain(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def client_ip(peer, forwarded_for, client_ip_header=None):
    """Rack 2.2 Request#ip with Conjur's trusted proxies (127.0.0.1 and ::1 only)."""
    if peer.startswith('::ffff:'):
        peer = peer[7:]
    if peer not in TRUSTED_PROXIES:
        return peer
    forwarded = _split(client_ip_header) + _split(forwarded_for)
    untrusted = [ip for ip in forwarded if ip not in TRUSTED_PROXIES]
    if untrusted:
        return untrusted[-1]
    return forwarded[0] if forwarded else peer


def _split(header):
    if not header:
        return []
    return [_strip_port(part) for part in _SPLIT.split(header.strip()) if part]


def _strip_port(addr):
    if addr.startswith('['):
        return addr[1:].split(']', 1)[0]
    if addr.count(':') == 1:
        return addr.split(':', 1)[0]
    return addr


def ip_in(ip_text, networks):
    """True when the textual address lies in any of the networks (unparsable → False)."""
    try:
        ip = ipaddress.ip_address(ip_text)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in networks)


def is_loopback(peer):
    try:
        ip = ipaddress.ip_address(peer)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback
