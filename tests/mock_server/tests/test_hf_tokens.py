# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""POST /host_factory_tokens, DELETE /host_factory_tokens/{token}, GET /resources/{account}/host_factory/{id}."""

from __future__ import annotations

import collections
import json
import re

import pytest

from conftest import ACCOUNT, FUTURE, HF, HF_ID, OTHER_HF

TOKEN_RE = re.compile(r'^[0-9a-hjkmnp-tv-z]+$')


def _not_found(resource_id, message, target):
    return {'error': {'code': 'not_found', 'message': message, 'target': target,
                      'details': {'code': 'not_found', 'target': 'id', 'message': resource_id}}}


def _arg_error(message, code='argument_error'):
    return {'error': {'code': code, 'message': message}}


def _create(mock, data=None, login='admin', **kwargs):
    return mock.post('/host_factory_tokens', data=data, headers=mock.token_header(login), **kwargs)


def test_mint_form_returns_200_with_key_order_and_formats(mock):
    response = _create(mock, {'host_factory': HF_ID, 'expiration': '2050-12-31T00:00:00+02:00', 'count': '2',
                              'cidr[]': ['127.0.0.1', '10.0.0.0/8', '::1']})
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/json; charset=utf-8'
    tokens = json.loads(response.text, object_pairs_hook=collections.OrderedDict)
    assert len(tokens) == 2 and tokens[0]['token'] != tokens[1]['token']
    for token in tokens:
        assert list(token) == ['expiration', 'cidr', 'token']
        assert token['expiration'] == '2050-12-30T22:00:00Z'
        assert token['cidr'] == ['127.0.0.1/32', '10.0.0.0/8', '::1/128']
        assert TOKEN_RE.match(token['token']) and len(token['token']) <= 56


def test_token_format_and_length_distribution(mock):
    tokens = [t['token'] for t in mock.mint(count=400)]
    assert all(TOKEN_RE.match(t) for t in tokens) and len(set(tokens)) == 400
    lengths = collections.Counter(len(t) for t in tokens)
    assert max(lengths) <= 56 and lengths[55] + lengths[54] + lengths[53] > 200


def test_query_json_and_merge_rules(mock):
    header = mock.token_header()
    query = mock.post('/host_factory_tokens', params={'host_factory': HF_ID, 'expiration': FUTURE}, headers=header)
    assert query.status_code == 200
    as_json = mock.post('/host_factory_tokens', json={'host_factory': HF_ID, 'expiration': FUTURE, 'count': 3, 'cidr': ['192.0.2.1']},
                        headers=header)
    assert as_json.status_code == 200 and len(as_json.json()) == 3 and as_json.json()[0]['cidr'] == ['192.0.2.1/32']
    body_wins = mock.post('/host_factory_tokens', params={'host_factory': 'myorg:host_factory:nope', 'expiration': FUTURE},
                          data={'host_factory': HF_ID}, headers=header)
    assert body_wins.status_code == 200
    ignored = mock.post('/host_factory_tokens', data='host_factory=%s&expiration=%s' % (HF_ID, FUTURE),
                        headers=dict(header, **{'Content-Type': 'text/plain'}))
    assert ignored.status_code == 422 and ignored.json() == _arg_error('host_factory')


def test_invalid_json_body_is_400_empty(mock):
    response = mock.post('/host_factory_tokens', data='{"host_factory":', headers=dict(mock.token_header(), **{'Content-Type': 'application/json'}))
    assert response.status_code == 400 and response.content == b''


def test_requires_access_token(mock):
    response = mock.post('/host_factory_tokens', data={'host_factory': HF_ID, 'expiration': FUTURE})
    assert (response.status_code, response.text) == (401, 'Authorization missing')


