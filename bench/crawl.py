#!/usr/bin/env python3
"""bench/crawl.py — crawl-and-index rate over HTTP against omindex from disk.

Generates a news site of N articles (default 10,000) with
/work/shared/corpus/make_corpus.py when ../shared exists next to the
checkout (else with a small generator of its own), serves each outlet of it
from its own loopback address (127.0.0.2, 127.0.0.3, ...) with a threaded
static server that sends ETag and Last-Modified and answers conditional
requests, and runs in one go:

  1. gazette-indexer crawl: robots.txt on, a sitemap per outlet, WARC
     writing on, delay_ms = 0 and concurrency 16 (politeness off for these
     hosts); pages/s = documents indexed / wall seconds of the run;
  2. the same crawl again: every page answers 304 (pages/s checked);
  3. omindex (Debian package xapian-omega, installed with apt-get when
     missing) over the same HTML files from disk; docs/s likewise;

then prints the rates and the ratio, and appends a row to bench/RESULTS.md
("Crawl" section) unless --no-record.

  python3 bench/crawl.py [--n 10000] [--bindir bin] [--keep DIR] [--no-record]
                         [--before BINDIR] [--runs N] [--jobs N]
                         [--index-option KEY=VALUE]...

With --before, the first crawl is also run with the programs in BINDIR (a
build of the previous version), both on fresh indexes, alternating, --runs
times each (default 1); the medians of both are printed side by side, with
the WARC sizes.  --jobs N passes `--jobs N` (the crawl's worker threads;
default the cores less one) to the crawls of the build in --bindir.
--index-option adds a line to the crawls' [index] section, e.g.
`--index-option shard_by=id --index-option shard_count=2`.

It is a benchmark, not a test: it takes a minute or two and needs no
network beyond loopback (apt-get aside).
"""

import argparse
import email.utils
import hashlib
import http.server
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "make_corpus.py")
if not os.path.exists(CORPUS):
    CORPUS = "/work/shared/corpus/make_corpus.py"


# ---------------------------------------------------------------- the site

def own_corpus(out, n):
    """A plain generator for when the shared corpus is absent: n articles
    over four outlets, each with a headline, date, byline and a body of
    distinct sentences."""
    rnd = random.Random(4)
    words = ("market minister trade city council harbour season election "
             "budget school river festival rail bridge energy coast farm "
             "court museum report growth union vote port storm film").split()
    for i in range(n):
        site = "site%d" % (i % 4)
        d = os.path.join(out, "html", site, "2014%02d" % (1 + i % 12))
        os.makedirs(d, exist_ok=True)
        title = " ".join(rnd.choice(words) for _ in range(7)).capitalize()
        body = "".join("<p>%s.</p>\n" % " ".join(
            rnd.choice(words) for _ in range(25)).capitalize()
            for _ in range(12))
        with open(os.path.join(d, "story-%d.html" % i), "w") as f:
            f.write("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
                    "<title>%s</title><meta property=og:type content=article>"
                    "<meta property=article:published_time "
                    "content=2014-%02d-10T10:00:00Z></head><body><article>"
                    "<h1>%s</h1><p class=byline>By Staff %d</p>%s"
                    "</article></body></html>" % (title, 1 + i % 12, title,
                                                  i, body))


def make_site(work, n):
    out = os.path.join(work, "corpus")
    t = time.monotonic()
    if os.path.exists(CORPUS):
        subprocess.run([sys.executable, CORPUS, "--n", str(n), "--out", out],
                       check=True, stdout=subprocess.DEVNULL)
        kind = "make_corpus.py"
    else:
        own_corpus(out, n)
        kind = "own generator"
    html = os.path.join(out, "html")
    sites = sorted(s for s in os.listdir(html)
                   if os.path.isdir(os.path.join(html, s)))
    print("site: %d pages in %d outlets (%s, %.1f s)" % (
        sum(len(fs) for s in sites for _, _, fs in os.walk(os.path.join(html, s))),
        len(sites), kind, time.monotonic() - t), flush=True)
    return html, sites


# ---------------------------------------------------------------- the server

