"""The crawler end to end against generated sites on 127.0.0.1 that record
every request and misbehave on purpose: robots.txt first, politeness,
incremental re-crawls with conditional requests, gone pages kept, one
document per article, every failure bounded, WARC output, and what cron
sees (exit codes, the lock, SIGTERM, SIGKILL mid-crawl)."""

import datetime
import gzip
import os
import signal
import time
import zlib

import pytest

from conftest import doc_count
from crawlsite import (Site, article_html, body_for, crawl, postings, redirect,
                       search, start_crawl, terms, values, wait_for_text,
                       write_conf)

SLOT_COLLAPSE = 5
SLOT_GONE = 9


@pytest.fixture
def site(tmp_path):
    s = Site(tmp_path / "site", n=6)
    yield s
    s.stop()


def page_requests(reqs):
    return [r for r in reqs if r["path"].startswith("/news/")]


def ts(r):
    return datetime.datetime.fromisoformat(r["time"].replace("Z", "+00:00"))


# ------------------------------------------------------------ first and second run

@pytest.mark.timeout(60)
def test_first_run_then_only_304s(site, tmp_path):
    index = tmp_path / "index"
    warc = tmp_path / "warc"
    warc.mkdir()
    conf = write_conf(tmp_path / "c.conf", site.url, index, sitemaps=("/sitemap.xml",),
                      crawl="delay_ms = 150\nwarc_dir = %s" % warc,
                      source="revisit = 0")
    res, s = crawl(conf)
    assert res.returncode == 0, res.stdout + res.stderr
    reqs = site.requests()
    assert reqs[0]["path"] == "/robots.txt"
    assert all(r["headers"]["User-Agent"].startswith("GazetteTest/0.1") for r in reqs)
    assert "/private/secret.html" not in site.paths()
    # Feed, sitemap index, gzipped and plain child sitemaps, home page.
    for p in ("/feed.xml", "/sitemap.xml", "/sitemaps/a.xml.gz", "/sitemaps/b.xml", "/"):
        assert site.paths().count(p) == 1, p
    assert sorted(r["path"] for r in page_requests(reqs)) == sorted(
        site.article_path(i) for i in range(6))
    assert s["new"] == "6" and s["failed"] == "0"
    assert doc_count(index) == 6
    # One host: one request at a time, delay_ms apart (start to start).
    times = [ts(r) for r in reqs]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.14, gaps
    # Every response went to a WARC file, one gzip member per record.
    files = [f for f in os.listdir(warc) if f.endswith(".warc.gz")]
    assert files and not [f for f in os.listdir(warc) if f.endswith(".open")]
    data = b"".join(gzip.open(os.path.join(warc, f)).read() for f in files)
    assert data.count(b"WARC-Type: response") == len(reqs)
    assert b"WARC-Target-URI: %s/news/2014/story-0.html" % site.url.encode() in data

    site.srv.clear_requests()
    res, s = crawl(conf)
    assert res.returncode == 0, res.stdout + res.stderr
    reqs = site.requests()
    # robots.txt comes from the 24-hour cache; everything else is
    # conditional and answers 304; nothing is indexed.
    assert "/robots.txt" not in [r["path"] for r in reqs]
    assert reqs and all(r["status"] == 304 for r in reqs), reqs
    assert all(r["headers"]["If-None-Match"] for r in reqs)
    assert len(page_requests(reqs)) == 6
    assert s["new"] == "0" and s["updated"] == "0" and s["not_modified"] == str(len(reqs))
    assert doc_count(index) == 6


