# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests for the netrc reader/merger/masker (_netrc)."""

from __future__ import annotations

import netrc

import pytest

from ansible_collections.hostfactory.enrollment.plugins.module_utils._netrc import (
    NetrcError,
    existing_api_key,
    mask_netrc,
    merge_entry,
    parse_netrc,
    remove_entries,
    render_entry,
    unsafe_token_reason,
)
from ansible_collections.hostfactory.enrollment.plugins.module_utils._secrets import MASK

MACHINE = 'https://conjur.example.com/authn'
KEY = '1vgw4jzdq9a2j33cj6tb2ht4rm52wn5tx3s8tph1e2hnf3cy1v9x3'
OTHER_KEY = '3x9k2mq8w0r7t6y5u4i3o2p1a0s9d8f7g6h5j4k3l2z1x0c9v8b7'

# The layout the official cyberark.conjur role writes (templates/conjur.identity.j2).
OFFICIAL = 'machine https://conjur.example.com/authn\n    login host/web-01\n    password %s\n' % KEY

MIXED = (
    '# managed by hand\n'
    'machine https://other.example.com/authn\n'
    '\tlogin host/db-02   password  pw-other  # the conjur entry follows\n'
    '\n'
    'machine   https://conjur.example.com/authn login host/old\tpassword oldpassword account acct\n'
    'macdef init\n'
    'cd /tmp\n'
    'put secret-macro-line\n'
    '\n'
    'default login anonymous password guest-pw\n'
)


def python_netrc(tmp_path, text):
    path = tmp_path / 'check.netrc'
    path.write_text(text)
    return netrc.netrc(str(path))


# -- parsing ------------------------------------------------------------------------------------------------------

def test_parse_official_layout():
    parsed = parse_netrc(OFFICIAL)
    assert [(e.kind, e.machine, e.login, e.password) for e in parsed.entries] == [
        ('machine', MACHINE, 'host/web-01', KEY)]
    assert parsed.credentials(MACHINE) == ('host/web-01', KEY)
    assert parsed.credentials('https://conjur.example.com') is None


def test_parse_mixed_file_matches_python_netrc(tmp_path):
    parsed = parse_netrc(MIXED)
    reference = python_netrc(tmp_path, MIXED)
    for machine in ('https://other.example.com/authn', MACHINE):
        login, _account, password = reference.authenticators(machine)
        assert parsed.credentials(machine) == (login, password)
    assert [e.kind for e in parsed.entries] == ['machine', 'machine', 'default']
    assert parsed.entries[1].fields['account'] == 'acct'
    assert len(parsed.macro_spans) == 1
    start, end = parsed.macro_spans[0]
    assert MIXED[start:end] == 'cd /tmp\nput secret-macro-line\n'


def test_parse_quoted_tokens_and_escapes(tmp_path):
    text = 'machine "https://c/authn" login "host/with space" password "p\\"w\\\\x"\n'
    parsed = parse_netrc(text)
    assert parsed.credentials('https://c/authn') == ('host/with space', 'p"w\\x')


def test_parse_whole_line_comment_between_entries():
    text = 'machine a login x password y\n\n# machine b login z password w\nmachine c login u password v\n'
    parsed = parse_netrc(text)
    assert [e.machine for e in parsed.entries] == ['a', 'c']
    assert parsed.credentials('a') == ('x', 'y')


def test_user_is_a_synonym_of_login(tmp_path):
    text = 'machine m user host/u password k\n'
    assert parse_netrc(text).credentials('m') == ('host/u', 'k')
    assert python_netrc(tmp_path, text).authenticators('m')[::2] == ('host/u', 'k')


def test_parse_comment_inside_entry_and_crlf():
    text = 'machine https://c/authn\r\n  # login host/commented\r\n  login host/real\r\n  password k1\r\n'
    assert parse_netrc(text).credentials('https://c/authn') == ('host/real', 'k1')


def test_last_duplicate_wins_like_python_netrc(tmp_path):
    text = 'machine m login host/a password one\nmachine m login host/b password two\n'
    assert parse_netrc(text).credentials('m') == ('host/b', 'two')
    assert python_netrc(tmp_path, text).authenticators('m')[::2] == ('host/b', 'two')


@pytest.mark.parametrize('text', ['', '   \n\n', '# only a comment\n', 'login orphan password x\n', 'machine',
                                  'macdef x\nno terminator', '"unterminated quote', '\x00\x01 garbage \xff'])
def test_parse_tolerates_odd_content(text):
    parsed = parse_netrc(text)
    assert parsed.credentials(MACHINE) is None


# -- rendering and merging ------------------------------------------------------------------------------------------

