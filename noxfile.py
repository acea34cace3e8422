# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The checks of `make test`, as nox sessions on top of antsibull-nox (the harness of community.crypto, community.dns
and community.general). `nox -l` lists them; the README's `make test` runs them all with a summary.

antsibull-nox.toml configures antsibull-nox's own sessions: lint (flake8, yamllint), extra-checks, docs-check,
ansible-lint and build-import-check. The ansible-test sessions are defined below instead of in antsibull-nox.toml:
antsibull-nox's configured ansible-test sessions always pass --docker and install ansible-core from GitHub, and this
machine has neither docker/podman nor access to anything but package registries. They are built from the same parts
of antsibull-nox's noxfile API (prepare_collections copies the collection into a temporary ansible_collections tree,
as ansible-test needs it), with ansible-core from PyPI pinned per version (requirements-core-X.Y.txt), a controller
Python per version, and ansible-test's --local/--venv.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nox

import antsibull_nox
from antsibull_nox.sessions import prepare_collections

antsibull_nox.load_antsibull_nox_toml()

ROOT = Path(__file__).resolve().parent
# The ansible-core versions make test runs, each with the controller Python it runs on: the oldest version
# meta/runtime.yml claims and the newest release (requirements-core-X.Y.txt pins each). Sanity runs on the newest.
CORE_PYTHON = {'2.17': '3.11', '2.21': '3.12'}
NEWEST = max(CORE_PYTHON, key=lambda version: tuple(int(part) for part in version.split('.')))
# The oldest managed-node Python of every version above; the units run on it too (modules run there).
TARGET_PYTHON = '3.9'
GET_PIP_STAND_IN = '''\
# Written by hostfactory.enrollment's noxfile.py: ansible-test bootstraps pip into each venv it creates with a
# get-pip.py downloaded from a host outside the package registries; this installs the same pinned pip from PyPI.
import subprocess
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
'''


def integration_targets(core):
    """Every target on the newest version; on the others the targets of the modules and roles (named after a module,
    or role_<role>), without the reliability suites (bad_input, concurrency, faults) that exercise the same code."""
    if core == NEWEST:
        return []
    names = {path.stem for path in (ROOT / 'plugins' / 'modules').glob('*.py')}
    names.update('role_' + path.name for path in (ROOT / 'roles').iterdir() if path.is_dir())
    return sorted(path.name for path in (ROOT / 'tests' / 'integration' / 'targets').iterdir() if path.name in names)


def install_core(session, core):
    session.install('-r', str(ROOT / ('requirements-core-%s.txt' % core)))


def write_get_pip_stand_in(session):
    """ansible-test looks for ~/.ansible/test/cache/get_pip_<pip version>.py before it downloads one; the pip version
    is the one this ansible-test pins (23.1.2 in 2.17, 24.2 in 2.18/2.19, 25.2 in 2.20/2.21). An existing file is kept
    (the cache is shared)."""
    package = session.run('python', '-c', 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))',
                          silent=True).strip().splitlines()[-1]
    source = Path(package, '_internal', 'python_requirements.py').read_text(encoding='utf-8')
    pip_version = re.search(r"\bpip='([0-9.]+)'", source).group(1)
    path = Path.home() / '.ansible' / 'test' / 'cache' / ('get_pip_%s.py' % pip_version.replace('.', '_'))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole under another name, then renamed: another session may read it at the same moment
        partial = path.with_name('%s.%d.tmp' % (path.name, os.getpid()))
        partial.write_text(GET_PIP_STAND_IN, encoding='utf-8')
        os.replace(partial, path)
        session.log('wrote the pip %s bootstrap stand-in %s' % (pip_version, path))


def collection_copy(session, core):
    """The collection (git's view of the working tree: tracked and untracked, not ignored files) in a temporary
    .../ansible_collections/hostfactory/enrollment, removed when nox exits."""
    prepared = prepare_collections(session, ansible_core_version=core, install_in_site_packages=False,
                                   install_out_of_tree=True)
    if prepared is None:
        session.error('cannot prepare the collection tree (nox --no-venv?)')
    return prepared.current_path


def keep_output(session, copy):
    """Copy the run's tests/output (junit files, mock secrets) to this repository's tests/output/<session>, replacing
    the previous run's, for `make test`'s counts (one directory per session: make test runs two sessions at once)."""
    kept = ROOT / 'tests' / 'output' / session.name
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(copy / 'tests' / 'output', kept, ignore=shutil.ignore_patterns('.tmp'))


def ansible_test_session(name, core, python):
    def decorate(func):
        func.__doc__ = func.__doc__.format(core=core, python=python)
        nox.session(name='%s-%s' % (name, core), python=python)(func)
        return func
    return decorate


