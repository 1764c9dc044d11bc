#!/usr/bin/env python3
"""Rebuild the seed corpora in tests/fuzz/corpus/<target>/ from the test
fixtures and the demo site: at most 50 files per target, each at most
20 KB.  Run from the repository root: python3 tests/fuzz/make-corpus.py"""

import glob
import gzip
import hashlib
import os
import shutil

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
MAX_FILES = 50
MAX_BYTES = 20 * 1024


def rel(*p):
    return os.path.join(ROOT, *p)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def put(target, items):
    """Write the seeds; inputs libFuzzer found and that were kept (named
    found-<sha1>, see tests/fuzz/README.md) stay, after the seeds, within
    the same caps."""
    d = os.path.join(OUT, target)
    found = []
    if os.path.isdir(d):
        found = [(n, read(os.path.join(d, n))) for n in sorted(os.listdir(d))
                 if n.startswith("found-")]
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    seen = set()
    for name, data in list(items) + found:
        data = data[:MAX_BYTES]
        h = hashlib.sha1(data).hexdigest()
        if h in seen:
            continue
        seen.add(h)
        if len(seen) > MAX_FILES:
            break
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def pages():
    files = sorted(glob.glob(rel("tests/fixtures/pages/*.html")))
    files += sorted(p for p in glob.glob(rel("data/site/**/*.*"), recursive=True)
                    if p.endswith((".html", ".htm", ".shtml")))
    return files


def extract():
    items = []
    for p in pages():
        url = "http://example.com/" + os.path.relpath(p, ROOT).replace(os.sep, "/")
        items.append((os.path.basename(p), url.encode() + b"\n" + read(p)))
    items.append(("nourl.html", b"\n<html><body><p>x</p></body></html>"))
    items.append(("deep.html", b"http://a/\n" + b"<div>" * 3000 + b"deep"))
    return items


def feeds():
    items = [(os.path.basename(p), read(p))
             for p in sorted(glob.glob(rel("tests/fixtures/feeds/*")))]
    items += [("site-" + os.path.basename(p), read(p))
              for p in (rel("data/site/feed.xml"), rel("data/site/sitemap.xml"))]
    items.append(("urlset.xml.gz", gzip.compress(read(rel("tests/fixtures/feeds/urlset.xml")), mtime=0)))
    return items


def robots():
    items = []
    for p in [rel("tests/fixtures/robots/rfc9309.txt"), rel("data/site/robots.txt")]:
        for path in (b"/", b"/private/secret.html", b"/a%2Fb?x=%7e*$"):
            items.append((os.path.basename(p) + "-" + hashlib.sha1(path).hexdigest()[:6],
                          path + b"\n" + read(p)))
    items.append(("wild", b"/fish.php?id=1\nUser-agent: *\nDisallow: /*.php$\nAllow: /fish*\n"
                  b"Crawl-delay: 2.5\nSitemap: http://x/s.xml\n"))
    return items


DATES = ["2013-07-16T10:53:02Z", "2013-07-16T18:53:02.123+08:00", "2013-7-16 18:53:02",
         "2013/07/16", "2013.07.16", "20130716", "20130716185302",
         "Tue, 16 Jul 2013 10:53:02 GMT", "16 July 2013", "July 16, 2013",
         "Jul. 16, 2013 5:30 PM", "Tuesday, July 16th, 2013", "16.07.2013",
         "16/07/2013", "07/16/2013", "2013年7月16日 18:53", "2013年7月16日 18时53分",
         "Published 2013-07-16 UTC+8", "© 2013 Global Times", "2013-02-29",
         "Updated: 17 Jul 2013 09:00 EST (Reuters)", "/2013/07/16/story.html"]


def datetext():
    return [("d%02d" % i, s.encode()) for i, s in enumerate(DATES)]


URLS = [("http://example.com/a/b/c.html", "../d?utm_source=x&b=2&a=1#frag"),
        ("https://EXAMPLE.com:443/%7euser/", "./x%2fy%41"),
        ("http://[::1]:8080/", "//[::ffff:127.0.0.1]/x"),
        ("http://0x7f.1/", "http://2130706433/"),
        ("", "HTTP://www.Example.COM:80/./a/../b/?fbclid=1&z=&y"),
        ("http://a/b/c/d;p?q", "g;x?y#s"),
        ("http://例え.jp/", "パス?q=値"),
        ("http://a/", "javascript:alert(1)"),
        ("http://a/", "file:///etc/passwd"),
        ("http://user:pw@host/", "?"),
        ]


def url():
    return [("u%02d" % i, b.encode() + b"\n" + r.encode()) for i, (b, r) in enumerate(URLS)]


