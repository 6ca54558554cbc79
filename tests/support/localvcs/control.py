"""Test-only endpoints under /__vcs/: recordings, generated bodies and odd upstream behaviour."""

from __future__ import annotations

import gzip
import hashlib
import json
import secrets
import time
from typing import Any

from bytegen import send_generated_bytes
from httpcore import HttpError, Request, Response
from recorder import RequestRecorder
from repos import RepositoryStore

CONTROL_PREFIX = "/__vcs/"
MAX_DELAY_SECONDS = 600.0
MAX_GZIP_SIZE = 256 << 20
MAX_PARSED_BODY_BYTES = 1 << 20


def send_json(response: Response, status: int, value: Any, headers: list[tuple[str, str]] | None = None) -> None:
    body = json.dumps(value, indent=1, ensure_ascii=True).encode() + b"\n"
    response.send_bytes(status, body, "application/json", headers)


def hash_body(request: Request, keep_bytes: int = 0) -> tuple[int, str, bytes]:
    """Read the whole body and return its length, SHA-256 and at most keep_bytes of its start."""
    prefix = bytearray()
    while data := request.body.read():
        if len(prefix) < keep_bytes:
            prefix += data[: keep_bytes - len(prefix)]
    return request.body.length, request.body.sha256, bytes(prefix)


def describe_request(request: Request) -> dict[str, Any]:
    """Return the request's method, raw target, headers and body length and hash, reading the body."""
    length, sha256, _ = hash_body(request)
    return {
        "method": request.method,
        "target": request.target,
        "version": request.version,
        "headers": [[name, value] for name, value in request.headers],
        "body_length": length,
        "body_sha256": sha256,
    }


def gzip_payload(size: int) -> bytes:
    """Return the uncompressed /__vcs/gzip payload: numbered text lines cut after size bytes."""
    lines = []
    total = 0
    index = 0
    while total < size:
        line = f"localvcs gzip line {index}\n"
        lines.append(line)
        total += len(line)
        index += 1
    return "".join(lines).encode()[:size]


def send_gzip(request: Request, response: Response, params: dict[str, str]) -> None:
    """Send a gzip body with Content-Encoding: gzip, whatever Accept-Encoding says."""
    size_text = params.get("size", "1024")
    if not size_text.isdigit() or int(size_text) > MAX_GZIP_SIZE:
        raise HttpError(400, f"invalid size={size_text!r}: expected 0 to {MAX_GZIP_SIZE}")
    payload = gzip_payload(int(size_text))
    compressed = gzip.compress(payload, mtime=0)
    response.send_bytes(200, compressed, "text/plain", [
        ("Content-Encoding", "gzip"),
        ("X-Uncompressed-Length", str(len(payload))),
        ("X-Uncompressed-SHA256", hashlib.sha256(payload).hexdigest()),
        ("X-Content-SHA256", hashlib.sha256(compressed).hexdigest()),
    ])


def send_redirect(request: Request, response: Response, params: dict[str, str]) -> None:
    location = params.get("to", "/api/v4/user")
    status = int(params.get("status", "302")) if params.get("status", "302").isdigit() else 302
    send_json(response, status, {"location": location}, [("Location", location)])


def send_cookies(request: Request, response: Response, params: dict[str, str]) -> None:
    """Send two Set-Cookie headers; random=1 replaces the session cookie's value abc123 with a
    fresh random one, which the request does not contain."""
    value = secrets.token_hex(16) if params.get("random") == "1" else "abc123"
    send_json(response, 200, {"cookies": 2}, [
        ("Set-Cookie", f"session={value}; Path=/; HttpOnly"),
        ("Set-Cookie", "theme=dark; Path=/"),
    ])


def send_status(request: Request, response: Response, params: dict[str, str]) -> None:
    """Send status code=N: a JSON body, except for 204 and 304, which have none."""
    code = params.get("code", "200")
    if not code.isdigit() or not 200 <= int(code) <= 599:
        raise HttpError(400, f"invalid code={code!r}: expected a status from 200 to 599")
    if int(code) in (204, 304):
        response.start(int(code), [("ETag", '"localvcs-v1"'), ("X-Status", code)])
        response.finish()
        return
    send_json(response, int(code), {"status": int(code)})