def add_ansible_test_sessions(core, python):
    if core == NEWEST:
        add_sanity_session(core, python)

    @ansible_test_session('ansible-test-units', core, python)
    def units(session):
        """ansible-test units with ansible-core {core}, on Python {python} (controller) and 3.9 (oldest managed node)"""
        install_core(session, core)
        write_get_pip_stand_in(session)
        copy = collection_copy(session, core)
        try:
            with session.chdir(copy):
                session.run('ansible-test', 'units', '--local', '--requirements', '--color', 'no', '--python', python,
                            *session.posargs)
                session.run('ansible-test', 'units', '--venv', '--color', 'no', '--python', TARGET_PYTHON,
                            *session.posargs)
        finally:
            keep_output(session, copy)

    @ansible_test_session('ansible-test-integration', core, python)
    def integration(session):
        """ansible-test integration with ansible-core {core} (Python {python}) at -vvvv, then the leak check [targets]

        Without targets given: all on the newest version, those of the modules and roles on the others."""
        install_core(session, core)
        session.install('-r', str(ROOT / 'tests' / 'integration' / 'requirements-nox.txt'))
        write_get_pip_stand_in(session)
        copy = collection_copy(session, core)
        tmp = Path(session.create_tmp()).resolve()
        log = tmp / 'integration.log'
        # What reaches the nodes is checked too: every run (nested ones included, through ANSIBLE_CONFIG) keeps its
        # remote files in node_tmp, the remote_tmp of integration.cfg, and the leak check searches the payloads of
        # the collection's node modules there for the controller's credentials.
        node_tmp = tmp / 'node-tmp'
        shutil.rmtree(node_tmp, ignore_errors=True)
        (copy / 'tests' / 'integration' / 'integration.cfg').write_text('[defaults]\nremote_tmp = %s\n' % node_tmp,
                                                                        encoding='utf-8')
        leak_check = ['python', str(ROOT / 'tools' / 'leak_check.py')]
        # The checker's self-test first, so that it is known to catch what it looks for.
        session.run(*leak_check, '--self-test')
        try:
            with session.chdir(copy):
                # Every target at -vvvv, its whole output in the log and on stdout (bash for the tee: nox has none).
                # --continue-on-error: every target runs and reports, so that one failure does not hide the next
                session.run('bash', '-c', 'set -o pipefail; ansible-test integration --local --color no -vvvv '
                            '--continue-on-error "$@" '
                            '2>&1 | tee "$0"', str(log), *(session.posargs or integration_targets(core)),
                            external=True, env={'ANSIBLE_KEEP_REMOTE_FILES': '1'})
        finally:
            # No secret the mock servers issued (saved by setup_mock_server under tests/output/mock-secrets/) may
            # appear in that log or in any file ansible-test left under tests/output - whatever the tests' verdict.
            session.run(*leak_check, '--secrets', str(copy / 'tests' / 'output' / 'mock-secrets'),
                        '--node-payloads', str(node_tmp), str(log), str(copy / 'tests' / 'output'))
            keep_output(session, copy)
        shutil.rmtree(node_tmp, ignore_errors=True)

    @ansible_test_session('tarball', core, python)
    def tarball(session):
        """Built tarball, ansible-galaxy installed in an empty path: ansible-doc of all, examples/enroll.yml ({core})

        With ansible-core {core} (Python {python}), from the installed copy only: ansible-doc of every plugin and role,
        and examples/enroll.yml against the bundled mock (tools/tarball_check.py)."""
        install_core(session, core)
        copy = collection_copy(session, core)
        work = Path(session.create_tmp()).resolve() / 'tarball'
        shutil.rmtree(work, ignore_errors=True)
        (work / 'dist').mkdir(parents=True)
        session.run('ansible-galaxy', 'collection', 'build', '--output-path', str(work / 'dist'), str(copy))
        tarballs = sorted((work / 'dist').glob('hostfactory-enrollment-*.tar.gz'))
        if len(tarballs) != 1:
            session.error('expected one tarball, found %s' % [t.name for t in tarballs])
        session.run('ansible-galaxy', 'collection', 'install', '-p', str(work / 'collections'), str(tarballs[0]))
        # From a directory outside any collection tree, with nothing but the installed copy on the collections path.
        with session.chdir(work):
            session.run('python', str(ROOT / 'tools' / 'tarball_check.py'), '--collections',
                        str(work / 'collections'), '--source', str(ROOT),
                        env={'ANSIBLE_COLLECTIONS_PATH': str(work / 'collections'),
                             'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false'})


def add_sanity_session(core, python):
    @ansible_test_session('ansible-test-sanity', core, python)
    def sanity(session):
        """ansible-test sanity with ansible-core {core} (Python {python}), on every supported Python installed"""
        install_core(session, core)
        write_get_pip_stand_in(session)
        copy = collection_copy(session, core)
        try:
            with session.chdir(copy):
                session.run('ansible-test', 'sanity', '--local', '--color', 'no', '--junit', *session.posargs)
        finally:
            keep_output(session, copy)


for _core, _python in CORE_PYTHON.items():
    add_ansible_test_sessions(_core, _python)


@nox.session(name='ee-create')
def ee_create(session):
    """meta/execution-environment.yml: ansible-builder introspect (no requirement) and create (the build context)

    ansible-builder introspect finds no Python or system requirement for the collection, and ansible-builder create
    writes the build context (antsibull-nox's ee-check session also builds and runs the image: podman or docker)."""
    import yaml  # pylint: disable=import-outside-toplevel  # antsibull-nox's dependency

    session.install('ansible-builder', 'ansible-core', '-c', str(ROOT / 'requirements-nox.txt'))
    definition = ROOT / 'meta' / 'execution-environment.yml'
    copy = collection_copy(session, None)
    found = yaml.safe_load(session.run('ansible-builder', 'introspect', str(copy.parents[2]), silent=True))
    session.log('ansible-builder introspect: %s' % found)
    if found != {'python': [], 'system': []}:
        session.error('the collection must need no Python or system package, ansible-builder found %s' % found)
    context = Path(session.create_tmp()).resolve() / 'ee-context'
    shutil.rmtree(context, ignore_errors=True)
    session.run('ansible-builder', 'create', '--file', str(definition), '--context', str(context),
                '--output-filename', 'Containerfile', '-v', '3')
    galaxy = yaml.safe_load((context / '_build' / 'requirements.yml').read_text(encoding='utf-8'))
    names = [item['name'] for item in galaxy.get('collections', [])]
    if not (context / 'Containerfile').is_file() or 'hostfactory.enrollment' not in names:
        session.error('the build context lacks the Containerfile or the collection (requirements.yml: %s)' % names)
