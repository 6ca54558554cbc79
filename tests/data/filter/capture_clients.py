#!/usr/bin/env python3
"""Record the request lines that real clients send, for the filter's client tests.

Starts an HTTP server on 127.0.0.1 only, runs `git clone` and `git fetch` (smart HTTP, served by
`git http-backend`) and python-gitlab against it, and writes one "METHOD TARGET" line per request
to captures/git.txt and captures/python-gitlab.txt. Run it from any folder; it needs git and
Debian's python3-gitlab (run with /usr/bin/python3).
"""

import http.server
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading

HERE = pathlib.Path(__file__).resolve().parent
RECORDED = []


class Handler(http.server.BaseHTTPRequestHandler):
    git_root = None

    def log_message(self, *args):
        pass

    def handle_any(self):
        RECORDED.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if ".git/" in self.path or self.path.endswith("/info/refs"):
            self.run_git_backend(body)
        else:
            self.send_json()

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def send_json(self):
        payload = {"id": 1, "iid": 1, "path_with_namespace": "acme/app", "name": "app"}
        if self.path.split("?")[0].endswith(("/branches", "/merge_requests")):
            payload = []
        if "/raw" in self.path or "/archive" in self.path:
            data = b"content"
            content_type = "application/octet-stream"
        else:
            data = json.dumps(payload).encode()
            content_type = "application/json"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def run_git_backend(self, body):
        path, _, query = self.path.partition("?")
        env = dict(os.environ, GIT_PROJECT_ROOT=self.git_root, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=self.command,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)),
                   GIT_PROTOCOL=self.headers.get("Git-Protocol", ""))
        result = subprocess.run(["git", "http-backend"], input=body, env=env,
                                capture_output=True, check=True)
        head, _, data = result.stdout.partition(b"\r\n\r\n")
        self.send_response(200)
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(": ")
            if name.lower() != "status":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def run_git(base, work):
    repo = work / "root" / "acme" / "platform" / "app.git"
    source = work / "source"
    subprocess.run(["git", "init", "-q", "-b", "main", str(source)], check=True)
    (source / "README").write_text("x\n")
    git = ["git", "-C", str(source), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(git + ["add", "README"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "x"], check=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(source), str(repo)], check=True)
    Handler.git_root = str(work / "root")
    clone = work / "clone"
    for version in ("0", "2"):
        target = clone.with_name(f"clone-v{version}")
        subprocess.run(["git", "-c", f"protocol.version={version}", "clone", "-q",
                        f"{base}/acme/platform/app.git", str(target)], check=True)
        subprocess.run(["git", "-C", str(target), "-c", f"protocol.version={version}",
                        "fetch", "-q", "origin"], check=True)
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"{base}/acme/platform/app.git",
                    str(clone.with_name("clone-shallow"))], check=True)


def run_python_gitlab(base):
    import gitlab

    gl = gitlab.Gitlab(base, private_token="placeholder")
    gl.projects.get("acme/app")
    project = gl.projects.get("acme/app", lazy=True)
    project.branches.list(get_all=False)
    project.commits.get("0123456789abcdef0123456789abcdef01234567")
    project.commits.get("0123456789abcdef0123456789abcdef01234567", lazy=True).statuses.create(
        {"state": "success", "name": "ci"})
    project.files.raw(file_path=".spacelift/config.yml", ref="main")
    project.mergerequests.list(get_all=False, state="opened")
    project.mergerequests.get(1, lazy=True).notes.create({"body": "done"})
    project.repository_compare("main", "dev")
    project.repository_archive(sha="main")
    project.repository_archive(sha="main", format="zip")


def capture(name, action, base_argument):
    RECORDED.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        action(f"http://127.0.0.1:{server.server_address[1]}", *base_argument)
    finally:
        server.shutdown()
    (HERE / "captures" / name).write_text("\n".join(RECORDED) + "\n")


def main():
    with tempfile.TemporaryDirectory() as work:
        capture("git.txt", run_git, [pathlib.Path(work)])
    capture("python-gitlab.txt", run_python_gitlab, [])
    return 0


if __name__ == "__main__":
    sys.exit(main())
