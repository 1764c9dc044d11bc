"""The crawl's worker pool changes nothing observable: the same requests
in the same order, the same documents, counters and WARC records with one
worker or four, and a SIGTERM under the pool still commits everything it
received, archives it, and lets the next run finish the job."""

import gzip
import os
import re
import signal

import pytest

from conftest import SITE, binary, doc_count, run, write_config
from crawlsite import (WORDS, Site, article_html, body_for, redirect,
                       start_crawl, terms, wait_for_text, write_conf)
from siteserver import SiteServer

SLOT_INDEXED = 7  # when the document was indexed: differs between runs


def crawl_jobs(conf, jobs, timeout=120):
    """One crawl with --jobs; returns (CompletedProcess, summary dict)."""
    res = run([binary("gazette-indexer"), "crawl", "--jobs", str(jobs),
               "--config", str(conf)], timeout=timeout)
    last = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ""
    summary = dict(kv.split("=", 1) for kv in last.split() if "=" in kv)
    summary.pop("seconds", None)
    return res, summary


def snapshot(index):
    """{key URL: (stored data, terms, values but SLOT_INDEXED)} of every
    document, from xapian-delve."""
    docs = {}
    for q in terms(index, "Q"):
        res = run(["xapian-delve", "-1", "-t", q, str(index)], timeout=30)
        ids = [int(x) for x in res.stdout.split() if x.isdigit()]
        assert len(ids) == 1, (q, res.stdout)
        # The stored record is packed (lib/record.c): bytes, not text.
        out = run(["xapian-delve", "-1", "-r", str(ids[0]), "-d", "-V",
                   str(index)], timeout=30, errors="surrogateescape").stdout
        vals = re.search(r"Values for record #\d+:\n(.*?)\nData for", out, re.S)
        data = re.search(r"Data for record #\d+:\n(.*?)\nTerm List for", out, re.S)
        tl = out.split("Term List for record #%d:" % ids[0], 1)[1]
        kept = tuple(v for v in vals.group(1).splitlines()
                     if not v.startswith("%d:" % SLOT_INDEXED))
        docs[q[1:]] = (data.group(1), tuple(sorted(tl.split())), kept)
    return docs


def warc_records(warc_dir):
    """Sorted (target URI, payload digest) of every response record; the
    files must all be complete (no .open left)."""
    names = os.listdir(warc_dir)
    assert not [n for n in names if n.endswith(".open")], names
    data = b"".join(gzip.open(os.path.join(warc_dir, n)).read()
                    for n in sorted(names) if n.endswith(".warc.gz"))
    recs = []
    for head in re.findall(rb"WARC/1\.1\r\n(.*?)\r\n\r\n", data, re.S):
        fields = dict(l.split(b": ", 1) for l in head.split(b"\r\n") if b": " in l)
        if fields.get(b"WARC-Type") == b"response":
            recs.append((fields[b"WARC-Target-URI"], fields[b"WARC-Payload-Digest"]))
    return sorted(recs)


def tricky_site(root):
    """A site where the order of handling decides things: exact copies of
    articles under other URLs (the first URL handled keeps the document),
    print versions naming the article as canonical, a redirect, broken
    links, a PDF, and a listing page that leads to all of them."""
    s = Site(root, n=30, routes={"/old/story-3.html": redirect("/news/2014/story-3.html", 301)})
    links = []
    for i in range(10):
        with open(s.path(s.article_path(i)), "rb") as f:
            s.put("/mirror/story-%d.html" % i, f.read())
        links.append("/mirror/story-%d.html" % i)
    for i in range(10, 15):
        s.put("/print/story-%d.html" % i, article_html(
            "Story %d about %s" % (i, WORDS[i % len(WORDS)]), body_for(i),
            canonical=s.url + s.article_path(i)))
        links.append("/print/story-%d.html" % i)
    s.put("/files/report.pdf", b"%PDF-1.4 not really\n")
    links += ["/old/story-3.html", "/files/report.pdf", "/missing-1.html",
              "/missing-2.html"]
    # The listing links the copies before the articles, so that which URL
    # is handled first is decided by the order of the answers.
    links += [s.article_path(i) for i in range(30)]
    s.put("/index.html", "<!DOCTYPE html><html><head><title>The Test Times"
          "</title></head><body><h1>The Test Times</h1><ul>%s</ul></body></html>"
          % "".join('<li><a href="%s">x</a></li>' % l for l in links))
    return s


