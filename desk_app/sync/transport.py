"""The transport: one interface (Transport) the sync client speaks, and its HTTP adapter on
httpx (HttpTransport). Another adapter (a real provincial API) implements Transport.

HttpTransport keeps the protocol's manners (docs/sync-protocol.md §1-§3): a timeout on every
request; gzip level 1 request bodies; TLS verified, with the province's own CA bundle when
configured; plain http:// refused except to a loopback address; retries through stamina only
on connection errors, timeouts, 429, 500 and 502-504 (exponential backoff with jitter, a
Retry-After honoured up to 60 s), never on 400/401/403/409/415/422; one new token on a 401.

Nothing here logs or raises a value that was sent or the secret: errors are SyncError codes.
"""

from __future__ import annotations

import gzip
import ipaddress
import logging
import ssl
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from desk_app.sync import protocol as p

# httpx (about 15 MB with what it pulls in) and stamina are imported by the code that talks
# to the hub, not when a window that only shows the sync counts is opened.
if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)


class Transport(ABC):
    """What the sync client needs of the provincial system."""

    @abstractmethod
    def token(self) -> p.Token: ...

    @abstractmethod
    def post_batch(self, batch: p.Batch) -> p.BatchAnswer: ...

    def prepare(self, batch: p.Batch) -> None:  # noqa: B027 - optional
        """Called on the client's own thread before post_batch is called on the sender's:
        work done here (encoding the body) is off the path of the batch before it."""

    @abstractmethod
    def missing_attachments(self, sha256s: list[str]) -> list[str]: ...

    @abstractmethod
    def put_attachment(self, sha256: str, data: bytes) -> None: ...

    @abstractmethod
    def put_anchor(self, anchor: p.Anchor) -> None: ...

    @abstractmethod
    def get_anchors(self) -> list[p.Anchor]: ...

    @abstractmethod
    def statuses(self, cursor: int, limit: int = p.STATUS_PAGE) -> p.StatusPage: ...

    @abstractmethod
    def reference_sets(self) -> list[p.ReferenceVersion]: ...

    @abstractmethod
    def reference_set(self, name: str) -> dict: ...

    def close(self) -> None:  # noqa: B027 - optional
        pass


# -- the server's address ----------------------------------------------------------------------


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_server(url: str) -> str:
    """The server's base URL without a trailing slash; raises SyncError("insecure_url") for
    plain http:// to anything but loopback, ("bad_url") for what is not an http(s) URL."""
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise p.SyncError("bad_url")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise p.SyncError("bad_url")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise p.SyncError("insecure_url")
    return url


# -- retries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """§3's numbers; tests pass smaller waits (never fewer rules)."""

    attempts: int = p.RETRY_ATTEMPTS
    wait_initial: float = p.RETRY_BASE
    wait_max: float = p.RETRY_CAP
    wait_jitter: float = p.RETRY_BASE
    retry_after_cap: float = p.RETRY_AFTER_CAP


class _Retriable(Exception):
    """A status worth another attempt (429, 500, 502-504); `retry_after` from the header."""

    def __init__(self, status: int, problem: p.Problem) -> None:
        super().__init__(status)
        self.status = status
        self.problem = problem


def _tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc) or "SSL" in type(exc).__name__


def backoff_hook(policy: RetryPolicy) -> Callable[[Exception], bool | float]:
    """stamina's `on`: retry connection errors, timeouts and _Retriable; a Retry-After (capped)
    replaces the exponential wait."""

    import httpx

    def hook(exc: Exception) -> bool | float:
        if isinstance(exc, _Retriable):
            after = exc.problem.retry_after
            if after is not None:
                return max(0.0, min(float(after), policy.retry_after_cap))
            return True
        if isinstance(exc, httpx.TransportError):
            return not _tls_failure(exc)
        return False

    return hook


