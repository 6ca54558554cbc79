#!/usr/bin/env python3
"""Local VCS server for the demo, the integration tests and the benchmark.

Serves real bare repositories through git http-backend, vendor-shaped REST
endpoints that read those repositories, and test-only endpoints under /__vcs/.
It records every request it receives. See README.md in this folder.
"""

from __future__ import annotations

import argparse
import ipaddress
import itertools
import logging
import os
import signal
import socket
import socketserver
import ssl
import sys
import threading
from pathlib import Path

import bytegen
from control import CONTROL_PREFIX, ControlEndpoints, send_json
from githttp import git_path_info, serve_git
from httpcore import (BodyReader, ClientDisconnected, HttpError, Request, Response, body_framing,
                      parse_request_line, read_request_head)
from recorder import RequestRecorder
from repos import GitCommandError, RepositoryStore
from vendorapi import VendorApi

log = logging.getLogger("localvcs")


class Application:
    """Routes a request to the control endpoints, git http-backend or the vendor API."""

    def __init__(self, store: RepositoryStore, recorder: RequestRecorder) -> None:
        self.store = store
        self.recorder = recorder
        self._control = ControlEndpoints(recorder, store)
        self._vendor = VendorApi(store)

    def dispatch(self, request: Request, response: Response) -> None:
        if not request.target.startswith("/"):
            raise HttpError(400, f"unsupported request target form: {request.target[:100]}")
        if request.raw_path.startswith(CONTROL_PREFIX):
            self._control.handle(request, response)
            return
        path_info = git_path_info(request.raw_path)
        if path_info is not None:
            serve_git(request, response, path_info, self.store.repos_root)
            return
        if not self._vendor.handle(request, response):
            raise HttpError(404, f"not found: {request.raw_path}")


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], application: Application, tls: ssl.SSLContext | None,
                 idle_timeout: float) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, ConnectionHandler)
        self.application = application
        self.tls = tls
        self.idle_timeout = idle_timeout
        self.connection_ids = itertools.count(1)


class ConnectionHandler(socketserver.BaseRequestHandler):
    """Serves the requests of one connection in turn, keeping it open between them when allowed."""

    server: Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.server.idle_timeout)
        if self.server.tls is not None:
            try:
                sock = self.server.tls.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError) as error:
                log.warning("TLS handshake with %s failed: %s", self.client_address, error)
                return
        connection_id = next(self.server.connection_ids)
        rfile = sock.makefile("rb", buffering=64 * 1024)
        wfile = sock.makefile("wb", buffering=64 * 1024)
        try:
            for index in itertools.count(1):
                if not self._serve_one(sock, rfile, wfile, connection_id, index):
                    break
        except (socket.timeout, ConnectionError, ClientDisconnected, ssl.SSLError) as error:
            log.debug("connection %d ended: %s", connection_id, error)
        finally:
            for stream in (rfile, wfile):
                try:
                    stream.close()
                except OSError:
                    pass

    def _serve_one(self, sock: socket.socket, rfile, wfile, connection_id: int, index: int) -> bool:
        """Serve one request and return whether the connection stays open."""
        try:
            head = read_request_head(rfile)
        except HttpError as error:
            self._send_error(Response(sock, wfile, None), error)
            return False
        if head is None:
            return False
        request_line, headers = head
        recorder = self.server.application.recorder
        client = f"{self.client_address[0]}:{self.client_address[1]}"
        record = recorder.begin(request_line, headers, client, connection_id, index, self.server.tls is not None)
        response = Response(sock, wfile, None)
        request: Request | None = None
        try:
            method, target, version = parse_request_line(request_line)
            content_length, chunked = body_framing(version, headers)
            body = BodyReader(rfile, content_length, chunked,
                              before_first_read=lambda: self._continue_if_expected(wfile, headers, version),
                              on_complete=lambda length, sha: recorder.complete_body(record, length, sha))
            scheme = "https" if self.server.tls is not None else "http"
            request = Request(request_line, method, target, version, headers, client, scheme, body)
            response = Response(sock, wfile, request)
            self.server.application.dispatch(request, response)
            if not response.finished and not response.aborted:
                response.finish()
        except HttpError as error:
            self._send_error(response, error)
        except ClientDisconnected as error:
            log.debug("connection %d: client left during %s: %s", connection_id,
                      request_line.decode("latin-1"), error)
            response.keep_alive = False
        except GitCommandError as error:
            log.error("%s failed: %s", request_line.decode("latin-1"), error)
            self._send_error(response, HttpError(500, str(error)))
        except Exception as error:  # noqa: BLE001 - one broken handler must not stop the server
            log.exception("%s failed", request_line.decode("latin-1"))
            self._send_error(response, HttpError(500, f"internal error: {error}"))
        finally:
            body_length = request.body.length if request is not None else 0
            recorder.end(record, response.status, body_length,
                         response.finished and not response.aborted)
        return response.keep_alive and not response.aborted

    @staticmethod
    def _continue_if_expected(wfile, headers: list[tuple[str, str]], version: str) -> None:
        expects = [value.lower() for name, value in headers if name.lower() == "expect"]
        if version == "HTTP/1.1" and "100-continue" in expects:
            wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            wfile.flush()

    @staticmethod
    def _send_error(response: Response, error: HttpError) -> None:
        if response.started:
            log.warning("error after the response started, closing the connection: %s", error.message)
            response.abort()
            return
        if error.status >= 500:
            log.error("request failed with %d: %s", error.status, error.message)
        else:
            log.info("request rejected with %d: %s", error.status, error.message)
        # The body may be unread or malformed, so the connection cannot carry another request.
        response.keep_alive = False
        try:
            send_json(response, error.status, {"message": error.message})
        except (HttpError, ClientDisconnected):
            response.abort()