def send_hop_by_hop(request: Request, response: Response, params: dict[str, str]) -> None:
    """Send a chunked body with hop-by-hop headers next to end-to-end ones.

    Connection names X-Upstream-Hop, so that header is hop-by-hop as well.
    """
    body = b"hop-by-hop headers sent\n"
    response.start(200, [
        ("Content-Type", "text/plain"),
        ("Connection", "X-Upstream-Hop"),
        ("X-Upstream-Hop", "1"),
        ("Keep-Alive", "timeout=5, max=100"),
        ("Proxy-Connection", "keep-alive"),
        ("X-End-To-End", "kept"),
        ("Cache-Control", "no-store"),
    ])
    response.write(body)
    response.finish()


def send_slow(request: Request, response: Response, params: dict[str, str]) -> None:
    """Wait delay=SECONDS (default 1) before sending anything, then a small JSON body."""
    try:
        delay = float(params.get("delay", "1"))
    except ValueError:
        raise HttpError(400, f"invalid delay={params.get('delay')!r}: expected seconds") from None
    if not 0 <= delay <= MAX_DELAY_SECONDS:
        raise HttpError(400, f"invalid delay={delay}: expected 0 to {MAX_DELAY_SECONDS} seconds")
    time.sleep(delay)
    send_json(response, 200, {"delay": delay})


# The behaviours that ?respond=NAME selects on GitLab's raw file endpoint.
RESPONSE_BEHAVIOURS = {
    "slow": send_slow,
    "redirect": send_redirect,
    "gzip": send_gzip,
    "cookies": send_cookies,
    "hopbyhop": send_hop_by_hop,
    "status": send_status,
    "bytes": send_generated_bytes,
}


class ControlEndpoints:
    def __init__(self, recorder: RequestRecorder, store: RepositoryStore) -> None:
        self._recorder = recorder
        self._store = store
        self._routes = {
            "requests": self._requests,
            "bytes": self._bytes,
            "echo": self._echo,
            "gzip": self._gzip,
            "slow": self._slow,
            "redirect": self._redirect,
            "cookie": self._cookie,
            "status": self._status,
            "repos": self._repos,
        }

    def handle(self, request: Request, response: Response) -> None:
        name = request.raw_path[len(CONTROL_PREFIX):]
        route = self._routes.get(name)
        if route is None:
            raise HttpError(404, f"unknown control endpoint {request.raw_path}")
        route(request, response, request.query_params())

    def _requests(self, request: Request, response: Response, params: dict[str, str]) -> None:
        if request.method == "DELETE":
            send_json(response, 200, {"cleared": self._recorder.clear()})
            return
        _require_method(request, "GET", "HEAD")
        since = params.get("since", "0")
        if not since.isdigit():
            raise HttpError(400, f"invalid since={since!r}: expected a record id")
        send_json(response, 200, self._recorder.snapshot(int(since)))

    def _bytes(self, request: Request, response: Response, params: dict[str, str]) -> None:
        _require_method(request, "GET", "HEAD")
        send_generated_bytes(request, response, params)

    def _echo(self, request: Request, response: Response, params: dict[str, str]) -> None:
        _require_method(request, "POST", "PUT", "PATCH")
        send_json(response, 200, describe_request(request))

    def _gzip(self, request: Request, response: Response, params: dict[str, str]) -> None:
        _require_method(request, "GET", "HEAD")
        send_gzip(request, response, params)

    def _slow(self, request: Request, response: Response, params: dict[str, str]) -> None:
        send_slow(request, response, params)

    def _redirect(self, request: Request, response: Response, params: dict[str, str]) -> None:
        send_redirect(request, response, params)

    def _cookie(self, request: Request, response: Response, params: dict[str, str]) -> None:
        send_cookies(request, response, params)

    def _status(self, request: Request, response: Response, params: dict[str, str]) -> None:
        send_status(request, response, params)

    def _repos(self, request: Request, response: Response, params: dict[str, str]) -> None:
        repositories = []
        for repository in self._store.all():
            branch = repository.default_branch()
            repositories.append({
                "id": repository.id,
                "path": repository.path,
                "git_dir": str(repository.git_dir),
                "default_branch": branch,
                "head": repository.resolve_commit(branch),
            })
        send_json(response, 200, repositories)


def _require_method(request: Request, *methods: str) -> None:
    if request.method not in methods:
        raise HttpError(405, f"method {request.method} not allowed here; use {' or '.join(methods)}")