@pytest.mark.timeout(60)
def test_changed_page_replaced_gone_page_kept(site, tmp_path):
    index = tmp_path / "index"
    conf = write_conf(tmp_path / "c.conf", site.url, index, source="revisit = 0")
    res, s = crawl(conf)
    assert res.returncode == 0 and s["new"] == "6", res.stdout + res.stderr

    with open(site.path(site.article_path(0)), encoding="utf-8") as f:
        page = f.read()
    site.put(site.article_path(0), page.replace("Story 0 about", "Corrected story 0 about"))
    os.unlink(site.path(site.article_path(1)))
    site.srv.clear_requests()
    res, s = crawl(conf)
    assert res.returncode == 0, res.stdout + res.stderr
    assert s["updated"] == "1" and s["gone"] == "1" and s["new"] == "0", s
    assert doc_count(index) == 6
    hits = search(index, "corrected")
    assert [h["url"] for h in hits] == [site.url + site.article_path(0)]
    gone = postings(index, "XGONE")
    assert len(gone) == 1
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    assert values(index, SLOT_GONE)[gone[0]] == today
    # The gone article is still found.
    assert [h["url"] for h in search(index, "w1")] == [site.url + site.article_path(1)]

    # Within revisit, indexed pages (and the gone one) are not asked for.
    conf2 = write_conf(tmp_path / "c2.conf", site.url, index, source="revisit = 3600")
    site.srv.clear_requests()
    res, s = crawl(conf2)
    assert res.returncode == 0, res.stdout + res.stderr
    assert page_requests(site.requests()) == []
    assert s["fresh"] == "6" and s["gone"] == "0"


# ------------------------------------------------------------ one article, one document

@pytest.mark.timeout(60)
def test_same_article_under_several_urls(tmp_path):
    story = "/news/2014/story-0.html"
    s = Site(tmp_path / "site", n=2)
    try:
        title, body = "Story 0 about harbour", body_for(0)
        s.put(story, article_html(title, body, canonical=story))
        # The print version names the article page as canonical.
        s.put("/print/story-0.html", article_html(title, body, canonical=s.url + story))
        # An exact copy without a canonical link: same content, new URL.
        s.put("/mirror/story-0.html", article_html(title, body))
        s.put("/index.html", "<html><body>"
              '<a href="%s?utm_source=feed&fbclid=x1">a</a>'
              '<a href="%s#comments">b</a>'
              '<a href="/print/story-0.html">c</a>'
              '<a href="/mirror/story-0.html">d</a>'
              '<a href="/news/2014/story-1.html">e</a></body></html>' % (story, story))
        index = tmp_path / "index"
        conf = write_conf(tmp_path / "c.conf", s.url, index, feeds=())
        res, summ = crawl(conf)
        assert res.returncode == 0, res.stdout + res.stderr
        paths = s.paths()
        # Tracking parameters and fragments are one URL, fetched once.
        assert paths.count(story) == 1
        assert not [p for p in paths if "utm_" in p or "fbclid" in p]
        assert doc_count(index) == 2
        q = terms(index, "Q")
        assert sorted(q) == sorted("Q" + s.url + p for p in (story, "/news/2014/story-1.html"))
        assert summ["duplicates"] == "1", summ
    finally:
        s.stop()


@pytest.mark.timeout(60)
def test_wire_copies_collapse_distinct_do_not(demo_index):
    _, index, _ = demo_index
    hits = search(index, "tariffs farm ministers")
    assert len(hits) == 1 and hits[0]["collapsed"] >= 1
    keys = list(values(index, SLOT_COLLAPSE).values())
    assert len(keys) == doc_count(index)
    # Exactly one pair shares a key: the syndicated wire story.
    assert len(keys) - len(set(keys)) == 1


# ------------------------------------------------------------ robots.txt

def slow_robots(h):
    time.sleep(4)
    h.send_response(200)
    h.end_headers()


def robots_status(code):
    def handler(h):
        h.send_response(code)
        h.send_header("Content-Length", "0")
        h.end_headers()
    return handler


