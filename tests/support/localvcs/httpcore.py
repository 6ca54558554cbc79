"""HTTP/1.1 message framing: request heads, request bodies and responses.

Requests keep their request line and header lines exactly as received, because
the tests compare them with what the tunnel sent. Strings that carry wire data
are the received bytes decoded as ISO-8859-1, which maps every byte to one
character and back without loss.
"""

from __future__ import annotations

import hashlib
import http
import socket
import struct
import urllib.parse
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

MAX_LINE_BYTES = 64 * 1024
MAX_HEADER_COUNT = 256
READ_CHUNK_BYTES = 64 * 1024


class HttpError(Exception):
    """An error that the server reports to the client with the given status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ClientDisconnected(Exception):
    """The client closed the connection before the message was complete."""


def _read_line(rfile: BinaryIO) -> bytes:
    line = rfile.readline(MAX_LINE_BYTES + 1)
    if len(line) > MAX_LINE_BYTES:
        raise HttpError(431, f"line longer than {MAX_LINE_BYTES} bytes")
    return line


def _strip_eol(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return line[:-2]
    if line.endswith(b"\n"):
        return line[:-1]
    return line


def _is_token(name: bytes) -> bool:
    allowed = b"!#$%&'*+-.^_`|~"
    return bool(name) and all(chr(c).isalnum() and c < 128 or c in allowed for c in name)


def read_request_head(rfile: BinaryIO) -> tuple[bytes, list[tuple[str, str]]] | None:
    """Read a request line and its header lines.

    Returns None when the connection ends cleanly before a new request.
    Raises HttpError for a malformed head and ClientDisconnected for a
    truncated one.
    """
    line = _read_line(rfile)
    # RFC 9112 section 2.2 lets a server skip empty lines before a request line.
    while line in (b"\r\n", b"\n"):
        line = _read_line(rfile)
    if not line:
        return None
    if not line.endswith(b"\n"):
        raise ClientDisconnected("connection closed inside the request line")
    request_line = _strip_eol(line)

    headers: list[tuple[str, str]] = []
    while True:
        line = _read_line(rfile)
        if not line.endswith(b"\n"):
            raise ClientDisconnected("connection closed inside the header section")
        line = _strip_eol(line)
        if not line:
            return request_line, headers
        if line[:1] in (b" ", b"\t"):
            raise HttpError(400, "obsolete header line folding is not supported")
        name, colon, value = line.partition(b":")
        if not colon or not _is_token(name):
            raise HttpError(400, f"invalid header line: {line[:100]!r}")
        headers.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
        if len(headers) > MAX_HEADER_COUNT:
            raise HttpError(431, f"more than {MAX_HEADER_COUNT} header fields")


class BodyReader:
    """Streaming reader of one request body, framed by Content-Length or chunked.

    It hashes every byte it returns, and calls on_complete(length, sha256_hex)
    once the whole body has been read.
    """

    def __init__(
        self,
        rfile: BinaryIO,
        content_length: int | None,
        chunked: bool,
        before_first_read: Callable[[], None] | None = None,
        on_complete: Callable[[int, str], None] | None = None,
    ) -> None:
        self._rfile = rfile
        self._remaining = content_length or 0
        self._chunked = chunked
        self._chunk_remaining = 0
        self._before_first_read = before_first_read
        self._on_complete = on_complete
        self._hash = hashlib.sha256()
        self._at_end = False
        self.length = 0
        self.content_length = content_length
        self.complete = False
        if not chunked and not content_length:
            self._finish()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def read(self, size: int = READ_CHUNK_BYTES) -> bytes:
        """Return up to size bytes of the body, or b"" at its end."""
        if self.complete:
            return b""
        if self._before_first_read is not None:
            callback, self._before_first_read = self._before_first_read, None
            callback()
        data = self._read_chunked(size) if self._chunked else self._read_fixed(size)
        self.length += len(data)
        self._hash.update(data)
        if self._at_end:
            self._finish()
        return data

    def drain(self) -> None:
        """Read and discard the rest of the body."""
        while self.read():
            pass

    def read_all(self, max_bytes: int) -> bytes:
        """Return the whole body, raising HttpError 413 if it exceeds max_bytes."""
        parts = []
        total = 0
        while data := self.read():
            total += len(data)
            if total > max_bytes:
                raise HttpError(413, f"request body larger than {max_bytes} bytes")
            parts.append(data)
        return b"".join(parts)

    def _finish(self) -> None:
        self.complete = True
        if self._on_complete is not None:
            self._on_complete(self.length, self.sha256)

    def _read_some(self, size: int) -> bytes:
        data = self._rfile.read1(size) if hasattr(self._rfile, "read1") else self._rfile.read(size)
        if not data:
            raise ClientDisconnected(f"connection closed with {self.length} body bytes read")
        return data

    def _read_fixed(self, size: int) -> bytes:
        data = self._read_some(min(size, self._remaining))
        self._remaining -= len(data)
        self._at_end = self._remaining == 0
        return data

    def _read_chunked(self, size: int) -> bytes:
        if self._chunk_remaining == 0:
            self._chunk_remaining = self._read_chunk_size()
            if self._chunk_remaining == 0:
                self._read_trailers()
                self._at_end = True
                return b""
        data = self._read_some(min(size, self._chunk_remaining))
        self._chunk_remaining -= len(data)
        if self._chunk_remaining == 0 and _strip_eol(_read_line(self._rfile)) != b"":
            raise HttpError(400, "chunk data not followed by CRLF")
        return data

    def _read_chunk_size(self) -> int:
        line = _read_line(self._rfile)
        if not line.endswith(b"\n"):
            raise ClientDisconnected("connection closed inside a chunk size line")
        size_text = _strip_eol(line).split(b";", 1)[0].strip()
        try:
            return int(size_text, 16)
        except ValueError:
            raise HttpError(400, f"invalid chunk size: {size_text[:40]!r}") from None

    def _read_trailers(self) -> None:
        while True:
            line = _read_line(self._rfile)
            if not line.endswith(b"\n"):
                raise ClientDisconnected("connection closed inside the chunked trailer")
            if _strip_eol(line) == b"":
                return


@dataclass
class Request:
    """One parsed request. Strings are the received bytes decoded as ISO-8859-1."""

    request_line: bytes
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    client_address: str
    scheme: str
    body: BodyReader = field(repr=False)

    @property
    def raw_path(self) -> str:
        """The path of the target before percent-decoding."""
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def query_params(self) -> dict[str, str]:
        """Return the decoded query parameters, the last value winning."""
        pairs = urllib.parse.parse_qsl(self.query, keep_blank_values=True)
        return dict(pairs)

    def header(self, name: str) -> str | None:
        """Return the first value of a header, matching the name case-insensitively."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]

    def connection_tokens(self) -> set[str]:
        tokens = set()
        for value in self.header_values("Connection"):
            tokens.update(token.strip().lower() for token in value.split(","))
        return tokens


