# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mock as an installed collection has it: tests/mock_server copied the way `ansible-galaxy collection build` packs it
(galaxy.yml build_ignore applied) into an unrelated directory, then run from there over TLS."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import shutil
import subprocess

import pytest
import requests
import yaml

from conftest import MOCK_DIR, MockProcess

REPO = os.path.dirname(os.path.dirname(MOCK_DIR))
# Patterns and directories ansible-galaxy always skips, before galaxy.yml's build_ignore.
DEFAULT_IGNORES = ['MANIFEST.json', 'FILES.json', 'galaxy.yml', 'galaxy.yaml', '.git', '*.pyc', '*.retry', 'tests/output']
IGNORED_DIRS = {'CVS', '.bzr', '.hg', '.git', '.svn', '__pycache__', '.tox'}


def _copy_as_built(dest_root):
    """Copy tests/mock_server under dest_root/ansible_collections/hostfactory/enrollment, skipping what the build skips."""
    with open(os.path.join(REPO, 'galaxy.yml'), encoding='utf-8') as handle:
        patterns = DEFAULT_IGNORES + yaml.safe_load(handle)['build_ignore']
    collection = os.path.join(str(dest_root), 'ansible_collections', 'hostfactory', 'enrollment')
    for root, dirs, files in os.walk(MOCK_DIR):
        rel_root = os.path.relpath(root, REPO)
        dirs[:] = [d for d in dirs if d not in IGNORED_DIRS
                   and not any(fnmatch.fnmatch(os.path.join(rel_root, d), p) for p in patterns)]
        os.makedirs(os.path.join(collection, rel_root), exist_ok=True)
        for name in files:
            rel = os.path.join(rel_root, name)
            if not any(fnmatch.fnmatch(rel, p) for p in patterns):
                shutil.copy2(os.path.join(REPO, rel), os.path.join(collection, rel))
    return os.path.join(collection, 'tests', 'mock_server')


def _snapshot(directory):
    digest = {}
    for root, _dirs, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            with open(path, 'rb') as handle:
                digest[os.path.relpath(path, directory)] = hashlib.sha256(handle.read()).hexdigest()
    return digest


def _serve_tls(tmp_path, mock_dir, pki_dir, ca):
    server = MockProcess(tmp_path, '--tls-cert', os.path.join(pki_dir, 'server.pem'), '--tls-key', os.path.join(pki_dir, 'server.key'),
                         entry=os.path.join(mock_dir, 'hostfactory_mock.py'))
    server.session.verify = ca
    return server


@pytest.fixture
def installed(tmp_path):
    return _copy_as_built(tmp_path / 'installed')


def test_build_ships_what_tls_needs_and_not_the_test_suite(installed):
    assert sorted(os.listdir(os.path.join(installed, 'tls'))) == ['ca.pem', 'other-ca.pem', 'regenerate.sh', 'server.key', 'server.pem']
    assert not os.path.exists(os.path.join(installed, 'tests'))
    assert os.access(os.path.join(installed, 'tls', 'regenerate.sh'), os.X_OK)


def test_installed_copy_serves_tls_with_the_shipped_test_certificates(tmp_path, installed):
    tls_dir = os.path.join(installed, 'tls')
    server = _serve_tls(tmp_path, installed, tls_dir, os.path.join(tls_dir, 'ca.pem'))
    try:
        assert server.url.startswith('https://')
        assert server.get('/_mock/health').json() == {'ok': True}
        assert server.post('/authn/myorg/admin/authenticate', data=b'wrong').status_code == 401
    finally:
        assert server.stop() == 0


@pytest.mark.skipif(shutil.which('openssl') is None, reason='the openssl CLI is not installed here')
def test_regenerate_into_another_directory_leaves_the_installed_copy_alone(tmp_path, installed):
    before = _snapshot(installed)
    pki = str(tmp_path / 'pki')
    result = subprocess.run([os.path.join(installed, 'tls', 'regenerate.sh'), '--out', pki], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'server.pem: OK'
    assert sorted(os.listdir(pki)) == ['ca.key', 'ca.pem', 'other-ca.pem', 'server.key', 'server.pem']
    assert _snapshot(installed) == before
    server = _serve_tls(tmp_path, installed, pki, os.path.join(pki, 'ca.pem'))
    try:
        assert server.get('/_mock/health').json() == {'ok': True}
        with pytest.raises(requests.exceptions.SSLError):  # a new CA: the shipped one does not vouch for it
            requests.get(server.url + '/_mock/health', verify=os.path.join(installed, 'tls', 'ca.pem'), timeout=10)
    finally:
        assert server.stop() == 0
    reissued = subprocess.run([os.path.join(installed, 'tls', 'regenerate.sh'), '--out', pki, '--server'], capture_output=True,
                              text=True, timeout=120, check=False)
    assert reissued.returncode == 0 and _snapshot(installed) == before
    no_ca = subprocess.run([os.path.join(installed, 'tls', 'regenerate.sh'), '--server'], capture_output=True, text=True, timeout=120,
                           check=False)
    assert no_ca.returncode == 2 and '--server needs ca.pem and ca.key' in no_ca.stderr
    assert _snapshot(installed) == before
