"""crawlsite.py — generated news sites and crawl helpers for test_crawl.py.

A Site is a SiteServer (siteserver.py) over a fresh directory: it is
started first so that its port is known, then the pages, feeds and
sitemaps are written with absolute links to it.  Routes make it misbehave.
"""

import gzip
import json
import os
import subprocess
import time

from conftest import binary, run
from siteserver import SiteServer

UA = "GazetteTest/0.1 (+https://gazette.invalid/bot)"

WORDS = ("harbour council budget minister river festival election bridge "
         "school market energy coast farm court museum report growth union "
         "vote port storm film rail season trade city").split()


def article_html(title, body_words, date="2014-11-20T10:00:00+00:00",
                 canonical=None, author="Ann Writer", charset="utf-8",
                 links=()):
    """One article page the extractor takes as an article."""
    canon = '<link rel="canonical" href="%s">' % canonical if canonical else ""
    paras = "".join("<p>%s.</p>\n" % " ".join(body_words[i:i + 30]).capitalize()
                    for i in range(0, len(body_words), 30))
    more = "".join('<li><a href="%s">more</a></li>' % l for l in links)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"%s\">"
            "<title>%s | The Test Times</title>%s"
            "<meta property=\"og:type\" content=\"article\">"
            "<meta property=\"og:site_name\" content=\"The Test Times\">"
            "<meta property=\"article:published_time\" content=\"%s\">"
            "<meta property=\"article:author\" content=\"%s\">"
            "</head><body><header><a href=\"/\">Home</a></header>"
            "<article><h1>%s</h1><p class=\"byline\">By %s</p>\n%s</article>"
            "<aside><ul>%s</ul></aside></body></html>\n"
            % (charset, title, canon, date, author, title, author, paras, more))


def body_for(i, n=240):
    """Distinct body text for article i (a deterministic word salad)."""
    out = []
    x = 1000003 * (i + 7)
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        out.append(WORDS[(x >> 33) % len(WORDS)])
    out[0:3] = ["story", "number", "w%d" % i]
    return out


class Site:
    """A generated site on 127.0.0.1: n articles under /news/, a home page
    linking them, an RSS feed, a sitemap index with a gzipped and a plain
    child sitemap, and robots.txt.  files: extra {path: bytes or str}."""

    def __init__(self, root, n=6, routes=None, robots=None, files=None):
        self.root = str(root)
        os.makedirs(self.root, exist_ok=True)
        self.srv = SiteServer(self.root, routes=routes or {})
        self.srv.start()
        self.n = n
        self.robots = robots
        self.files = files or {}
        self.write()

    @property
    def url(self):
        return self.srv.url

    def path(self, rel):
        return os.path.join(self.root, rel.lstrip("/"))

    def put(self, rel, data):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)

    def article_path(self, i):
        return "/news/2014/story-%d.html" % i

    def write(self):
        u = self.url
        if self.robots is not None:
            self.put("/robots.txt", self.robots)
        else:
            self.put("/robots.txt", "User-agent: *\nDisallow: /private/\n"
                     "Sitemap: %s/sitemap.xml\n" % u)
        for i in range(self.n):
            self.put(self.article_path(i), article_html(
                "Story %d about %s" % (i, WORDS[i % len(WORDS)]), body_for(i)))
        items = "".join("<item><title>Story %d</title><link>%s%s</link>"
                        "<pubDate>Thu, 20 Nov 2014 10:00:00 GMT</pubDate></item>"
                        % (i, u, self.article_path(i)) for i in range(0, self.n, 2))
        self.put("/feed.xml", '<?xml version="1.0"?><rss version="2.0"><channel>'
                 "<title>Test</title>%s</channel></rss>" % items)
        urls = ["%s%s" % (u, self.article_path(i)) for i in range(1, self.n, 2)]
        half = len(urls) // 2
        urlset = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/'
                  'schemas/sitemap/0.9">%s</urlset>')
        self.put("/sitemaps/a.xml.gz", gzip.compress((urlset % "".join(
            "<url><loc>%s</loc></url>" % x for x in urls[:half])).encode()))
        self.put("/sitemaps/b.xml", urlset % "".join(
            "<url><loc>%s</loc></url>" % x for x in urls[half:]))
        self.put("/sitemap.xml", '<?xml version="1.0"?><sitemapindex xmlns='
                 '"http://www.sitemaps.org/schemas/sitemap/0.9">'
                 "<sitemap><loc>%s/sitemaps/a.xml.gz</loc></sitemap>"
                 "<sitemap><loc>%s/sitemaps/b.xml</loc></sitemap></sitemapindex>"
                 % (u, u))
        links = "".join('<li><a href="%s">Story %d</a></li>' % (self.article_path(i), i)
                        for i in range(self.n))
        self.put("/index.html", "<!DOCTYPE html><html><head><title>The Test Times"
                 "</title></head><body><h1>The Test Times</h1><ul>%s</ul>"
                 "<a href=\"/private/secret.html\">x</a></body></html>" % links)
        for rel, data in self.files.items():
            self.put(rel, data)

    def requests(self):
        return self.srv.requests

    def paths(self):
        return [r["path"] for r in self.srv.requests]

    def stop(self):
        self.srv.stop()


