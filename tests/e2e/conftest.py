"""Shared fixtures for the end-to-end tests: real programs, real sockets,
a real index on disk, and the demo site served on 127.0.0.1."""

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

from siteserver import SiteServer  # noqa: E402

BINDIR = os.environ.get("GZ_BINDIR") or os.path.join(ROOT, "bin")
SITE = os.path.join(ROOT, "data", "site")
DEMO_CONF = os.path.join(ROOT, "data", "demo.conf")

# Set by `make asan`: AddressSanitizer's shadow memory and quarantine make
# resident-memory bounds meaningless, so tests skip those assertions.
SANITIZED = bool(os.environ.get("GZ_SANITIZED"))

SEED_URL_PATH = "/globaltimes/content/797127.shtml"
SEED_TITLE = "City diplomacy integral to boosting economic, cultural exchanges"


def binary(name):
    """Absolute path of one of our programs."""
    return os.path.join(BINDIR, name)


def run(args, timeout=60, **kw):
    """Run a program to completion, bounded in time; returns CompletedProcess."""
    return subprocess.run(args, capture_output=True, text=True,
                          timeout=timeout, **kw)


def index_jsonl(index, records):
    """Index records (dicts, as `gazette-indexer add --jsonl` reads them)
    into the index directory index (a Path), which must succeed; returns
    index.  The JSON lines file is written beside it."""
    src = index.parent / (index.name + ".jsonl")
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    res = run([binary("gazette-indexer"), "add", "--index", str(index), "--jsonl", str(src)])
    assert res.returncode == 0, res.stdout + res.stderr
    return index


def write_config(path, site, index, extra=""):
    """Write the demo config for a site address and an index directory."""
    with open(DEMO_CONF, encoding="utf-8") as f:
        text = f.read()
    text = text.replace("@SITE@", site).replace("@INDEX@", str(index))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + extra)
    return str(path)


def doc_count(index):
    """Documents in the index, as Xapian's own xapian-delve reports them."""
    out = run(["xapian-delve", str(index)], timeout=30).stdout
    for line in out.splitlines():
        if line.startswith("number of documents"):
            return int(line.split("=")[1])
    raise AssertionError("xapian-delve gave no count:\n" + out)


def wait_for_file(path, proc, what, timeout=10.0):
    """Wait until path exists and is non-empty; fail if proc died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return
        if proc.poll() is not None:
            raise AssertionError("%s exited with %s: %s" % (
                what, proc.returncode, proc.stderr.read() if proc.stderr else ""))
        time.sleep(0.05)
    raise AssertionError("%s did not start within %ss" % (what, timeout))


class Daemon:
    """A running gazette-searchd on an ephemeral loopback port."""

    def __init__(self, tmp, config=None, index=None, extra=()):
        self.port_file = os.path.join(str(tmp), "searchd-%d.port" % id(self))
        self.sock_path = os.path.join(str(tmp), "sd-%d.sock" % (id(self) % 100000))
        args = [binary("gazette-searchd"), "--listen", "127.0.0.1:0",
                "--port-file", self.port_file, "--socket", self.sock_path]
        if config:
            args += ["--config", config]
        if index:
            args += ["--index", str(index)]
        args += list(extra)
        self.log_path = os.path.join(str(tmp), "searchd-%d.log" % id(self))
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(self.port_file) and os.path.getsize(self.port_file):
                break
            if self.proc.poll() is not None:
                raise AssertionError("searchd exited %s: %s" % (
                    self.proc.returncode, open(self.log_path).read()))
            time.sleep(0.05)
        else:
            raise AssertionError("searchd did not start: " + open(self.log_path).read())
        with open(self.port_file) as f:
            self.port = int(f.read().strip())
        self.address = "127.0.0.1:%d" % self.port

    def connect(self, timeout=10):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.settimeout(timeout)
        return s

    def request(self, line, timeout=10):
        """Send one request line; return the reply line decoded as JSON."""
        with self.connect(timeout) as s:
            if isinstance(line, (dict, list)):
                line = json.dumps(line)
            if isinstance(line, str):
                line = line.encode("utf-8")
            s.sendall(line + b"\n")
            return json.loads(read_line(s))

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        self.log.close()
        return self.proc.returncode


class Hammer:
    """Send one request to a Daemon over and over on a thread, for as long
    as the with-block lasts: .answers counts replies, .errors collects
    every exception and every reply that ok(reply) rejects."""

    def __init__(self, daemon, request, ok, pause=0.003):
        self.daemon, self.request, self.ok, self.pause = daemon, request, ok, pause
        self.answers, self.errors = 0, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        while not self.stop.is_set():
            try:
                r = self.daemon.request(self.request)
                if not self.ok(r):
                    self.errors.append(r)
                self.answers += 1
            except Exception as e:  # noqa: BLE001 - any failure counts
                self.errors.append(repr(e))
            time.sleep(self.pause)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(10)
        return False


def wait_for_hit(daemon, query, timeout=10.0):
    """Ask daemon for query until it has hits (a commit becomes visible);
    True when it did within timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if daemon.request({"q": query}).get("hits"):
            return True
        time.sleep(0.1)
    return False


def read_line(sock, limit=1 << 22):
    """Read bytes up to and including one newline (bounded)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
        if len(data) > limit:
            raise AssertionError("reply longer than %d bytes" % limit)
    return data


@pytest.fixture(scope="session")
def site_server():
    """The demo site on 127.0.0.1, recording requests, for the whole session."""
    srv = SiteServer(SITE)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def demo_index(site_server, tmp_path_factory):
    """The demo site crawled once into an index; returns (config, index, result)."""
    tmp = tmp_path_factory.mktemp("demo")
    index = tmp / "index"
    conf = write_config(tmp / "demo.conf", "127.0.0.1:%d" % site_server.port, index)
    res = run([binary("gazette-indexer"), "crawl", "--config", conf], timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return conf, index, res


@pytest.fixture
def daemon(demo_index, tmp_path):
    conf, index, _ = demo_index
    d = Daemon(tmp_path, config=conf)
    yield d
    d.stop()
