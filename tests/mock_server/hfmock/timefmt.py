# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Time parsing and rendering the way the real servers do it (Ruby DateTime.iso8601, ActiveSupport JSON)."""

from __future__ import annotations

import datetime
import re
import time

_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
_TIME_EXT = r'(?:t(\d{2}):(\d{2})(?::(\d{2})(?:[,.](\d+))?)?(z|[-+]\d{2}(?::?\d{2})?)?)?'
_TIME_BAS = r'(?:t?(\d{2})(\d{2})(?:(\d{2})(?:[,.](\d+))?)?(z|[-+]\d{2}(?:\d{2})?)?)?'
# Calendar (YYYY-MM[-DD]), ordinal (YYYY-DDD) and week (YYYY-Www-D) dates, extended and basic forms.
_FORMS = (
    ('cal', re.compile(r'\s*([-+]?\d{4,})-(\d{2})(?:-(\d{2}))?' + _TIME_EXT + r'\s*', re.I)),
    ('ord', re.compile(r'\s*([-+]?\d{4,})-(\d{3})' + _TIME_EXT + r'\s*', re.I)),
    ('week', re.compile(r'\s*(\d{4})-w(\d{2})-(\d)' + _TIME_EXT + r'\s*', re.I)),
    ('cal', re.compile(r'\s*([-+]?\d{4})(\d{2})(\d{2})' + _TIME_BAS + r'\s*', re.I)),
    ('ord', re.compile(r'\s*([-+]?\d{4})(\d{3})' + _TIME_BAS + r'\s*', re.I)),
    ('week', re.compile(r'\s*(\d{4})w(\d{2})(\d)' + _TIME_BAS + r'\s*', re.I)),
)


class ParsedTime:
    """An instant plus the UTC offset it was written in (for DateTime#to_s)."""

    __slots__ = ('epoch', 'offset')

    def __init__(self, epoch, offset):
        self.epoch = epoch
        self.offset = offset

    def ruby_to_s(self):
        """DateTime#to_s: wall time in the original offset, whole seconds, +HH:MM."""
        local = _EPOCH + datetime.timedelta(seconds=int(self.epoch // 1) + self.offset)
        sign = '-' if self.offset < 0 else '+'
        off = abs(self.offset)
        return '%s%s%02d:%02d' % (local.strftime('%Y-%m-%dT%H:%M:%S'), sign, off // 3600, off % 3600 // 60)


def parse_iso8601(value):
    """Parse like Ruby's DateTime.iso8601; return ParsedTime or None when Ruby would raise."""
    if not isinstance(value, str):
        return None
    for kind, regex in _FORMS:
        m = regex.fullmatch(value)
        if m:
            try:
                return _build(kind, m.groups())
            except (ValueError, OverflowError):
                return None
    return None


def _build(kind, g):
    year = int(g[0])
    if kind == 'cal':
        day = datetime.date(year, int(g[1]), int(g[2] or 1))
    elif kind == 'ord':
        ordinal = int(g[1])
        if not 1 <= ordinal <= (366 if _leap(year) else 365):
            raise ValueError('ordinal')
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=ordinal - 1)
    else:
        day = datetime.date.fromisocalendar(year, int(g[1]), int(g[2]))
    hour, minute, sec, frac, zone = g[2:7] if kind == 'ord' else g[3:8]
    hour, minute, sec = int(hour or 0), int(minute or 0), int(sec or 0)
    if hour > 24 or minute > 59 or sec > 60 or (hour == 24 and (minute or sec or (frac and int(frac)))):
        raise ValueError('time')
    offset = _zone_offset(zone)
    seconds = (day - _EPOCH.date()).days * 86400 + hour * 3600 + minute * 60 + sec - offset
    fraction = float('0.' + frac) if frac else 0.0
    return ParsedTime(seconds + fraction, offset)


def _zone_offset(zone):
    if not zone or zone in ('z', 'Z'):
        return 0
    digits = zone[1:].replace(':', '')
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError('zone')
    return (hours * 3600 + minutes * 60) * (-1 if zone[0] == '-' else 1)


def _leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def iso_z(epoch):
    """Time#utc.iso8601: UTC, whole seconds, Z."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(int(epoch // 1)))


def iso_ms(epoch):
    """ActiveSupport JSON time: YYYY-MM-DDTHH:MM:SS.mmm+00:00."""
    whole = int(epoch // 1)
    return '%s.%03d+00:00' % (time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(whole)), int((epoch - whole) * 1000))


def iso_ms_z(epoch):
    """Rackspace identity style: YYYY-MM-DDTHH:MM:SS.mmmZ."""
    whole = int(epoch // 1)
    return '%s.%03dZ' % (time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(whole)), int((epoch - whole) * 1000))
