# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""hostfactory_host against a hostile or careless node: links and special files at its paths, two options naming
one file, a file of another user, a full disk, and two runs at once (the lock).

Whatever can be shown through the real file system is also tested against the mock in the hostfactory_host
integration target; here the module runs with the recording fake client of test_hostfactory_host.
"""

from __future__ import annotations

import errno
import os
import stat

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils import _enrollment_exec
from ansible_collections.hostfactory.enrollment.plugins.module_utils import _files as idf
from ansible_collections.hostfactory.enrollment.plugins.module_utils._netrc import render_entry
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.bounded_call import bounded
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.module_utils.test__files_safety import (
    LINK,
    SECRET,
    hold,
)
from ansible_collections.hostfactory.enrollment.tests.unit.plugins.modules import test_hostfactory_host as host_tests

MACHINE, NEW_KEY, OLD_KEY = host_tests.MACHINE, host_tests.NEW_KEY, host_tests.OLD_KEY
PEM, TOKEN = host_tests.PEM, host_tests.TOKEN
read, run, write_identity = host_tests.read, host_tests.run, host_tests.write_identity
# the fixtures of the module tests: the recording fake client (autouse) and the paths in a scratch directory
fake_client, files = host_tests.fake_client, host_tests.files


def victim(files):
    path = files['dir'] / 'victim'
    path.write_text(SECRET)
    os.chmod(str(path), 0o644)
    return path


# -- links and special files ----------------------------------------------------------------------------------------

@pytest.mark.parametrize('check', [False, True])
def test_identity_symlink_is_refused_and_its_target_never_shown(capfd, files, fake_client, check):
    target = victim(files)
    os.symlink(str(target), files['identity'])
    out, result = run(capfd, files, check=check, diff=True, host_factory_token=TOKEN)
    assert result['failed'] is True
    assert result['msg'] == 'identity_file %s %s' % (files['identity'], LINK)
    assert 'victim-secret-value' not in out and 'victim.example.com' not in out and 'diff' not in result
    assert fake_client.calls == []
    assert target.read_text() == SECRET and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert os.path.islink(files['identity'])


def test_dangling_symlink_creates_nothing_where_it_points(capfd, files, fake_client):
    os.symlink(str(files['dir'] / 'planted'), files['identity'])
    _out, result = run(capfd, files, host_factory_token=TOKEN)
    assert result['msg'] == 'identity_file %s %s' % (files['identity'], LINK)
    assert not os.path.lexists(str(files['dir'] / 'planted')) and fake_client.calls == []


@pytest.mark.parametrize('option', ['identity', 'conf', 'cert'])
def test_fifo_at_any_path_fails_at_once(capfd, files, fake_client, option):
    os.mkfifo(files[option])
    _out, result = bounded(run, capfd, files, host_factory_token=TOKEN, conf_file=files['conf'],
                           cert_file=files['cert'], ca_content=PEM)
    name = {'identity': 'identity_file', 'conf': 'conf_file', 'cert': 'cert_file'}[option]
    assert result['msg'] == '%s %s is a FIFO, not a regular file' % (name, files[option])
    assert fake_client.calls == []
    assert stat.S_ISFIFO(os.lstat(files[option]).st_mode)


def test_ca_path_may_be_a_link_but_not_a_fifo(capfd, files, fake_client):
    real = files['dir'] / 'real-ca.pem'
    real.write_text(PEM)
    link = files['dir'] / 'ca.pem'
    link.symlink_to(real)
    _out, result = run(capfd, files, host_factory_token=TOKEN, cert_file=files['cert'], ca_path=str(link))
    assert result['changed'] is True and read(files['cert']) == PEM + '\n'
    fifo = str(files['dir'] / 'ca.fifo')
    os.mkfifo(fifo)
    _out, result = bounded(run, capfd, files, cert_file=files['cert'], ca_path=fifo)
    assert result['msg'] == "ca_path '%s' cannot be read: it is a FIFO, not a regular file" % fifo


# -- two options, one file --------------------------------------------------------------------------------------------

@pytest.mark.parametrize('conf, cert, message', [
    ('{identity}', None, 'identity_file and conf_file name the same file {identity}'),
    ('{dir}/sub/../conjur.identity', None, 'identity_file and conf_file name the same file {identity}'),
    (None, '{dir}/./conjur.identity', 'identity_file and cert_file name the same file {identity}'),
    ('{conf}', '{conf}', 'conf_file and cert_file name the same file {conf}'),
])
def test_two_options_naming_one_file_are_refused_before_any_request(capfd, files, fake_client, conf, cert, message):
    os.mkdir(str(files['dir'] / 'sub'))
    write_identity(files)
    before = read(files['identity'])
    names = dict(files, dir=str(files['dir']))
    _out, result = run(capfd, files, host_factory_token=TOKEN, rotate=True, ca_content=PEM,
                       conf_file=conf.format(**names) if conf else None,
                       cert_file=cert.format(**names) if cert else None)
    assert result['msg'] == message.format(**names) + ': each must be a file of its own'
    assert fake_client.calls == [] and read(files['identity']) == before


def test_hard_links_count_as_the_same_file(capfd, files, fake_client):
    write_identity(files)
    os.link(files['identity'], files['conf'])
    _out, result = run(capfd, files, host_factory_token=TOKEN, conf_file=files['conf'])
    assert result['msg'] == ('identity_file %s and conf_file %s are the same file (hard links): each must be a file '
                             'of its own' % (files['identity'], files['conf']))
    assert fake_client.calls == []


# -- owner -------------------------------------------------------------------------------------------------------------

@pytest.mark.skipif(os.geteuid() != 0, reason='only root can give a file to another user')
@pytest.mark.parametrize('check', [False, True])
def test_identity_of_another_user_is_taken_back(capfd, files, fake_client, check):
    write_identity(files)
    os.chown(files['identity'], 4321, 4321)
    _out, result = run(capfd, files, check=check, diff=True)
    assert result['changed'] is True and result['changed_files'] == [files['identity']]
    assert result['diff'] == [{'before_header': files['identity'] + ' (attributes)', 'before': {'owner': 4321},
                               'after_header': files['identity'] + ' (attributes)', 'after': {'owner': 0}}]
    info = os.stat(files['identity'])
    assert (info.st_uid, info.st_gid) == ((4321, 4321) if check else (0, 4321))  # the group is left as it is
    assert fake_client.calls == []


# -- a full disk ------------------------------------------------------------------------------------------------------

def test_no_space_fails_before_the_host_is_created(capfd, files, fake_client, monkeypatch):
    write_identity(files)
    before = read(files['identity'])

    def full(fd, offset, size):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(idf.os, 'posix_fallocate', full)
    _out, result = run(capfd, files, host_factory_token=TOKEN, rotate=True)
    assert result['msg'] == 'cannot write %s: No space left on device' % files['identity']
    assert fake_client.calls == [] and read(files['identity']) == before
    assert sorted(os.listdir(str(files['dir']))) == ['conjur.identity', 'conjur.identity.lock']  # no temporary file


def fill_disk_after_the_request(monkeypatch, fake_client):
    real_write = os.write

    def write(fd, data):
        if fake_client.calls:
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_write(fd, data)

    monkeypatch.setattr(idf.os, 'write', write)
    monkeypatch.setattr(idf.os, 'posix_fallocate', lambda fd, offset, size: None)  # the reservation "succeeds"


def test_key_not_written_for_a_new_host_says_what_happened(capfd, files, fake_client, monkeypatch):
    fill_disk_after_the_request(monkeypatch, fake_client)
    out, result = run(capfd, files, host_factory_token=TOKEN)
    assert result['msg'] == (
        'host/web-01 was enrolled: Conjur holds the host with a new API key, but the key could not be written to '
        '{0} (No space left on device): {0} is unchanged (no key for host/web-01) and the new key is lost; fix '
        'that and run again, which enrolls the host again'.format(files['identity']))
    assert 'rotate' not in result['msg']
    assert len(fake_client.calls) == 1 and not os.path.exists(files['identity'])
    assert os.listdir(str(files['dir'])) == ['conjur.identity.lock'] and NEW_KEY not in out


def test_key_not_written_after_a_rotation_says_what_happened(capfd, files, fake_client, monkeypatch):
    write_identity(files)
    fill_disk_after_the_request(monkeypatch, fake_client)
    _out, result = run(capfd, files, host_factory_token=TOKEN, rotate=True)
    assert result['msg'] == (
        'host/web-01 was enrolled again and Conjur rotated its API key, but the new key could not be written to {0} '
        '(No space left on device): {0} is unchanged and still holds the previous key, which no longer works, and '
        'the new key is lost; fix that and run again with rotate: true'.format(files['identity']))
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', OLD_KEY) + '\n'


def test_every_file_is_prepared_before_the_request(capfd, files, fake_client, monkeypatch):
    prepared = []
    real_init = idf.PreparedFile.__init__

    def spy(self, path, *args, **kwargs):
        prepared.append((os.path.basename(path), len(fake_client.calls)))
        real_init(self, path, *args, **kwargs)

    monkeypatch.setattr(idf.PreparedFile, '__init__', spy)
    run(capfd, files, host_factory_token=TOKEN, conf_file=files['conf'], cert_file=files['cert'], ca_content=PEM)
    assert prepared == [('conjur.identity', 0), ('conjur.conf', 0), ('conjur.pem', 0)]
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', NEW_KEY) + '\n'


# -- two runs at once: the lock ---------------------------------------------------------------------------------------

def test_a_held_lock_times_out_clearly_before_any_request(capfd, files, fake_client):
    holder = hold(files['identity'] + '.lock')
    try:
        _out, result = run(capfd, files, host_factory_token=TOKEN, lock_timeout=0)
    finally:
        os.close(holder)
    assert result['msg'] == ('%s.lock is locked by another run that did not finish within lock_timeout (0 s); it may '
                             'still be running: try again later or raise lock_timeout' % files['identity'])
    assert fake_client.calls == [] and not os.path.exists(files['identity'])


def test_check_mode_and_a_run_with_nothing_to_write_take_no_lock(capfd, files, fake_client):
    holder = hold(files['identity'] + '.lock')
    try:
        _out, checked = run(capfd, files, check=True, host_factory_token=TOKEN, lock_timeout=0)
        write_identity(files)
        _out, kept = run(capfd, files, host_factory_token=TOKEN, lock_timeout=0)
    finally:
        os.close(holder)
    assert checked['changed'] is True and checked['enrolled'] is True
    assert kept['changed'] is False and fake_client.calls == []


def test_the_run_that_waited_plans_again_and_changes_nothing(capfd, files, fake_client, monkeypatch):
    """While this run waits for the lock, the run that holds it enrolls the machine; this one then keeps that key."""
    real_acquire = idf.FileLock.acquire

    def acquire(self):
        write_identity(files, key=NEW_KEY)  # what the other run wrote before it released the lock
        return real_acquire(self)

    monkeypatch.setattr(idf.FileLock, 'acquire', acquire)
    _out, result = run(capfd, files, host_factory_token=TOKEN)
    assert result['changed'] is False and result['enrolled'] is False
    assert fake_client.calls == []
    assert read(files['identity']) == render_entry(MACHINE, 'host/web-01', NEW_KEY) + '\n'


def test_lock_file_is_private_and_stays(capfd, files, fake_client):
    os.umask(0)
    _out, result = run(capfd, files, host_factory_token=TOKEN)
    assert result['enrolled'] is True
    assert stat.S_IMODE(os.stat(files['identity'] + '.lock').st_mode) == 0o600


def test_negative_lock_timeout_is_refused(capfd, files, fake_client):
    _out, result = run(capfd, files, host_factory_token=TOKEN, lock_timeout=-1)
    assert result['msg'] == 'lock_timeout must be 0 or more seconds, got -1'
    assert fake_client.calls == []


def test_lock_timeout_default():
    assert _enrollment_exec.enrollment_argument_spec()['lock_timeout'] == dict(type='int', default=120)
