"""A small REST client for the forges: an overall deadline, a response size cap, bounded retries of
what is safe to repeat, same-origin paging, HTTPS only, token-free errors."""

from __future__ import annotations

import contextlib
import email.utils
import ipaddress
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from tfcheck import __version__
from tfcheck.errors import TfcheckError
from tfcheck.terraform.files import format_size

ATTEMPTS = 4
"""Tries per request, the first included."""
MAX_WAIT = 60.0
"""The longest single wait between tries, whatever Retry-After asks for."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
DEADLINE = 120.0
"""Seconds for everything one run asks of the forge: a server that drips bytes cannot hold the job."""
MAX_RESPONSE = 16 * 1024 * 1024
"""Bytes of one answer, decoded (a page of 100 comments of 65,536 characters fits)."""

SLEEP: Callable[[float], None] = time.sleep
"""How the client waits between tries; tests replace it to run without waiting."""


class CommentError(TfcheckError):
    """Posting the comment failed (exit code 2); the message never contains the token."""

    status: int | None = None
    """The HTTP status the forge answered with, when that is what failed."""


class MaybeSent(CommentError):
    """A request that changes something failed in a way that leaves unknown whether it was done
    (a lost connection, a 5xx): it is not repeated blindly (a duplicate comment); the caller looks."""


def check_api_url(url: str, allow_insecure: bool = False) -> str:
    """The API base URL, when it is one: https, or http to this machine (a test server), or any
    http with --allow-insecure-api. The token travels with every request."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a malformed port raises here, not later in the middle of a post
    except ValueError:
        raise CommentError(f"API URL {url!r}: not a URL") from None
    if parts.scheme not in ("https", "http") or not host or not url.isascii():
        raise CommentError(f"API URL {url!r}: expected https://HOST[/PATH]")
    if parts.scheme == "http" and not allow_insecure and not _loopback(host):
        raise CommentError(f"API URL {url!r}: refusing to send the token over plain http to another "
                           "machine (use https, or --allow-insecure-api)")
    return url


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Api:
    """One forge's REST API at `base_url`, authenticated by `headers` that hold `secret`."""

    def __init__(self, service: str, base_url: str, headers: Mapping[str, str], secret: str, *,
                 token_name: str, sleep: Callable[[float], None] | None = None,
                 allow_insecure: bool = False) -> None:
        self.service = service
        self.base_url = check_api_url(base_url, allow_insecure).rstrip("/")
        self._deadline = time.monotonic() + DEADLINE
        self._secret = secret
        self._token_name = token_name
        self._sleep = sleep if sleep is not None else SLEEP
        self._origin = _origin(self.base_url)
        all_headers = {"User-Agent": f"tfcheck/{__version__}", **headers}
        # No redirects: following one to another host would hand it the token.
        self._client = httpx.Client(headers=all_headers, timeout=TIMEOUT, follow_redirects=False)

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, url: str, what: str, *, json: Any = None,
                params: Mapping[str, str | int] | None = None) -> httpx.Response:
        """Send one request, retrying 429 and 5xx answers and lost connections a bounded number of
        times, all within the run's deadline. A POST is sent once: when it may have been done
        anyway (a lost connection, a 5xx), MaybeSent tells the caller to look before sending again."""
        if _origin(url) != self._origin:
            raise self.error(f"{what}: refusing to follow a link to another host ({_origin(url)})")
        repeatable = method != "POST"
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = self._send(method, url, what, json, params)
            except httpx.TransportError as err:
                if not repeatable:
                    raise self._maybe(f"cannot {what}: the connection to {self._origin} was lost "
                                      f"({type(err).__name__})") from None
                if attempt == ATTEMPTS:
                    raise self.error(f"cannot {what}: no answer from {self._origin} "
                                     f"({type(err).__name__})") from None
                self._pause(_backoff(attempt), what)
                continue
            # A 429 was refused before it was done; a 5xx after a POST may have been done.
            if response.status_code in RETRY_STATUSES and attempt < ATTEMPTS:
                if not repeatable and response.status_code != 429:
                    raise self._maybe(self._explain(response, what))
                self._pause(_wait(response, attempt), what)
                continue
            if response.is_success:
                return response
            if not repeatable and response.status_code >= 500:
                raise self._maybe(self._explain(response, what))
            failed = self.error(self._explain(response, what))
            failed.status = response.status_code
            raise failed
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send(self, method: str, url: str, what: str, json: Any,
              params: Mapping[str, str | int] | None) -> httpx.Response:
        """One exchange, read in chunks against the deadline and the size cap."""
        left = self._left(what)
        timeout = httpx.Timeout(min(TIMEOUT.read or left, left), connect=min(TIMEOUT.connect or left, left))
        with self._client.stream(method, url, json=json, params=params, timeout=timeout) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_RESPONSE:
                raise self.error(self._too_large(what))
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE:
                    raise self.error(self._too_large(what))
                self._left(what)
        # The body is decoded already: the copy must not claim an encoding it no longer has.
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=bytes(body),
                              request=response.request)

    def _left(self, what: str) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise self.error(f"cannot {what}: {self.service} did not finish answering within "
                             f"{DEADLINE:.0f} seconds")
        return left

    def _pause(self, seconds: float, what: str) -> None:
        if seconds >= self._left(what):
            raise self.error(f"cannot {what}: {self.service} asked to wait {seconds:.0f} s, past the "
                             f"{DEADLINE:.0f} seconds allowed")
        self._sleep(seconds)

    def _too_large(self, what: str) -> str:
        return f"cannot {what}: {self.service} answered with more than {format_size(MAX_RESPONSE)}"

    def _maybe(self, message: str) -> MaybeSent:
        return MaybeSent(self.error(message).message)

    def error(self, message: str) -> CommentError:
        """A CommentError whose text cannot carry the token, even if a server echoed it."""
        if self._secret:
            message = message.replace(self._secret, "***")
        return CommentError(message)

    def _explain(self, response: httpx.Response, what: str) -> str:
        status = response.status_code
        said = _server_message(response)
        said = f" ({said})" if said else ""
        if status == 401:
            return (f"{self.service} rejected the token (401 Unauthorized) when trying to {what}: "
                    f"check {self._token_name}{said}")
        if status == 403:
            return (f"{self.service} refused to {what} (403 Forbidden): the token lacks permission "
                    f"or hit a rate limit{said}")
        if status == 404:
            return (f"{self.service} could not {what} (404 Not Found): check the repository/project "
                    f"and pull/merge request number, and that the token can see them{said}")
        return f"{self.service} could not {what} (HTTP {status}){said}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _backoff(attempt: int) -> float:
    return float(2 ** (attempt - 1))


def _wait(response: httpx.Response, attempt: int) -> float:
    """Retry-After (seconds or an HTTP date) when given, else exponential backoff; never above MAX_WAIT."""
    value = response.headers.get("Retry-After", "").strip()
    wait = _backoff(attempt)
    if value.isdigit():
        wait = float(value)
    elif value:
        with contextlib.suppress(TypeError, ValueError):
            wait = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
    return min(max(wait, 0.0), MAX_WAIT)


def _server_message(response: httpx.Response) -> str:
    """The forge's own one-line reason, shortened; bodies can be long HTML pages."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") or body.get("error") if isinstance(body, dict) else None
    if not isinstance(message, str):
        return ""
    message = " ".join(message.split())
    return message[:200] + ("…" if len(message) > 200 else "")