def parse_request_line(request_line: bytes) -> tuple[str, str, str]:
    """Split a request line into method, target and version, raising HttpError if invalid."""
    parts = request_line.split(b" ")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise HttpError(400, f"invalid request line: {request_line[:200]!r}")
    method, target, version = (part.decode("latin-1") for part in parts)
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise HttpError(505, f"unsupported HTTP version: {version[:20]}")
    if not _is_token(parts[0]):
        raise HttpError(400, f"invalid method: {method[:20]}")
    return method, target, version


def body_framing(version: str, headers: list[tuple[str, str]]) -> tuple[int | None, bool]:
    """Return (content_length, chunked) for a request, raising HttpError if the framing is invalid."""
    lengths = [value for key, value in headers if key.lower() == "content-length"]
    encodings = [value for key, value in headers if key.lower() == "transfer-encoding"]
    if encodings:
        codings = [c.strip().lower() for value in encodings for c in value.split(",")]
        if codings != ["chunked"]:
            raise HttpError(501, f"unsupported Transfer-Encoding: {', '.join(encodings)}")
        if lengths:
            raise HttpError(400, "both Content-Length and Transfer-Encoding are present")
        if version == "HTTP/1.0":
            raise HttpError(400, "Transfer-Encoding is not allowed in HTTP/1.0")
        return None, True
    if not lengths:
        return None, False
    if len(set(lengths)) != 1 or not lengths[0].isdigit():
        raise HttpError(400, f"invalid Content-Length: {', '.join(lengths)}")
    return int(lengths[0]), False