def test_render_entry_is_the_official_layout():
    assert render_entry(MACHINE, 'host/web-01', KEY) + '\n' == OFFICIAL


@pytest.mark.parametrize('value, reason', [
    ('host/a b', 'whitespace'),
    ('tab\there', 'whitespace'),
    ('q"uote', 'double quote'),
    ('back\\slash', 'backslash'),
    ('#hash', "starts with '#'"),
    ('', 'empty'),
])
def test_render_refuses_values_that_need_quotes(value, reason):
    assert reason in unsafe_token_reason(value)
    with pytest.raises(NetrcError, match='the netrc login cannot be written: .*' + reason):
        render_entry(MACHINE, value, KEY)
    with pytest.raises(NetrcError, match='the netrc password cannot be written'):
        merge_entry(OFFICIAL, MACHINE, 'host/web-01', value)


@pytest.mark.parametrize('char', ['\u00a0', '\u2028', '\u2029', '\x0b', '\x0c', '\x1c', '\x85', '\u3000', '\u2003'])
def test_every_kind_of_whitespace_is_refused(char):
    # Python's netrc (3.11+) keeps these inside a token; the Go reader of conjur-api-go and Summon splits at them
    assert char.isspace()
    assert 'whitespace' in unsafe_token_reason('host/web01%saccount%sevil' % (char, char))


@pytest.mark.parametrize('value', ['host/web\u00e901', 'host/\U0001f510', 'https://b\u00fccher.example/authn'])
def test_non_ascii_is_refused_because_python_3_9_and_3_10_cannot_read_it(value):
    assert unsafe_token_reason(value) == ('it contains non-ASCII characters, which the netrc module of Python 3.9 and '
                                          '3.10 cannot read (it rejects the whole file)')


@pytest.mark.parametrize('char', ['\x00', '\x1b', '\x7f'])
def test_control_characters_are_refused(char):
    assert unsafe_token_reason('host/a%sb' % char) == 'it contains a control character'


@pytest.mark.parametrize('value', ['host/web-01', 'host/a/b.c-d_e@f', KEY, 'https://c:8443/api/authn', 'x#y'])
def test_plain_values_are_safe(value):
    assert unsafe_token_reason(value) is None


def test_merge_into_empty_file():
    assert merge_entry('', MACHINE, 'host/web-01', KEY) == OFFICIAL


def test_merge_same_entry_returns_text_unchanged():
    odd = 'machine %s login host/web-01 password %s   # trailing\n' % (MACHINE, KEY)
    assert merge_entry(odd, MACHINE, 'host/web-01', KEY) is odd
    assert merge_entry(OFFICIAL, MACHINE, 'host/web-01', KEY) is OFFICIAL


def test_merge_replaces_entry_and_preserves_everything_else(tmp_path):
    merged = merge_entry(MIXED, MACHINE, 'host/web-01', KEY)
    assert merged == MIXED.replace(
        'machine   https://conjur.example.com/authn login host/old\tpassword oldpassword account acct',
        render_entry(MACHINE, 'host/web-01', KEY))
    reference = python_netrc(tmp_path, merged)
    assert reference.authenticators(MACHINE)[::2] == ('host/web-01', KEY)
    assert reference.authenticators('https://other.example.com/authn')[::2] == ('host/db-02', 'pw-other')
    assert reference.macros == {'init': ['cd /tmp\n', 'put secret-macro-line\n']}
    assert 'oldpassword' not in merged


def test_merge_appends_new_machine_before_default():
    text = 'machine a login x password y\ndefault login anonymous password guest\n'
    merged = merge_entry(text, MACHINE, 'host/web-01', KEY)
    assert merged == 'machine a login x password y\n' + OFFICIAL + 'default login anonymous password guest\n'
    assert [e.kind for e in parse_netrc(merged).entries] == ['machine', 'machine', 'default']


def test_merge_appends_at_end_and_adds_missing_newline():
    assert merge_entry('machine a login x password y', MACHINE, 'host/web-01', KEY) == (
        'machine a login x password y\n' + OFFICIAL)


def test_merge_after_unterminated_macro_keeps_macro_closed(tmp_path):
    text = 'machine a login x password y\nmacdef init\ncd /\n'
    merged = merge_entry(text, MACHINE, 'host/web-01', KEY)
    assert merged == text + '\n' + OFFICIAL
    assert parse_netrc(merged).credentials(MACHINE) == ('host/web-01', KEY)
    assert python_netrc(tmp_path, merged).macros == {'init': ['cd /\n']}


