"""Smart HTTP git transport through git http-backend run as a CGI program (RFC 3875)."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import threading
import urllib.parse
from pathlib import Path

from httpcore import ClientDisconnected, HttpError, Request, Response, READ_CHUNK_BYTES
from repos import git_environment

log = logging.getLogger("localvcs.git")

HTTP_BACKEND = "/usr/lib/git-core/git-http-backend"

# GitLab, GitHub and Bitbucket (/scm/KEY/repo.git) clone URLs end in .git.
_GIT_PATH = re.compile(r"^(?P<repo>/.+?\.git)(?P<service>/(?:info/refs|git-upload-pack|git-receive-pack"
                       r"|HEAD|objects/.+))$")
# Azure DevOps clone URLs are /org/project/_git/repo with no .git suffix.
_AZURE_GIT_PATH = re.compile(r"^(?P<repo>/.+?/_git/[^/]+)(?P<service>/(?:info/refs|git-upload-pack"
                             r"|git-receive-pack))$")


def git_path_info(raw_path: str) -> str | None:
    """Return the CGI PATH_INFO for a git transport URL path, or None if the path is not one."""
    path = urllib.parse.unquote(raw_path)
    if any(segment in (".", "..") for segment in path.split("/")):
        return None
    match = _GIT_PATH.match(path)
    if match:
        return path
    match = _AZURE_GIT_PATH.match(path)
    if match:
        return f"{match['repo']}.git{match['service']}"
    return None


def _cgi_environment(request: Request, path_info: str, repos_root: Path) -> dict[str, str]:
    env = git_environment()
    env.update({
        "GIT_PROJECT_ROOT": str(repos_root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": request.version,
        "SERVER_SOFTWARE": "localvcs",
        "REQUEST_METHOD": request.method,
        "PATH_INFO": path_info,
        "QUERY_STRING": request.query,
        "REMOTE_ADDR": request.client_address.rsplit(":", 1)[0],
    })
    if request.body.content_length is not None:
        # Without CONTENT_LENGTH, git http-backend reads the body until end of file.
        env["CONTENT_LENGTH"] = str(request.body.content_length)
    for name, value in request.headers:
        key = "HTTP_" + name.upper().replace("-", "_")
        if name.lower() == "content-type":
            env["CONTENT_TYPE"] = value
        elif name.lower() in ("content-length", "proxy", "authorization"):
            continue
        else:
            env[key] = f"{env[key]}, {value}" if key in env else value
    git_protocol = request.header("Git-Protocol")
    if git_protocol:
        env["GIT_PROTOCOL"] = git_protocol
    return env


def _feed_body(request: Request, stdin) -> None:
    """Copy the request body into the CGI program, then discard what it did not read."""
    try:
        while data := request.body.read():
            stdin.write(data)
            stdin.flush()
    except (BrokenPipeError, ConnectionResetError):
        pass
    except (ClientDisconnected, HttpError, OSError) as error:
        log.warning("request body for %s failed: %s", request.target, error)
    finally:
        try:
            stdin.close()
        except OSError:
            pass
    try:
        request.body.drain()
    except (ClientDisconnected, HttpError, OSError):
        pass


def _read_cgi_head(stdout) -> tuple[int, list[tuple[str, str]], int | None]:
    status = 200
    headers: list[tuple[str, str]] = []
    length: int | None = None
    while True:
        line = stdout.readline(65536)
        if not line:
            raise HttpError(502, "git http-backend exited before sending headers")
        line = line.rstrip(b"\r\n")
        if not line:
            return status, headers, length
        name, _, value = line.decode("latin-1").partition(":")
        value = value.strip()
        if name.lower() == "status":
            status = int(value.split(" ", 1)[0])
        elif name.lower() == "content-length":
            length = int(value)
        else:
            headers.append((name, value))


def serve_git(request: Request, response: Response, path_info: str, repos_root: Path) -> None:
    """Run git http-backend for one request, streaming the body in and the output back."""
    process = subprocess.Popen([HTTP_BACKEND], env=_cgi_environment(request, path_info, repos_root),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    feeder = threading.Thread(target=_feed_body, args=(request, process.stdin), daemon=True)
    feeder.start()
    errors: list[bytes] = []
    error_reader = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
    error_reader.start()
    completed = False
    try:
        status, headers, length = _read_cgi_head(process.stdout)
        response.start(status, headers, length=length, drain_body=False)
        while data := process.stdout.read1(READ_CHUNK_BYTES):
            response.write(data)
            response.flush()
        feeder.join()
        response.finish()
        completed = True
    finally:
        # After a failure the program may still be waiting for input or output, so stop it.
        if not completed and process.poll() is None:
            process.kill()
        process.stdout.close()
        exit_code = process.wait()
        error_reader.join()
        message = b"".join(errors).decode(errors="replace").strip()
        if exit_code != 0 or message:
            log.warning("git http-backend for %s %s exited with %d: %s", request.method, path_info,
                        exit_code, message)