@pytest.mark.parametrize('data,status,body', [
    ({'expiration': FUTURE}, 422, _arg_error('host_factory')),
    ({'host_factory': 'myorg:host_factory:nope', 'expiration': FUTURE}, 404,
     _not_found('myorg:host_factory:nope', "Host_factory 'nope' not found in account 'myorg'", 'host_factory')),
    ({'host_factory': 'the-layer-factory'}, 404,
     _not_found('the-layer-factory', "Unknown kind '' not found in account 'the-layer-factory'", None)),
    ({'host_factory': 'host_factory:x'}, 404, _not_found('host_factory:x', "X '' not found in account 'host_factory'", 'x')),
    ({'host_factory': 'otherorg:host_factory:%s' % HF}, 404,
     _not_found('otherorg:host_factory:%s' % HF, "Host_factory '%s' not found in account 'otherorg'" % HF, 'host_factory')),
    ({'host_factory': 'myorg:layer:provisioning/layer', 'expiration': FUTURE}, 422, _arg_error('Invalid resource kind: layer')),
    ({'host_factory': 'myorg:user:alice', 'expiration': FUTURE}, 422, _arg_error('Invalid resource kind: user')),
    ({'host_factory': HF_ID}, 422, _arg_error('expiration')),
    ({'host_factory': HF_ID, 'expiration': 'non-iso-string', 'count': '1.5'}, 422, _arg_error("Invalid value for parameter 'count': 1.5")),
    ({'host_factory': HF_ID, 'expiration': 'non-iso-string'}, 422, _arg_error('Input is invalid ISO8601 datetime string: non-iso-string')),
    ({'host_factory': HF_ID, 'expiration': ''}, 422, _arg_error('Input is invalid ISO8601 datetime string: ')),
    ({'host_factory': HF_ID, 'expiration': '2017-08-04T22:27:20Z'}, 422,
     _arg_error('Value for parameter expiration must be in the future: 2017-08-04T22:27:20+00:00')),
    ({'host_factory': HF_ID, 'expiration': '2017-08-04T22:27:20.5-05:00', 'cidr[]': 'bad'}, 422,
     _arg_error('Value for parameter expiration must be in the future: 2017-08-04T22:27:20-05:00')),
    ({'host_factory': HF_ID, 'expiration': FUTURE, 'cidr[]': '1.895.abc.0/32'}, 422,
     _arg_error("Invalid IP address or CIDR range '1.895.abc.0/32'", 'unprocessable_entity')),
])
def test_mint_checks_in_order(mock, data, status, body):
    response = _create(mock, data)
    assert response.status_code == status
    assert response.headers['Content-Type'] == 'application/json; charset=utf-8'
    assert response.json() == body


@pytest.mark.parametrize('count,expected', [('010', 8), ('0x10', 16), ('1_000', 1000), (' 3 ', 3), ('+2', 2), (5, 5), (False, 1), (None, 1)])
def test_count_follows_ruby_integer(mock, count, expected):
    payload = {'host_factory': HF_ID, 'expiration': FUTURE, 'count': count}
    response = mock.post('/host_factory_tokens', json=payload, headers=mock.token_header())
    assert response.status_code == 200 and len(response.json()) == expected


@pytest.mark.parametrize('count,raw', [(0, '0'), (-1, '-1'), (1.5, '1.5'), ('1.5', '1.5'), ('', ''), ('abc', 'abc'),
                                       (True, 'true'), ('08', '08'), ([1], '[1]')])
def test_bad_count_message(mock, count, raw):
    payload = {'host_factory': HF_ID, 'expiration': FUTURE, 'count': count}
    response = mock.post('/host_factory_tokens', json=payload, headers=mock.token_header())
    assert response.status_code == 422
    assert response.json() == _arg_error("Invalid value for parameter 'count': %s" % raw)


@pytest.mark.parametrize('expiration,rendered', [
    ('2050-12-31T00:00:00Z', '2050-12-31T00:00:00Z'),
    ('2050-12-31T00:00:00+02:00', '2050-12-30T22:00:00Z'),
    ('2050-12-31', '2050-12-31T00:00:00Z'),
    ('2050-12-31T00:00', '2050-12-31T00:00:00Z'),
    ('20501231T000000Z', '2050-12-31T00:00:00Z'),
    ('2050-12-31T10:11:12.123456', '2050-12-31T10:11:12Z'),
    ('2050-12-31t00:00:00z', '2050-12-31T00:00:00Z'),
    ('2050-W52-1', '2050-12-26T00:00:00Z'),
    ('2050-365', '2050-12-31T00:00:00Z'),
])
def test_accepted_expirations(mock, expiration, rendered):
    assert mock.mint(expiration=expiration)[0]['expiration'] == rendered