def robots_loop(h):
    h.send_response(301)
    h.send_header("Location", "/robots.txt")
    h.send_header("Content-Length", "0")
    h.end_headers()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind,crawled,failed", [
    ("disallow", False, 0),
    ("404", True, 0),
    ("500", False, 1),
    ("slow", False, 1),
    ("loop", True, 0),
])
def test_robots_answers(tmp_path, kind, crawled, failed):
    routes = {"404": {"/robots.txt": robots_status(404)},
              "500": {"/robots.txt": robots_status(500)},
              "slow": {"/robots.txt": slow_robots},
              "loop": {"/robots.txt": robots_loop}}.get(kind, {})
    robots = "User-agent: GazetteTest\nDisallow: /\n" if kind == "disallow" else None
    s = Site(tmp_path / "site", n=2, routes=routes, robots=robots)
    try:
        index = tmp_path / "index"
        conf = write_conf(tmp_path / "c.conf", s.url, index,
                          crawl="timeout = 2" if kind == "slow" else "")
        res, summ = crawl(conf)
        assert res.returncode == (1 if failed else 0), res.stdout + res.stderr
        if kind == "slow":
            time.sleep(2.5)  # the server records a request when it answers
        paths = s.paths()
        assert paths[0] == "/robots.txt"
        if crawled:
            assert page_requests(s.requests())
            assert doc_count(index) == 2
        else:
            assert set(paths) == {"/robots.txt"}
        assert summ["failed"] == str(failed)
    finally:
        s.stop()


# ------------------------------------------------------------ misbehaving servers

def drip(h):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    try:
        for _ in range(40):
            h.wfile.write(b"<p>")
            h.wfile.flush()
            time.sleep(0.25)
    except OSError:
        pass


def endless(h):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    chunk = b"<p>" + b"x" * 65536 + b"</p>\n"
    try:
        for _ in range(2000):
            h.wfile.write(chunk)
    except OSError:
        pass