class Handler(http.server.BaseHTTPRequestHandler):
    """Static files with validators and 304s; keep-alive; no logging."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def do_GET(self):
        root = self.server.root
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        if path == "/robots.txt":
            body = ("User-agent: *\nDisallow: /private/\nSitemap: http://%s/sitemap.xml\n"
                    % self.server.hostport).encode()
            return self.send(200, "text/plain", body, self.server.started)
        if path == "/sitemap.xml":
            return self.send(200, "application/xml", self.server.sitemap,
                             self.server.started)
        fs = os.path.normpath(os.path.join(root, path.lstrip("/")))
        if not fs.startswith(root + os.sep) or not os.path.isfile(fs):
            return self.send(404, "text/plain", b"not found\n", None)
        with open(fs, "rb") as f:
            body = f.read()
        return self.send(200, "text/html; charset=utf-8", body,
                         int(os.stat(fs).st_mtime))

    def send(self, code, ctype, body, mtime):
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        if code == 200 and self.headers.get("If-None-Match") == etag:
            code, body = 304, b""
        self.send_response(code)
        if code != 304:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if code in (200, 304):
            self.send_header("ETag", etag)
            if mtime:
                self.send_header("Last-Modified",
                                 email.utils.formatdate(mtime, usegmt=True))
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(root, addr):
    srv = Server((addr, 0), Handler)
    srv.root = os.path.realpath(root)
    srv.hostport = "%s:%d" % (addr, srv.server_address[1])
    srv.started = int(time.time())
    urls = []
    for d, _, fs in os.walk(srv.root):
        for f in sorted(fs):
            rel = os.path.relpath(os.path.join(d, f), srv.root)
            urls.append("<url><loc>http://%s/%s</loc></url>" % (
                srv.hostport, urllib.parse.quote(rel)))
    srv.sitemap = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
                   '"http://www.sitemaps.org/schemas/sitemap/0.9">\n%s\n</urlset>\n'
                   % "\n".join(sorted(urls))).encode()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# ---------------------------------------------------------------- the runs

def write_config(path, index, warc, servers, index_options=()):
    with open(path, "w") as f:
        f.write("[index]\npath = %s\ncommit_every = 1000\n" % index)
        for opt in index_options:
            key, _, value = opt.partition("=")
            f.write("%s = %s\n" % (key.strip(), value.strip()))
        f.write("\n")
        f.write("[crawl]\nuser_agent = GazetteBench/0.1 (+https://gazette.invalid/bot)\n"
                "delay_ms = 0\nconcurrency = 16\ntimeout = 30\nmax_pages = 1000000\n"
                "obey_robots = yes\nallow_address = 127.0.0.0/8\nwarc_dir = %s\n\n"
                % warc)
        for i, srv in enumerate(servers):
            f.write("[source outlet%d]\nsitemap = http://%s/sitemap.xml\n"
                    "depth = 0\nrevisit = 0\n\n" % (i, srv.hostport))


def crawl(bindir, conf, extra=()):
    """Run one crawl; returns wall seconds, the summary's fields, the
    summary line and the crawl's CPU seconds (user + system)."""
    t = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen([os.path.join(bindir, "gazette-indexer"), "crawl",
                              "--quiet", "--config", conf] + list(extra),
                             stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        secs = time.monotonic() - t
        rc = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    summary = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    if rc not in (0, 1):
        sys.exit("crawl failed (%d): %s" % (rc, stderr[-2000:]))
    fields = dict(kv.split("=", 1) for kv in summary.split() if "=" in kv)
    return secs, fields, summary, ru.ru_utime + ru.ru_stime


def ensure_omindex():
    if shutil.which("omindex"):
        return True
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("installing xapian-omega ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "xapian-omega"],
                   env=env, stdout=subprocess.DEVNULL)
    return shutil.which("omindex") is not None


def omindex(html, db):
    t = time.monotonic()
    subprocess.run(["omindex", "--db", db, "--url", "/", html, "--no-delete",
                    "-p"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=7200)
    secs = time.monotonic() - t
    out = subprocess.run(["xapian-delve", db], capture_output=True,
                         text=True).stdout
    docs = int([l for l in out.splitlines()
                if l.startswith("number of documents")][0].split("=")[1])
    return secs, docs


def record(line):
    path = os.path.join(HERE, "RESULTS.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    if "\n## Crawl\n" not in text:
        text = text.rstrip("\n") + "\n\n## Crawl\n\n" + (
            "`python3 bench/crawl.py` (fetch + extract + index over loopback HTTP "
            "with robots.txt, conditional requests and WARC on, against omindex "
            "over the same HTML files from disk, in the same run).\n\n"
            "| date | machine | pages | crawl pages/s | re-crawl (304) pages/s "
            "| omindex docs/s | ratio |\n|---|---|---|---|---|---|---|\n")
    head, sep, rest = text.partition("\n## Crawl\n")
    # Append the row after the last row of the Crawl section's table (the
    # prose around the table stays where it is).
    nxt = rest.find("\n## ")
    section = rest if nxt < 0 else rest[:nxt]
    after = "" if nxt < 0 else rest[nxt:]
    lines = section.split("\n")
    rows = [i for i, l in enumerate(lines) if l.startswith("|")]
    if rows:
        lines.insert(rows[-1] + 1, line)
        section = "\n".join(lines)
    else:
        section = section.rstrip("\n") + "\n" + line + "\n"
    with open(path, "w") as f:
        f.write(head + sep + section + after)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--bindir", default=os.path.join(ROOT, "bin"))
    ap.add_argument("--keep", help="work directory to use and keep")
    ap.add_argument("--no-record", action="store_true")
    ap.add_argument("--no-omindex", action="store_true")
    ap.add_argument("--before", help="bindir of a previous build to compare")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--jobs", type=int, help="worker threads of the crawl")
    ap.add_argument("--index-option", action="append", default=[],
                    help="KEY=VALUE for the [index] section")
    args = ap.parse_args()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []

    work = args.keep or tempfile.mkdtemp(prefix="gz-bench-crawl-")
    os.makedirs(work, exist_ok=True)
    try:
        html, sites = make_site(work, args.n)
        servers = [serve(os.path.join(html, s), "127.0.0.%d" % (2 + i))
                   for i, s in enumerate(sites)]
        index = os.path.join(work, "index")
        warc = os.path.join(work, "warc")
        shutil.rmtree(index, ignore_errors=True)
        shutil.rmtree(warc, ignore_errors=True)
        os.makedirs(warc)
        conf = os.path.join(work, "crawl.conf")
        write_config(conf, index, warc, servers, args.index_option)

        variants = [("now", args.bindir)] + (
            [("before", args.before)] if args.before else [])
        rates = {label: [] for label, _ in variants}
        warcs = {label: [] for label, _ in variants}
        for r in range(args.runs):
            for label, bindir in variants:
                if label == "now" and r == args.runs - 1:
                    continue  # the last "now" run is the one kept below
                shutil.rmtree(index, ignore_errors=True)
                shutil.rmtree(warc, ignore_errors=True)
                os.makedirs(warc)
                secs, f1, s1, _ = crawl(bindir, conf,
                                        jobs if label == "now" else ())
                rates[label].append(int(f1.get("new", 0)) / secs)
                warcs[label].append(sum(os.path.getsize(os.path.join(warc, x))
                                        for x in os.listdir(warc)) / 1e6)
                print("run %d %-6s %.0f pages/s  %s" % (r + 1, label, rates[label][-1], s1))
        shutil.rmtree(index, ignore_errors=True)
        shutil.rmtree(warc, ignore_errors=True)
        os.makedirs(warc)
        secs, f1, s1, cpu = crawl(args.bindir, conf, jobs)
        new = int(f1.get("new", 0))
        rate = new / secs
        rates["now"].append(rate)
        warcs["now"].append(sum(os.path.getsize(os.path.join(warc, x))
                                for x in os.listdir(warc)) / 1e6)
        if args.before:
            import statistics
            for label, _ in variants:
                print("%-6s median %.0f pages/s over %d runs %s; WARC %.1f MB"
                      % (label, statistics.median(rates[label]), len(rates[label]),
                         " ".join("%.0f" % x for x in rates[label]),
                         statistics.median(warcs[label])))
        print("crawl:    %s" % s1)
        print("crawl:    %d documents in %.1f s = %.0f pages/s, %.1f CPU s "
              "(%.2f ms a page)" % (new, secs, rate, cpu, 1000 * cpu / max(new, 1)))
        secs2, f2, s2, _ = crawl(args.bindir, conf, jobs)
        checked = int(f2.get("not_modified", 0))
        rate2 = checked / secs2
        print("re-crawl: %s" % s2)
        print("re-crawl: %d pages answered 304 in %.1f s = %.0f pages/s"
              % (checked, secs2, rate2))
        warc_mb = sum(os.path.getsize(os.path.join(warc, x))
                      for x in os.listdir(warc)) / 1e6
        print("warc:     %.1f MB in %d files" % (warc_mb, len(os.listdir(warc))))

        orate = None
        if not args.no_omindex and ensure_omindex():
            osecs, odocs = omindex(html, os.path.join(work, "omindex-db"))
            orate = odocs / osecs
            print("omindex:  %d documents in %.1f s = %.0f docs/s" % (odocs, osecs, orate))
            print("ratio:    %.1fx omindex (target 5x)" % (rate / orate))
        elif not args.no_omindex:
            print("omindex:  not available (apt-get install xapian-omega failed)")
        if not args.no_record:
            record("| %s | %s, %d cores | %d | %.0f | %.0f | %s | %s |" % (
                time.strftime("%Y-%m-%d"), platform.machine(), os.cpu_count(),
                new, rate, rate2, "%.0f" % orate if orate else "n/a",
                "%.1fx" % (rate / orate) if orate else "n/a"))
        for srv in servers:
            srv.shutdown()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