class Response:
    """Writer of one response, choosing Content-Length, chunked or close-delimited framing."""

    def __init__(self, sock: socket.socket, wfile: BinaryIO, request: Request | None) -> None:
        self._sock = sock
        self._wfile = wfile
        self._request = request
        self._chunked = False
        self._close_delimited = False
        self._expected_length: int | None = None
        self._written = 0
        self.status: int | None = None
        self.started = False
        self.finished = False
        self.aborted = False
        self.keep_alive = request is not None and self._client_allows_keep_alive(request)

    @staticmethod
    def _client_allows_keep_alive(request: Request) -> bool:
        return request.version == "HTTP/1.1" and "close" not in request.connection_tokens()

    @property
    def is_head(self) -> bool:
        return self._request is not None and self._request.method == "HEAD"

    def start(
        self,
        status: int,
        headers: list[tuple[str, str]] | None = None,
        length: int | None = None,
        drain_body: bool = True,
    ) -> None:
        """Send the status line and headers.

        length None selects chunked framing for HTTP/1.1 clients and a
        close-delimited body for HTTP/1.0 clients. With drain_body the rest of
        the request body is read first, so the request is recorded as complete
        before the client can see the response.
        """
        if self.started:
            raise RuntimeError("response already started")
        if drain_body and self._request is not None:
            self._drain_request_body()
        self.started = True
        self.status = status
        lines = [f"HTTP/1.1 {status} {_reason(status)}"]
        lines.extend(f"{key}: {value}" for key, value in headers or [])
        if length is not None:
            self._expected_length = length
            lines.append(f"Content-Length: {length}")
        elif status >= 200 and status not in (204, 304) and not self.is_head:
            if self._request is not None and self._request.version == "HTTP/1.1":
                self._chunked = True
                lines.append("Transfer-Encoding: chunked")
            else:
                self._close_delimited = True
                self.keep_alive = False
        if not self.keep_alive:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self._send(head)

    def write(self, data: bytes) -> None:
        """Send part of the body, as one chunk when the framing is chunked."""
        if not data or self.is_head:
            return
        self._written += len(data)
        if self._chunked:
            self._send(b"%x\r\n" % len(data) + data + b"\r\n")
        else:
            self._send(data)

    def flush(self) -> None:
        try:
            self._wfile.flush()
        except OSError as error:
            raise ClientDisconnected(str(error)) from error

    def finish(self) -> None:
        """Complete the response, draining the request body before the last bytes."""
        if self.finished:
            return
        if self._request is not None:
            self._drain_request_body()
        if self._chunked:
            self._send(b"0\r\n\r\n")
        self.finished = True
        if self._expected_length is not None and self._written != self._expected_length and not self.is_head:
            self.keep_alive = False
        self.flush()

    def abort(self, reset: bool = False) -> None:
        """Close the connection now, mid-response, with a FIN or, if reset, an RST."""
        self.aborted = True
        self.keep_alive = False
        try:
            self._wfile.flush()
        except OSError:
            pass
        if reset:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._sock.close()

    def send_bytes(
        self, status: int, body: bytes, content_type: str, headers: list[tuple[str, str]] | None = None
    ) -> None:
        self.start(status, [("Content-Type", content_type), *(headers or [])], length=len(body))
        self.write(body)
        self.finish()

    def _drain_request_body(self) -> None:
        body = self._request.body
        if body.complete:
            return
        try:
            body.drain()
        except HttpError:
            self.keep_alive = False
            raise

    def _send(self, data: bytes) -> None:
        try:
            self._wfile.write(data)
        except OSError as error:
            raise ClientDisconnected(str(error)) from error


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
