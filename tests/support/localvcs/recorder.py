"""Recording of every request the server receives, for tests to inspect."""

from __future__ import annotations

import collections
import json
import threading
import time
from pathlib import Path
from typing import Any, TextIO


class RequestRecorder:
    """Thread-safe list of request records, optionally mirrored to a JSON Lines file.

    A record enters the list when its head has been parsed and gets its body
    hash before the last byte of the response is sent. It is written to the
    file once the response has ended.
    """

    def __init__(self, record_file: Path | None, max_records: int) -> None:
        self._lock = threading.Lock()
        self._records: collections.deque[dict[str, Any]] = collections.deque(maxlen=max_records)
        self._next_id = 1
        self._file: TextIO | None = None
        if record_file is not None:
            self._file = open(record_file, "a", encoding="utf-8")

    def begin(
        self,
        request_line: bytes,
        headers: list[tuple[str, str]],
        client: str,
        connection_id: int,
        index_on_connection: int,
        tls: bool,
    ) -> dict[str, Any]:
        """Add a record for a request whose head has just been read, and return it."""
        parts = request_line.decode("latin-1").split(" ")
        record: dict[str, Any] = {
            "id": 0,
            "time": time.time(),
            "client": client,
            "tls": tls,
            "connection_id": connection_id,
            "index_on_connection": index_on_connection,
            "request_line": request_line.decode("latin-1"),
            "method": parts[0] if len(parts) == 3 else None,
            "target": parts[1] if len(parts) == 3 else None,
            "version": parts[2] if len(parts) == 3 else None,
            "headers": [[name, value] for name, value in headers],
            "body_length": 0,
            "body_sha256": None,
            "body_complete": False,
            "status": None,
            "response_complete": False,
        }
        with self._lock:
            record["id"] = self._next_id
            self._next_id += 1
            self._records.append(record)
        return record

    def complete_body(self, record: dict[str, Any], length: int, sha256: str) -> None:
        with self._lock:
            record["body_length"] = length
            record["body_sha256"] = sha256
            record["body_complete"] = True

    def end(self, record: dict[str, Any], status: int | None, body_length: int,
            response_complete: bool = False) -> None:
        """Store the response status and append the record to the file."""
        with self._lock:
            record["status"] = status
            record["response_complete"] = response_complete
            if not record["body_complete"]:
                record["body_length"] = body_length
            self._write_locked(record)

    def snapshot(self, since_id: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(record) for record in self._records if record["id"] > since_id]

    def clear(self) -> int:
        """Remove all records from the list and return how many there were. The file keeps them."""
        with self._lock:
            count = len(self._records)
            self._records.clear()
            return count

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _write_locked(self, record: dict[str, Any]) -> None:
        if self._file is None:
            return
        self._file.write(json.dumps(record, ensure_ascii=True) + "\n")
        self._file.flush()
