#!/usr/bin/env python3
"""Self-test of localvcs: starts the server on 127.0.0.1 and talks to it with git and raw sockets."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import io
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVER = HERE / "localvcs.py"
GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0"}


def expected_bytes(seed: str, size: int) -> bytes:
    """Compute the documented generator independently of the server code."""
    blocks = []
    for index in range((size + 31) // 32):
        blocks.append(hashlib.sha256(f"{seed}:{index}".encode("ascii")).digest())
    return b"".join(blocks)[:size]


def git(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout.strip()


def source_repository(scratch: Path) -> Path:
    """Return the project checkout, or a small repository when the tests run outside one."""
    result = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--show-toplevel"], env=GIT_ENV,
                            capture_output=True, text=True)
    if result.returncode == 0 and subprocess.run(["git", "-C", result.stdout.strip(), "rev-parse", "HEAD"],
                                                 env=GIT_ENV, capture_output=True).returncode == 0:
        return Path(result.stdout.strip())
    source = scratch / "source"
    source.mkdir()
    git("init", "-q", "-b", "main", cwd=source)
    (source / "file.txt").write_text("content\n")
    git("add", "file.txt", cwd=source)
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "Add file", cwd=source)
    return source


def split_response(raw: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """Parse a whole response read until close, decoding chunked framing."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = [(name, value.strip()) for name, _, value in (line.partition(":") for line in lines[1:])]
    if any(n.lower() == "transfer-encoding" and v == "chunked" for n, v in headers):
        decoded = bytearray()
        while True:
            size_line, _, body = body.partition(b"\r\n")
            size = int(size_line, 16)
            if size == 0:
                break
            decoded += body[:size]
            body = body[size + 2:]
        body = bytes(decoded)
    return status, headers, body