@pytest.mark.timeout(120)
def test_one_worker_or_four_same_requests_documents_and_warc(tmp_path):
    s = tricky_site(tmp_path / "site")
    try:
        seen = {}
        for jobs in (1, 4):
            index = tmp_path / ("index%d" % jobs)
            warc = tmp_path / ("warc%d" % jobs)
            warc.mkdir()
            conf = write_conf(tmp_path / ("c%d.conf" % jobs), s.url, index,
                              sitemaps=("/sitemap.xml",),
                              crawl="warc_dir = %s" % warc, source="revisit = 0")
            s.srv.clear_requests()
            res, summ = crawl_jobs(conf, jobs)
            assert res.returncode == 0, res.stdout + res.stderr
            paths, docs, recs = s.paths(), snapshot(index), warc_records(warc)
            s.srv.clear_requests()
            res2, summ2 = crawl_jobs(conf, jobs)
            assert res2.returncode == 0, res2.stdout + res2.stderr
            seen[jobs] = (summ, paths, docs, recs, summ2, s.paths())
        one, four = seen[1], seen[4]
        # The site is what it should be: copies found, one document each.
        assert int(one[0]["duplicates"]) == 10 and one[0]["new"] == "30", one[0]
        assert len(one[2]) == 30
        assert one[0] == four[0]      # every counter
        assert one[1] == four[1]      # every request, in the same order
        assert one[2] == four[2]      # every document, byte for byte
        assert one[3] == four[3]      # every response archived, once
        assert len(one[3]) == int(one[0]["fetched"])
        assert one[4] == four[4] and one[5] == four[5]   # the re-crawl too
        assert one[4]["new"] == "0" and one[4]["updated"] == "0", one[4]
    finally:
        s.stop()


@pytest.mark.timeout(120)
def test_demo_site_same_with_any_number_of_workers(tmp_path):
    srv = SiteServer(SITE)
    srv.start()
    try:
        seen = {}
        for jobs in (1, 3):
            index = tmp_path / ("index%d" % jobs)
            conf = write_config(tmp_path / ("demo%d.conf" % jobs),
                                "127.0.0.1:%d" % srv.port, index)
            srv.clear_requests()
            res, summ = crawl_jobs(conf, jobs)
            assert res.returncode == 0, res.stdout + res.stderr
            seen[jobs] = (summ, [r["path"] for r in srv.requests], snapshot(index))
        assert seen[1] == seen[3]
        assert int(seen[1][0]["new"]) == len(seen[1][2]) > 10
    finally:
        srv.stop()


@pytest.mark.timeout(120)
def test_sigterm_under_the_pool_loses_nothing(tmp_path):
    n = 300
    s = Site(tmp_path / "site", n=n)
    try:
        index = tmp_path / "index"
        warc = tmp_path / "warc"
        warc.mkdir()
        conf = write_conf(tmp_path / "c.conf", s.url, index, feeds=(),
                          crawl="delay_ms = 10\nwarc_dir = %s" % warc,
                          source="revisit = 0")
        with open(conf) as f:
            text = f.read().replace("commit_every = 50", "commit_every = 5")
        with open(conf, "w") as f:
            f.write(text)
        log = tmp_path / "crawl.log"
        proc = start_crawl(conf, log)
        wait_for_text(log, "msg=\"committed\"", proc, count=3)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        proc.log_file.close()
        assert proc.returncode == 128 + signal.SIGTERM, open(log).read()
        summ = dict(kv.split("=", 1) for kv in out.split() if "=" in kv)
        new = int(summ["new"])
        assert 5 <= new < n
        # Every answer received was handled: its document committed, its
        # response archived in a complete file.
        assert doc_count(index) == new
        assert len(warc_records(warc)) == int(summ["fetched"])
        before = set(terms(index, "Q"))
        res = run([binary("gazette-indexer"), "crawl", "--config", conf], timeout=120)
        assert res.returncode == 0, res.stdout + res.stderr
        summ2 = dict(kv.split("=", 1) for kv in res.stdout.split() if "=" in kv)
        after = terms(index, "Q")
        assert before <= set(after)
        assert len(after) == len(set(after)) == n == doc_count(index)
        assert int(summ2["new"]) == n - new
        assert int(summ2["not_modified"]) >= new
    finally:
        s.stop()
