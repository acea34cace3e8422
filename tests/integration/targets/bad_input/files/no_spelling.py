# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that no spelling of a case's secret appears in what the case left behind.

Usage: python no_spelling.py < {"secrets": [...], "result": <the failed result>, "output": "<text>"}
Each secret is checked as given and without its surrounding white space, in every spelling a message may use: raw,
repr-escaped, JSON-escaped (ASCII or not), percent-encoded (quote and quote_plus) and as a bytes repr. The result
is searched both as JSON text and string by string. Exit 1 naming the secret's index and the spelling's kind.
This is the test's own list, written apart from the collection's redactor so that one cannot hide a gap in the other.
"""
from __future__ import annotations

import json
import sys
import urllib.parse


def spellings(value):
    encoded = value.encode('utf-8', errors='surrogatepass')
    return {
        'raw': value, 'repr': repr(value)[1:-1], 'json': json.dumps(value)[1:-1],
        'json-utf8': json.dumps(value, ensure_ascii=False)[1:-1], 'percent': urllib.parse.quote(encoded, safe=''),
        'percent-plus': urllib.parse.quote_plus(encoded, safe=''), 'bytes-repr': repr(encoded)[2:-1],
    }


def strings(data):
    if isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)
    elif data is not None:
        yield str(data)


def main():
    case = json.load(sys.stdin)
    texts = [json.dumps(case['result']), json.dumps(case['result'], ensure_ascii=False), case.get('output') or '']
    texts.extend(strings(case['result']))
    haystack = '\n'.join(texts)
    found = []
    for index, secret in enumerate(case['secrets']):
        for variant in (secret, secret.strip()):
            if len(variant) < 8:  # the cases use long values; a short one would match ordinary text
                raise SystemExit('secret %d is too short to be searched for' % index)
            found.extend('secret %d (%s)' % (index, kind) for kind, form in spellings(variant).items()
                         if form in haystack)
    if found:
        print('found: ' + ', '.join(sorted(set(found))))
        return 1
    print('no spelling of %d secret(s) found' % len(case['secrets']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