@pytest.mark.parametrize('expiration,raw', [('2050-12-31 00:00:00', '2050-12-31 00:00:00'), ('2524521600', '2524521600'),
                                            (12345, '12345'), ('2050-02-30', '2050-02-30')])
def test_rejected_expirations(mock, expiration, raw):
    response = mock.post('/host_factory_tokens', json={'host_factory': HF_ID, 'expiration': expiration}, headers=mock.token_header())
    assert response.status_code == 422
    assert response.json() == _arg_error('Input is invalid ISO8601 datetime string: %s' % raw)


def test_null_expiration_is_missing(mock):
    response = mock.post('/host_factory_tokens', json={'host_factory': HF_ID, 'expiration': None}, headers=mock.token_header())
    assert response.json() == _arg_error('expiration')


@pytest.mark.parametrize('cidr,rendered', [
    (['127.0.0.1'], ['127.0.0.1/32']), (['::1'], ['::1/128']), (['0.0.0.0/0'], ['0.0.0.0/0']), ([], []), (None, []),
    (['10.0.0.1/32', '2001:db8::/32'], ['10.0.0.1/32', '2001:db8::/32']),
])
def test_cidr_normalisation(mock, cidr, rendered):
    response = mock.post('/host_factory_tokens', json={'host_factory': HF_ID, 'expiration': FUTURE, 'cidr': cidr}, headers=mock.token_header())
    assert response.status_code == 200 and response.json()[0]['cidr'] == rendered


@pytest.mark.parametrize('cidr,message', [
    ('10.0.0.1/8', "Invalid IP address or CIDR range '10.0.0.1/8': Value has bits set to right of mask. Did you mean '10.0.0.0/8'?"),
    ('10.0.0.0/255.255.0.0',
     "Invalid IP address or CIDR range '10.0.0.0/255.255.0.0': Value has bits set to right of mask. Did you mean '10.0.0.0/16'?"),
    ('2001:0db8::/32', "Invalid IP address or CIDR range '2001:0db8::/32': Value has bits set to right of mask. Did you mean '2001:db8::/32'?"),
    ('ip.address', "Invalid IP address or CIDR range 'ip.address'"),
    ('', "Invalid IP address or CIDR range ''"),
    ('localhost', "Invalid IP address or CIDR range 'localhost'"),
    (' 10.0.0.1', "Invalid IP address or CIDR range ' 10.0.0.1'"),
    ('10.0.0.0/33', "Invalid IP address or CIDR range '10.0.0.0/33'"),
])
def test_cidr_errors(mock, cidr, message):
    response = _create(mock, {'host_factory': HF_ID, 'expiration': FUTURE, 'cidr[]': cidr})
    assert response.status_code == 422
    assert response.json() == _arg_error(message, 'unprocessable_entity')
    assert mock.mock('stats')['tokens_active'] == 0


def test_scalar_cidr_is_a_server_error(mock):
    assert _create(mock, {'host_factory': HF_ID, 'expiration': FUTURE, 'cidr': '10.0.0.1'}).status_code == 500


def test_privileges(mock):
    assert _create(mock, {'host_factory': HF_ID, 'expiration': FUTURE}, login='alice').status_code == 403
    assert _create(mock, {'host_factory': HF_ID, 'expiration': FUTURE}, login='alice').content == b''
    other = 'myorg:host_factory:%s' % OTHER_HF
    invisible = _create(mock, {'host_factory': other, 'expiration': FUTURE}, login='alice')
    assert invisible.status_code == 404 and invisible.json()['error']['message'] == "Host_factory '%s' not found in account 'myorg'" % OTHER_HF
    assert _create(mock, {'host_factory': HF_ID, 'expiration': FUTURE}, login='bob').status_code == 200