def _retry_after(response: httpx.Response, body: dict) -> float | None:
    raw = response.headers.get("Retry-After")
    for value in (raw, body.get("retry_after")):
        try:
            if value is not None:
                return float(value)
        except (TypeError, ValueError):
            continue
    return None


def problem_of(response: httpx.Response) -> p.Problem:
    """The error answer as a Problem (codes and field names only)."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = str(body.get("code") or _CODES.get(response.status_code, "http_error"))
    errors = tuple(p.FieldError.parse(e) for e in body.get("errors") or () if isinstance(e, dict))
    return p.Problem(response.status_code, code, errors, _retry_after(response, body))


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "idempotency_key_reused",
    413: "too_large",
    415: "unsupported_encoding",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    502: "unavailable",
    503: "unavailable",
    504: "unavailable",
}


# -- the HTTP adapter --------------------------------------------------------------------------


class HttpTransport(Transport):
    """The protocol over httpx. `secret` is held in this object only (never logged, never in
    an exception: see protocol.Token's repr). `cancelled()` is asked before every attempt."""

    def __init__(
        self,
        server: str,
        client_id: str,
        secret: str,
        *,
        ca_bundle: str | None = None,
        connect_timeout: float = p.CONNECT_TIMEOUT,
        read_timeout: float = p.READ_TIMEOUT,
        policy: RetryPolicy | None = None,
        cancelled: Callable[[], bool] | None = None,
        gzip_level: int = p.GZIP_LEVEL,
    ) -> None:
        self.base = check_server(server) + p.API
        self.client_id = client_id
        self._secret = secret
        self.policy = policy or RetryPolicy()
        self.cancelled = cancelled or (lambda: False)
        self.gzip_level = gzip_level
        # Plain http:// is allowed to this computer only (check_server) and never speaks TLS:
        # no certificate store is loaded for it (about 25 ms of every run).
        verify: ssl.SSLContext | bool = not self.base.startswith("http://")
        if ca_bundle and verify:
            try:
                verify = ssl.create_default_context(cafile=ca_bundle)
            except (OSError, ssl.SSLError):
                raise p.SyncError("ca_bundle_unreadable") from None
        import httpx

        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.http = httpx.Client(verify=verify, timeout=timeout, follow_redirects=False)
        self._token: str | None = None
        self.requests = 0  # answered requests, for tests and the bench
        self._bodies: dict[str, bytes] = {}  # batch id -> its gzip body (prepare)

    def __repr__(self) -> str:  # never the secret
        return f"HttpTransport({self.base!r}, client_id={self.client_id!r})"

    def close(self) -> None:
        self.http.close()

    # -- one request, with retries --

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: object | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> httpx.Response:
        """One request, retried as §3 says; the 2xx response, else SyncError."""
        import httpx

        refreshed = False
        while True:
            try:
                response = self._with_retries(method, path, body, content, headers, auth)
            except _Retriable as exc:
                raise p.Refused(exc.problem.code, exc.status, exc.problem) from None
            except httpx.TimeoutException:
                raise p.Unreachable("timeout") from None
            except httpx.TransportError as exc:
                code = "tls_refused" if _tls_failure(exc) else "unreachable"
                raise p.Unreachable(code) from None
            if response.status_code == 401 and auth and not refreshed:
                refreshed = True
                self._token = None  # one new token, then give up with the 401
                continue
            if response.is_success:
                return response
            problem = problem_of(response)
            raise p.Refused(problem.code, response.status_code, problem)

    def _with_retries(self, method, path, body, content, headers, auth) -> httpx.Response:
        import stamina

        policy = self.policy
        for attempt in stamina.retry_context(
            on=backoff_hook(policy),
            attempts=policy.attempts,
            timeout=None,
            wait_initial=policy.wait_initial,
            wait_max=policy.wait_max,
            wait_jitter=policy.wait_jitter,
            wait_exp_base=2,
        ):
            with attempt:
                if self.cancelled():
                    raise p.Cancelled()
                return self._once(method, path, body, content, headers, auth)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method, path, body, content, headers, auth) -> httpx.Response:
        send_headers = dict(headers or {})
        if auth:
            send_headers["Authorization"] = "Bearer " + self._access_token()
        if body is not None:
            content = body if isinstance(body, bytes) else self._encode(body)
            send_headers["Content-Type"] = "application/json"
            send_headers["Content-Encoding"] = "gzip"
        response = self.http.request(
            method, self.base + path, content=content, headers=send_headers
        )
        self.requests += 1
        if response.status_code in p.RETRIED_STATUSES:
            raise _Retriable(response.status_code, problem_of(response))
        return response

    def _encode(self, body: object) -> bytes:
        """A JSON body as sent: compact UTF-8, gzip at the configured level."""
        import orjson  # compact UTF-8 JSON, as json.dumps(ensure_ascii=False), 15x faster

        raw = orjson.dumps(body)
        return gzip.compress(raw, compresslevel=self.gzip_level, mtime=0)

    def _access_token(self) -> str:
        if self._token is None:
            self._token = self.token().access_token
        return self._token

    # -- the protocol's calls --

    def token(self) -> p.Token:
        response = self._send(
            "POST",
            "/token",
            body={"client_id": self.client_id, "client_secret": self._secret},
            auth=False,
        )
        data = _json(response)
        try:
            token = p.Token(
                str(data["access_token"]), int(data.get("expires_in", 0)), str(data["desk_code"])
            )
        except (KeyError, TypeError, ValueError):
            raise p.ProtocolError() from None
        self._token = token.access_token
        return token

    def prepare(self, batch: p.Batch) -> None:
        """The batch's body encoded once, here, not on each attempt in the sender: its
        JSON and gzip (3 ms for 200 complaints) no longer delay the batch in flight."""
        self._bodies[batch.batch_id] = self._encode(batch.body())

    def post_batch(self, batch: p.Batch) -> p.BatchAnswer:
        body = self._bodies.pop(batch.batch_id, None) or batch.body()
        response = self._send(
            "POST", "/batches", body=body, headers={"Idempotency-Key": batch.batch_id}
        )
        return p.BatchAnswer.parse(_json(response))

    def missing_attachments(self, sha256s: list[str]) -> list[str]:
        response = self._send("POST", "/attachments/missing", body={"sha256": sha256s})
        return [str(s) for s in _json(response).get("missing") or ()]

    def put_attachment(self, sha256: str, data: bytes) -> None:
        self._send(
            "PUT",
            f"/attachments/{sha256}",
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )

    def put_anchor(self, anchor: p.Anchor) -> None:
        self._send("PUT", "/anchors", body=anchor.body())

    def get_anchors(self) -> list[p.Anchor]:
        data = _json(self._send("GET", "/anchors"))
        try:
            return [
                p.Anchor(int(a["event_no"]), str(a["hash"]), str(a["at"]), a.get("received_at"))
                for a in data.get("anchors") or ()
            ]
        except (KeyError, TypeError, ValueError):
            raise p.ProtocolError() from None

    def statuses(self, cursor: int, limit: int = p.STATUS_PAGE) -> p.StatusPage:
        return p.StatusPage.parse(
            _json(self._send("GET", f"/statuses?cursor={cursor}&limit={limit}"))
        )

    def reference_sets(self) -> list[p.ReferenceVersion]:
        data = _json(self._send("GET", "/reference"))
        try:
            return [p.ReferenceVersion(str(s["name"]), str(s["version"])) for s in data["sets"]]
        except (KeyError, TypeError, ValueError):
            raise p.ProtocolError() from None

    def reference_set(self, name: str) -> dict:
        return _json(self._send("GET", f"/reference/{name}"))


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        raise p.ProtocolError() from None
    if not isinstance(data, dict):
        raise p.ProtocolError()
    return data
