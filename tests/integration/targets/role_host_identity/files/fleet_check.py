# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What tasks/check_fleet.yml asserts about each machine of a simulated fleet, printed as one JSON object:
{host: {"modes": {file: "0600" | "missing" | "not a regular file"}, "conf": <conf YAML>, "ca": <CA text>,
"machine": <identity's machine>, "login": <identity's login>, "auth": <HTTP status of authenticating with its key>}}.

One process for the whole fleet instead of seven module runs per machine. The API keys stay in this process: only
the status Conjur answered is printed.

Usage: fleet_check.py FLEET_DIR APPLIANCE_URL ACCOUNT BRANCH CA_PATH HOST...
"""
from __future__ import annotations

import json
import os
import re
import ssl
import stat
import sys
import urllib.error
import urllib.parse
import urllib.request

import yaml

FILES = ('conjur.identity', 'conjur.conf', 'conjur.pem')


def mode_of(path):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return 'missing'
    if not stat.S_ISREG(st.st_mode):
        return 'not a regular file'
    return '%04o' % stat.S_IMODE(st.st_mode)


def read(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except OSError:
        return None


def authenticate(url, account, login, password, context):
    request = urllib.request.Request(
        '%s/authn/%s/%s/authenticate' % (url, account, urllib.parse.quote(login, safe='')),
        data=password.encode('utf-8'), method='POST', headers={'Content-Type': 'text/plain'})
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def main():
    fleet_dir, url, account, branch, ca_path = sys.argv[1:6]
    context = ssl.create_default_context(cafile=ca_path)
    report = {}
    for host in sys.argv[6:]:
        machine_dir = os.path.join(fleet_dir, host)
        conf, ca = read(os.path.join(machine_dir, 'conjur.conf')), read(os.path.join(machine_dir, 'conjur.pem'))
        identity = read(os.path.join(machine_dir, 'conjur.identity')) or ''
        found = {key: (re.findall(r'\b%s\s+(\S+)' % key, identity) + [None])[0]
                 for key in ('machine', 'login', 'password')}
        report[host] = {
            'modes': {name: mode_of(os.path.join(machine_dir, name)) for name in FILES},
            'conf': yaml.safe_load(conf) if conf is not None else None,
            'ca': ca,
            'machine': found['machine'],
            'login': found['login'],
            'auth': authenticate(url, account, 'host/%s%s' % (branch, host), found['password'] or '', context),
        }
    print(json.dumps(report))


if __name__ == '__main__':
    main()
