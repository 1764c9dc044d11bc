#!/usr/bin/env python3
"""siteserver.py — the loopback fixture HTTP server for the demo and the tests.

Serves a directory of static files on 127.0.0.1 only, and records every
request (method, path, the headers a crawler test cares about, the status
sent) so that a test can check what the crawler asked for: robots.txt
first, its User-Agent, conditional GETs.

  python3 tests/e2e/siteserver.py --root data/site --port 0 \\
      [--port-file FILE] [--log FILE]

prints "listening on 127.0.0.1:PORT", writes PORT to --port-file (atomically)
and serves until SIGTERM or SIGINT, then exits 0.

What it does with the files:
  * `/dir/` serves `/dir/index.html`; `/dir` (a directory) redirects to
    `/dir/`; there are never directory listings; a missing file is 404.
  * Paths with a `..` segment (also percent-encoded), NUL bytes or
    backslashes are refused with 400, and a path that resolves (through a
    symlink) outside the root is 404.
  * In files ending in .xml or .txt the literal `@HOST@` is replaced with
    the server's own `127.0.0.1:PORT`, so feeds, sitemaps and robots.txt can
    carry absolute links though the port is chosen at run time.
  * Every 200 carries Content-Type, Content-Length, Last-Modified (the
    file's mtime) and a strong ETag (a hash of the bytes sent);
    If-None-Match, or else If-Modified-Since, answers 304 when it matches.

Used from Python (standard library only):

  with SiteServer("data/site", log_path=None) as srv:
      urllib.request.urlopen(srv.url + "/feed.xml", timeout=5)
      assert srv.requests[0]["path"] == "/feed.xml"

`routes={"/path": handler}` makes the server misbehave on purpose:
handler(request_handler) is called instead of the file lookup for that
path (query string ignored) and may write any response through the
BaseHTTPRequestHandler API or raw bytes on request_handler.wfile.  The
connection is closed after a route's reply, so a reply without a
Content-Length is read to end of file.
"""

import argparse
import datetime
import email.utils
import hashlib
import http.server
import json
import mimetypes
import os
import posixpath
import signal
import sys
import tempfile
import threading
import urllib.parse

HOST = "127.0.0.1"
PLACEHOLDER = b"@HOST@"
SUBST_SUFFIXES = (".xml", ".txt")
LOGGED_HEADERS = ("User-Agent", "If-None-Match", "If-Modified-Since")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".shtml": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".warc": "application/warc",
    ".gz": "application/gzip",
}