class LocalVcsTest(unittest.TestCase):
    process: subprocess.Popen
    port: int

    @classmethod
    def setUpClass(cls) -> None:
        cls.scratch_dir = tempfile.TemporaryDirectory(prefix="localvcs-test-")
        cls.scratch = Path(cls.scratch_dir.name)
        cls.source = source_repository(cls.scratch)
        cls.record_file = cls.scratch / "requests.jsonl"
        cls.port_file = cls.scratch / "port"
        cls.process = subprocess.Popen(
            [sys.executable, str(SERVER), "--root", str(cls.scratch / "root"), "--listen", "127.0.0.1:0",
             "--repo", f"acme/platform/app={cls.source}", "--make-repo", "acme/app",
             "--make-repo", "scm/PROJ/demo", "--make-repo", "octo/widget",
             "--make-repo", "org/proj/_git/service", "--record", str(cls.record_file),
             "--port-file", str(cls.port_file)],
            stdout=subprocess.PIPE, text=True)
        line = cls.process.stdout.readline()
        if not line.startswith("localvcs listening on http://127.0.0.1:"):
            cls.process.kill()
            raise AssertionError(f"unexpected first output line: {line!r}")
        cls.port = int(line.strip().rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls) -> None:
        cls.process.send_signal(signal.SIGTERM)
        try:
            cls.exit_code = cls.process.wait(timeout=10)
        finally:
            if cls.process.poll() is None:
                cls.process.kill()
            cls.process.stdout.close()
            cls.scratch_dir.cleanup()

    # Helpers

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def raw_exchange(self, request: bytes, timeout: float = 30) -> bytes:
        """Send request bytes as they are and return everything received until the server closes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(request)
            received = bytearray()
            while data := sock.recv(65536):
                received += data
        return bytes(received)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self.addCleanup(connection.close)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()

    def get_json(self, path: str):
        response, body = self.request("GET", path)
        self.assertEqual(response.status, 200, body)
        return json.loads(body)

    def records_for(self, target: str) -> list[dict]:
        return [r for r in self.get_json("/__vcs/requests") if r["target"] == target]

    # git smart HTTP

    def test_clone_matches_source(self) -> None:
        clone = self.scratch / "clone-app"
        git("clone", "-q", self.url("/acme/platform/app.git"), str(clone))
        git("fsck", "--strict", cwd=clone)
        self.assertEqual(git("rev-parse", "HEAD", cwd=clone), git("rev-parse", "HEAD", cwd=self.source))

    def test_clone_protocol_v0(self) -> None:
        clone = self.scratch / "clone-v0"
        git("-c", "protocol.version=0", "clone", "-q", self.url("/acme/app.git"), str(clone))
        git("fsck", cwd=clone)
        self.assertTrue((clone / ".spacelift" / "config.yml").is_file())

    def test_clone_sends_git_protocol(self) -> None:
        clone = self.scratch / "clone-v2"
        git("-c", "protocol.version=2", "clone", "-q", self.url("/octo/widget.git"), str(clone))
        records = [r for r in self.get_json("/__vcs/requests") if r["target"].startswith("/octo/widget.git/")]
        headers = [name.lower() for record in records for name, _ in record["headers"]]
        self.assertIn("git-protocol", headers)
        self.assertTrue(all(record["status"] == 200 for record in records))

    def test_bitbucket_and_azure_clone_paths(self) -> None:
        for path, name in (("/scm/PROJ/demo.git", "bitbucket"), ("/org/proj/_git/service", "azure")):
            with self.subTest(path=path):
                clone = self.scratch / f"clone-{name}"
                git("clone", "-q", self.url(path), str(clone))
                self.assertEqual(git("log", "-1", "--format=%s", cwd=clone), "Describe the infrastructure in README")

    def test_push_updates_bare_repository(self) -> None:
        clone = self.scratch / "clone-push"
        git("clone", "-q", self.url("/acme/app.git"), str(clone))
        (clone / "pushed.txt").write_text("pushed\n")
        git("add", "pushed.txt", cwd=clone)
        git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "Push", cwd=clone)
        git("push", "-q", "origin", "HEAD:refs/heads/pushed", cwd=clone)
        branches = self.get_json("/api/v4/projects/acme%2Fapp/repository/branches")
        pushed = [b for b in branches if b["name"] == "pushed"]
        self.assertEqual(len(pushed), 1)
        self.assertEqual(pushed[0]["commit"]["id"], git("rev-parse", "HEAD", cwd=clone))

    def test_chunked_push_body(self) -> None:
        clone = self.scratch / "clone-chunked-push"
        git("clone", "-q", self.url("/octo/widget.git"), str(clone))
        (clone / "large.bin").write_bytes(os.urandom(300000))
        git("add", "large.bin", cwd=clone)
        git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "Large", cwd=clone)
        # A post buffer smaller than the pack makes git send the body with chunked framing.
        git("-c", "http.postBuffer=65536", "push", "-q", "origin", "HEAD:refs/heads/large", cwd=clone)
        records = self.records_for("/octo/widget.git/git-receive-pack")
        chunked = [r for r in records if ["Transfer-Encoding", "chunked"] in r["headers"]]
        self.assertEqual(len(chunked), 1)
        self.assertGreater(chunked[0]["body_length"], 300000)
        self.assertTrue(chunked[0]["body_complete"])
        branch = self.get_json("/api/v4/projects/octo%2Fwidget/repository/branches/large")
        self.assertEqual(branch["commit"]["id"], git("rev-parse", "HEAD", cwd=clone))

    def test_gzip_fetch_request(self) -> None:
        clone = self.scratch / "clone-gzip"
        git("-c", "protocol.version=0", "clone", "-q", self.url("/scm/PROJ/demo.git"), str(clone))
        for index in range(150):
            git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "--allow-empty",
                "-m", f"Local {index}", cwd=clone)
        upstream = self.scratch / "clone-gzip-upstream"
        git("clone", "-q", self.url("/scm/PROJ/demo.git"), str(upstream))
        git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "--allow-empty",
            "-m", "Upstream", cwd=upstream)
        git("push", "-q", "origin", "HEAD:refs/heads/upstream", cwd=upstream)
        # git gzips an upload-pack request over 1024 bytes, and 150 "have" lines exceed that.
        git("-c", "protocol.version=0", "fetch", "-q", "origin", "upstream", cwd=clone)
        self.assertEqual(git("rev-parse", "FETCH_HEAD", cwd=clone), git("rev-parse", "HEAD", cwd=upstream))
        records = self.records_for("/scm/PROJ/demo.git/git-upload-pack")
        gzipped = [r for r in records if ["Content-Encoding", "gzip"] in r["headers"]]
        self.assertGreaterEqual(len(gzipped), 1)
        self.assertTrue(all(r["status"] == 200 for r in gzipped))

    # Generated bodies

    def test_bytes_generator_hash(self) -> None:
        response, body = self.request("GET", "/__vcs/bytes?size=100000&seed=abc")
        expected = expected_bytes("abc", 100000)
        self.assertEqual(response.status, 200)
        self.assertEqual(len(body), 100000)
        self.assertEqual(body, expected)
        self.assertEqual(response.getheader("X-Content-SHA256"), hashlib.sha256(expected).hexdigest())

    def test_bytes_chunked_framing(self) -> None:
        raw = self.raw_exchange(b"GET /__vcs/bytes?size=70000&seed=7&chunked=1 HTTP/1.1\r\n"
                                b"Host: x\r\nConnection: close\r\n\r\n")
        status, headers, body = split_response(raw)
        self.assertEqual(status, 200)
        self.assertIn(("Transfer-Encoding", "chunked"), headers)
        self.assertNotIn("content-length", [n.lower() for n, _ in headers])
        self.assertEqual(body, expected_bytes("7", 70000))

    def test_bytes_fail_after_closes_early(self) -> None:
        raw = self.raw_exchange(b"GET /__vcs/bytes?size=100000&fail_after=1000 HTTP/1.1\r\nHost: x\r\n\r\n")
        head, _, body = raw.partition(b"\r\n\r\n")
        self.assertIn(b"Content-Length: 100000", head)
        self.assertEqual(body, expected_bytes("0", 1000))

    def test_bytes_rate_limit(self) -> None:
        started = time.monotonic()
        response, body = self.request("GET", "/__vcs/bytes?size=30000&rate=60000")
        elapsed = time.monotonic() - started
        self.assertEqual(len(body), 30000)
        self.assertGreaterEqual(elapsed, 0.4)

    def test_archive_path_serves_generator(self) -> None:
        response, body = self.request("GET", "/api/v4/projects/acme%2Fapp/repository/archive?sha=main&size=5000&seed=x")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Type"), "application/octet-stream")
        self.assertEqual(body, expected_bytes("x", 5000))

    # Uploads

    def test_echo_hash(self) -> None:
        payload = os.urandom(200000)
        response, body = self.request("PUT", "/__vcs/echo?x=1", body=payload,
                                      headers={"Content-Type": "application/octet-stream"})
        echo = json.loads(body)
        self.assertEqual(echo["method"], "PUT")
        self.assertEqual(echo["target"], "/__vcs/echo?x=1")
        self.assertEqual(echo["body_length"], len(payload))
        self.assertEqual(echo["body_sha256"], hashlib.sha256(payload).hexdigest())

    def test_chunked_upload_echo(self) -> None:
        payload = os.urandom(100000)
        chunks = [payload[:1], payload[1:70000], payload[70000:]]
        framed = b"".join(b"%x;ext=1\r\n" % len(c) + c + b"\r\n" for c in chunks) + b"0\r\nX-Trailer: t\r\n\r\n"
        raw = self.raw_exchange(b"POST /__vcs/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                b"Connection: close\r\n\r\n" + framed)
        status, _, body = split_response(raw)
        echo = json.loads(body)
        self.assertEqual(status, 200)
        self.assertEqual(echo["body_length"], len(payload))
        self.assertEqual(echo["body_sha256"], hashlib.sha256(payload).hexdigest())

    def test_statuses_post_hashes_body(self) -> None:
        sha = self.get_json("/api/v4/projects/acme%2Fapp/repository/branches/main")["commit"]["id"]
        payload = json.dumps({"state": "success", "name": "spacelift"}).encode()
        response, body = self.request("POST", f"/api/v4/projects/acme%2Fapp/statuses/{sha}", body=payload,
                                      headers={"Content-Type": "application/json"})
        status = json.loads(body)
        self.assertEqual(response.status, 201)
        self.assertEqual(status["status"], "success")
        self.assertEqual(status["name"], "spacelift")
        self.assertEqual(status["body_sha256"], hashlib.sha256(payload).hexdigest())

    # Recording

    def test_raw_target_recorded_and_decoded(self) -> None:
        target = "/api/v4/projects/acme%2Fapp/repository/files/%2Espacelift%2Fconfig%2Eyml/raw?ref=main"
        request_line = f"GET {target} HTTP/1.1".encode()
        raw = self.raw_exchange(request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, _, body = split_response(raw)
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith(b'version: "1"'))
        records = self.records_for(target)
        self.assertEqual(len(records), 1)
        self.assertEqual(records[0]["request_line"].encode("latin-1"), request_line)
        self.assertEqual(records[0]["status"], 200)

    def test_multi_valued_headers_recorded(self) -> None:
        target = "/api/v4/user?multi=1"
        raw = self.raw_exchange(f"GET {target} HTTP/1.1\r\nHost: x\r\nX-Multi: a\r\nx-multi:  b \r\n"
                                "X-Other: 1\r\nX-MULTI: c\r\nConnection: close\r\n\r\n".encode())
        self.assertTrue(raw.startswith(b"HTTP/1.1 200 "))
        headers = self.records_for(target)[0]["headers"]
        self.assertEqual(headers, [["Host", "x"], ["X-Multi", "a"], ["x-multi", "b"], ["X-Other", "1"],
                                   ["X-MULTI", "c"], ["Connection", "close"]])

    def test_body_hash_recorded(self) -> None:
        payload = b"recorded body"
        self.request("POST", "/__vcs/echo?recorded=1", body=payload)
        record = self.records_for("/__vcs/echo?recorded=1")[0]
        self.assertEqual(record["body_length"], len(payload))
        self.assertEqual(record["body_sha256"], hashlib.sha256(payload).hexdigest())
        self.assertTrue(record["body_complete"])

    def test_record_file_lines(self) -> None:
        self.request("GET", "/api/v4/version?file=1")
        deadline = time.monotonic() + 5
        targets = []
        while time.monotonic() < deadline and "/api/v4/version?file=1" not in targets:
            lines = self.record_file.read_text().splitlines()
            targets = [json.loads(line)["target"] for line in lines]
            time.sleep(0.05)
        self.assertIn("/api/v4/version?file=1", targets)

    def test_requests_since_and_clear(self) -> None:
        self.request("GET", "/api/v4/user?before-clear=1")
        last_id = self.get_json("/__vcs/requests")[-1]["id"]
        self.assertEqual(self.get_json(f"/__vcs/requests?since={last_id}")[0]["id"], last_id + 1)
        response, body = self.request("DELETE", "/__vcs/requests")
        self.assertEqual(response.status, 200)
        self.assertNotIn("/api/v4/user?before-clear=1", [r["target"] for r in self.get_json("/__vcs/requests")])

    def test_keep_alive_reuses_connection(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self.addCleanup(connection.close)
        for index in range(3):
            connection.request("GET", f"/api/v4/user?keepalive={index}")
            self.assertEqual(connection.getresponse().read()[:1], b"{")
        records = [self.records_for(f"/api/v4/user?keepalive={index}")[0] for index in range(3)]
        self.assertEqual(len({record["connection_id"] for record in records}), 1)
        self.assertEqual([record["index_on_connection"] for record in records], [1, 2, 3])

    # Upstream behaviour

    def test_gzip_sent_without_accept_encoding(self) -> None:
        raw = self.raw_exchange(b"GET /__vcs/gzip?size=5000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, headers, body = split_response(raw)
        self.assertEqual(status, 200)
        self.assertIn(("Content-Encoding", "gzip"), headers)
        self.assertEqual(body[:2], b"\x1f\x8b")
        self.assertEqual(len(gzip.decompress(body)), 5000)

    def test_slow_delays_headers(self) -> None:
        started = time.monotonic()
        response, _ = self.request("GET", "/__vcs/slow?delay=0.5")
        self.assertEqual(response.status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.5)

    def test_redirect_and_cookies(self) -> None:
        response, _ = self.request("GET", "/__vcs/redirect?to=/api/v4/version")
        self.assertEqual(response.status, 302)
        self.assertEqual(response.getheader("Location"), "/api/v4/version")
        response, _ = self.request("GET", "/__vcs/cookie")
        cookies = [value for name, value in response.getheaders() if name == "Set-Cookie"]
        self.assertEqual(len(cookies), 2)

    def test_raw_file_respond_behaviours(self) -> None:
        raw_path = "/api/v4/projects/2/repository/files/README.md/raw"
        response, _ = self.request("GET", f"{raw_path}?respond=redirect&to=/api/v4/version&status=301")
        self.assertEqual(response.status, 301)
        self.assertEqual(response.getheader("Location"), "/api/v4/version")

        response, body = self.request("GET", f"{raw_path}?respond=gzip&size=3000")
        self.assertEqual(response.getheader("Content-Encoding"), "gzip")
        self.assertEqual(response.getheader("X-Content-SHA256"), hashlib.sha256(body).hexdigest())
        self.assertEqual(len(gzip.decompress(body)), 3000)

        response, _ = self.request("GET", f"{raw_path}?respond=cookies")
        cookies = [value for name, value in response.getheaders() if name == "Set-Cookie"]
        self.assertEqual(cookies, ["session=abc123; Path=/; HttpOnly", "theme=dark; Path=/"])

        raw = self.raw_exchange(f"GET {raw_path}?respond=hopbyhop HTTP/1.1\r\nHost: x\r\n"
                                "Connection: close\r\n\r\n".encode())
        status, headers, body = split_response(raw)
        self.assertEqual(status, 200)
        for header in [("Connection", "X-Upstream-Hop"), ("X-Upstream-Hop", "1"), ("X-End-To-End", "kept"),
                       ("Transfer-Encoding", "chunked")]:
            self.assertIn(header, headers)
        self.assertEqual(body, b"hop-by-hop headers sent\n")

        for code in (204, 304):
            raw = self.raw_exchange(f"GET {raw_path}?respond=status&code={code} HTTP/1.1\r\nHost: x\r\n"
                                    "Connection: close\r\n\r\n".encode())
            head, _, body = raw.partition(b"\r\n\r\n")
            self.assertTrue(head.startswith(f"HTTP/1.1 {code} ".encode()), head)
            self.assertNotIn(b"Content-Length", head)
            self.assertEqual(body, b"")
        response, body = self.request("GET", f"{raw_path}?respond=status&code=418")
        self.assertEqual(response.status, 418)
        self.assertEqual(json.loads(body), {"status": 418})

        raw = self.raw_exchange(f"GET {raw_path}?respond=bytes&size=1000&fail_after=100 HTTP/1.1\r\n"
                                "Host: x\r\n\r\n".encode())
        head, _, body = raw.partition(b"\r\n\r\n")
        self.assertIn(b"Content-Length: 1000", head)
        self.assertEqual(body, expected_bytes("0", 100))

        response, body = self.request("GET", f"{raw_path}?respond=nothing")
        self.assertEqual(response.status, 400)
        self.assertIn("respond", json.loads(body)["message"])

    def test_unknown_path_returns_json_404(self) -> None:
        response, body = self.request("GET", "/no/such/path")
        self.assertEqual(response.status, 404)
        self.assertEqual(response.getheader("Content-Type"), "application/json")
        self.assertIn("message", json.loads(body))

    # Vendor API

    def test_gitlab_project_by_id_and_path(self) -> None:
        by_path = self.get_json("/api/v4/projects/acme%2Fplatform%2Fapp")
        by_id = self.get_json(f"/api/v4/projects/{by_path['id']}")
        self.assertEqual(by_id["path_with_namespace"], "acme/platform/app")
        self.assertEqual(by_path, by_id)
        self.assertTrue(by_id["http_url_to_repo"].endswith("/acme/platform/app.git"))

    def test_gitlab_commit_and_merge_requests(self) -> None:
        head = git("rev-parse", "HEAD", cwd=self.source)
        commit = self.get_json(f"/api/v4/projects/acme%2Fplatform%2Fapp/repository/commits/{head}")
        self.assertEqual(commit["id"], head)
        response, _ = self.request("GET", "/api/v4/projects/acme%2Fapp/repository/commits/deadbeef")
        self.assertEqual(response.status, 404)
        merge_requests = self.get_json("/api/v4/projects/scm%2FPROJ%2Fdemo/merge_requests")
        self.assertEqual([m["source_branch"] for m in merge_requests], ["feature/demo"])

    def test_gitlab_archive_is_real(self) -> None:
        response, body = self.request("GET", "/api/v4/projects/acme%2Fapp/repository/archive?sha=v1.0")
        self.assertEqual(response.status, 200)
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
            names = archive.getnames()
        self.assertTrue(any(name.endswith("/.spacelift/config.yml") for name in names), names)
        self.assertFalse(any(name.endswith("/infra/outputs.tf") for name in names), names)

    def test_other_vendor_endpoints(self) -> None:
        bitbucket = self.get_json("/rest/api/1.0/projects/PROJ/repos/demo")
        self.assertEqual(bitbucket["slug"], "demo")
        github = self.get_json("/api/v3/repos/octo/widget")
        self.assertEqual(github["full_name"], "octo/widget")
        azure = self.get_json("/org/proj/_apis/git/repositories/service")
        self.assertEqual(azure["defaultBranch"], "refs/heads/main")


class ShutdownTest(unittest.TestCase):
    def test_sigterm_exits_cleanly(self) -> None:
        with tempfile.TemporaryDirectory(prefix="localvcs-stop-") as root:
            port_file = Path(root) / "port"
            process = subprocess.Popen([sys.executable, str(SERVER), "--root", root, "--port-file", str(port_file)],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            try:
                line = process.stdout.readline()
                port = int(port_file.read_text())
                self.assertEqual(line, f"localvcs listening on http://127.0.0.1:{port}\n")
                # An idle keep-alive connection must not delay the exit.
                idle = socket.create_connection(("127.0.0.1", port), timeout=5)
                self.addCleanup(idle.close)
                process.send_signal(signal.SIGTERM)
                self.assertEqual(process.wait(timeout=10), 0)
            finally:
                if process.poll() is None:
                    process.kill()
                process.stdout.close()


    @unittest.skipIf(shutil.which("openssl") is None, "openssl is needed to make a test certificate")
    def test_tls_serves_https(self) -> None:
        with tempfile.TemporaryDirectory(prefix="localvcs-tls-") as root:
            cert, key = Path(root) / "cert.pem", Path(root) / "key.pem"
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                            "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                           check=True, capture_output=True)
            process = subprocess.Popen([sys.executable, str(SERVER), "--root", root, "--make-repo", "acme/app",
                                        "--tls-cert", str(cert), "--tls-key", str(key)],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            try:
                line = process.stdout.readline()
                self.assertTrue(line.startswith("localvcs listening on https://127.0.0.1:"), line)
                port = int(line.strip().rsplit(":", 1)[1])
                context = ssl.create_default_context(cafile=str(cert))
                context.check_hostname = False
                connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=context)
                self.addCleanup(connection.close)
                connection.request("GET", "/api/v4/projects/acme%2Fapp")
                response = connection.getresponse()
                project = json.loads(response.read())
                self.assertEqual(response.status, 200)
                self.assertEqual(project["http_url_to_repo"], f"https://127.0.0.1:{port}/acme/app.git")
            finally:
                process.terminate()
                process.wait(timeout=10)
                process.stdout.close()


if __name__ == "__main__":
    unittest.main()
