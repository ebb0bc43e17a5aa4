"""A small REST client for the forges: timeouts, bounded retries, same-origin paging, token-free errors."""

from __future__ import annotations

import contextlib
import email.utils
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from tfcheck import __version__
from tfcheck.errors import TfcheckError

ATTEMPTS = 4
"""Tries per request, the first included."""
MAX_WAIT = 60.0
"""The longest single wait between tries, whatever Retry-After asks for."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
TIMEOUT = httpx.Timeout(30.0, connect=10.0)

SLEEP: Callable[[float], None] = time.sleep
"""How the client waits between tries; tests replace it to run without waiting."""


class CommentError(TfcheckError):
    """Posting the comment failed (exit code 2); the message never contains the token."""


class Api:
    """One forge's REST API at `base_url`, authenticated by `headers` that hold `secret`."""

    def __init__(self, service: str, base_url: str, headers: Mapping[str, str], secret: str, *,
                 token_name: str, sleep: Callable[[float], None] | None = None) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
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
        """Send one request, retrying 429 and 5xx answers and lost connections a bounded number of times."""
        if _origin(url) != self._origin:
            raise self.error(f"{what}: refusing to follow a link to another host ({_origin(url)})")
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = self._client.request(method, url, json=json, params=params)
            except httpx.TransportError as err:
                if attempt == ATTEMPTS:
                    raise self.error(f"cannot {what}: no answer from {self._origin} "
                                     f"({type(err).__name__})") from None
                self._sleep(_backoff(attempt))
                continue
            if response.status_code in RETRY_STATUSES and attempt < ATTEMPTS:
                self._sleep(_wait(response, attempt))
                continue
            if response.is_success:
                return response
            raise self.error(self._explain(response, what))
        raise AssertionError("unreachable: the last attempt returns or raises")

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