def content_type(path, body):
    """The Content-Type for a file: by suffix; an .xml file whose root is
    <rss> is application/rss+xml, one whose root is <feed> is Atom."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".xml":
        head = body[:1024]
        if b"<rss" in head:
            return "application/rss+xml"
        if b"<feed" in head:
            return "application/atom+xml"
    ctype = CONTENT_TYPES.get(ext)
    if ctype is None:
        ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return ctype


def _etag_list(value):
    """Split an If-None-Match value into opaque tags without the W/ prefix."""
    tags = []
    for part in value.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        if part:
            tags.append(part)
    return tags


class _Handler(http.server.BaseHTTPRequestHandler):
    """One request; the server object carries root, routes and the recorder."""

    server_version = "GazetteSiteServer/1.0"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle
    # and delayed ACKs hold each reply on a kept-alive connection ~40 ms.
    disable_nagle_algorithm = True
    timeout = 15  # seconds an idle keep-alive connection is kept

    def version_string(self):
        return self.server_version

    # -- recording ---------------------------------------------------------

    def send_response(self, code, message=None):
        # Record before any byte of the reply goes out, so that a client
        # that has its response also finds the request in the record.
        self._record(code)
        super().send_response(code, message)

    def parse_request(self):
        self._recorded = False  # a new request on a kept-alive connection
        return super().parse_request()

    def _record(self, status):
        if getattr(self, "_recorded", False):
            return
        self._recorded = True
        msg = getattr(self, "headers", None)
        headers = {}
        for name in LOGGED_HEADERS:
            headers[name] = msg.get(name) if msg is not None else None
        self.server.site.record({
            "time": datetime.datetime.now(datetime.timezone.utc)
                    .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": getattr(self, "command", None),
            "path": getattr(self, "path", None),
            "headers": headers,
            "status": None if status is None else int(status),
        })

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        pass  # the JSON record replaces the stderr access log

    # -- dispatch ----------------------------------------------------------

    def do_GET(self):
        self._serve(head_only=False)

    def do_HEAD(self):
        self._serve(head_only=True)

    def _serve(self, head_only):
        route_path = urllib.parse.urlsplit(self.path).path
        handler = self.server.site.routes.get(route_path)
        try:
            if handler is not None:
                try:
                    handler(self)
                finally:
                    self.close_connection = True
            else:
                self._serve_file(head_only)
        finally:
            self._record(None)  # a route that wrote raw bytes

    def _simple(self, code, text, extra=None, head_only=False):
        body = ("%d %s\n" % (code, text)).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _resolve(self):
        """Map the request path to a file: (status, fs_path or redirect)."""
        raw = urllib.parse.urlsplit(self.path).path
        if not raw.startswith("/"):
            return 400, None
        decoded = urllib.parse.unquote(raw, errors="strict")
        if "\x00" in decoded or "\\" in decoded:
            return 400, None
        segments = decoded.split("/")
        if ".." in segments or ".." in raw.split("/"):
            return 400, None
        root = self.server.site.root_real
        rel = posixpath.normpath(decoded).lstrip("/")
        fs = os.path.join(root, *[s for s in rel.split("/") if s not in ("", ".")])
        real = os.path.realpath(fs)
        if real != root and not real.startswith(root + os.sep):
            return 404, None
        if os.path.isdir(real):
            if not decoded.endswith("/"):
                return 301, raw + "/"
            real = os.path.join(real, "index.html")
        if not os.path.isfile(real):
            return 404, None
        return 200, real

    def _serve_file(self, head_only):
        try:
            status, target = self._resolve()
        except (UnicodeDecodeError, ValueError):
            status, target = 400, None
        if status == 400:
            self._simple(400, "Bad Request", head_only=head_only)
            return
        if status == 404:
            self._simple(404, "Not Found", head_only=head_only)
            return
        if status == 301:
            self._simple(301, "Moved Permanently", {"Location": target},
                         head_only=head_only)
            return
        try:
            with open(target, "rb") as f:
                body = f.read()
            mtime = int(os.stat(target).st_mtime)
        except OSError:
            self._simple(404, "Not Found", head_only=head_only)
            return
        if target.endswith(SUBST_SUFFIXES):
            body = body.replace(PLACEHOLDER, self.server.site.hostport.encode())
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:20]
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        common = {"ETag": etag, "Last-Modified": last_modified}

        if self._not_modified(etag, mtime):
            self.send_response(304)
            for k, v in common.items():
                self.send_header(k, v)
            self.end_headers()
            return

        self.send_response(200)
        self.send_header("Content-Type", content_type(target, body))
        self.send_header("Content-Length", str(len(body)))
        for k, v in common.items():
            self.send_header(k, v)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _not_modified(self, etag, mtime):
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # RFC 9110 13.1.3: If-None-Match wins
            tags = _etag_list(inm)
            return "*" in tags or etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims is not None:
            try:
                when = email.utils.parsedate_to_datetime(ims)
            except (TypeError, ValueError, IndexError):
                return False
            if when is None:
                return False
            return mtime <= int(when.timestamp())
        return False


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class SiteServer:
    """A static site on 127.0.0.1 in a background thread.

    root      directory to serve
    log_path  file to append one JSON line per request to (optional)
    routes    {"/path": handler}: handler(request_handler) answers that path
    port      0 (default) picks a free port
    """

    def __init__(self, root, log_path=None, routes=None, port=0):
        self.root = os.path.abspath(root)
        self.root_real = os.path.realpath(self.root)
        self.log_path = log_path
        self.routes = dict(routes or {})
        self._want_port = port
        self._lock = threading.Lock()
        self._requests = []
        self._log = None
        self._httpd = None
        self._thread = None

    # -- recording ---------------------------------------------------------

    def record(self, entry):
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True)
        with self._lock:
            self._requests.append(entry)
            if self._log is not None:
                self._log.write(line + "\n")
                self._log.flush()

    @property
    def requests(self):
        """A copy of the recorded requests, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self):
        with self._lock:
            del self._requests[:]

    # -- life cycle --------------------------------------------------------

    @property
    def port(self):
        return self._httpd.server_address[1] if self._httpd else None

    @property
    def hostport(self):
        return "%s:%d" % (HOST, self.port)

    @property
    def url(self):
        return "http://" + self.hostport

    def start(self):
        if not os.path.isdir(self.root):
            raise FileNotFoundError("not a directory: %s" % self.root)
        if self.log_path:
            self._log = open(self.log_path, "a", encoding="utf-8")
        self._httpd = _HTTPServer((HOST, self._want_port), _Handler)
        self._httpd.site = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
            name="siteserver", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
        with self._lock:
            if self._log is not None:
                self._log.close()
                self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def _write_atomically(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port.", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Serve a directory on 127.0.0.1 and record each request.")
    ap.add_argument("--root", required=True, help="directory to serve")
    ap.add_argument("--port", type=int, default=0, help="port (0: any free one)")
    ap.add_argument("--port-file", help="write the chosen port here")
    ap.add_argument("--log", help="append one JSON line per request here")
    args = ap.parse_args(argv)

    if not os.path.isdir(args.root):
        print("siteserver: not a directory: %s" % args.root, file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    srv = SiteServer(args.root, log_path=args.log, port=args.port)
    try:
        srv.start()
    except OSError as e:
        print("siteserver: %s" % e, file=sys.stderr)
        return 1
    if args.port_file:
        _write_atomically(args.port_file, "%d\n" % srv.port)
    print("listening on %s" % srv.hostport, flush=True)
    while not stop.wait(0.5):
        pass
    srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