PROTO = ['{"v":1,"id":"r1","q":"city diplomacy","source":"Global Times","from":"2013-01-01",'
         '"sort":"relevance","offset":0,"limit":10,"facets":["source","month"]}',
         'city diplomacy', '{"cmd":"stats"}', '{"cmd":"ping","id":1}',
         '{"q":"title:diplomacy","limit":"ten"}', '{"q":"x","q":"y"}',
         '{"like":12,"collapse":false,"snippet":0}', '{"to":"2013","sort":"-date","id":null}',
         '{"q":"a","offset":999,"limit":100}', '{"q":"a","limit":1e300}',
         '[' * 100 + ']' * 100, '{"q":"\\ud800"}', '{"token":"s3cret","lang":"zh"}',
         '  \t', 'caf\xe9 \x00 bytes']


def proto():
    return [("p%02d" % i, s.encode("latin-1") if "\xe9" in s else s.encode())
            for i, s in enumerate(PROTO)]


QUERIES = ['city diplomacy', '"sister cities"', 'diplomacy OR exchanges', 'diplomacy NOT trade',
           '(city OR harbour) trade', '+city -trade', 'city NEAR diplomacy', 'dip*', 'title:diplomacy',
           'source:"Global Times" date:2013..2014', 'section:viewpoint author:"Xiong Wei"',
           'site:news1.example.com lang:zh', 'date:2013-07-01..2013-07-31', 'date:..2013-12-31',
           'date:2013..', 'date:yesterday..today', '外交 城市', 'a* b* c* d*',
           '{"q":"city","sort":"date","facets":["source","section","year","month"],"limit":5}',
           '{"q":"","sort":"-date","offset":3,"limit":7,"snippet":50}',
           '{"like":"http://news1.example.com/2011/story-1.html"}', '{"like":3}',
           '{"q":"diplomacy","source":"Xinhua","section":"World","lang":"en","from":"2011","to":"2014-06"}',
           'diplomcy', '((((city))))', 'NEAR NEAR OR', '"unterminated', 'title:', '*']


def query():
    return [("q%02d" % i, s.encode()) for i, s in enumerate(QUERIES)]


def config():
    items = [("gazette.conf", read(rel("data/gazette.conf"))), ("demo.conf", read(rel("data/demo.conf")))]
    items.append(("bad", b"[index]\ncommit_every = 0\n[nosuch]\nkey=1\n"))
    items.append(("source", b"[source x y]\nfeed = http://a/ http://b/\nutc_offset = +08:00\n"
                  b"depth = 99999999999999999999\n"))
    return items


def warc_record(rtype, uri, block, extra=b""):
    head = (b"WARC/1.1\r\nWARC-Type: " + rtype + b"\r\nWARC-Target-URI: " + uri +
            b"\r\nWARC-Date: 2013-07-16T10:53:02Z\r\nWARC-Record-ID: <urn:uuid:1>\r\n" + extra +
            b"Content-Length: " + str(len(block)).encode() + b"\r\n\r\n")
    return head + block + b"\r\n\r\n"


def warc():
    page = read(rel("tests/fixtures/pages/links.html"))
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(page) + page
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n"
               b"5\r\nhello\r\n0\r\n\r\n")
    gz = gzip.compress(page, mtime=0)
    gzhttp = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(gz)) + gz
    resp = warc_record(b"response", b"http://example.com/", http,
                       b"Content-Type: application/http; msgtype=response\r\n"
                       b"WARC-Block-Digest: sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n")
    info = warc_record(b"warcinfo", b"", b"software: Gazette\r\n")
    items = [("plain.warc", info + resp),
             ("chunked.warc", warc_record(b"response", b"<http://example.com/c>", chunked,
                                          b"Content-Type: application/http; msgtype=response\r\n")),
             ("gzip-payload.warc", warc_record(b"response", b"http://example.com/g", gzhttp,
                                               b"Content-Type: application/http; msgtype=response\r\n")),
             ("revisit.warc", warc_record(b"revisit", b"http://example.com/", b"",
                                          b"WARC-Refers-To: <urn:uuid:1>\r\nWARC-Profile: x\r\n")),
             ("truncated.warc", (info + resp)[:300]),
             ("resync.warc", b"garbage\r\n" + resp + b"WARC/1.0\r\nContent-Length: 99999\r\n\r\nshort")]
    items.append(("members.warc.gz", gzip.compress(info, mtime=0) + gzip.compress(resp, mtime=0)))
    items.append(("whole.warc.gz", gzip.compress(info + resp, mtime=0)))
    return items


def main():
    put("extract", extract())
    put("feeds", feeds())
    put("robots", robots())
    put("datetext", datetext())
    put("url", url())
    put("proto", proto())
    put("query", query())
    put("config", config())
    put("warc", warc())
    for t in sorted(os.listdir(OUT)):
        print(t, len(os.listdir(os.path.join(OUT, t))))


if __name__ == "__main__":
    main()
