# Copyright (c) 2026, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Rackspace client: connection options, Identity v2.0 authentication, service catalog, Cloud Monitoring calls.

HTTP, TLS, retries, typed errors and redaction come from C(_http) (shared with the Conjur client). Errors are raised
as L(RackspaceError) (a subclass of C(HttpError)) with one-line messages that never hold a secret: the API key,
the auth token and every agent token id are registered with the HTTP client for redaction as soon as they are seen
(on the current service an agent token's id is its secret value). Agent tokens and entities are two collections of
the same shape (L(MonitoringCollection)): one paged listing, get, create, update and delete serve both.
"""

from __future__ import annotations

import json
import os
import urllib.parse

from ansible.module_utils.basic import env_fallback

from ._errors import CollectionError, ParameterError, fail
from ._http import ApiError, HttpClient, HttpError
from ._transport import transport_argument_spec, transport_settings

DEFAULT_IDENTITY_URL = 'https://identity.api.rackspacecloud.com/v2.0'
DEFAULT_MONITORING_ROOT = 'https://monitoring.api.rackspacecloud.com/v1.0'
MONITORING_TYPE = 'rax:monitor'
MONITORING_NAME = 'cloudMonitoring'
PAGE_LIMIT = 1000
JSON = 'application/json'

# Credentials are resolved in code, not with env_fallback, so that an option given in the task always decides the
# authentication method (an RAX_AUTH_TOKEN left in the environment must not override username + api_key).
ENV = {
    'username': 'RAX_USERNAME',
    'api_key': 'RAX_API_KEY',
    'password': 'RAX_PASSWORD',
    'auth_token': 'RAX_AUTH_TOKEN',
    'tenant_id': 'RAX_TENANT_ID',
    'region': 'RAX_REGION',
}

RACKSPACE_MUTUALLY_EXCLUSIVE = [
    ('api_key', 'password'),
    ('auth_token', 'username'),
    ('auth_token', 'api_key'),
    ('auth_token', 'password'),
    ('ca_path', 'ca_content'),
]


def rackspace_argument_spec():
    """Return a fresh dict with the Rackspace connection options (doc fragment C(hostfactory.enrollment.rackspace))."""
    spec = transport_argument_spec()
    spec.update(
        username=dict(type='str'),
        api_key=dict(type='str', no_log=True),
        password=dict(type='str', no_log=True),
        auth_token=dict(type='str', no_log=True),
        tenant_id=dict(type='str', fallback=(env_fallback, [ENV['tenant_id']])),
        identity_url=dict(type='str', default=DEFAULT_IDENTITY_URL),
        region=dict(type='str', fallback=(env_fallback, [ENV['region']])),
        monitoring_url=dict(type='str'),
    )
    return spec


class RackspaceError(HttpError):
    """A Rackspace operation failed; C(message) is one line naming the likely cause.

    C(transient) is true when the request may succeed if sent again (network failure, HTTP 429 or 5xx).
    """


class RackspaceConfigError(RackspaceError, ParameterError):
    """The connection settings are missing or invalid (no request was made)."""


# ----------------------------------------------------------------------------------------------------------------
# settings
# ----------------------------------------------------------------------------------------------------------------

class Credentials:
    """How to authenticate: C(method) is C(api_key), C(password) or C(auth_token)."""

    def __init__(self, method, secret, username=None):
        self.method = method
        self.secret = secret
        self.username = username


def resolve_credentials(params, environ=None):
    """Pick the credentials: options given in the task first, then the environment.

    Options decide the method: O(auth_token) means token mode; O(username), O(api_key) or O(password) mean
    identity mode (missing parts of it are taken from the environment). With none of them set, E(RAX_AUTH_TOKEN)
    wins over E(RAX_USERNAME) + E(RAX_API_KEY) / E(RAX_PASSWORD).
    """
    environ = os.environ if environ is None else environ

    def env(option):
        return environ.get(ENV[option]) or None

    if params.get('auth_token'):
        return Credentials('auth_token', params['auth_token'])
    explicit = any(params.get(name) for name in ('username', 'api_key', 'password'))
    if not explicit and env('auth_token'):
        return Credentials('auth_token', env('auth_token'))
    username = params.get('username') or env('username')
    api_key = params.get('api_key')
    password = params.get('password')
    if not api_key and not password:
        api_key = env('api_key')
        password = None if api_key else env('password')
    if not username and not api_key and not password:
        raise RackspaceConfigError('missing Rackspace credentials: set username and api_key (environment variables '
                                   '%s and %s) or auth_token (%s)' % (ENV['username'], ENV['api_key'],
                                                                      ENV['auth_token']))
    if not username:
        raise RackspaceConfigError('missing Rackspace setting username (set option username or environment '
                                   'variable %s)' % ENV['username'])
    if not api_key and not password:
        raise RackspaceConfigError("missing the API key of Rackspace user '%s' (set option api_key or environment "
                                   "variable %s)" % (username, ENV['api_key']))
    if api_key:
        return Credentials('api_key', api_key, username)
    return Credentials('password', password, username)


def _http_url(option, url):
    url = (url or '').strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ('http', 'https') or not parts.netloc:
        raise RackspaceConfigError("%s must be an https:// URL, got '%s'" % (option, url))
    if parts.query or parts.fragment:
        raise RackspaceConfigError("%s must not have a query string or fragment" % option)
    return parts


def identity_tokens_url(url):
    """C(POST) URL of Identity v2.0 tokens for C(identity_url): the host root, C(.../v2.0) or C(.../v2.0/tokens)."""
    parts = _http_url('identity_url', url)
    path = parts.path.rstrip('/')
    if not path.endswith('/v2.0/tokens'):
        path += '/tokens' if path.endswith('/v2.0') else '/v2.0/tokens'
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, '', ''))


def monitoring_base_url(url):
    """Validate O(monitoring_url) (it must name the tenant, for example C(.../v1.0/123456)); strip trailing slashes."""
    parts = _http_url('monitoring_url', url)
    if not parts.path.strip('/'):
        raise RackspaceConfigError("monitoring_url must include the API version and tenant, for example "
                                   "%s/123456, got '%s'" % (DEFAULT_MONITORING_ROOT, url.strip()))
    return url.strip().rstrip('/')


def http_client(params, **overrides):
    """The shared HTTP client configured from the TLS, timeout and retry options."""
    kwargs = transport_settings(params, RackspaceConfigError)
    kwargs.update(overrides)
    return HttpClient(**kwargs)


# ----------------------------------------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------------------------------------

def server_message(body):
    """A short text from a Rackspace error body.

    Cloud Monitoring answers C({type, code, message, details}); Identity answers C({"<fault>": {code, message}}).
    """
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return ' '.join(str(body).split()) or None
    if isinstance(data, dict) and len(data) == 1:
        inner = next(iter(data.values()))
        if isinstance(inner, dict) and inner.get('message'):
            data = dict(inner, type=next(iter(data)))
    if not isinstance(data, dict) or not data.get('message'):
        return ' '.join(str(body).split()) or None
    text = str(data['message'])
    if data.get('type'):
        text = '%s: %s' % (data['type'], text)
    details = data.get('details')
    if isinstance(details, dict):
        details = details.get('message')
    if details and str(details) not in text:
        text += ' (%s)' % details
    return text


FORBIDDEN_AGENT_TOKENS = 'listing, updating and deleting agent tokens needs the Admin role'


def rackspace_error(err, doing, identity=False, username=None, forbidden=FORBIDDEN_AGENT_TOKENS):
    """Map an C(HttpError) raised while C(doing) something to a L(RackspaceError) with a one-line cause.

    C(forbidden) says which role the operation needs, for a 403.
    """
    if isinstance(err, RackspaceError):
        return err
    status = err.status
    if isinstance(err, ApiError):
        server = server_message(err.body)
        if status >= 500 or status == 429:
            cause = 'server error %s after %s attempt(s)' % (status, err.attempts or 1)
            if server:
                cause += ' (%s)' % server
        elif status == 401 and identity:
            cause = ("authentication failed for user '%s' (wrong username, api_key or password)" % username)
        elif status == 401:
            cause = 'the auth token was rejected (expired or invalid; check auth_token)'
        elif status == 403:
            cause = 'permission denied (%s)' % forbidden
        elif status == 404 and not identity:
            cause = 'not found at %s (check monitoring_url or tenant_id)' % err.url
        elif status == 404:
            cause = 'no Identity v2.0 service at %s (check identity_url)' % err.url
        elif status in (400, 413, 422):
            cause = 'the server rejected the request'
        else:
            cause = 'unexpected answer from %s' % err.url
        if server and not (status >= 500 or status == 429):
            cause += ': %s' % server
        if status < 500 and status != 429:
            cause += ' (HTTP %s)' % status
    else:
        cause = str(err)
    return RackspaceError('%s: %s' % (doing, cause), status=status, url=err.url, body=err.body,
                          attempts=err.attempts, transient=err.transient)


# ----------------------------------------------------------------------------------------------------------------
# identity
# ----------------------------------------------------------------------------------------------------------------

def catalog_endpoint(catalog, region=None):
    """The C(publicURL) of the Cloud Monitoring entry (type C(rax:monitor), name C(cloudMonitoring)) of a catalog.

    Cloud Monitoring is one global endpoint without a region. When C(region) is set, an endpoint of that region
    is preferred, then one without a region.
    """
    services = [s for s in catalog or [] if isinstance(s, dict)]
    matches = [s for s in services if s.get('type') == MONITORING_TYPE]
    matches = matches or [s for s in services if s.get('name') == MONITORING_NAME]
    endpoints = [e for s in matches for e in s.get('endpoints') or [] if isinstance(e, dict) and e.get('publicURL')]
    if not endpoints:
        raise RackspaceConfigError('the service catalog has no Cloud Monitoring endpoint (type %s); set '
                                   'monitoring_url' % MONITORING_TYPE)
    if region:
        wanted = region.strip().upper()
        regional = [e for e in endpoints if str(e.get('region') or '').upper() == wanted]
        unregioned = [e for e in endpoints if not e.get('region')]
        if not regional and not unregioned:
            found = sorted(set(str(e.get('region')) for e in endpoints))
            raise RackspaceConfigError("the service catalog has no Cloud Monitoring endpoint in region '%s' (found: %s)"
                                       % (region, ', '.join(found)))
        endpoints = regional or unregioned
    return endpoints[0]['publicURL']


def authenticate(http, identity_url, credentials):
    """POST the credentials to Identity v2.0; return the C(access) document. Registers the token for redaction."""
    url = identity_tokens_url(identity_url)
    if credentials.method == 'api_key':
        auth = {'RAX-KSKEY:apiKeyCredentials': {'username': credentials.username, 'apiKey': credentials.secret}}
    else:
        auth = {'passwordCredentials': {'username': credentials.username, 'password': credentials.secret}}
    http.add_secret(credentials.secret)
    body = json.dumps({'auth': auth}).encode('utf-8')
    headers = {'Content-Type': JSON, 'Accept': JSON}
    doing = 'cannot authenticate to Rackspace Identity'
    try:
        response = http.request('POST', url, data=body, headers=headers, expected=(200, 203))
        data = response.json()
    except HttpError as exc:
        raise rackspace_error(exc, doing, identity=True, username=credentials.username)
    access = data.get('access') if isinstance(data, dict) else None
    token = (access or {}).get('token') if isinstance(access, dict) else None
    if not isinstance(token, dict) or not token.get('id'):
        raise RackspaceError('%s: the response from %s has no access.token.id' % (doing, response.url),
                             status=response.status, url=response.url)
    http.add_secret(token['id'])
    return access


# ----------------------------------------------------------------------------------------------------------------
# Cloud Monitoring collections: agent tokens, entities
# ----------------------------------------------------------------------------------------------------------------

def _quote_id(object_id):
    return urllib.parse.quote(str(object_id), safe=':')


def object_id_from_location(location, collection):
    """The id at the end of a C(Location) such as C(https://host/v1.0/123456/<collection>/ID), or None."""
    if not location:
        return None
    segments = urllib.parse.urlsplit(location).path.rstrip('/').split('/')
    if len(segments) < 2 or segments[-2] != collection or not segments[-1]:
        return None
    return urllib.parse.unquote(segments[-1])


def token_id_from_location(location):
    """The token id at the end of a C(Location) such as C(https://host/v1.0/123456/agent_tokens/ID), or None."""
    return object_id_from_location(location, 'agent_tokens')


class MonitoringCollection:
    """One collection of Cloud Monitoring (C(path) under the tenant's URL) over one L(HttpClient).

    The operations every collection shares: the listing (all pages, following C(metadata.next_marker)), get, create
    (the new id from C(X-Object-ID), else from the C(Location) path), update and delete. A subclass names the
    collection (C(path), C(noun), C(plural)), shapes its items (C(_parse)) and says which ids are secrets
    (C(remember)).
    """

    path = None
    noun = None
    plural = None
    forbidden = FORBIDDEN_AGENT_TOKENS

    def __init__(self, http, base_url, auth_token, page_limit=PAGE_LIMIT):
        self.http = http
        self.base_url = base_url
        self.auth_token = auth_token
        self.page_limit = page_limit
        self.http.add_secret(auth_token)

    def remember(self, object_id):
        """Register an id as a secret, for collections whose ids are secrets (none by default)."""

    def _headers(self, body=False):
        headers = {'X-Auth-Token': self.auth_token, 'Accept': JSON}
        if body:
            headers['Content-Type'] = JSON
        return headers

    def _url(self, object_id=None, **query):
        url = '%s/%s' % (self.base_url, self.path)
        if object_id is not None:
            self.remember(object_id)
            url += '/' + _quote_id(object_id)
        if query:
            url += '?' + urllib.parse.urlencode(query)
        return url

    def _send(self, doing, method, url, data=None, expected=(200,), retry=True):
        body = None if data is None else json.dumps(data).encode('utf-8')
        try:
            return self.http.request(method, url, data=body, headers=self._headers(body is not None),
                                     expected=expected, retry=retry)
        except HttpError as exc:
            raise rackspace_error(exc, doing, forbidden=self.forbidden)

    def _json(self, doing, response):
        try:
            return response.json()
        except HttpError as exc:
            raise rackspace_error(exc, doing, forbidden=self.forbidden)

    def _parse(self, raw):
        """The item the callers see, from a raw item that has an id."""
        raise NotImplementedError

    def _item(self, raw, response):
        if not isinstance(raw, dict) or raw.get('id') in (None, ''):
            raise RackspaceError('unexpected %s in the response from %s (no id)' % (self.noun, response.url),
                                 status=response.status, url=response.url)
        self.remember(str(raw['id']))
        return self._parse(raw)

    def list(self):
        """Every item of the collection, in the order of the API (by id), page by page."""
        doing = 'cannot list %s' % self.plural
        items = []
        marker = None
        seen = set()
        while True:
            query = {'limit': self.page_limit}
            if marker is not None:
                query['marker'] = marker
            response = self._send(doing, 'GET', self._url(**query))
            data = self._json(doing, response)
            if not isinstance(data, dict) or not isinstance(data.get('values'), list):
                raise RackspaceError('%s: the response from %s has no values list' % (doing, response.url),
                                     status=response.status, url=response.url)
            items.extend(self._item(raw, response) for raw in data['values'])
            metadata = data.get('metadata') if isinstance(data.get('metadata'), dict) else {}
            marker = metadata.get('next_marker')
            if marker in (None, ''):
                return items
            marker = str(marker)
            self.remember(marker)
            if marker in seen:
                raise RackspaceError('%s: the server returned the same next_marker twice' % doing,
                                     status=response.status, url=response.url)
            seen.add(marker)

    def get(self, object_id):
        """One item, or None when there is none with this id (404)."""
        doing = 'cannot read the %s' % self.noun
        response = self._send(doing, 'GET', self._url(object_id), expected=(200, 404))
        if response.status == 404:
            return None
        return self._item(self._json(doing, response), response)

    def _create(self, doing, attributes, retry=True):
        """POST C(attributes); return the new id (from C(X-Object-ID), else from the C(Location) path)."""
        response = self._send(doing, 'POST', self._url(), data=attributes, expected=(201,), retry=retry)
        object_id = response.header('X-Object-ID') or object_id_from_location(response.header('Location'), self.path)
        if not object_id:
            raise RackspaceError('the %s was created but the response from %s names no id (neither X-Object-ID nor '
                                 'a Location ending in /%s/ID)' % (self.noun, response.url, self.path),
                                 status=response.status, url=response.url)
        object_id = str(object_id).strip()
        self.remember(object_id)
        return object_id

    def _update(self, doing, object_id, attributes):
        """PUT C(attributes) (only those named change); return False when there is none with this id (404)."""
        response = self._send(doing, 'PUT', self._url(object_id), data=attributes, expected=(200, 204, 404))
        return response.status != 404

    def delete(self, object_id):
        """Delete an item; return False when there was none with this id (404)."""
        response = self._send('cannot delete the %s' % self.noun, 'DELETE', self._url(object_id),
                              expected=(200, 204, 404))
        return response.status != 404


class AgentTokenApi(MonitoringCollection):
    """The agent tokens of Cloud Monitoring. Items are dicts C({id, label, token}) (C(token) is None when the server
    omitted it). Every id is a secret (on the current service it is the token value)."""

    path = 'agent_tokens'
    noun = 'agent token'
    plural = 'agent tokens'

    def remember(self, object_id):
        """Register a token id (and its URL form) as a secret of the HTTP client."""
        self.http.add_secret(object_id)
        self.http.add_secret(_quote_id(object_id))

    def _parse(self, raw):
        item = {'id': str(raw['id']), 'label': raw.get('label'), 'token': raw.get('token')}
        if item['token']:
            self.http.add_secret(item['token'])
        return item

    def create(self, label, retry=True):
        """Create a token; return its id."""
        return self._create("cannot create an agent token labelled '%s'" % label, {'label': label}, retry=retry)

    def update(self, token_id, label):
        """Set the label of a token; return False when there is none with this id (404)."""
        return self._update('cannot relabel the agent token', token_id, {'label': label})


class EntityApi(MonitoringCollection):
    """The entities of Cloud Monitoring (what checks run on). Items are dicts C({id, label, agent_id, ip_addresses})
    (C(ip_addresses) maps names to addresses, C({}) when the server sent none). Entity ids are not secrets."""

    path = 'entities'
    noun = 'entity'
    plural = 'entities'
    forbidden = 'binding an existing entity needs the Admin role, creating one the Creator or Admin role'

    def _parse(self, raw):
        addresses = raw.get('ip_addresses')
        return {'id': str(raw['id']), 'label': raw.get('label'), 'agent_id': raw.get('agent_id'),
                'ip_addresses': dict(addresses) if isinstance(addresses, dict) else {}}

    def create(self, attributes, retry=True):
        """Create an entity with C(attributes) (C(label) required); return its id."""
        return self._create("cannot create an entity labelled '%s'" % attributes.get('label'), attributes,
                            retry=retry)

    def update(self, entity_id, attributes):
        """Change the attributes named in C(attributes); return False when there is no entity with this id (404)."""
        return self._update("cannot update the entity '%s'" % entity_id, entity_id, attributes)


def create_once(create, find, retries):
    """Create an object without ever leaving a duplicate behind; return its id.

    The create is not idempotent, so C(create(retry)) is first called with C(retry=False). If it fails in a way that
    may be transient (network error, 429, 5xx) the request may still have reached the server: C(find()) looks for
    the object (its id, or None); only if there is none is the create sent again, with the usual retries (when the
    client has any).
    """
    try:
        return create(False)
    except RackspaceError as exc:
        if not exc.transient or retries < 1:
            raise
    found = find()
    if found is not None:
        return found
    return create(True)


class Connection:
    """Resolved settings plus an authenticated collection (L(AgentTokenApi) or L(EntityApi)); C(secrets) must be
    hidden from all output."""

    def __init__(self, api, secrets):
        self.api = api
        self.secrets = secrets


def connect(params, environ=None, http=None, warn=None, api_class=AgentTokenApi):
    """Resolve the settings, authenticate when needed, and return a L(Connection) to one collection (C(api_class))
    of Cloud Monitoring."""
    credentials = resolve_credentials(params, environ)
    http = http or http_client(params)
    http.add_secret(credentials.secret)
    secrets = [credentials.secret]
    monitoring_url = params.get('monitoring_url')
    base_url = monitoring_base_url(monitoring_url) if monitoring_url else None
    if credentials.method == 'auth_token':
        auth_token = credentials.secret
        if not monitoring_url:
            tenant_id = (params.get('tenant_id') or '').strip()
            if not tenant_id:
                raise RackspaceConfigError('auth_token needs tenant_id (or environment variable %s) or monitoring_url'
                                           % ENV['tenant_id'])
            base_url = '%s/%s' % (DEFAULT_MONITORING_ROOT, urllib.parse.quote(tenant_id, safe=':'))
    else:
        identity_url = params.get('identity_url') or DEFAULT_IDENTITY_URL
        if warn and identity_url.strip().lower().startswith('http://'):
            warn('identity_url %s uses http://: credentials travel unencrypted; use https://' % identity_url.strip())
        access = authenticate(http, identity_url, credentials)
        auth_token = access['token']['id']
        secrets.append(auth_token)
        if not monitoring_url:
            base_url = monitoring_base_url(catalog_endpoint(access.get('serviceCatalog'), params.get('region')))
    if warn and base_url.lower().startswith('http://'):
        warn('the monitoring endpoint %s uses http://: the auth token and agent tokens travel unencrypted' % base_url)
    return Connection(api_class(http, base_url, auth_token), secrets)


def run_module(module, action, precheck=None, api_class=AgentTokenApi):
    """Connect, call C(action(api)) for the result dict and exit; every failure ends in this one C(fail_json).

    C(api) is an instance of C(api_class), the collection the module works on.

    C(precheck()) validates the module's own options before any request is made.

    The credentials and the auth token are added to the module's C(no_log_values), also when they came from the
    environment, so that Ansible masks them in any output.
    """
    try:
        if precheck is not None:
            precheck()
        connection = connect(module.params, warn=module.warn, api_class=api_class)
        for secret in connection.secrets:
            module.no_log_values.add(secret)
        result = action(connection.api)
    except CollectionError as exc:
        fail(module, exc)
    module.exit_json(**result)
