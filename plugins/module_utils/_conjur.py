# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Conjur client: the connection options' argspec, authentication, the v5 and v4 routes.

The settings themselves are resolved by C(_conjur_settings).

Errors are raised as L(ConjurError) (a subclass of C(HttpError)) with one-line messages that name the likely cause
and never contain a secret.
"""

from __future__ import annotations

import base64
import urllib.parse

from ._conjur_settings import ENV, ConjurConfigError
from ._files import FileError, read_input
from ._http import ApiError, HttpClient, HttpError, ResponseError, form_encode, transient_status
from ._transport import transport_argument_spec

CONJUR_MUTUALLY_EXCLUSIVE = [('ca_path', 'ca_content')]

FORM = 'application/x-www-form-urlencoded'


def conjur_argument_spec(with_login=False):
    """Return a fresh dict with the Conjur connection options (doc fragment C(hostfactory.enrollment.conjur)).

    C(with_login=True) adds the login options (doc fragment C(hostfactory.enrollment.conjur.login)). Environment
    variables and the configuration file are applied by L(ConjurConnection.resolve), the one place that resolves
    the settings, not by argspec fallbacks.
    """
    spec = transport_argument_spec()
    spec.update(
        appliance_url=dict(type='str'),
        account=dict(type='str'),
        api_version=dict(type='int', choices=[4, 5]),
        config_file=dict(type='path', no_log=False),
    )
    if with_login:
        spec.update(
            login=dict(type='str'),
            api_key=dict(type='str', no_log=True),
            authn_token_file=dict(type='path', no_log=False),
        )
    return spec


class ConjurError(HttpError):
    """A Conjur operation failed; C(message) is one line naming the likely cause, C(operation) the request (see
    L(conjur_error)) when known."""

    operation = None


def http_client(connection, **overrides):
    """The L(HttpClient) for C(connection) (transport settings; the API key registered for redaction)."""
    kwargs = dict(validate_certs=connection.validate_certs, ca_path=connection.ca_path,
                  ca_content=connection.ca_content, timeout=connection.timeout, retries=connection.retries,
                  use_proxy=connection.use_proxy, secrets=[connection.api_key])
    kwargs.update(overrides)
    return HttpClient(**kwargs)


def _quote(value):
    return urllib.parse.quote(str(value), safe='')


NO_ROUTE = ('host factories are switched off on this server (CONJUR_HOST_FACTORIES_ENABLED=false; ask its '
            'administrators), or appliance_url is not the Conjur API (Conjur Cloud and Edge serve it under /api)')


def no_route(err):
    """Whether C(err) is Conjur's answer to a path it has no route for: 404 with an empty body.

    A record that does not exist (an unknown host factory, token or resource) is a 404 with a JSON body instead.
    """
    return err.status == 404 and not (err.body or '').strip()


def _server_busy(err, status):
    attempts = err.attempts or 1
    attempts = '%d attempt%s' % (attempts, '' if attempts == 1 else 's')
    if status == 429:
        cause = 'the server is rate-limiting requests (HTTP 429 after %s); run again later or with fewer forks' % (
            attempts)
    else:
        cause = 'server error %s after %s' % (status, attempts)
        server = err.server_message()
        if server:
            cause += ' (%s)' % server
    if err.retry_after is not None:
        cause += '; the server asks to wait %d seconds before a retry' % err.retry_after
    return cause


def _client_error_cause(err, operation, login, host_factory, account, host_id):
    """The cause of a 4xx answer to C(operation), naming the fix where there is one."""
    status, server = err.status, err.server_message()
    if status == 401 and operation in ('authenticate', 'check_api_key'):
        return "authentication failed for login '%s' (wrong api_key or unknown login)" % login
    if status == 401 and operation == 'create_host':
        return ("the host factory token was refused: it has expired, was revoked or is unknown to this server, or "
                "this machine's address (as the server sees it) is outside the token's CIDR restriction; use a "
                "valid token whose CIDR includes this machine")
    if status == 401:
        return "the access token was rejected (%s)" % (server or 'expired or invalid')
    if status == 403 and operation == 'create_tokens':
        return "login '%s' has no execute privilege on host factory '%s'" % (login, host_factory)
    if status == 403 and operation == 'revoke_token':
        return "login '%s' has no update privilege on the token's host factory" % login
    if status == 403 and operation == 'create_host':
        return ("host '%s' already exists and belongs to another owner than this host factory; choose another id, "
                "or have the host deleted or given to the host factory" % host_id)
    if status == 403 and operation == 'rotate_api_key':
        return "login '%s' has no update privilege on host '%s'" % (login, host_id)
    if status == 404 and operation == 'rotate_api_key':
        return "host '%s' not found in account '%s' (or not visible to login '%s')" % (host_id, account, login)
    if status == 405 and operation == 'rotate_api_key' and server:
        return 'the server refused: %s' % server
    if no_route(err) and operation == 'authenticate':
        return ('no Conjur authentication at %s; check appliance_url (Conjur Cloud and Edge serve the API under '
                '/api)' % err.url)
    if no_route(err) and operation in ('create_tokens', 'revoke_token', 'create_host'):
        return 'no host factory route at %s: %s' % (err.url, NO_ROUTE)
    if status == 404 and host_factory:
        return ("host factory '%s' not found in account '%s' (or not visible to login '%s', or host factories are "
                "switched off on the server)" % (host_factory, account, login))
    if status == 422 and operation == 'create_host' and server and 'authn/api-key' in server:
        return ("the server requires the annotation authn/api-key=true on new hosts (API key authentication is off "
                "by default there); drop the null or false value of authn/api-key from annotations (true is sent by "
                "default)")
    if status == 422 and operation == 'create_host' and server and server.startswith('Invalid id'):
        return ("the server refuses id '%s' (%s): ids under conjur/ belong to Conjur itself; choose another id"
                % (host_id, server))
    if status in (400, 422) and server:
        return 'the server rejected the request: %s' % server
    return 'unexpected answer from %s%s' % (err.url, ': %s' % server if server else '')


def login_role(login):
    """C(kind:id) of the role that C(login) authenticates as, mapped as Conjur maps it: C(host/<id>) is
    C(host:<id>), C(user/<id>) is C(user:<id>), any other login C(user:<login>)."""
    kind, slash, identifier = str(login).partition('/')
    if slash and kind in ('host', 'user') and identifier:
        return '%s:%s' % (kind, identifier)
    return 'user:%s' % login


def conjur_error(err, operation, login=None, host_factory=None, account=None, host_id=None):
    """Map an C(HttpError) from C(operation) to a L(ConjurError) whose one-line message names the cause and the fix.

    C(operation) is one of C(authenticate), C(create_tokens), C(revoke_token), C(get_host_factory),
    C(create_host), C(check_api_key), C(rotate_api_key).
    """
    if isinstance(err, ConjurError):
        return err
    doing = {
        'authenticate': 'cannot authenticate to Conjur',
        'create_tokens': 'cannot create host factory tokens',
        'revoke_token': 'cannot revoke the host factory token',
        'get_host_factory': 'cannot read host factory',
        'create_host': 'cannot create host',
        'check_api_key': 'cannot check the API key',
        'rotate_api_key': "cannot invalidate the API key of host '%s'" % host_id,
    }.get(operation, 'Conjur request failed')
    status = err.status
    if not isinstance(err, ApiError):
        cause = str(err)
    elif transient_status(status):
        cause = _server_busy(err, status)
    else:
        cause = '%s (HTTP %s)' % (_client_error_cause(err, operation, login, host_factory, account, host_id), status)
    error = ConjurError('%s: %s' % (doing, cause), status=status, url=err.url, body=err.body, attempts=err.attempts,
                        transient=err.transient)
    error.operation = operation  # which request failed (a failed login means that a mint was never sent)
    return error


class ConjurClient:
    """Conjur API calls for host factories, over one L(HttpClient)."""

    def __init__(self, connection, http=None):
        self.connection = connection
        self.http = http or http_client(connection)
        self._token = None
        self._token_from_file = None

    # -- URLs -----------------------------------------------------------------------------------------------------
    @property
    def v4(self):
        return self.connection.api_version == 4

    def _url(self, *segments, **query):
        url = self.connection.appliance_url + '/' + '/'.join(segments)
        if query:
            url += '?' + urllib.parse.urlencode(query)
        return url

    def authn_url(self, login):
        if self.v4:
            return self._url('authn', 'users', _quote(login), 'authenticate')
        return self._url('authn', _quote(self.connection.account), _quote(login), 'authenticate')

    # -- authentication -------------------------------------------------------------------------------------------
    def _post_api_key(self, login, api_key):
        self.http.add_secret(api_key)
        return self.http.request('POST', self.authn_url(login), data=api_key.encode('utf-8'),
                                 headers={'Content-Type': 'text/plain', 'Accept-Encoding': 'base64'})

    def _token_header(self, response):
        raw = response.body.strip()
        if raw.startswith(b'{'):
            encoded = base64.b64encode(raw).decode('ascii')
            self.http.add_secret(raw.decode('utf-8', errors='replace'))
        else:
            encoded = raw.decode('ascii', errors='replace')
            try:
                self.http.add_secret(base64.b64decode(encoded).decode('utf-8', errors='replace'))
            except ValueError:
                pass
        if not encoded:
            raise ConjurError('cannot authenticate to Conjur: the server returned an empty access token',
                              status=response.status, url=response.url)
        self.http.add_secret(encoded)
        return encoded

    def _read_token_file(self):
        path = self.connection.authn_token_file
        try:
            raw = read_input(path, 'authn_token_file').strip()  # a regular file (a FIFO would block)
        except FileError as exc:
            raise ConjurConfigError(str(exc))
        if not raw:
            raise ConjurConfigError("authn_token_file '%s' is empty" % path)
        if raw.startswith(b'{'):
            self.http.add_secret(raw.decode('utf-8', errors='replace'))
            encoded = base64.b64encode(raw).decode('ascii')
        else:
            encoded = raw.decode('ascii', errors='replace')
        self.http.add_secret(encoded)
        return encoded

    def authenticate(self, force=False):
        """Return the base64 access token, authenticating at most once per run unless C(force)."""
        if self._token is not None and not force:
            return self._token
        conn = self.connection
        if conn.authn_token_file and not (force and conn.api_key):
            token = self._read_token_file()
            if force and token == self._token_from_file:
                raise ConjurError("the access token in authn_token_file '%s' was rejected by the server (expired or "
                                  "invalid); refresh the file or use login and api_key" % conn.authn_token_file,
                                  status=401)
            self._token_from_file = token
        else:
            if not conn.login or not conn.api_key:
                raise ConjurConfigError('missing Conjur credentials: set login and api_key (environment variables %s '
                                        'and %s) or authn_token_file (%s)'
                                        % (ENV['login'], ENV['api_key'], ENV['authn_token_file']))
            try:
                response = self._post_api_key(conn.login, conn.api_key)
            except HttpError as exc:
                raise conjur_error(exc, 'authenticate', login=conn.login)
            token = self._token_header(response)
        self._token = token
        return token

    def _protected(self, method, url, operation, data=None, expected=(200,), retry=True, attempt=1, **context):
        """Send a request with the access token; on a 401 re-authenticate once and resend.

        C(retry=False) sends it once (for a request that is not idempotent); C(attempt) is then the number that
        attempt has in the caller's own retry loop, for the error message.
        """
        context.setdefault('login', self.connection.login)
        context.setdefault('account', self.connection.account)
        headers = {'Accept': 'application/json'}
        if data is not None:
            headers['Content-Type'] = FORM
        for authn in (1, 2):
            headers['Authorization'] = 'Token token="%s"' % self.authenticate(force=authn == 2)
            try:
                return self.http.request(method, url, data=data, headers=headers, expected=expected, retry=retry)
            except HttpError as exc:
                if isinstance(exc, ApiError) and exc.status == 401 and authn == 1:
                    continue
                if not retry:
                    exc.set_attempts(attempt)
                raise conjur_error(exc, operation, **context)
        raise AssertionError('unreachable')  # pragma: no cover

    # -- host factory tokens ---------------------------------------------------------------------------------------
    def create_tokens(self, host_factory, expiration, count=1, cidr=None, retry=True, attempt=1):
        """Mint C(count) tokens; return a list of C({token, expiration, cidr}) dicts.

        Minting is not idempotent: callers send it with C(retry=False) and recover from a lost answer themselves
        (see C(_hostfactory_tokens.mint_tokens)); C(attempt) numbers their attempts for the error message.
        """
        account, identifier = self.connection.split_host_factory_id(host_factory)
        full_id = '%s:host_factory:%s' % (account, identifier)
        fields = []
        if self.v4:
            url = self._url('host_factories', _quote(identifier), 'tokens')
        else:
            if not expiration:
                raise ConjurConfigError('an expiration is required to create host factory tokens with API v5')
            url = self._url('host_factory_tokens')
            fields.append(('host_factory', full_id))
        if expiration:
            fields.append(('expiration', expiration))
        fields.append(('count', int(count)))
        fields.extend(('cidr[]', entry) for entry in (cidr or ()))
        response = self._protected('POST', url, 'create_tokens', data=form_encode(fields), expected=(200, 201),
                                   retry=retry, attempt=attempt, host_factory=full_id, account=account)
        return self._tokens(response.json(), response)

    def _tokens(self, data, response=None):
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            raise ResponseError('unexpected token list in the response from %s' % (response.url if response else 'Conjur'),
                                status=response.status if response else None)
        tokens = []
        for item in data:
            if not isinstance(item, dict) or not item.get('token'):
                raise ResponseError('a token is missing in the response from %s'
                                    % (response.url if response else 'Conjur'))
            self.http.add_secret(item['token'])
            tokens.append({'token': item['token'], 'expiration': item.get('expiration'),
                           'cidr': list(item.get('cidr') or [])})
        return tokens

    def revoke_token(self, token):
        """Revoke one token; return False when the server no longer knows it (404)."""
        self.http.add_secret(token)
        if self.v4:
            url = self._url('host_factories', 'tokens', _quote(token))
        else:
            url = self._url('host_factory_tokens', _quote(token))
        try:
            self._protected('DELETE', url, 'revoke_token', expected=(200, 204))
        except ConjurError as exc:
            if exc.status == 404 and (self.v4 or not no_route(exc)):  # v5: a token it does not know, not no route
                return False
            raise
        return True

    def get_host_factory(self, host_factory):
        """Return the host factory resource with a normalised C(tokens) list and its full C(id)."""
        account, identifier = self.connection.split_host_factory_id(host_factory)
        full_id = '%s:host_factory:%s' % (account, identifier)
        if self.v4:
            url = self._url('host_factories', _quote(identifier))
        else:
            url = self._url('resources', _quote(account), 'host_factory', _quote(identifier))
        response = self._protected('GET', url, 'get_host_factory', host_factory=full_id, account=account)
        data = response.json()
        if not isinstance(data, dict):
            raise ResponseError('unexpected host factory document in the response from %s' % response.url,
                                status=response.status, url=response.url)
        result = dict(data)
        result['id'] = full_id
        result['tokens'] = self._tokens(data.get('tokens') or [], response)
        return result

    # -- hosts ----------------------------------------------------------------------------------------------------
    def create_host(self, hf_token, host_id, annotations=None):
        """Create (or rotate) a host with a host factory token; return the host document including C(api_key)."""
        self.http.add_secret(hf_token)
        fields = [('id', host_id)]
        fields.extend(('annotations[%s]' % key, value) for key, value in sorted((annotations or {}).items()))
        url = self._url('host_factories', 'hosts', id=host_id) if self.v4 else self._url('host_factories', 'hosts')
        headers = {'Authorization': 'Token token="%s"' % hf_token, 'Content-Type': FORM, 'Accept': 'application/json'}
        try:
            response = self.http.request('POST', url, data=form_encode(fields), headers=headers, expected=(200, 201))
        except HttpError as exc:
            raise conjur_error(exc, 'create_host', host_id=host_id, account=self.connection.account)
        data = response.json()
        if not isinstance(data, dict) or not data.get('api_key'):
            raise ResponseError('the response from %s has no api_key' % response.url, status=response.status,
                                url=response.url)
        self.http.add_secret(data['api_key'])
        if self.v4:
            data = self._v4_host(data, host_id)
        return data

    def _v4_host(self, data, host_id):
        annotations = data.get('annotations') or []
        if isinstance(annotations, dict):
            annotations = [{'name': k, 'value': v} for k, v in sorted(annotations.items())]
        return {
            'id': data.get('roleid') or data.get('resource_identifier') or '%s:host:%s' % (self.connection.account,
                                                                                           host_id),
            'created_at': data.get('created_at'),
            'owner': data.get('ownerid') or data.get('owner'),
            'permissions': data.get('permissions') or [],
            'annotations': annotations,
            'api_key': data['api_key'],
        }

    def rotate_api_key(self, login):
        """Give the role of C(login) (a host or user) a new API key and discard it: its current key stops working.

        C(PUT /authn/{account}/api_key?role=kind:id) with the access token: any role with C(update) on the target may
        do it. The new key is registered for redaction and never returned, logged or kept. Sending it again after a
        lost answer is harmless (the key that counts is the one before the first attempt, and it is dead either way).
        """
        role = login_role(login)
        host_id = role.partition(':')[2]
        if self.v4:
            raise ConjurConfigError('invalidating an API key needs the Conjur v5 API (api_version 5)')
        url = self._url('authn', _quote(self.connection.account), 'api_key', role=role)
        response = self._protected('PUT', url, 'rotate_api_key', expected=(200,), host_id=host_id)
        self.http.add_secret(response.text.strip())

    def check_api_key(self, login, api_key):
        """Return True when C(login) authenticates with C(api_key), False on 401; raise on other failures."""
        try:
            response = self._post_api_key(login, api_key)
        except ApiError as exc:
            if exc.status == 401:
                return False
            raise conjur_error(exc, 'check_api_key', login=login)
        except HttpError as exc:
            raise conjur_error(exc, 'check_api_key', login=login)
        self._token_header(response)  # only to register the access token for redaction
        return True