def redirect(to, status=302):
    """A route handler answering with a redirect (status) to `to`."""
    def handler(h):
        h.send_response(status)
        h.send_header("Location", to)
        h.send_header("Content-Length", "0")
        h.end_headers()
    return handler


def write_conf(path, site_url, index, crawl="", source="", seed="/",
               feeds=("/feed.xml",), sitemaps=()):
    """A crawl config for one source on site_url."""
    host = site_url.split("://", 1)[1]
    lines = ["[index]", "path = %s" % index, "commit_every = 50", "no_sync = yes",
             "", "[crawl]", "user_agent = %s" % UA, "delay_ms = 0", "timeout = 5",
             "connect_timeout = 3", "max_pages = 500", "concurrency = 4",
             "allow_address = 127.0.0.1", crawl, "", "[source test]"]
    for f in feeds:
        lines.append("feed = %s%s" % (site_url, f))
    for s in sitemaps:
        lines.append("sitemap = %s%s" % (site_url, s))
    if seed:
        lines.append("seed = %s%s" % (site_url, seed))
    lines += ["scope = %s" % host, "depth = 1", source, ""]
    with open(str(path), "w") as f:
        f.write("\n".join(lines))
    return str(path)


def crawl(conf, timeout=60):
    """Run one crawl; returns (CompletedProcess, summary dict)."""
    res = run([binary("gazette-indexer"), "crawl", "--config", str(conf)],
              timeout=timeout)
    last = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ""
    summary = dict(kv.split("=", 1) for kv in last.split() if "=" in kv)
    return res, summary


def search(index, query):
    """Hits of `gazette search --index --json` (a list of dicts)."""
    res = run([binary("gazette"), "search", "--index", str(index), "--json",
               query], timeout=30)
    assert res.returncode in (0, 1), res.stderr
    return json.loads(res.stdout)["hits"] if res.stdout.strip() else []


def terms(index, prefix=""):
    """Every term of the index starting with prefix (xapian-delve -a)."""
    out = run(["xapian-delve", "-a", "-1", str(index)], timeout=30).stdout
    return [t for t in out.splitlines() if t.startswith(prefix)]


def postings(index, term):
    """Document ids indexed by term (xapian-delve -t)."""
    res = run(["xapian-delve", "-1", "-t", term, str(index)], timeout=30)
    ids = []
    for line in res.stdout.splitlines():
        line = line.strip()
        if line.isdigit():
            ids.append(int(line))
    return ids


def values(index, slot):
    """{docid: value} of one value slot (xapian-delve -V)."""
    res = run(["xapian-delve", "-1", "-V%d" % slot, str(index)], timeout=30)
    out = {}
    for line in res.stdout.splitlines():
        line = line.strip()
        if ":" in line and line.split(":", 1)[0].isdigit():
            k, v = line.split(":", 1)
            out[int(k)] = v.strip()
    return out


def wait_for_text(path, text, proc, timeout=20.0, count=1):
    """Wait until file path holds text count times; fail if proc ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                if f.read().count(text) >= count:
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            raise AssertionError("process ended (%s) before %r" % (proc.returncode, text))
        time.sleep(0.02)
    raise AssertionError("%r not seen within %ss" % (text, timeout))


def start_crawl(conf, log_path):
    """Start a crawl in the background, stderr to log_path."""
    log = open(log_path, "w")
    proc = subprocess.Popen([binary("gazette-indexer"), "crawl", "--config", str(conf)],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    proc.log_file = log
    return proc
