#!/usr/bin/env python3
"""Benchmark the tunnel against a direct connection to the same nginx upstream.

Starts nginx, vcs-gateway and vcs-agent on 127.0.0.1 in a temporary folder, runs every
measurement once directly against nginx and once through the gateway and the agent, and
prints each figure as the median of several runs with min and max, next to the
tunnel-to-direct ratio and the target. Every response body is compared with the file it came
from by SHA-256 (wrk runs compare each small body byte for byte in a Lua hook).

Run it from the repository root:

    python3 bench/tunnel_bench.py --build build-bench            # full run, about 5 minutes
    python3 bench/tunnel_bench.py --build build-bench --quick    # smoke run, about 2 minutes
    python3 bench/tunnel_bench.py --build build-bench --long     # adds the 75 s slow download

It needs nginx (Debian package nginx-light or nginx), wrk and python3; --long also needs git
for tests/support/localvcs. Exit status: 0 when every check passed, 1 when a transfer was
corrupted, a target was missed or a process failed, 2 for bad options or missing tools.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

MB = 1000 * 1000
MIB = 1024 * 1024
POOL = "bench"
SLOW_POOL = "slow"
SMALL_TARGET = "/api/v4/projects/acme%2Fapp/repository/branches"
UPLOAD_PREFIX = "/api/v4/projects/bench%2Fup/deployments/"

# Files that nginx serves, by name: (size in bytes, request target).
DOWNLOADS = {
    "dl100m": (100 * MB, "/api/v4/projects/bench%2Fdl100m/repository/archive"),
    "dl1g": (1000 * MB, "/api/v4/projects/bench%2Fdl1g/repository/archive"),
    "par150m": (150 * MB, "/api/v4/projects/bench%2Fpar150m/repository/archive.tar"),
    "bulk200m": (200 * MB, "/api/v4/projects/bench%2Fbulk200m/repository/archive.zip"),
}
UPLOAD_SIZE = 20 * MB

# Targets from the product's performance requirements.
TARGET_ADDED_P50_MS = 1.0
TARGET_REQUESTS_PER_S_8 = 5000
TARGET_THROUGHPUT_RATIO = 0.4
TARGET_PEAK_ABOVE_IDLE_MB = 32
TARGET_IDLE_RSS_MB = 30
TARGET_PING_ANSWER_MS = 1000
TARGET_SMALL_GAIN_P95_MS = 200


class BenchError(Exception):
    """A failure that ends the run: a process did not start or a transfer broke."""


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load_average():
    with open("/proc/loadavg") as file:
        return float(file.read().split()[0])


def median_min_max(values):
    return statistics.median(values), min(values), max(values)


# --- processes ------------------------------------------------------------------------------


class Process:
    """A child process with its output in files; stop() ends it by its own pid."""

    def __init__(self, name, args, folder, env=None):
        self.name = name
        self.stdout_path = os.path.join(folder, f"{name}.out")
        self.stderr_path = os.path.join(folder, f"{name}.err")
        self._stdout = open(self.stdout_path, "wb")
        self._stderr = open(self.stderr_path, "wb")
        self.popen = subprocess.Popen(args, stdout=self._stdout, stderr=self._stderr,
                                      stdin=subprocess.DEVNULL, env=env)

    @property
    def pid(self):
        return self.popen.pid

    def check_running(self):
        if self.popen.poll() is not None:
            raise BenchError(f"{self.name} exited with status {self.popen.returncode}; see "
                             f"{self.stderr_path}")

    def stop(self):
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._stdout.close()
        self._stderr.close()

    def stderr_text(self):
        with open(self.stderr_path, "rb") as file:
            return file.read().decode("utf-8", "replace")


def read_rss_kib(pid):
    """Return (VmRSS, VmHWM) of a process in KiB, from /proc/PID/status."""
    values = {}
    with open(f"/proc/{pid}/status") as file:
        for line in file:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                values[key] = int(value.split()[0])
    return values["VmRSS"], values["VmHWM"]


def cpu_seconds(pid):
    """Return the user plus system CPU time a process has used, in seconds."""
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak_rss(pid):
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0 and later).
    with open(f"/proc/{pid}/clear_refs", "w") as file:
        file.write("5")


class RssSampler:
    """Samples VmRSS of some processes every 50 ms on a thread; peak() returns KiB."""

    def __init__(self, pids):
        self._pids = pids
        self._peaks = {pid: 0 for pid in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for pid in self._pids:
                try:
                    rss, _ = read_rss_kib(pid)
                except (OSError, KeyError):
                    continue
                self._peaks[pid] = max(self._peaks[pid], rss)
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def peak(self, pid):
        return self._peaks[pid]


# --- HTTP clients ---------------------------------------------------------------------------


def read_response_head(sock, buffer):
    """Read up to the end of a response head; returns (status, headers, leftover bytes)."""
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        if not data:
            raise BenchError("connection closed before the response head")
        buffer += data
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, rest


def read_chunked(sock, rest, digest):
    """Decode a chunked body into `digest`; returns the body length."""
    buffer = bytearray(rest)
    position = 0
    total = 0

    def fill():
        nonlocal buffer, position
        # Drop what is consumed first, so the buffer stays about one read long.
        del buffer[:position]
        position = 0
        data = sock.recv(1 << 20)
        if not data:
            raise BenchError("connection closed inside a chunked body")
        buffer += data

    while True:
        while buffer.find(b"\r\n", position) < 0:
            fill()
        end = buffer.find(b"\r\n", position)
        size = int(bytes(buffer[position:end]).split(b";")[0], 16)
        position = end + 2
        if size == 0:
            # Trailer fields end with an empty line; none are expected here.
            while buffer.find(b"\r\n", position) < 0:
                fill()
            return total
        while len(buffer) - position < size + 2:
            fill()
        digest.update(memoryview(buffer)[position:position + size])
        total += size
        position += size + 2


def http_get(port, target, headers=None, read_rate=None):
    """GET `target` and hash the body. Returns bytes, seconds, ttfb_ms, sha256 and status.

    read_rate limits how fast the body is read, in bytes per second, so that the sender
    meets back-pressure.
    """
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
    for name, value in (headers or {}).items():
        request += f"{name}: {value}\r\n"
    request += "\r\n"
    digest = hashlib.sha256()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        start = time.perf_counter()
        sock.sendall(request.encode("latin-1"))
        first = sock.recv(65536)
        ttfb = time.perf_counter() - start
        if not first:
            raise BenchError(f"GET {target}: connection closed without a response")
        status, response_headers, rest = read_response_head(sock, bytearray(first))
        if "content-length" in response_headers:
            length = int(response_headers["content-length"])
            digest.update(rest)
            received = len(rest)
            view = memoryview(bytearray(1 << 20))
            while received < length:
                if read_rate:
                    # Read in 64 KiB steps, so the gateway meets a slow and steady reader.
                    due = start + received / read_rate
                    delay = due - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    count = sock.recv_into(view[:65536])
                else:
                    count = sock.recv_into(view, min(len(view), length - received))
                if count == 0:
                    raise BenchError(f"GET {target}: connection closed after {received} of "
                                     f"{length} body bytes")
                digest.update(view[:count])
                received += count
        elif response_headers.get("transfer-encoding", "").lower() == "chunked":
            received = read_chunked(sock, rest, digest)
        else:
            raise BenchError(f"GET {target}: status {status} without a body length")
        seconds = time.perf_counter() - start
    return {"status": status, "bytes": received, "seconds": seconds, "ttfb_ms": ttfb * 1000,
            "sha256": digest.hexdigest()}


def http_put(port, target, body, headers=None):
    """PUT `body` (bytes) with Content-Length. Returns status and seconds."""
    request = (f"PUT {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
               f"Content-Type: application/octet-stream\r\nContent-Length: {len(body)}\r\n")
    for name, value in (headers or {}).items():
        request += f"{name}: {value}\r\n"
    request += "\r\n"
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        start = time.perf_counter()
        sock.sendall(request.encode("latin-1"))
        view = memoryview(body)
        for offset in range(0, len(body), 1 << 20):
            sock.sendall(view[offset:offset + (1 << 20)])
        status, _, _ = read_response_head(sock, bytearray())
        seconds = time.perf_counter() - start
    return {"status": status, "seconds": seconds}


def timed_small_get(port, target, headers):
    """One small GET on a new connection; returns (latency in ms, body)."""
    url = f"http://127.0.0.1:{port}{target}"
    request = urllib.request.Request(url, headers=headers)
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return (time.perf_counter() - start) * 1000, body


# --- wrk ------------------------------------------------------------------------------------

WRK_SCRIPT = """
-- Counts responses that are not 200 with exactly the expected body.
mismatches = 0
local expected
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    local file = io.open(args[1], "rb")
    expected = file:read("*a")
    file:close()