def parse_listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"invalid --listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:0")
    try:
        if not ipaddress.ip_address(host).is_loopback:
            raise argparse.ArgumentTypeError(f"invalid --listen host {host!r}: only loopback addresses are allowed")
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid --listen host {host!r}: expected an IP address") from None
    return host, int(port)


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Local VCS server with git smart HTTP, vendor APIs and test hooks.")
    parser.add_argument("--root", required=True, type=Path, help="data directory; repositories go to ROOT/repos")
    parser.add_argument("--listen", default="127.0.0.1:0", type=parse_listen,
                        help="loopback HOST:PORT to listen on; port 0 picks a free port (default 127.0.0.1:0)")
    parser.add_argument("--repo", action="append", default=[], metavar="PATH=SOURCE",
                        help="clone the local git repository SOURCE as a bare repository at PATH (repeatable)")
    parser.add_argument("--make-repo", action="append", default=[], metavar="PATH",
                        help="create a small synthetic repository at PATH (repeatable)")
    parser.add_argument("--record", type=Path, help="append each request record to this JSON Lines file")
    parser.add_argument("--max-records", type=int, default=100_000,
                        help="records kept in memory for GET /__vcs/requests; older ones are dropped (default 100000)")
    parser.add_argument("--generator-cache-mib", type=int, default=bytegen.CACHED_SEGMENTS,
                        help="MiB of generated stream kept in memory for repeated requests (default 64)")
    parser.add_argument("--port-file", type=Path, help="write the listening port to this file once ready")
    parser.add_argument("--idle-timeout", type=float, default=120.0,
                        help="seconds a connection may stay silent before it is closed (default 120)")
    parser.add_argument("--tls-cert", type=Path, help="PEM certificate; with --tls-key, serve HTTPS")
    parser.add_argument("--tls-key", type=Path, help="PEM private key for --tls-cert")
    parser.add_argument("--verbose", action="store_true", help="log connection details")
    arguments = parser.parse_args(argv)
    if (arguments.tls_cert is None) != (arguments.tls_key is None):
        parser.error("--tls-cert and --tls-key must be given together")
    return arguments


def create_repositories(store: RepositoryStore, arguments: argparse.Namespace) -> None:
    for spec in arguments.repo:
        path, separator, source = spec.partition("=")
        if not separator or not path or not source:
            raise ValueError(f"invalid --repo {spec!r}: expected PATH=SOURCE, e.g. acme/platform/app=/src/app")
        store.clone(path, source)
    for path in arguments.make_repo:
        store.make_synthetic(path)
    store.scan_existing()


def write_port_file(path: Path, port: int) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(f"{port}\n", encoding="ascii")
    os.replace(temporary, path)


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.DEBUG if arguments.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    arguments.root.mkdir(parents=True, exist_ok=True)
    store = RepositoryStore(arguments.root.resolve())
    try:
        create_repositories(store, arguments)
    except (ValueError, GitCommandError) as error:
        log.error("%s", error)
        return 2
    tls = None
    if arguments.tls_cert is not None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(arguments.tls_cert, arguments.tls_key)
    bytegen.CACHE.capacity = max(0, arguments.generator_cache_mib)
    recorder = RequestRecorder(arguments.record, arguments.max_records)
    server = Server(arguments.listen, Application(store, recorder), tls, arguments.idle_timeout)
    host, port = server.server_address[:2]

    def stop(signum: int, _frame) -> None:
        log.info("received signal %d, stopping", signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if arguments.port_file is not None:
        write_port_file(arguments.port_file, port)
    scheme = "https" if tls is not None else "http"
    display_host = f"[{host}]" if ":" in host else host
    log.info("serving %d repositories from %s", len(store.all()), store.repos_root)
    print(f"localvcs listening on {scheme}://{display_host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        recorder.close()
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
