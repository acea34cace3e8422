# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Leak check: prove that no secret the mock server issued (or was seeded with) reached any output of a test run.

Reads every ``*.json`` under the secrets directories (the mock's ``GET /_mock/secrets``, saved by the
setup_mock_server target: ``{"api_keys": [...], "hf_tokens": [...], ...}``), then scans the given files and
directories (logs, junit files, everything ansible-test left under tests/output) for each secret in these forms:

- plain, JSON-escaped, percent-encoded (``quote`` and ``quote_plus``);
- base64, standard and URL-safe, padded or not, on its own or inside a longer base64 text at any byte offset
  (what ``slurp`` of a file holding the secret prints);
- for secrets with characters outside the token alphabet (the JSON of an access token): their longest token run;
- inside zlib- or gzip-compressed base64 payloads (what -vvvv shows of code Ansible sends to a node, for example
  ``exec(zlib.decompress(base64.b64decode('eNrt...')))``): such payloads are unpacked and scanned too.

- inside base64 zip archives (the AnsiballZ payload of a module): every member is unpacked and scanned.

What reaches a managed node is checked too, not only what is printed. ``--node-payloads DIR`` names a directory of
remote files kept by Ansible (``ANSIBLE_KEEP_REMOTE_FILES=1`` with ``remote_tmp`` in DIR): every AnsiballZ payload
of a module of this collection that runs on the node (all but the credential modules, which run where the
controller's credentials are: CONTROLLER_MODULES), and every document of the lean run of hostfactory_host
(``hostfactory_host_node_run.json``: sources, arguments and token, which hostfactory_enroll sends instead of the
module's payload), is scanned, arguments and unpacked code, for the secrets that must never reach a node: the
controller's credentials (CONTROLLER_KINDS: the seeded users' API keys and passwords, the Rackspace API key,
password and auth tokens, and the access tokens of users). A host factory token, a host's own API key and access
token, and an agent token legitimately reach their node. Payloads of other modules (ansible.builtin tasks of the
tests themselves, on localhost) are not node work of this collection and are not scanned.

Prints one line per leak with the location (file and line), the secret's kind, the form it was found in and a
short SHA-256 fingerprint -- never the secret -- and a one-line summary::

    leak_check: checked 1234 secrets from 9 mock runs against 57 files (12.3 MB): 0 leaks
    leak_check: checked 310 node payloads (hostfactory_host: 300, ...) for 14 controller credentials: 0 leaks

Exit status: 0 no leak, 1 leaks found, 2 nothing to check (no secrets file, fewer runs than --min-runs, or a
--node-payloads directory without any kept payload).

``--self-test`` plants secrets in every form in scratch files and kept payloads and checks that each one is caught,
that clean text and legitimate node secrets are not flagged and that the report never holds a secret; it exits
non-zero if the checker could miss a leak.

Usage: python tools/leak_check.py --secrets DIR [--secrets DIR ...] [--node-payloads DIR ...] [--exclude PATH ...]
       [--min-runs N] PATH...
"""
from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import urllib.parse
import zipfile
import zlib

MIN_SECRET = 8          # shorter values are not distinctive enough to search for
MIN_PATTERN = 12        # no searched form is shorter than this
ANCHOR = 12             # length of the index key taken from each form
TOKEN_CHARS = rb'A-Za-z0-9+/=_.~%-'
TOKEN_RUN = re.compile(rb'[' + TOKEN_CHARS + rb']{%d,}' % ANCHOR)
# base64 of a zlib stream (78 01 / 78 5e / 78 9c / 78 da) or of a gzip member (1f 8b 08)
PACKED = re.compile(rb'(?:eA|eF|eJ|eN|H4sI)[A-Za-z0-9+/]{60,}={0,2}')
ZIPPED = re.compile(rb'UEsDB[A-Za-z0-9+/]{60,}={0,2}')  # base64 of a zip archive (PK\x03\x04)
MAX_UNPACKED = 64 * 1024 * 1024
# Modules of this collection that authenticate with the controller's credentials by design: their documentation
# says to run them on the controller (delegate_to: localhost). Every other module of the collection runs on the node.
CONTROLLER_MODULES = ('hostfactory_token', 'hostfactory_token_info', 'agent_token', 'agent_token_info',
                      'agent_entity')
# Kinds of /_mock/secrets that are credentials of the controller (access_tokens: those of users, see is_controller).
CONTROLLER_KINDS = ('seeded', 'auth_tokens')
MODULE_FQN = re.compile(rb'ansible_collections\.hostfactory\.enrollment\.plugins\.modules\.(\w+)')
# The document of the lean run of hostfactory_host (plugin_utils/_node_code.RUN_FILE), kept like a module's payload.
LEAN_RUN_FILE = 'hostfactory_host_node_run.json'
LEAN_RUN = 'hostfactory_host (lean run)'


def fingerprint(secret):
    return hashlib.sha256(secret.encode('utf-8', 'surrogateescape')).hexdigest()[:10]


def _b64_inner(data, offset, urlsafe):
    """The part of base64(<offset bytes> + data) that depends on C(data) only (whole 4-char groups)."""
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(b'\0' * offset + data)
    start = 4 if offset else 0
    whole = (offset + len(data)) // 3 * 4
    return encoded[start:whole]


def forms(secret):
    """{form name: bytes} for one secret; forms shorter than MIN_PATTERN are left out."""
    raw = secret.encode('utf-8', 'surrogateescape')
    found = {'plain': raw}
    escaped = json.dumps(secret)[1:-1].encode('ascii')
    if escaped != raw:
        found['json-escaped'] = escaped
        found['json-escaped-twice'] = json.dumps(json.dumps(secret)[1:-1])[1:-1].encode('ascii')
    found['percent'] = urllib.parse.quote(secret, safe='').encode('ascii')
    found['percent-plus'] = urllib.parse.quote_plus(secret, safe='').encode('ascii')
    for urlsafe, name in ((False, 'base64'), (True, 'base64url')):
        # unpadded base64 is a prefix of the padded form, so searching for it finds both
        found[name] = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).rstrip(b'=')
        for offset in (1, 2):
            found['%s+%d' % (name, offset)] = _b64_inner(raw, offset, urlsafe)
    runs = re.findall(rb'[A-Za-z0-9+/_-]+', raw)
    if runs and max(runs, key=len) != raw:
        found['fragment'] = max(runs, key=len)
    unique = {}
    for name, value in found.items():
        if len(value) >= MIN_PATTERN and value not in unique.values():
            unique[name] = value
    return unique


class Pattern:
    __slots__ = ('value', 'kind', 'form', 'fingerprint', 'anchor_at')

    def __init__(self, value, kind, form, fp, anchor_at):
        self.value = value
        self.kind = kind
        self.form = form
        self.fingerprint = fp
        self.anchor_at = anchor_at


def _anchor(value):
    """Offset of the first ANCHOR-long run of token characters in C(value), or None."""
    match = re.search(rb'[' + TOKEN_CHARS + rb']{%d}' % ANCHOR, value)
    return match.start() if match else None


class Index:
    """Every form of every secret, keyed by an ANCHOR-long slice of token characters."""

    def __init__(self):
        self.by_anchor = {}
        self.secrets = 0
        self.skipped = 0
        self.unsearchable = 0

    def add(self, kind, secret):
        if not isinstance(secret, str) or len(secret) < MIN_SECRET:
            self.skipped += 1
            return
        self.secrets += 1
        fp = fingerprint(secret)
        searchable = False
        for form, value in forms(secret).items():
            at = _anchor(value)
            if at is None:
                continue
            searchable = True
            key = value[at:at + ANCHOR]
            self.by_anchor.setdefault(key, []).append(Pattern(value, kind, form, fp, at))
        if not searchable:
            self.unsearchable += 1

    def scan(self, data):
        """Yield (offset, Pattern) for every match in C(data) (bytes), once per pattern and offset."""
        seen = set()
        index = self.by_anchor
        for run in TOKEN_RUN.finditer(data):
            chunk = run.group()
            base = run.start()
            for i in range(len(chunk) - ANCHOR + 1):
                patterns = index.get(chunk[i:i + ANCHOR])
                if not patterns:
                    continue
                for pattern in patterns:
                    start = base + i - pattern.anchor_at
                    if start >= 0 and data.startswith(pattern.value, start) and (start, pattern.fingerprint) not in seen:
                        seen.add((start, pattern.fingerprint))
                        yield start, pattern


def token_subject(secret):
    """The login a Conjur access token (its JSON or the base64 of it; v5 or v4) was issued to, or None."""
    for text in (secret, _b64_text(secret)):
        try:
            token = json.loads(text or '')
        except ValueError:
            continue
        if not isinstance(token, dict):
            continue
        if isinstance(token.get('data'), str):  # v4
            return token['data']
        try:  # v5: the payload is base64url JSON with the subject in "sub"
            return json.loads(_b64_text(token.get('payload') or '', urlsafe=True)).get('sub')
        except (ValueError, AttributeError):
            return None
    return None


def _b64_text(text, urlsafe=False):
    try:
        raw = (base64.urlsafe_b64decode if urlsafe else base64.b64decode)(text + '=' * (-len(text) % 4))
        return raw.decode('utf-8')
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def is_controller(kind, secret):
    """Whether a secret of C(kind) is a credential of the controller, which must never reach a node."""
    if kind == 'access_tokens':
        subject = token_subject(secret)
        return not (isinstance(subject, str) and subject.startswith('host/'))
    return kind in CONTROLLER_KINDS


def load_secrets(directories, index, controller=None):
    """Add every secret of every C(*.json) under C(directories); return the number of files (mock runs).

    The controller's credentials (L(is_controller)) also go to the index C(controller).
    """
    runs = 0
    for directory in directories:
        if not os.path.isdir(directory):
            continue
        for name in sorted(os.listdir(directory)):
            if not name.endswith('.json'):
                continue
            with open(os.path.join(directory, name), 'r', encoding='utf-8') as handle:
                data = json.load(handle)
            runs += 1
            for kind, values in sorted(data.items()):
                for value in values if isinstance(values, list) else [values]:
                    index.add(kind, value)
                    if controller is not None and is_controller(kind, value):
                        controller.add(kind, value)
    return runs


def files_to_scan(paths, excluded):
    excluded = [os.path.abspath(p) for p in excluded]

    def skip(path):
        path = os.path.abspath(path)
        return any(path == e or path.startswith(e + os.sep) for e in excluded)

    for path in paths:
        if skip(path):
            continue
        if os.path.isfile(path):
            yield path
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if not skip(os.path.join(dirpath, d)))
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                if not skip(full) and os.path.isfile(full) and not os.path.islink(full):
                    yield full


def unpack(blob):
    """The decompressed content of a base64 zlib/gzip payload, or None."""
    try:
        raw = base64.b64decode(blob + b'=' * (-len(blob) % 4))
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header
        data = inflater.decompress(raw, MAX_UNPACKED)
    except (ValueError, zlib.error):
        return None
    return data or None


def unzip(blob):
    """{member name: content} of a base64 zip archive, or None."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(blob + b'=' * (-len(blob) % 4))))
        return dict((info.filename, archive.read(info)) for info in archive.infolist()
                    if info.file_size <= MAX_UNPACKED)
    except (ValueError, binascii.Error, zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError):
        return None


def scan_data(index, data, where, leaks, archives=None):
    """Append a leak line for every secret in C(data) and in the compressed payloads and zip archives it carries.

    C(archives) (a dict) remembers the zip archives already scanned: a module's AnsiballZ archive is the same in
    every run of the module, so it is unpacked and scanned once.
    """
    for offset, pattern in index.scan(data):
        line = data.count(b'\n', 0, offset) + 1
        leaks.append('LEAK: %s:%d: %s secret (%s form), fingerprint %s'
                     % (where, line, pattern.kind, pattern.form, pattern.fingerprint))
    for match in PACKED.finditer(data):
        unpacked = unpack(match.group())
        if unpacked:
            line = data.count(b'\n', 0, match.start()) + 1
            scan_data(index, unpacked, '%s:%d (inside a compressed base64 payload)' % (where, line), leaks, archives)
    for match in ZIPPED.finditer(data):
        digest = hashlib.sha256(match.group()).digest()
        if archives is not None and digest in archives:
            continue
        members = unzip(match.group())
        if archives is not None:
            archives[digest] = True
        line = data.count(b'\n', 0, match.start()) + 1
        for name, content in sorted((members or {}).items()):
            scan_data(index, content, '%s:%d (inside a base64 zip archive, member %s)' % (where, line, name), leaks,
                      archives)


def read(path, leaks):
    """The bytes of C(path), or None after appending an error line to C(leaks)."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except OSError as exc:
        leaks.append('ERROR: cannot read %s: %s' % (path, exc.strerror or exc))
        return None


def check(index, paths):
    """Return (leak lines, files scanned, bytes scanned)."""
    leaks, count, size = [], 0, 0
    archives = {}
    for path in paths:
        data = read(path, leaks)
        if data is None:
            continue
        count += 1
        size += len(data)
        scan_data(index, data, path, leaks, archives)
    return leaks, count, size


def check_node_payloads(controller, directories):
    """Scan every kept AnsiballZ payload of a node-side module of this collection under C(directories) for the
    controller's credentials; return (leak lines, payloads of any module found, {module: payloads scanned})."""
    leaks, kept, modules, archives = [], 0, {}, {}
    for path in files_to_scan(directories, ()):
        name = os.path.basename(path)
        lean = name == LEAN_RUN_FILE
        if not lean and not (name.startswith('AnsiballZ_') and name.endswith('.py')):
            continue
        kept += 1
        data = read(path, leaks)
        if data is None:
            continue
        match = None if lean else MODULE_FQN.search(data)
        module = LEAN_RUN if lean else match.group(1).decode('ascii') if match else None
        if module is None or module in CONTROLLER_MODULES:
            continue
        modules[module] = modules.get(module, 0) + 1
        found = []
        scan_data(controller, data, path + ' (payload of %s sent to a node)' % module, found, archives)
        leaks.extend(line.replace('LEAK: ', 'LEAK: controller credential on a node: ', 1) for line in found)
    return leaks, kept, modules


def human(size):
    for unit in ('B', 'KB', 'MB', 'GB'):
        if size < 1024 or unit == 'GB':
            return ('%d %s' % (size, unit)) if unit == 'B' else ('%.1f %s' % (size, unit))
        size /= 1024.0
    return str(size)  # pragma: no cover


def run(secret_dirs, paths, excluded=(), min_runs=1, out=sys.stdout, node_dirs=()):
    index, controller = Index(), Index()
    runs = load_secrets(secret_dirs, index, controller)
    excluded = list(excluded) + list(secret_dirs) + list(node_dirs)
    if runs < min_runs or index.secrets == 0:
        out.write('leak_check: found %d mock runs with %d secrets under %s (need at least %d runs): nothing to check\n'
                  % (runs, index.secrets, ', '.join(secret_dirs), min_runs))
        return 2
    leaks, count, size = check(index, files_to_scan(paths, excluded))
    node_leaks, kept, modules = check_node_payloads(controller, node_dirs) if node_dirs else ([], 0, {})
    for line in leaks + node_leaks:
        out.write(line + '\n')
    if index.unsearchable:
        out.write('leak_check: WARNING: %d secrets have no searchable form\n' % index.unsearchable)
    out.write('leak_check: checked %d secrets from %d mock runs against %d files (%s): %d leaks\n'
              % (index.secrets, runs, count, human(size), len([x for x in leaks if x.startswith('LEAK')])))
    if node_dirs:
        out.write('leak_check: checked %d node payloads (%s) for %d controller credentials: %d leaks\n'
                  % (sum(modules.values()), ', '.join('%s: %d' % item for item in sorted(modules.items())) or 'none',
                     controller.secrets, len([x for x in node_leaks if x.startswith('LEAK')])))
        if kept == 0:
            out.write('leak_check: no payload was kept under %s (is ANSIBLE_KEEP_REMOTE_FILES set, and remote_tmp '
                      'there?): nothing to check\n' % ', '.join(node_dirs))
            return 2
    return 1 if leaks or node_leaks else 0


# ------------------------------------------------------------------------------------------------------------------
# self-test
# ------------------------------------------------------------------------------------------------------------------

SELF_TEST_SECRETS = {
    'api_keys': ['1tq3kbm2y1nfkq3z0hxaed5s0wq2ke8v3gq2wjyz6ar1rvqv2mwhgz'],
    'agent_tokens': ['4f0c2d9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c.123456'],
    'access_tokens': ['{"protected":"eyJhbGciOiJjb25qdXIub3JnL3Nsb3NpbG8vdjIifQ==","payload":"eyJzdWIiOiJhZG1pbiJ9",'
                      '"signature":"c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dXJlLXNpZ25hdHVyZQ=="}'],
    'seeded': ['pa ss/wo+rd&=?Zq81~', 'short', '2bq7cwz61k0qs85w3mf2zsmn1ncv1n6vd8c4sx2hb9mqv8h3r5zrq'],
    'hf_tokens': ['3mw0e8cjxkah1y2tpx2k5g4bq7cd9zjmz1cr6e2fhn8d4srv0q3kq'],
}
HOST_ACCESS_TOKEN = ('{"protected":"eyJhbGciOiJjb25qdXIub3JnL3Nsb3NpbG8vdjIifQ==","payload":"eyJzdWIiOiJob3N0L3dlYiJ9",'
                     '"signature":"aG9zdC1zaWduYXR1cmUtaG9zdC1zaWduYXR1cmUtaG9zdC1zaWduYXR1cmU="}')
SELF_TEST_SECRETS['access_tokens'].append(HOST_ACCESS_TOKEN)


def ansiballz(module_fqn, args, source=b'def main():\n    pass\n'):
    """A kept payload shaped like ansible-core's AnsiballZ wrapper: the arguments as JSON, the code as a base64 zip."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, 'w', zipfile.ZIP_DEFLATED) as handle:
        handle.writestr(module_fqn.replace('.', '/') + '.py', source)
    fields = dict(ansible_module=module_fqn.rsplit('.', 1)[-1], module_fqn=module_fqn,
                  params=json.dumps({'ANSIBLE_MODULE_ARGS': args}),
                  zip_data=base64.b64encode(archive.getvalue()).decode('ascii'))
    return ('#!/usr/bin/python3\ndef _ansiballz_main(**kwargs):\n    pass\n\n\nif __name__ == "__main__":\n'
            '    _ansiballz_main(\n%s\n)\n' % '\n'.join('%s=%r,' % item for item in fields.items())).encode()


def _self_test_cases():
    """(name, file content, expected (kind, form) or None)."""
    key = SELF_TEST_SECRETS['api_keys'][0]
    agent = SELF_TEST_SECRETS['agent_tokens'][0]
    token = SELF_TEST_SECRETS['access_tokens'][0]
    password = SELF_TEST_SECRETS['seeded'][0]
    cases = [
        ('clean text', b'ok: [localhost] => {"changed": false, "api_key": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}\n'
         + key[:10].encode() + b' ' + key[10:].encode() + b'\nsha ' + hashlib.sha256(key.encode()).hexdigest().encode(), None),
        ('a value too short to search', b'password short\n', None),
        ('plain api key in a log line', b'line one\n    "password": "%s"\n' % key.encode(), ('api_keys', 'plain')),
        ('plain agent token', b'token=' + agent.encode(), ('agent_tokens', 'plain')),
        ('api key in standard base64 with padding', base64.b64encode(key.encode()), ('api_keys', 'base64')),
        ('password in URL-safe base64 without padding, at byte offset 1',
         base64.urlsafe_b64encode(b'\xfb' + password.encode()).rstrip(b'='), ('seeded', 'base64url+1')),
        ('password in percent encoding', b'body=' + urllib.parse.quote(password, safe='').encode(), ('seeded', 'percent')),
        ('password in form encoding', b'a=b&password=' + urllib.parse.quote_plus(password, safe='').encode(),
         ('seeded', 'percent-plus')),
        ('access token JSON escaped in a result', json.dumps({'stdout': token}).encode(), ('access_tokens', 'json-escaped')),
        ('access token in base64', b'Token token="%s"' % base64.b64encode(token.encode()), ('access_tokens', 'base64')),
    ]
    payload = b'import sys\nKEY = %r\n' % key.encode()
    cases.append(('api key inside a zlib-compressed base64 payload of an EXEC line',
                  b"<web> EXEC /bin/sh -c 'python -c exec(zlib.decompress(base64.b64decode(\\'%s\\')))'"
                  % base64.b64encode(zlib.compress(payload)), ('api_keys', 'plain')))
    cases.append(('api key inside a gzip-compressed base64 payload',
                  b'data: ' + base64.b64encode(gzip_compress(payload)), ('api_keys', 'plain')))
    for offset in range(3):
        identity = ('x' * offset + 'machine https://conjur/authn\n    login host/web\n    password %s\n' % key).encode()
        at = identity.index(key.encode())
        cases.append(('slurped identity file, secret at byte offset %d' % at,
                      b'"content": "%s"' % base64.b64encode(identity),
                      ('api_keys', 'base64+%d' % (at % 3) if at % 3 else 'base64')))
    cases.append(('api key inside the base64 zip archive of a module payload in a log',
                  ansiballz('ansible.modules.ping', {}, payload), ('api_keys', 'plain')))
    return [case + (None,) for case in cases] + _node_cases()


def _node_cases():
    """(name, kept payload, expected, module): what reaches a node, checked for the controller's credentials only."""
    user_key = SELF_TEST_SECRETS['seeded'][2]
    password = SELF_TEST_SECRETS['seeded'][0]
    user_token = SELF_TEST_SECRETS['access_tokens'][0]
    host = 'ansible_collections.hostfactory.enrollment.plugins.modules.hostfactory_host'
    agent = 'ansible_collections.hostfactory.enrollment.plugins.modules.agent_config'
    minting = 'ansible_collections.hostfactory.enrollment.plugins.modules.hostfactory_token'
    node_secrets = dict(host_factory_token=SELF_TEST_SECRETS['hf_tokens'][0], key=SELF_TEST_SECRETS['api_keys'][0],
                        token=SELF_TEST_SECRETS['agent_tokens'][0], access=HOST_ACCESS_TOKEN)
    return [
        ('a user API key in the arguments of hostfactory_host on a node',
         ansiballz(host, dict(id='web', login='admin', api_key=user_key)), ('seeded', 'plain'), 'hostfactory_host'),
        ('a user API key in the code of agent_config, inside its zip archive',
         ansiballz(agent, {}, b'KEY = %r\n' % user_key.encode()), ('seeded', 'plain'), 'agent_config'),
        ('a password in percent encoding in the arguments of agent_config',
         ansiballz(agent, dict(url='https://u:%s@h' % urllib.parse.quote(password, safe=''))), ('seeded', 'percent'),
         'agent_config'),
        ("a user's access token in base64 in a node payload",
         ansiballz(host, dict(id='web', t=base64.b64encode(user_token.encode()).decode())), ('access_tokens', 'base64'),
         'hostfactory_host'),
        ("a host factory token, a host's key and access token, an agent token: they belong on the node",
         ansiballz(host, node_secrets), None, 'hostfactory_host'),
        ('a user API key in the arguments of the lean run of hostfactory_host on a node',
         lean_document(dict(id='web', login='admin', api_key=user_key)), ('seeded', 'plain'), LEAN_RUN),
        ('a host factory token in the document of the lean run: it belongs on the node',
         lean_document(dict(id='web'), node_secrets['host_factory_token']), None, LEAN_RUN),
        ('the credentials of a module that runs on the controller by design',
         ansiballz(minting, dict(login='admin', api_key=user_key)), None, 'hostfactory_token'),
        ('a task of the tests themselves (ansible.builtin) on localhost',
         ansiballz('ansible.modules.copy', dict(content=user_key)), None, 'copy'),
    ]


def lean_document(args, token=None):
    """A kept document of the lean run, shaped like plugin_utils/_node_code.run_document's."""
    return json.dumps(dict(sources=[['_errors', '# code\n']], args=args, token=token, check_mode=False,
                           diff=False)).encode('ascii')


def gzip_compress(data):
    compressor = zlib.compressobj(wbits=zlib.MAX_WBITS | 16)
    return compressor.compress(data) + compressor.flush()


def self_test(out=sys.stdout):
    failures = []
    cases = _self_test_cases()
    all_secrets = [s for values in SELF_TEST_SECRETS.values() for s in values]
    with tempfile.TemporaryDirectory(prefix='leak-check-self-test-') as scratch:
        secrets_dir = os.path.join(scratch, 'mock-secrets')
        os.mkdir(secrets_dir)
        with open(os.path.join(secrets_dir, 'run.json'), 'w', encoding='utf-8') as handle:
            json.dump(SELF_TEST_SECRETS, handle)
        empty_log = os.path.join(scratch, 'empty.log')
        open(empty_log, 'wb').close()
        for number, (name, content, expected, module) in enumerate(cases):
            if module is None:  # a log file
                node_dirs, path = (), os.path.join(scratch, 'case-%02d.log' % number)
            else:  # a payload kept on a node, in the layout of remote_tmp
                node_dirs = (os.path.join(scratch, 'node-%02d' % number),)
                path = os.path.join(node_dirs[0], 'ansible-tmp-1-2-3',
                                    LEAN_RUN_FILE if module == LEAN_RUN else 'AnsiballZ_%s.py' % module)
                os.makedirs(os.path.dirname(path))
            with open(path, 'wb') as handle:
                handle.write(content)
            report = _Capture()
            status = run([secrets_dir], [empty_log if module else path], out=report, node_dirs=node_dirs)
            text = report.text()
            leaks = [line for line in text.splitlines() if line.startswith('LEAK')]
            if any(secret in text for secret in all_secrets if len(secret) >= MIN_SECRET):
                failures.append('%s: the report shows a secret' % name)
            if expected is None and (status != 0 or leaks):
                failures.append('%s: false positive: %s' % (name, leaks or text.strip()))
            elif expected is not None:
                kind, form = expected
                wanted = '%s secret (%s form)' % (kind, form)
                where = 'controller credential on a node: %s' % path if module else path
                if status != 1 or not any(wanted in line and where in line for line in leaks):
                    failures.append('%s: not caught as %s (status %d): %s' % (name, wanted, status, leaks))
        report = _Capture()
        if run([os.path.join(scratch, 'no-such-dir')], [scratch], out=report) != 2:
            failures.append('a run without secrets files did not exit 2')
        os.mkdir(os.path.join(scratch, 'node-nothing-kept'))
        if run([secrets_dir], [empty_log], out=_Capture(), node_dirs=[os.path.join(scratch, 'node-nothing-kept')]) != 2:
            failures.append('a run that kept no payload did not exit 2')
        with open(os.path.join(secrets_dir, 'run.json'), 'w', encoding='utf-8') as handle:
            handle.write('{}')
        if run([secrets_dir], [scratch], out=_Capture()) != 2:
            failures.append('a secrets file without secrets did not exit 2')
    for failure in failures:
        out.write('leak_check self-test FAILED: %s\n' % failure)
    out.write('leak_check: self-test: %d cases passed, %d failed\n' % (len(cases) + 3 - len(failures), len(failures)))
    return 1 if failures else 0


class _Capture:
    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    def text(self):
        return ''.join(self.parts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--secrets', action='append', default=[], metavar='DIR',
                        help='directory of mock-secrets *.json files (repeatable)')
    parser.add_argument('--node-payloads', action='append', default=[], metavar='DIR',
                        help='remote files kept on the nodes (remote_tmp with ANSIBLE_KEEP_REMOTE_FILES=1): scan the '
                             "payloads of this collection's node modules for the controller's credentials (repeatable)")
    parser.add_argument('--exclude', action='append', default=[], metavar='PATH', help='file or directory not to scan')
    parser.add_argument('--min-runs', type=int, default=1, help='fail (exit 2) with fewer secrets files than this')
    parser.add_argument('--self-test', action='store_true', help='check that the checker catches planted secrets')
    parser.add_argument('paths', nargs='*', help='files and directories to scan')
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.secrets or not args.paths:
        parser.error('--secrets and at least one path are required (or --self-test)')
    return run(args.secrets, args.paths, args.exclude, args.min_runs, node_dirs=args.node_payloads)


if __name__ == '__main__':
    sys.exit(main())
