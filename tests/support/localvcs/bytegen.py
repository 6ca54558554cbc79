"""Deterministic pseudo-random byte streams for large-body tests.

Stream for a seed string S: block i (i = 0, 1, 2, ...) is the 32-byte
SHA-256 digest of the ASCII text f"{S}:{i}", with i in decimal and no
padding. The stream is the blocks concatenated, cut after N bytes.
"""

from __future__ import annotations

import collections
import hashlib
import threading
import time

from httpcore import HttpError, Request, Response

BLOCK_BYTES = 32
SEGMENT_BYTES = 1 << 20
SEGMENT_BLOCKS = SEGMENT_BYTES // BLOCK_BYTES
CACHED_SEGMENTS = 64
HASH_HEADER_MAX_SIZE = 8 << 20
MAX_SIZE = 1 << 40


def generate_blocks(seed: str, first_block: int, count: int) -> bytes:
    """Return blocks first_block .. first_block + count - 1 of the stream for seed."""
    prefix = hashlib.sha256(f"{seed}:".encode())
    out = bytearray()
    for index in range(first_block, first_block + count):
        block = prefix.copy()
        block.update(str(index).encode())
        out += block.digest()
    return bytes(out)


class SegmentCache:
    """LRU cache of 1 MiB stream segments, so repeated benchmark runs skip the hashing.

    Generating is CPU-bound Python (tens of MB/s on one core), so a stream
    larger than the cache is sent at that rate at most.
    """

    def __init__(self, capacity: int = CACHED_SEGMENTS) -> None:
        self._lock = threading.Lock()
        self._segments: collections.OrderedDict[tuple[str, int], bytes] = collections.OrderedDict()
        self.capacity = capacity

    def segment(self, seed: str, index: int) -> bytes:
        key = (seed, index)
        with self._lock:
            cached = self._segments.get(key)
            if cached is not None:
                self._segments.move_to_end(key)
                return cached
        data = generate_blocks(seed, index * SEGMENT_BLOCKS, SEGMENT_BLOCKS)
        with self._lock:
            self._segments[key] = data
            while len(self._segments) > self.capacity:
                self._segments.popitem(last=False)
        return data

    def iterate(self, seed: str, size: int, piece_bytes: int):
        """Yield the first size bytes of the stream in pieces of at most piece_bytes."""
        offset = 0
        while offset < size:
            segment = self.segment(seed, offset // SEGMENT_BYTES)
            start = offset % SEGMENT_BYTES
            end = min(SEGMENT_BYTES, start + size - offset, start + piece_bytes)
            yield segment[start:end]
            offset += end - start


CACHE = SegmentCache()


def stream_sha256(seed: str, size: int) -> str:
    digest = hashlib.sha256()
    for piece in CACHE.iterate(seed, size, SEGMENT_BYTES):
        digest.update(piece)
    return digest.hexdigest()


def _int_param(params: dict[str, str], name: str, default: int | None, maximum: int) -> int | None:
    text = params.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or int(text) > maximum:
        raise HttpError(400, f"invalid {name}={text!r}: expected an integer from 0 to {maximum}")
    return int(text)


def send_generated_bytes(request: Request, response: Response, params: dict[str, str]) -> None:
    """Send the generated stream described by the query parameters.

    size (required) is the byte count and seed (default "0") selects the
    stream. rate limits the bytes per second, chunked=1 selects chunked
    framing, and fail_after=K closes the connection after K body bytes, with
    an RST when fail=reset.
    """
    size = _int_param(params, "size", None, MAX_SIZE)
    if size is None:
        raise HttpError(400, "missing size: pass size=N, the number of bytes to send")
    seed = params.get("seed", "0")
    rate = _int_param(params, "rate", 0, MAX_SIZE)
    fail_after = _int_param(params, "fail_after", None, MAX_SIZE)
    chunked = params.get("chunked", "0") not in ("0", "", "false")
    reset = params.get("fail", "close") == "reset"

    headers = [("Content-Type", "application/octet-stream"), ("X-Generator-Seed", seed)]
    if size <= HASH_HEADER_MAX_SIZE:
        headers.append(("X-Content-SHA256", stream_sha256(seed, size)))
    response.start(200, headers, length=None if chunked else size)

    limit = size if fail_after is None else min(size, fail_after)
    piece_bytes = 64 * 1024
    if rate:
        # Ten pieces a second keep the pacing smooth without tiny writes.
        piece_bytes = max(1, min(piece_bytes, rate // 10))
    started = time.monotonic()
    sent = 0
    for piece in CACHE.iterate(seed, limit, piece_bytes):
        response.write(piece)
        sent += len(piece)
        if rate:
            response.flush()
            delay = sent / rate - (time.monotonic() - started)
            if delay > 0:
                time.sleep(delay)
    if fail_after is not None and fail_after < size:
        response.abort(reset=reset)
        return
    response.finish()