end

function response(status, headers, body)
    if status ~= 200 or body ~= expected then
        mismatches = mismatches + 1
    end
end

function done(summary, latency, requests)
    local total = 0
    for _, thread in ipairs(threads) do
        total = total + thread:get("mismatches")
    end
    io.write(string.format("BODY_MISMATCHES %d\\n", total))
    io.write(string.format("LATENCY_P50_US %d\\n", latency:percentile(50)))
    io.write(string.format("LATENCY_P99_US %d\\n", latency:percentile(99)))
end
"""


def run_wrk(url, connections, seconds, script, expected_file, headers=None):
    threads = min(connections, 2)
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", script]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    args += [url, "--", expected_file]
    output = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"LATENCY_P50_US (\d+)", output)
    p99 = re.search(r"LATENCY_P99_US (\d+)", output)
    mismatches = re.search(r"BODY_MISMATCHES (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if not (rate and p50 and p99 and mismatches):
        raise BenchError(f"cannot read the output of {' '.join(args)}:\n{output}")
    return {"requests_per_s": float(rate.group(1)), "p50_ms": int(p50.group(1)) / 1000,
            "p99_ms": int(p99.group(1)) / 1000, "mismatches": int(mismatches.group(1)),
            "socket_errors": errors.group(1) if errors else ""}


# --- setup ----------------------------------------------------------------------------------

NGINX_CONF = """
worker_processes 1;
error_log {root}/nginx-error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 10000000;
    default_type application/octet-stream;
    client_body_temp_path {root}/nginx-body;
    proxy_temp_path {root}/nginx-proxy;
    fastcgi_temp_path {root}/nginx-fastcgi;
    uwsgi_temp_path {root}/nginx-uwsgi;
    scgi_temp_path {root}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port};
        # nginx matches locations on the percent-decoded path, so acme%2Fapp is acme/app.
        location = /api/v4/projects/acme/app/repository/branches {{
            default_type application/json;
            alias {root}/www/small.json;
        }}
{downloads}
        location /api/v4/projects/bench/up/deployments/ {{
            dav_methods PUT;
            client_max_body_size 0;
            client_body_buffer_size 1m;
            alias {root}/upload/;
        }}
    }}
}}
"""


def write_random_file(path, size):
    """Write `size` random bytes to `path`; returns their SHA-256."""
    digest = hashlib.sha256()
    with open(path, "wb") as file:
        remaining = size
        while remaining:
            block = os.urandom(min(remaining, 4 * MIB))
            digest.update(block)
            file.write(block)
            remaining -= len(block)
    return digest.hexdigest()


def small_json():
    branches = [{"name": f"feature/bench-{i}", "merged": False, "protected": i == 0,
                 "commit": {"id": hashlib.sha1(str(i).encode()).hexdigest()}}
                for i in range(8)]
    text = json.dumps(branches, indent=1)
    return text.encode()


def generated_stream_sha256(seed, size):
    """SHA-256 of localvcs's generated stream: block i is SHA-256 of "SEED:i"."""
    digest = hashlib.sha256()
    sha256 = hashlib.sha256
    prefix = seed.encode() + b":"
    produced = 0
    index = 0
    pending = []
    while produced < size:
        block = sha256(prefix + str(index).encode()).digest()
        index += 1
        if produced + 32 > size:
            block = block[:size - produced]
        pending.append(block)
        produced += len(block)
        if len(pending) >= 4096:
            digest.update(b"".join(pending))
            pending.clear()
    digest.update(b"".join(pending))
    return digest.hexdigest()