def test_revoke_order_of_checks(mock):
    token = mock.hf_token()
    other_token = mock.hf_token(hf='myorg:host_factory:%s' % OTHER_HF)
    missing = mock.request('DELETE', '/host_factory_tokens/nosuchtoken', headers=mock.token_header())
    assert missing.status_code == 404
    assert missing.json() == _not_found('*:host_factory_token:nosuchtoken', "Host_factory_token 'nosuchtoken' not found in account '*'",
                                        'host_factory_token')
    invisible = mock.request('DELETE', '/host_factory_tokens/' + other_token, headers=mock.token_header('alice'))
    assert invisible.status_code == 404
    assert invisible.json() == _not_found('myorg:host_factory:%s' % OTHER_HF,
                                          "Host_factory '%s' not found in account 'myorg'" % OTHER_HF, 'host_factory')
    for login in ('alice', 'bob'):
        denied = mock.request('DELETE', '/host_factory_tokens/' + token, headers=mock.token_header(login))
        assert (denied.status_code, denied.content) == (403, b'')
    done = mock.request('DELETE', '/host_factory_tokens/' + token, headers=mock.token_header())
    assert (done.status_code, done.content) == (204, b'')
    assert mock.request('DELETE', '/host_factory_tokens/' + token, headers=mock.token_header()).status_code == 404
    assert mock.create_host(token, 'after-revoke').status_code == 401
    assert mock.request('DELETE', '/host_factory_tokens/' + token).text == 'Authorization missing'


def test_show_host_factory_lists_tokens_and_layers(mock):
    live = mock.mint(count=2, cidr=['10.0.0.0/8'])
    short = mock.mint(expiration='2030-01-01T00:00:00Z')
    for login in ('admin', 'alice'):
        response = mock.get('/resources/%s/host_factory/%s' % (ACCOUNT, HF.replace('/', '%2F')), headers=mock.token_header(login))
        assert response.status_code == 200
        body = response.json()
        assert list(body) == ['created_at', 'id', 'owner', 'policy', 'permissions', 'annotations', 'tokens', 'layers']
        assert body['id'] == HF_ID and body['owner'] == 'myorg:user:admin' and body['layers'] == ['myorg:layer:provisioning/layer']
        assert body['tokens'] == live + short
        assert {'privilege': 'read', 'role': 'myorg:user:alice', 'policy': 'myorg:policy:root'} in body['permissions']
        assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00', body['created_at'])
    raw_slash = mock.get('/resources/%s/host_factory/%s' % (ACCOUNT, HF), headers=mock.token_header())
    assert raw_slash.json()['id'] == HF_ID
    mock.mock('clock', {'advance_seconds': 20 * 365 * 86400})
    expired = mock.get('/resources/%s/host_factory/%s' % (ACCOUNT, HF), headers=mock.token_header()).json()
    assert expired['tokens'] == live + short
    hidden = mock.get('/resources/%s/host_factory/%s' % (ACCOUNT, OTHER_HF), headers=mock.token_header('alice'))
    assert hidden.status_code == 404 and hidden.json()['error']['target'] == 'host_factory'


def test_hf_token_expiry_uses_mock_clock(mock):
    token = mock.mint(expiration='2040-01-01T00:00:00Z')[0]['token']
    now = mock.mock('clock')
    assert now['offset_seconds'] == 0
    assert mock.create_host(token, 'before-expiry').status_code == 201
    assert mock.mock('stats')['tokens_active'] == 1
    mock.mock('clock', {'advance_seconds': 20 * 365 * 86400})
    response = mock.create_host(token, 'after-expiry')
    assert (response.status_code, response.content) == (401, b'')
    assert mock.mock('stats')['tokens_active'] == 0
    past = _create(mock, {'host_factory': HF_ID, 'expiration': '2040-01-01T00:00:00Z'})
    assert past.json()['error']['message'].startswith('Value for parameter expiration must be in the future: 2040-01-01T00:00:00+00:00')