def test_merge_collapses_duplicates_into_one_entry():
    text = ('machine %s login host/a password one\n'
            'machine other login o password p\n'
            'machine %s\n  login host/b\n  password two\n'
            'machine last login l password q\n') % (MACHINE, MACHINE)
    merged = merge_entry(text, MACHINE, 'host/web-01', KEY)
    parsed = parse_netrc(merged)
    assert len(parsed.machine_entries(MACHINE)) == 1
    assert parsed.credentials(MACHINE) == ('host/web-01', KEY)
    assert parsed.credentials('other') == ('o', 'p')
    assert parsed.credentials('last') == ('l', 'q')
    assert merged.startswith(render_entry(MACHINE, 'host/web-01', KEY) + '\nmachine other')


def test_merge_replaces_entry_for_another_login():
    merged = merge_entry(OFFICIAL, MACHINE, 'host/web-02', OTHER_KEY)
    assert merged == render_entry(MACHINE, 'host/web-02', OTHER_KEY) + '\n'


# -- removing ------------------------------------------------------------------------------------------------------

def test_remove_the_only_entry_leaves_nothing():
    assert remove_entries(OFFICIAL, MACHINE, 'host/web-01') == ''


def test_remove_keeps_everything_else_byte_for_byte(tmp_path):
    ours = render_entry(MACHINE, 'host/web-01', KEY)
    text = MIXED.replace('default login', ours + '\ndefault login')
    removed = remove_entries(text, MACHINE, 'host/web-01')
    assert removed == MIXED
    assert KEY not in removed
    reference = python_netrc(tmp_path, removed)
    assert reference.authenticators('https://other.example.com/authn')[::2] == ('host/db-02', 'pw-other')
    assert reference.macros == {'init': ['cd /tmp\n', 'put secret-macro-line\n']}


def test_remove_leaves_the_entry_of_another_login():
    text = render_entry(MACHINE, 'host/web-02', OTHER_KEY) + '\n'
    assert remove_entries(text, MACHINE, 'host/web-01') is text
    assert remove_entries(OFFICIAL, 'https://other.example.com/authn', 'host/web-01') is OFFICIAL


def test_remove_every_duplicate_of_the_login_and_keeps_the_rest():
    text = ('machine %s login host/web-01 password one\n'
            'machine other login o password p   # keep me\n'
            '  machine %s\n  login host/web-01\n  password two\n'
            'machine %s login host/web-02 password three\n') % (MACHINE, MACHINE, MACHINE)
    assert remove_entries(text, MACHINE, 'host/web-01') == (
        'machine other login o password p   # keep me\n'
        'machine %s login host/web-02 password three\n' % MACHINE)


@pytest.mark.parametrize('text, expected', [
    # one line with another entry after it: only our tokens (and the blanks after them) go
    ('machine %s login host/web-01 password k machine b login x password y\n' % MACHINE,
     'machine b login x password y\n'),
    # a trailing comment stays, on its own line
    ('machine %s login host/web-01 password k  # note\nmachine b login x password y\n' % MACHINE,
     '# note\nmachine b login x password y\n'),
    # CRLF line ends and no final newline
    ('machine a login x password y\r\nmachine %s login host/web-01 password k\r\n' % MACHINE,
     'machine a login x password y\r\n'),
    ('machine a login x password y\nmachine %s login host/web-01 password k' % MACHINE,
     'machine a login x password y\n'),
])
def test_remove_odd_layouts(text, expected):
    assert remove_entries(text, MACHINE, 'host/web-01') == expected


# -- masking --------------------------------------------------------------------------------------------------------

def test_mask_hides_every_password_account_and_macro():
    masked = mask_netrc(MIXED)
    for secret in ('pw-other', 'oldpassword', 'acct', 'secret-macro-line', 'guest-pw'):
        assert secret not in masked
    assert 'password ' + MASK in masked
    assert 'login host/db-02' in masked
    assert 'macdef init\n' + MASK + '\n\ndefault' in masked


def test_mask_official_layout():
    assert mask_netrc(OFFICIAL) == OFFICIAL.replace(KEY, MASK)


def test_mask_quoted_password():
    text = 'machine %s\n    login host/a\n    password "has space"\n' % MACHINE
    assert mask_netrc(text) == 'machine %s\n    login host/a\n    password %s\n' % (MACHINE, MASK)


@pytest.mark.parametrize('text, expected', [
    (None, None),
    ('', None),
    (render_entry(MACHINE, 'host/web-01', KEY), KEY),
    (render_entry(MACHINE, 'host/web-02', KEY), None),
    (render_entry(MACHINE + '/', 'host/web-01', KEY), None),
    (render_entry('https://other/authn', 'host/web-01', KEY), None),
    ('machine %s login host/web-01 password ""' % MACHINE, None),
])
def test_existing_api_key(text, expected):
    assert existing_api_key(text, MACHINE, 'host/web-01') == expected
