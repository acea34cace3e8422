# Copyright (c) 2025, hostfactory.enrollment contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""One HTTP path for the collection: request, proxy, retry with backoff and jitter, typed errors, secret redaction.

Shared by the Conjur and the Rackspace clients. Built on the standard library's ``urllib.request`` alone: importing
``ansible.module_utils.urls`` costs about as much CPU on the node as the rest of the module (see the performance
section of docs/docsite/rst/reliability.rst), and nothing of it is needed here.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

from ._errors import CollectionError
from ._files import FileError, check_input
from ._secrets import Redactor

BODY_LIMIT = 300
RETRY_STATUSES = frozenset((429,))
# Statuses whose Retry-After header is honoured; a longer wait than MAX_RETRY_AFTER seconds ends the retries.
RETRY_AFTER_STATUSES = frozenset((429, 503))
MAX_RETRY_AFTER = 30.0
_TUNNEL_STATUS = re.compile(r'Tunnel connection failed: (\d{3})')


def strip_query(url):
    """Return C(url) without its query string and fragment (they may carry secrets)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, '', ''))


def transient_status(status):
    """Whether an answer with this status may change if the request is sent again (5xx, 429)."""
    return status is not None and (status >= 500 or status in RETRY_STATUSES)


class HttpError(CollectionError):
    """Base of every error raised by the HTTP layer (and by the service clients built on it).

    C(str(err)) is the one-line C(message); C(fields) (what a failed task reports) are C(status) and C(url).
    C(url) never has a query string, C(body) is at most ~300 characters of server text; both are redacted of every
    registered secret.
    """

    def __init__(self, message, status=None, url=None, body=None, attempts=None, transient=False):
        # server text may bring runs of white space of any kind: collapse them all
        super().__init__(' '.join(str(message).split()), status=status, url=url)
        self.status = status
        self.url = url
        self.body = body
        self.attempts = attempts
        # whether the same request may succeed if sent again (network failure, truncated answer, HTTP 429 or 5xx)
        self.transient = transient

    def set_attempts(self, attempts):
        """Record how many attempts were made, in the message too when there was more than one."""
        self.attempts = attempts
        if attempts > 1:
            self.message = '%s (after %d attempts)' % (self.message, attempts)
            self.args = (self.message,)


class ConnectionFailure(HttpError):
    """No HTTP status: DNS, connection refused or reset, timeout, TLS errors."""

    def __init__(self, message, url=None, attempts=None, transient=True):
        super().__init__(message, status=None, url=url, attempts=attempts, transient=transient)


class ApiError(HttpError):
    """The server answered with a status that was not expected (4xx, 5xx, or an unexpected 2xx/3xx)."""

    def __init__(self, message, status, url=None, body=None, attempts=None, headers=None):
        super().__init__(message, status=status, url=url, body=body, attempts=attempts,
                         transient=transient_status(status))
        self.headers = headers or {}
        # seconds the server asked to wait (Retry-After) when that was too long to wait for; otherwise None
        self.retry_after = None

    def server_message(self):
        """The C(error.message) of a JSON error body, or a plain-text body; None for empty and HTML bodies."""
        text = (self.body or '').strip()
        if not text or text.startswith('<'):
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return text
        if isinstance(data, dict):
            error = data.get('error')
            if isinstance(error, dict) and error.get('message'):
                return str(error['message'])
            if isinstance(error, str):
                return error
            if data.get('message'):
                return str(data['message'])
        return self.body


class ResponseError(HttpError):
    """The server answered but the response could not be used: truncated body, malformed JSON."""

    def __init__(self, message, status=None, url=None, body=None, attempts=None, transient=False):
        super().__init__(message, status=status, url=url, body=body, attempts=attempts, transient=transient)


class Response:
    """A fully read HTTP response."""

    def __init__(self, status, headers, body, url=None, redact=None):
        self.status = status
        self.headers = dict(headers or {})
        self._lower_headers = {str(k).lower(): v for k, v in self.headers.items()}
        self.body = body or b''
        self.url = url
        self._redact = redact or (lambda text: text)

    def header(self, name, default=None):
        """Case-insensitive header lookup."""
        return self._lower_headers.get(name.lower(), default)

    @property
    def text(self):
        return self.body.decode('utf-8', errors='replace')

    def json(self):
        try:
            return json.loads(self.text)
        except ValueError as exc:
            excerpt = self._redact(self.text)[:BODY_LIMIT]
            raise ResponseError(
                'malformed JSON in the response from %s (HTTP %s): %s' % (self.url, self.status, exc),
                status=self.status, url=self.url, body=excerpt)


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def proxy_for(url, use_proxy=True):
    """The proxy a request to C(url) goes through (from the environment, as urllib picks it), or None.

    Only C(scheme://host:port) is returned: a user name or password in the proxy URL never reaches a message.
    """
    if not use_proxy:
        return None
    parts = urllib.parse.urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme.lower())
    if not proxy or urllib.request.proxy_bypass(parts.netloc):
        return None
    if '://' not in proxy:
        proxy = 'http://' + proxy
    proxy_parts = urllib.parse.urlsplit(proxy)
    return '%s://%s' % (proxy_parts.scheme, proxy_parts.netloc.rpartition('@')[2])


def _tls_message(reason):
    text = str(getattr(reason, 'verify_message', '') or reason)
    if isinstance(reason, ssl.SSLCertVerificationError) or 'CERTIFICATE_VERIFY_FAILED' in str(reason):
        return 'certificate verify failed (%s); check ca_path/ca_content/validate_certs' % text
    return 'TLS error (%s); check ca_path/ca_content/validate_certs' % text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is returned as the HTTPError urllib raises for it, never followed (credentials stay put)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpClient:
    """Sends requests with retries; raises L(HttpError) subclasses; redacts registered secrets from errors."""

    def __init__(self, validate_certs=True, ca_path=None, ca_content=None, timeout=30, retries=3,
                 backoff=0.5, max_backoff=8.0, secrets=None, user_agent='hostfactory.enrollment',
                 sleep=time.sleep, rng=None, use_proxy=True, max_retry_after=MAX_RETRY_AFTER):
        self.validate_certs = validate_certs
        self.use_proxy = use_proxy
        self.max_retry_after = max_retry_after
        self.ca_path = ca_path
        self.ca_content = ca_content
        self.timeout = timeout
        self.retries = max(0, int(retries or 0))
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.user_agent = user_agent
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.redact = Redactor()
        self._context = None
        self._openers = {}
        for secret in secrets or ():
            self.add_secret(secret)

    # -- secrets -------------------------------------------------------------------------------------------------
    def add_secret(self, value):
        """Register a value that must never appear in error text (in any spelling, see L(Redactor))."""
        self.redact.add(value)

    def _safe_url(self, url):
        return self.redact(strip_query(url))

    def _value_error(self, exc):
        """The cause of a C(ValueError) from the HTTP stack. A header's text is never quoted: it may be a secret
        that is not registered, and http.client puts the whole header value in the exception."""
        text = str(exc)
        if 'header' in text.lower():
            return 'a request header holds a line break or a control character'
        return 'invalid URL (%s)' % self.redact(text)

    def redacted(self, error):
        """C(error) (an L(HttpError)) with every registered secret masked in its message, URL and body.

        L(request) passes every error it raises through here: the one door out of the HTTP layer.
        """
        error.message = self.redact(error.message)
        error.args = (error.message,)
        for name in ('url', 'body'):
            if getattr(error, name, None) is not None:
                setattr(error, name, self.redact(getattr(error, name)))
        if error.fields.get('url') is not None:
            error.fields['url'] = error.url
        return error

    # -- TLS ------------------------------------------------------------------------------------------------------
    def _ssl_context(self, url):
        if self._context is None:
            try:
                if not self.validate_certs:
                    context = ssl.create_default_context()
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                elif self.ca_content:
                    context = ssl.create_default_context(cadata=self.ca_content)
                elif self.ca_path:
                    check_input(self.ca_path, 'ca_path')  # a regular file: ssl would block on a FIFO
                    context = ssl.create_default_context(cafile=self.ca_path)
                else:
                    context = ssl.create_default_context()
            except (ssl.SSLError, ValueError) as exc:
                which = 'ca_content' if self.ca_content else 'ca_path'
                raise ConnectionFailure('%s does not hold a usable PEM CA certificate (%s)' % (which, exc),
                                        url=self._safe_url(url), transient=False)
            except FileError as exc:
                raise ConnectionFailure(str(exc), url=self._safe_url(url), transient=False)
            except OSError as exc:
                raise ConnectionFailure("ca_path '%s' cannot be read: %s" % (self.ca_path, exc.strerror or exc),
                                        url=self._safe_url(url), transient=False)
            self._context = context
        return self._context

    def _opener(self, url):
        """A urllib opener that never follows a redirect (a 3xx is an answer like any other), uses the TLS context
        of this client, and the proxy of the environment (https_proxy, no_proxy) only when use_proxy is true."""
        secure = url.lower().startswith('https:')  # an http:// URL never reads the CA (it may be unusable)
        if secure not in self._openers:
            handlers = [urllib.request.ProxyHandler(None if self.use_proxy else {}), _NoRedirect()]
            if secure:
                handlers.append(urllib.request.HTTPSHandler(context=self._ssl_context(url)))
            self._openers[secure] = urllib.request.build_opener(*handlers)
        return self._openers[secure]

    # -- one attempt ------------------------------------------------------------------------------------------------
    def _attempt(self, method, url, data, headers):
        safe_url = self._safe_url(url)
        what = '%s %s' % (method, safe_url)
        proxy = proxy_for(url, self.use_proxy)
        if proxy:
            what += ' through the proxy %s' % proxy
        if isinstance(data, str):
            data = data.encode('utf-8')  # urllib sends bytes only
        request = urllib.request.Request(url, data=data, headers=dict(headers, **{'User-Agent': self.user_agent}),
                                         method=method)
        try:
            handle = self._opener(url).open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            try:
                body = exc.read() or b''
            except (OSError, http.client.HTTPException):
                body = b''
            return Response(exc.code, dict(exc.headers or {}), body, url=safe_url, redact=self.redact)
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, ssl.SSLError):
                raise ConnectionFailure('%s failed: %s' % (what, _tls_message(reason)), url=safe_url, transient=False)
            tunnel = _TUNNEL_STATUS.search(str(reason))
            if tunnel:  # the proxy refused the CONNECT: only its own 5xx may pass on a retry
                raise ConnectionFailure('%s failed: the proxy answered the CONNECT with HTTP %s; check https_proxy and '
                                        'no_proxy, or set use_proxy: false' % (what, tunnel.group(1)), url=safe_url,
                                        transient=int(tunnel.group(1)) >= 500)
            raise ConnectionFailure('%s failed: %s' % (what, self.redact(_reason(reason))), url=safe_url)
        except ssl.SSLError as exc:
            raise ConnectionFailure('%s failed: %s' % (what, _tls_message(exc)), url=safe_url, transient=False)
        except (socket.timeout, TimeoutError):
            raise ConnectionFailure('%s failed: timed out after %ss' % (what, self.timeout), url=safe_url)
        except (OSError, http.client.HTTPException) as exc:
            raise ConnectionFailure('%s failed: %s' % (what, self.redact(_reason(exc))), url=safe_url)
        except ValueError as exc:
            raise ConnectionFailure('%s failed: %s' % (what, self._value_error(exc)), url=safe_url, transient=False)
        try:
            body = handle.read()
        except http.client.IncompleteRead as exc:
            raise ResponseError('%s: truncated response body (%d bytes read, %s more expected)'
                                % (what, len(exc.partial), exc.expected),
                                status=handle.status, url=safe_url, transient=True)
        except (socket.timeout, TimeoutError):
            raise ConnectionFailure('%s failed: timed out reading the response after %ss' % (what, self.timeout), url=safe_url)
        except (OSError, http.client.HTTPException) as exc:
            raise ConnectionFailure('%s failed while reading the response: %s' % (what, self.redact(_reason(exc))), url=safe_url)
        finally:
            handle.close()
        return Response(handle.status, dict(handle.headers or {}), body, url=safe_url, redact=self.redact)

    # -- retry policy -----------------------------------------------------------------------------------------------
    def _delay(self, retry_index, retry_after=None):
        if retry_after is not None:
            return retry_after  # already checked against max_retry_after
        cap = min(self.max_backoff, self.backoff * (2 ** retry_index))
        return self.rng.uniform(0, cap)

    def _api_error(self, method, response, attempts):
        body = self.redact(response.text)[:BODY_LIMIT]
        reason = http.client.responses.get(response.status, '')
        message = 'HTTP %s%s from %s %s' % (response.status, ' ' + reason if reason else '', method, response.url)
        if attempts > 1:
            message += ' after %d attempts' % attempts
        if body.strip():
            message += ': %s' % body
        return ApiError(message, response.status, url=response.url, body=body, attempts=attempts,
                        headers=response.headers)

    def request(self, method, url, data=None, headers=None, expected=(200,), retry=True):
        """Send one logical request; return a L(Response) whose status is in C(expected) or raise L(HttpError)."""
        method = method.upper()
        max_attempts = (self.retries + 1) if retry else 1
        attempt = 0
        while True:
            attempt += 1
            retry_after = None
            try:
                response = self._attempt(method, url, data, dict(headers or {}))
            except (ConnectionFailure, ResponseError) as exc:
                if not exc.transient or attempt >= max_attempts:
                    exc.set_attempts(attempt)
                    self.redacted(exc)
                    raise
                exc.attempts = attempt
            else:
                if response.status in expected:
                    return response
                error = self._api_error(method, response, attempt)
                if not error.transient or attempt >= max_attempts:
                    raise self.redacted(error)
                if response.status in RETRY_AFTER_STATUSES:
                    retry_after = parse_retry_after(response.header('Retry-After'))
                    if retry_after is not None and retry_after > self.max_retry_after:
                        error.retry_after = retry_after
                        error.message += ('; the server asks to retry after %d seconds, longer than the %d this client '
                                          'waits' % (retry_after, self.max_retry_after))
                        error.args = (error.message,)
                        raise self.redacted(error)
            delay = self._delay(attempt - 1, retry_after)
            self.sleep(delay)


def _reason(exc):
    """A short text for a low-level network exception."""
    if isinstance(exc, socket.gaierror):
        return 'name resolution failed (%s)' % (exc.strerror or exc)
    if isinstance(exc, ConnectionRefusedError):
        return 'connection refused'
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return 'timed out'
    if isinstance(exc, http.client.RemoteDisconnected):
        return 'the server closed the connection without a response'
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or exc.__class__.__name__


def form_encode(fields):
    """URL-encode a list of (name, value) pairs (or a dict) as an application/x-www-form-urlencoded body."""
    items = fields.items() if isinstance(fields, dict) else fields
    return urllib.parse.urlencode([(k, '' if v is None else str(v)) for k, v in items])