class Setup:
    """nginx, the gateway and an agent on 127.0.0.1 in one temporary folder."""

    def __init__(self, build, root, long_mode, parallelism):
        self.build = build
        self.root = root
        self.long_mode = long_mode
        self.parallelism = parallelism
        self.processes = []
        self.api_key = secrets.token_hex(24)
        self.auth = {"Authorization": f"Bearer {self.api_key}"}
        self.hashes = {}

    def executable(self, name):
        path = os.path.join(self.build, "app", name)
        if not os.access(path, os.X_OK):
            raise BenchError(f"{path} not found; build first: cmake --build {self.build}")
        return path

    def generate_data(self):
        # nginx workers may run as another user: they read www/ and write upload/.
        os.chmod(self.root, 0o755)
        www = os.path.join(self.root, "www")
        os.makedirs(www)
        upload = os.path.join(self.root, "upload")
        os.makedirs(upload)
        os.chmod(upload, 0o777)
        self.small_path = os.path.join(www, "small.json")
        with open(self.small_path, "wb") as file:
            file.write(small_json())
        for name, (size, _) in DOWNLOADS.items():
            self.hashes[name] = write_random_file(os.path.join(www, name), size)
        self.upload_body = os.urandom(UPLOAD_SIZE)
        self.upload_sha256 = hashlib.sha256(self.upload_body).hexdigest()
        self.upload_folder = upload

    def start_nginx(self):
        self.nginx_port = free_port()
        locations = []
        for name, (_, target) in DOWNLOADS.items():
            path = target.replace("%2F", "/").split("?")[0]
            locations.append(f"        location = {path} {{ alias {self.root}/www/{name}; }}")
        conf = NGINX_CONF.format(root=self.root, port=self.nginx_port,
                                 downloads="\n".join(locations))
        conf_path = os.path.join(self.root, "nginx.conf")
        with open(conf_path, "w") as file:
            file.write(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.nginx = self.spawn("nginx", [nginx, "-p", self.root, "-c", conf_path, "-g",
                                          "daemon off;"])
        self.wait_http(self.nginx_port, SMALL_TARGET, {})

    def start_gateway(self):
        self.agent_port = free_port()
        self.api_port = free_port()
        self.gateway_env = dict(os.environ, VCS_GATEWAY_API_KEY=self.api_key,
                                VCS_GATEWAY_DB=os.path.join(self.root, "gateway.sqlite"),
                                QT_LOGGING_RULES="vcsagent.core.gateway.debug=true")
        gateway = self.executable("vcs-gateway")
        self.tokens = {}
        for pool in (POOL, SLOW_POOL):
            self.tokens[pool] = subprocess.run(
                [gateway, "pool", "create", pool, "--public-url",
                 f"ws://127.0.0.1:{self.agent_port}"],
                env=self.gateway_env, capture_output=True, text=True, check=True).stdout.strip()
        # Pings every 5 s with a 10 s deadline, and idle (not wall-clock) request timeouts of
        # 20 s, shorter than the 75 s slow download of --long.
        self.gateway = self.spawn("gateway", [
            gateway, "serve", "--agent-listen", f"127.0.0.1:{self.agent_port}",
            "--api-listen", f"127.0.0.1:{self.api_port}", "--ping-interval", "5000",
            "--ping-timeout", "10000", "--request-idle-timeout", "20000"],
            env=self.gateway_env)

    def start_agent(self, name, pool, target_port, parallelism):
        env = dict(os.environ,
                   SPACELIFT_VCS_AGENT_POOL_TOKEN=self.tokens[pool],
                   SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT=f"http://127.0.0.1:{target_port}",
                   SPACELIFT_VCS_AGENT_VENDOR="gitlab",
                   SPACELIFT_VCS_AGENT_DIAL_INSECURE="true",
                   SPACELIFT_VCS_AGENT_PARALLELISM=str(parallelism))
        agent = self.spawn(name, [self.executable("vcs-agent"), "--no-gui",
                                  "--upstream-idle-timeout", "20000"], env=env)
        self.wait_streams(pool, parallelism)
        return agent

    def start_localvcs(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                              "support", "localvcs", "localvcs.py")
        port_file = os.path.join(self.root, "localvcs.port")
        self.localvcs = self.spawn("localvcs", [
            sys.executable, script, "--root", os.path.join(self.root, "localvcs"),
            "--listen", "127.0.0.1:0", "--make-repo", "acme/app", "--port-file", port_file,
            "--generator-cache-mib", "0"])
        deadline = time.monotonic() + 60
        while not os.path.exists(port_file):
            self.localvcs.check_running()
            if time.monotonic() > deadline:
                raise BenchError("localvcs did not start within 60 s")
            time.sleep(0.1)
        with open(port_file) as file:
            self.localvcs_port = int(file.read().strip())

    def spawn(self, name, args, env=None):
        process = Process(name, args, self.root, env)
        self.processes.append(process)
        return process

    def wait_http(self, port, target, headers, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            try:
                timed_small_get(port, target, headers)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchError(f"no HTTP response from 127.0.0.1:{port}{target} within {timeout} s")
                time.sleep(0.1)

    def pools(self):
        request = urllib.request.Request(f"http://127.0.0.1:{self.api_port}/pools",
                                         headers=self.auth)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def connection_ids(self, pool):
        for entry in self.pools():
            if entry["name"] == pool:
                return sorted(connection["connection"] for connection in entry["connections"])
        return []

    def wait_streams(self, pool, count, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for process in self.processes:
                process.check_running()
            try:
                if len(self.connection_ids(pool)) >= count:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"the agent did not open {count} streams to pool {pool} "
                                 f"within {timeout} s")
            time.sleep(0.1)

    def start(self):
        self.generate_data()
        self.start_nginx()
        self.start_gateway()
        self.agent = self.start_agent("agent", POOL, self.nginx_port, self.parallelism)

    def stop(self):
        for process in reversed(self.processes):
            process.stop()

    def cpu_seconds(self):
        return {"agent": cpu_seconds(self.agent.pid), "gateway": cpu_seconds(self.gateway.pid)}

    def cpu_used(self, before):
        """CPU seconds the agent and the gateway used since `before` from cpu_seconds()."""
        after = self.cpu_seconds()
        return {name: after[name] - before[name] for name in after}

    def tunnel_target(self, target, pool=POOL):
        return f"/pools/{pool}{target}"


# --- measurements ---------------------------------------------------------------------------


class Results:
    """Rows of the final table, and whether every check passed."""

    def __init__(self):
        self.rows = []
        self.failures = []
        self.records = {}

    def add(self, label, unit, direct, tunnel, target=None, passed=None, higher_is_better=True):
        self.rows.append({"label": label, "unit": unit, "direct": direct, "tunnel": tunnel,
                          "target": target, "passed": passed,
                          "higher_is_better": higher_is_better})
        if passed is False:
            self.failures.append(f"{label}: target {target} missed")

    def fail(self, message):
        log(f"FAILED: {message}")
        self.failures.append(message)


def format_stat(stat, digits):
    if stat is None:
        return "-"
    median, low, high = stat
    if low == high:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} [{low:.{digits}f} to {high:.{digits}f}]"


def digits_for(value):
    if value >= 100:
        return 0
    if value >= 10:
        return 1
    return 2 if value >= 0.1 else 3


def print_table(results, out):
    header = ("measure", "direct median [min to max]", "tunnel median [min to max]",
              "tunnel/direct", "target", "ok")
    lines = []
    for row in results.rows:
        reference = row["tunnel"] or row["direct"]
        digits = digits_for(abs(reference[0])) if reference else 0
        ratio = "-"
        if row["direct"] and row["tunnel"] and row["direct"][0]:
            ratio = f"{row['tunnel'][0] / row['direct'][0]:.2f}"
        ok = {None: "", True: "yes", False: "NO"}[row["passed"]]
        lines.append((f"{row['label']} ({row['unit']})", format_stat(row["direct"], digits),
                      format_stat(row["tunnel"], digits), ratio, row["target"] or "", ok))
    widths = [max(len(line[i]) for line in [header] + lines) for i in range(len(header))]
    rule = "  ".join("-" * width for width in widths)
    print("  ".join(text.ljust(width) for text, width in zip(header, widths)), file=out)
    print(rule, file=out)
    for line in lines:
        print("  ".join(text.ljust(width) for text, width in zip(line, widths)), file=out)


def measure_small(setup, results, runs, seconds, script_path):
    direct_url = f"http://127.0.0.1:{setup.nginx_port}{SMALL_TARGET}"
    tunnel_url = f"http://127.0.0.1:{setup.api_port}{setup.tunnel_target(SMALL_TARGET)}"
    for connections in (1, 8):
        samples = {"direct": [], "tunnel": []}
        for run in range(runs):
            for path, url, headers in (("direct", direct_url, None),
                                       ("tunnel", tunnel_url, setup.auth)):
                cpu_before = setup.cpu_seconds()
                sample = run_wrk(url, connections, seconds, script_path, setup.small_path,
                                 headers)
                if path == "tunnel":
                    count = sample["requests_per_s"] * seconds
                    for name, used in setup.cpu_used(cpu_before).items():
                        sample[f"{name}_cpu_us"] = used / count * 1e6
                samples[path].append(sample)
                if sample["mismatches"]:
                    results.fail(f"{path} small requests at {connections} streams: "
                                 f"{sample['mismatches']} responses differ from the file")
                if sample["socket_errors"]:
                    results.fail(f"{path} small requests at {connections} streams: socket "
                                 f"errors {sample['socket_errors']}")
        log(f"small requests at {connections} streams: direct "
            f"{[round(s['requests_per_s']) for s in samples['direct']]} req/s, tunnel "
            f"{[round(s['requests_per_s']) for s in samples['tunnel']]} req/s")
        results.records[f"small_{connections}"] = samples

        def stat(path, key):
            return median_min_max([sample[key] for sample in samples[path]])

        direct_p50 = stat("direct", "p50_ms")
        tunnel_p50 = stat("tunnel", "p50_ms")
        added = tunnel_p50[0] - direct_p50[0]
        streams = f"{connections} stream{'s' if connections > 1 else ''}"
        results.add(f"small GET p50, {streams}", "ms", direct_p50, tunnel_p50,
                    f"+{TARGET_ADDED_P50_MS:g} ms" if connections == 1 else None,
                    added < TARGET_ADDED_P50_MS if connections == 1 else None)
        results.add(f"small GET p99, {streams}", "ms", stat("direct", "p99_ms"),
                    stat("tunnel", "p99_ms"))
        for name in ("agent", "gateway"):
            results.add(f"{name} CPU per small GET, {streams}", "us", None,
                        stat("tunnel", f"{name}_cpu_us"), higher_is_better=False)
        rate_tunnel = stat("tunnel", "requests_per_s")
        results.add(f"small GET rate, {streams}", "req/s", stat("direct", "requests_per_s"),
                    rate_tunnel,
                    f">= {TARGET_REQUESTS_PER_S_8}" if connections == 8 else None,
                    rate_tunnel[0] >= TARGET_REQUESTS_PER_S_8 if connections == 8 else None)


def check_download(results, label, sample, expected_sha, expected_size):
    if sample["status"] != 200 or sample["bytes"] != expected_size \
            or sample["sha256"] != expected_sha:
        results.fail(f"{label}: status {sample['status']}, {sample['bytes']} bytes, SHA-256 "
                     f"{sample['sha256']}; expected 200, {expected_size} bytes, {expected_sha}")
        return False
    return True


def measure_downloads(setup, results, runs):
    for name, label in (("dl100m", "100 MB download"), ("dl1g", "1 GB download")):
        size, target = DOWNLOADS[name]
        samples = {"direct": [], "tunnel": []}
        memory = {"agent": [], "gateway": []}
        for _ in range(runs):
            samples["direct"].append(http_get(setup.nginx_port, target))
            idle = {"agent": read_rss_kib(setup.agent.pid)[0],
                    "gateway": read_rss_kib(setup.gateway.pid)[0]}
            reset_peak_rss(setup.agent.pid)
            reset_peak_rss(setup.gateway.pid)
            cpu_before = setup.cpu_seconds()
            sample = http_get(setup.api_port, setup.tunnel_target(target), setup.auth)
            for process_name, used in setup.cpu_used(cpu_before).items():
                sample[f"{process_name}_cpu_s_per_gb"] = used / (sample["bytes"] / (1000 * MB))
            samples["tunnel"].append(sample)
            for process_name, process in (("agent", setup.agent), ("gateway", setup.gateway)):
                peak = read_rss_kib(process.pid)[1]
                memory[process_name].append((peak - idle[process_name]) / 1024)
        for path in ("direct", "tunnel"):
            for sample in samples[path]:
                check_download(results, f"{path} {label}", sample, setup.hashes[name], size)
        results.records[name] = {"samples": samples, "peak_above_idle_mib": memory}

        def stat(path, key):
            if key == "mb_per_s":
                return median_min_max([s["bytes"] / s["seconds"] / MB for s in samples[path]])
            return median_min_max([s[key] for s in samples[path]])

        direct_rate = stat("direct", "mb_per_s")
        tunnel_rate = stat("tunnel", "mb_per_s")
        log(f"{label}: direct {direct_rate[0]:.0f} MB/s, tunnel {tunnel_rate[0]:.0f} MB/s")
        results.add(f"{label} throughput", "MB/s", direct_rate, tunnel_rate,
                    f">= {TARGET_THROUGHPUT_RATIO:g} x direct",
                    tunnel_rate[0] >= TARGET_THROUGHPUT_RATIO * direct_rate[0])
        results.add(f"{label} time to first byte", "ms", stat("direct", "ttfb_ms"),
                    stat("tunnel", "ttfb_ms"), higher_is_better=False)
        for process_name in ("agent", "gateway"):
            results.add(f"{process_name} CPU per GB, {label}", "s", None,
                        stat("tunnel", f"{process_name}_cpu_s_per_gb"), higher_is_better=False)
        if name == "dl1g":
            for process_name in ("agent", "gateway"):
                stat_memory = median_min_max(memory[process_name])
                results.add(f"{process_name} peak RSS above idle, 1 GB download", "MiB", None,
                            stat_memory, f"<= {TARGET_PEAK_ABOVE_IDLE_MB} MB",
                            max(memory[process_name]) * MIB <= TARGET_PEAK_ABOVE_IDLE_MB * MB,
                            higher_is_better=False)


def measure_upload(setup, results, runs):
    samples = {"direct": [], "tunnel": []}
    for run in range(runs):
        for path, port, prefix, headers in (
                ("direct", setup.nginx_port, "", None),
                ("tunnel", setup.api_port, f"/pools/{POOL}", setup.auth)):
            name = f"{path}-{run}"
            sample = http_put(port, f"{prefix}{UPLOAD_PREFIX}{name}", setup.upload_body,
                              headers)
            stored = os.path.join(setup.upload_folder, name)
            with open(stored, "rb") as file:
                stored_sha = hashlib.sha256(file.read()).hexdigest()
            os.remove(stored)
            if sample["status"] not in (201, 204) or stored_sha != setup.upload_sha256:
                results.fail(f"{path} 20 MB upload: status {sample['status']}, stored SHA-256 "
                             f"{stored_sha}, expected {setup.upload_sha256}")
            samples[path].append(UPLOAD_SIZE / sample["seconds"] / MB)
    results.records["upload"] = samples
    log(f"20 MB upload: direct {[round(v) for v in samples['direct']]}, tunnel "
        f"{[round(v) for v in samples['tunnel']]} MB/s")
    results.add("20 MB upload throughput", "MB/s", median_min_max(samples["direct"]),
                median_min_max(samples["tunnel"]))


def parallel_gets(port, targets, headers, read_rate=None):
    """GET each target on its own connection at once; returns (samples, wall seconds)."""
    samples = [None] * len(targets)
    errors = []

    def fetch(index, target):
        try:
            samples[index] = http_get(port, target, headers, read_rate)
        except (OSError, BenchError) as error:
            errors.append(f"{target}: {error}")

    threads = [threading.Thread(target=fetch, args=(i, target))
               for i, target in enumerate(targets)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if errors:
        raise BenchError("; ".join(errors))
    return samples, wall


def measure_parallel(setup, results, runs):
    size, target = DOWNLOADS["par150m"]
    rates = {"direct": [], "tunnel": []}
    for _ in range(runs):
        for path, port, full_target, headers in (
                ("direct", setup.nginx_port, target, None),
                ("tunnel", setup.api_port, setup.tunnel_target(target), setup.auth)):
            samples, wall = parallel_gets(port, [full_target] * 4, headers)
            for index, sample in enumerate(samples):
                check_download(results, f"{path} parallel download {index}", sample,
                               setup.hashes["par150m"], size)
            rates[path].append(4 * size / wall / MB)
    results.records["parallel"] = rates
    log(f"4 x 150 MB: direct {[round(v) for v in rates['direct']]}, tunnel "
        f"{[round(v) for v in rates['tunnel']]} MB/s")
    results.add("4 x 150 MB parallel, total", "MB/s", median_min_max(rates["direct"]),
                median_min_max(rates["tunnel"]), f">= {TARGET_THROUGHPUT_RATIO:g} x direct",
                statistics.median(rates["tunnel"])
                >= TARGET_THROUGHPUT_RATIO * statistics.median(rates["direct"]))


def measure_idle(setup, results, label):
    # Give deferred deletions and the allocator a moment after the last transfer.
    time.sleep(1.0)
    values = {}
    for name, process in (("agent", setup.agent), ("gateway", setup.gateway)):
        values[name] = read_rss_kib(process.pid)[0] / 1024
        results.add(f"{name} RSS, {label}", "MiB", None, (values[name],) * 3,
                    f"< {TARGET_IDLE_RSS_MB} MB",
                    values[name] * MIB < TARGET_IDLE_RSS_MB * MB, higher_is_better=False)
    results.records[f"idle_rss_mib_{label}"] = values


def pong_times(gateway, since_line):
    """Ping round trips logged by the gateway after line `since_line`: (connection, ms)."""
    lines = gateway.stderr_text().splitlines()[since_line:]
    pattern = re.compile(r"connection (\S+) .*pong (\d+) after (\d+) ms")
    return [(match.group(1), int(match.group(3)))
            for match in map(pattern.search, lines) if match]


def measure_pings_behind_bulk(setup, results, bulk_seconds):
    """Time pings and 50 small requests while one stream carries a slowly read 200 MB body."""
    size, target = DOWNLOADS["bulk200m"]
    small_target = setup.tunnel_target(SMALL_TARGET)
    with open(setup.small_path, "rb") as file:
        expected_small = file.read()

    def small_requests(count, spacing):
        latencies = []
        for _ in range(count):
            latency, body = timed_small_get(setup.api_port, small_target, setup.auth)
            if body != expected_small:
                results.fail("a small request during the bulk download got a different body")
            latencies.append(latency)
            time.sleep(spacing)
        return latencies

    baseline = small_requests(50, 0.02)
    connections_before = setup.connection_ids(POOL)
    log_start = len(setup.gateway.stderr_text().splitlines())
    agent_log_start = len(setup.agent.stderr_text().splitlines())
    bulk = {}

    def download():
        try:
            bulk["sample"] = http_get(setup.api_port, setup.tunnel_target(target), setup.auth,
                                      read_rate=size / bulk_seconds)
        except (OSError, BenchError) as error:
            bulk["error"] = str(error)

    thread = threading.Thread(target=download)
    thread.start()
    time.sleep(1.0)
    during = small_requests(50, max(0.0, (bulk_seconds - 4) / 50))
    thread.join()
    if "error" in bulk:
        results.fail(f"bulk download behind pings: {bulk['error']}")
    else:
        check_download(results, "bulk download behind pings", bulk["sample"], setup.hashes["bulk200m"],
                       size)
    pongs = pong_times(setup.gateway, log_start)
    expected_pings = int(bulk_seconds // 5) * len(connections_before)
    reconnects = [line for line in setup.agent.stderr_text().splitlines()[agent_log_start:]
                  if "reconnecting" in line]
    connections_after = setup.connection_ids(POOL)
    slowest_pong = max((ms for _, ms in pongs), default=None)
    gain = quantile(during, 0.95) - quantile(baseline, 0.95)
    results.records["pings_behind_bulk"] = {"baseline_ms": baseline, "during_ms": during, "pongs": pongs,
                             "bulk": bulk.get("sample")}
    log(f"pings behind a bulk download: {len(pongs)} pongs (slowest {slowest_pong} ms), small p95 {quantile(baseline, 0.95):.1f} "
        f"-> {quantile(during, 0.95):.1f} ms")
    if len(pongs) < expected_pings - len(connections_before):
        results.fail(f"pings behind a bulk download: only {len(pongs)} pongs logged, expected about "
                     f"{expected_pings}")
    if reconnects or connections_before != connections_after:
        results.fail(f"pings behind a bulk download: streams reconnected during the bulk download: {reconnects[:3]}")
    results.add("slowest pong behind a bulk download", "ms", None,
                (slowest_pong or 0,) * 3, f"< {TARGET_PING_ANSWER_MS} ms",
                slowest_pong is not None and slowest_pong < TARGET_PING_ANSWER_MS,
                higher_is_better=False)
    results.add("small GET p95 gain behind a bulk download", "ms", None, (gain,) * 3,
                f"< {TARGET_SMALL_GAIN_P95_MS} ms", gain < TARGET_SMALL_GAIN_P95_MS,
                higher_is_better=False)


def quantile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure_slow_parallel(setup, results):
    """Run four 150 MB chunked downloads at 2 MB/s each from localvcs through a second agent."""
    setup.start_localvcs()
    slow_agent = setup.start_agent("agent-slow", SLOW_POOL, setup.localvcs_port, 4)
    size = 150 * MB
    rate = 2 * MB
    seeds = [f"t1-{index}" for index in range(4)]
    targets = [setup.tunnel_target(f"/api/v4/projects/acme%2Fapp/repository/archive?size={size}"
                                   f"&seed={seed}&rate={rate}&chunked=1", SLOW_POOL)
               for seed in seeds]
    idle_kib = read_rss_kib(slow_agent.pid)[0]
    log(f"slow downloads: four {size // MB} MB downloads at {rate // MB} MB/s each, about "
        f"{size // rate} s")
    # The expected hashes take a while in Python: a separate process computes them during the
    # downloads, so that it does not hold the interpreter lock the download threads need.
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        expected = [pool.submit(generated_stream_sha256, seed, size) for seed in seeds]
        with RssSampler([slow_agent.pid]) as sampler:
            samples, wall = parallel_gets(setup.api_port, targets, setup.auth)
        expected = [future.result() for future in expected]
    for seed, sample, expected_sha in zip(seeds, samples, expected):
        check_download(results, f"slow download {seed}", sample, expected_sha, size)
    above_idle = (sampler.peak(slow_agent.pid) - idle_kib) / 1024
    results.records["slow_parallel"] = {"wall_s": wall, "samples": samples, "peak_above_idle_mib":
                             above_idle}
    log(f"slow downloads: done in {wall:.0f} s, agent peak {above_idle:.1f} MiB above idle")
    results.add("4 x 150 MB at 2 MB/s each, wall time", "s", None, (wall,) * 3)
    results.add("agent peak RSS above idle, 4 x 150 MB slow", "MiB", None, (above_idle,) * 3,
                f"<= {TARGET_PEAK_ABOVE_IDLE_MB} MB",
                above_idle * MIB <= TARGET_PEAK_ABOVE_IDLE_MB * MB, higher_is_better=False)


# --- main -----------------------------------------------------------------------------------


def machine_description():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as file:
        for line in file:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as file:
        memory_kib = int(file.readline().split()[1])
    return (f"{model}, {os.cpu_count()} CPUs, {memory_kib / MIB:.0f} GiB RAM, Linux "
            f"{platform.release()}")


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="build-bench",
                        help="CMake build folder with app/vcs-gateway and app/vcs-agent "
                             "(default build-bench; use a Release build)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true",
                      help="3 runs of each measure and shorter wrk runs, about 2 minutes")
    mode.add_argument("--long", action="store_true",
                      help="also run four parallel 150 MB chunked downloads at 2 MB/s each (75 s)")
    parser.add_argument("--runs", type=int, help="runs of each measure (default 5, 3 with "
                                                 "--quick)")
    parser.add_argument("--json", metavar="FILE", help="write every sample to FILE as JSON")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder with the logs")
    return parser.parse_args()


def stop_on_signal(signal_number, frame):
    raise BenchError(f"stopped by signal {signal_number}")


def main():
    # SIGTERM and SIGINT end the run through the cleanup below, which stops every process.
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    arguments = parse_arguments()
    runs = arguments.runs or (3 if arguments.quick else 5)
    wrk_seconds = 1 if arguments.quick else 3
    bulk_seconds = 12 if arguments.quick else 25
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            log(f"{tool} not found; install it (Debian: apt-get install wrk nginx-light)")
            return 2
    build = os.path.abspath(arguments.build)
    root = tempfile.mkdtemp(prefix="vcs-bench-")
    setup = Setup(build, root, arguments.long, parallelism=8)
    results = Results()
    started = time.monotonic()
    load_before = load_average()
    try:
        log(f"preparing {root}")
        setup.start()
        script_path = os.path.join(root, "check.lua")
        with open(script_path, "w") as file:
            file.write(WRK_SCRIPT)
        measure_idle(setup, results, "idle after start")
        measure_small(setup, results, runs, wrk_seconds, script_path)
        measure_downloads(setup, results, runs)
        measure_upload(setup, results, runs)
        measure_parallel(setup, results, runs)
        measure_pings_behind_bulk(setup, results, bulk_seconds)
        if arguments.long:
            measure_slow_parallel(setup, results)
        measure_idle(setup, results, "idle after the run")
        for process in setup.processes:
            process.check_running()
    except BenchError as error:
        results.fail(str(error))
    finally:
        setup.stop()
        # The generated files are large; only the logs are worth keeping.
        shutil.rmtree(os.path.join(root, "www"), ignore_errors=True)
    duration = time.monotonic() - started
    print(f"vcs-agent tunnel benchmark: {machine_description()}")
    print(f"{runs} runs per measure; load average {load_before:.2f} before, "
          f"{load_average():.2f} after; {duration:.0f} s")
    print()
    print_table(results, sys.stdout)
    print()
    if arguments.json:
        with open(arguments.json, "w") as file:
            json.dump({"machine": machine_description(), "runs": runs, "rows": results.rows,
                       "failures": results.failures, "records": results.records}, file,
                      indent=1, default=str)
    if arguments.keep or results.failures:
        print(f"logs kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    if results.failures:
        print("FAILED:")
        for failure in results.failures:
            print(f"  {failure}")
        return 1
    print("all transfers byte-identical; all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
