"""Self-check of the fixture HTTP server (tests/e2e/siteserver.py).

Everything talks to 127.0.0.1 only, and every network call has a timeout.
Run: /usr/bin/python3 -m pytest -q tests/e2e/test_siteserver.py
"""

import email.utils
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from siteserver import SiteServer  # noqa: E402

TIMEOUT = 5
HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "siteserver.py")
SITE = os.path.normpath(os.path.join(HERE, "..", "..", "data", "site"))

# Never let a proxy from the environment see loopback requests.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url, headers=None):
    """GET url; return (status, headers, body) also for 3xx/4xx replies."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with _opener.open(req, timeout=TIMEOUT) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


def raw_get(port, path, method="GET"):
    """Send path exactly as given (urllib would not send some of them)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        conn.close()


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    (root / "news").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "index.html").write_text(
        "<!DOCTYPE html><html><body><a href=\"/news/\">news</a></body></html>",
        encoding="utf-8")
    (root / "news" / "index.html").write_text(
        "<html><body>section</body></html>", encoding="utf-8")
    (root / "news" / "a.html").write_text(
        "<html><head><title>A</title></head><body>Città</body></html>",
        encoding="utf-8")
    (root / "feed.xml").write_text(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
        "<item><link>http://@HOST@/news/a.html</link></item>"
        "</channel></rss>", encoding="utf-8")
    (root / "robots.txt").write_text(
        "User-agent: *\nDisallow: /private/\nSitemap: http://@HOST@/sitemap.xml\n",
        encoding="utf-8")
    (root / "page.html").write_text("keep @HOST@ as is", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("secret", encoding="utf-8")
    return root


@pytest.fixture
def server(site, tmp_path):
    log = tmp_path / "requests.jsonl"
    with SiteServer(str(site), log_path=str(log)) as srv:
        srv.log_file = log
        yield srv


def test_serves_file_with_headers(server):
    status, headers, body = fetch(server.url + "/news/a.html")
    assert status == 200
    assert body.decode("utf-8").endswith("Città</body></html>")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    assert headers["ETag"].startswith('"')
    assert email.utils.parsedate_to_datetime(headers["Last-Modified"])
    assert server.url == "http://127.0.0.1:%d" % server.port


def test_directory_serves_index_and_never_lists(server):
    status, _, body = fetch(server.url + "/news/")
    assert status == 200 and b"section" in body
    status, _, _ = fetch(server.url + "/empty/")
    assert status == 404
    status, headers, _ = raw_get(server.port, "/news")
    assert status == 301
    assert dict(headers)["Location"] == "/news/"


def test_etag_and_last_modified_give_304(server):
    url = server.url + "/news/a.html"
    _, headers, _ = fetch(url)
    etag, lm = headers["ETag"], headers["Last-Modified"]

    status, h304, body = fetch(url, {"If-None-Match": etag})
    assert status == 304 and body == b""
    assert h304["ETag"] == etag

    status, _, _ = fetch(url, {"If-None-Match": '"other", ' + etag})
    assert status == 304
    status, _, body = fetch(url, {"If-None-Match": '"other"'})
    assert status == 200 and body

    status, _, _ = fetch(url, {"If-Modified-Since": lm})
    assert status == 304
    status, _, _ = fetch(url, {"If-Modified-Since":
                               "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert status == 200


def test_missing_file_is_404(server):
    status, _, _ = fetch(server.url + "/no/such/page.html")
    assert status == 404


@pytest.mark.parametrize("path", [
    "/../outside.txt",
    "/news/../../outside.txt",
    "/%2e%2e/outside.txt",
    "/news/%2E%2E/%2e%2e/outside.txt",
    "/..%2foutside.txt",
    "/news\\..\\..\\outside.txt",
])
def test_traversal_refused(server, path):
    status, _, body = raw_get(server.port, path)
    assert status in (400, 403, 404)
    assert b"secret" not in body


def test_host_placeholder_substituted(server):
    status, headers, body = fetch(server.url + "/feed.xml")
    assert status == 200
    assert headers["Content-Type"] == "application/rss+xml"
    text = body.decode("utf-8")
    assert "@HOST@" not in text
    assert "<link>%s/news/a.html</link>" % server.url in text
    assert int(headers["Content-Length"]) == len(body)

    _, headers, body = fetch(server.url + "/robots.txt")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert ("Sitemap: %s/sitemap.xml" % server.url).encode() in body

    _, _, body = fetch(server.url + "/page.html")
    assert body == b"keep @HOST@ as is"


def test_requests_recorded(server):
    fetch(server.url + "/robots.txt", {"User-Agent": "GazetteTest/0.1"})
    fetch(server.url + "/news/a.html?x=1", {"If-None-Match": '"abc"'})
    fetch(server.url + "/missing.html")
    raw_get(server.port, "/news/a.html", method="HEAD")

    reqs = server.requests
    assert [(r["method"], r["path"], r["status"]) for r in reqs] == [
        ("GET", "/robots.txt", 200),
        ("GET", "/news/a.html?x=1", 200),
        ("GET", "/missing.html", 404),
        ("HEAD", "/news/a.html", 200),
    ]
    assert reqs[0]["headers"]["User-Agent"] == "GazetteTest/0.1"
    assert reqs[1]["headers"]["If-None-Match"] == '"abc"'
    assert reqs[0]["headers"]["If-Modified-Since"] is None
    assert reqs[0]["time"].endswith("Z")

    lines = server.log_file.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == reqs


def test_routes_misbehave(site):
    def teapot(h):
        h.send_response(418)
        h.send_header("Content-Type", "text/plain")
        h.end_headers()
        h.wfile.write(b"short and stout")

    def raw(h):
        h.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nraw")

    with SiteServer(str(site), routes={"/tea": teapot, "/raw": raw}) as srv:
        status, _, body = fetch(srv.url + "/tea?cup=1")
        assert status == 418 and body == b"short and stout"
        status, _, body = fetch(srv.url + "/raw")
        assert status == 200 and body == b"raw"
        status, _, _ = fetch(srv.url + "/news/a.html")
        assert status == 200
        assert [r["status"] for r in srv.requests] == [418, None, 200]


def test_command_line(site, tmp_path):
    port_file = tmp_path / "port"
    log = tmp_path / "cli.jsonl"
    proc = subprocess.Popen(
        [sys.executable, SERVER, "--root", str(site), "--port", "0",
         "--port-file", str(port_file), "--log", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not port_file.exists():
            assert time.monotonic() < deadline, "no port file"
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        port = int(port_file.read_text())
        line = proc.stdout.readline()
        assert line.strip() == "listening on 127.0.0.1:%d" % port

        status, _, body = fetch("http://127.0.0.1:%d/feed.xml" % port)
        assert status == 200
        assert b"http://127.0.0.1:%d/news/a.html" % port in body
        entry = json.loads(log.read_text(encoding="utf-8").splitlines()[0])
        assert entry["path"] == "/feed.xml" and entry["status"] == 200

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.skipif(not os.path.isdir(SITE), reason="no data/site")
def test_demo_site_links_resolve():
    """Every local link in the demo site's pages, feed and sitemap exists."""
    import re
    with SiteServer(SITE) as srv:
        pages = ["/", "/feed.xml", "/sitemap.xml", "/robots.txt"]
        seen = set()
        while pages:
            path = pages.pop()
            if path in seen:
                continue
            seen.add(path)
            status, _, body = fetch(srv.url + path)
            assert status == 200, path
            if path.endswith("/robots.txt"):
                continue
            text = body.decode("utf-8")
            for link in re.findall(r'(?:href="|<loc>|<link>)([^"<#]+)', text):
                if link.startswith(srv.url):
                    link = link[len(srv.url):]
                if not link.startswith("/") or link.startswith("//"):
                    continue  # external or placeholder-free absolute link
                if link.startswith("/private/"):
                    continue  # robots.txt forbids it; checked elsewhere
                if link.endswith((".html", ".shtml", ".htm", ".xml", "/")):
                    pages.append(link)
        assert len(seen) > 30
        _, _, sitemap = fetch(srv.url + "/sitemap.xml")
        assert b"/globaltimes/content/797127.shtml</loc>" in sitemap
        assert b"/private/" not in sitemap