def gzip_bomb(mib=64):
    """A gzip body that inflates to mib MiB, built in small steps so that
    the test process itself stays small."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [z.compress(b"<p>")]
    block = b"a" * (1 << 20)
    for _ in range(mib):
        parts.append(z.compress(block))
    parts.append(z.flush())
    return b"".join(parts)


def bomb(h):
    body = gzip_bomb()
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Encoding", "gzip")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def status(code, extra=None):
    def handler(h):
        h.send_response(code)
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", "0")
        h.end_headers()
    return handler


def busy_once(state):
    def handler(h):
        state.append(time.monotonic())
        if len(state) == 1:
            return status(429, {"Retry-After": "1"})(h)
        body = article_html("Busy story about trade", body_for(77)).encode()
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return handler


def lying_charset(h):
    # Declared UTF-8 in the header and the page; the bytes are Latin-1.
    body = article_html("Caf\u00e9 owners protest in Orl\u00e9ans",
                        body_for(88)).encode("latin-1")
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


@pytest.mark.timeout(90)
def test_misbehaving_server(tmp_path):
    other = Site(tmp_path / "other", n=1)
    busy = []
    bad = {
        "/bad/drip.html": drip,
        "/bad/endless.html": endless,
        "/bad/bomb.html": bomb,
        "/bad/offhost.html": redirect(other.url + "/news/2014/story-0.html"),
        "/bad/file.html": redirect("file:///etc/passwd"),
        "/bad/loop1.html": redirect("/bad/loop2.html"),
        "/bad/loop2.html": redirect("/bad/loop1.html"),
        "/bad/gone.html": status(410),
        "/bad/missing.html": status(404),
        "/bad/error.html": status(500),
        "/bad/busy.html": busy_once(busy),
        "/bad/charset.html": lying_charset,
        "/feed.xml": lambda h: (h.send_response(200),
                                h.send_header("Content-Type", "application/rss+xml"),
                                h.end_headers(),
                                h.wfile.write(b'<?xml version="1.0"?><rss version="2.0">'
                                              b"<channel><item><link>/news/2014/story-0.html"
                                              b"</link></item><item><link>/news/20")),
    }
    links = "".join('<a href="%s">x</a>' % p for p in bad if p.startswith("/bad/"))
    s = Site(tmp_path / "site", n=2, routes=bad,
             files={"/index.html": "<html><body>%s<a href=\"/news/2014/story-1.html\">"
                    "s</a></body></html>" % links})
    try:
        index = tmp_path / "index"
        conf = write_conf(tmp_path / "c.conf", s.url, index, sitemaps=("/sitemap.xml",),
                          crawl="timeout = 3\nmax_page_bytes = 200000")
        t = time.monotonic()
        res, summ = crawl(conf, timeout=60)
        assert time.monotonic() - t < 30
        assert res.returncode == 1, res.stdout + res.stderr
        paths = s.paths()
        # Redirect targets off the host or off http(s) are never fetched,
        # and a loop is walked once.
        assert other.paths() == []
        assert paths.count("/bad/loop1.html") == 1 and paths.count("/bad/loop2.html") == 1
        # 429 with Retry-After: asked again after the pause, then indexed.
        assert len(busy) == 2 and busy[1] - busy[0] >= 0.9
        urls = {h["url"] for h in search(index, "story OR busy OR protest")}
        assert s.url + "/bad/busy.html" in urls
        assert s.url + "/news/2014/story-0.html" in urls  # the broken feed's first entry
        # The lying charset is indexed as valid text.
        assert search(index, "protest")
        # drip (timeout), endless (cap), bomb (cap), file: redirect, 500,
        # the broken feed: all failed; 404/410 never indexed are broken links.
        assert int(summ["failed"]) >= 6, summ
        log = res.stderr
        for p in ("drip", "endless", "bomb", "file", "error"):
            line = [l for l in log.splitlines() if "/bad/%s.html" % p in l and " W " in l]
            assert line, (p, log)
        assert "timed out" in [l for l in log.splitlines() if "drip" in l][0].lower()
        for p in ("endless", "bomb"):
            assert "body larger than 200000 bytes" in log.split("/bad/%s.html" % p, 1)[1]
        assert "not http(s)" in log.split("/bad/file.html", 1)[1]
        for p in ("/bad/drip.html", "/bad/endless.html", "/bad/bomb.html", "/bad/error.html"):
            assert "Q" + s.url + p not in terms(index, "Q")
    finally:
        s.stop()
        other.stop()


# ------------------------------------------------------------ cron: signals, lock, kill -9

def slow_site(tmp_path, n):
    s = Site(tmp_path / "site", n=n)
    index = tmp_path / "index"
    conf = write_conf(tmp_path / "c.conf", s.url, index, feeds=(),
                      crawl="delay_ms = 60", source="revisit = 0")
    with open(conf) as f:
        text = f.read().replace("commit_every = 50", "commit_every = 5")
    with open(conf, "w") as f:
        f.write(text)
    return s, index, conf


@pytest.mark.timeout(90)
def test_sigkill_mid_crawl_loses_at_most_a_batch(tmp_path):
    s, index, conf = slow_site(tmp_path, 40)
    try:
        log = tmp_path / "crawl.log"
        proc = start_crawl(conf, log)
        wait_for_text(log, "msg=\"committed\" documents=5", proc, count=2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.log_file.close()
        before = set(terms(index, "Q"))
        assert len(before) >= 10
        res, summ = crawl(conf)
        assert res.returncode == 0, res.stdout + res.stderr
        after = terms(index, "Q")
        assert before <= set(after)
        assert len(after) == len(set(after)) == 40 == doc_count(index)
        # What was committed before the kill is not indexed again.
        assert int(summ["new"]) == 40 - len(before)
    finally:
        s.stop()


@pytest.mark.timeout(90)
def test_sigterm_commits_and_lock_exits_75(tmp_path):
    s, index, conf = slow_site(tmp_path, 30)
    try:
        log = tmp_path / "crawl.log"
        proc = start_crawl(conf, log)
        wait_for_text(log, "msg=\"committed\"", proc)
        # A second run while the first holds the index: 75 at once.
        res, _ = crawl(conf, timeout=10)
        assert res.returncode == 75, res.stderr
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        proc.log_file.close()
        assert proc.returncode == 128 + signal.SIGTERM
        new = int(dict(kv.split("=", 1) for kv in out.split() if "=" in kv)["new"])
        assert 5 <= new < 30
        assert doc_count(index) == new  # everything done was committed
        assert "stopping on signal" in open(log).read()
    finally:
        s.stop()
