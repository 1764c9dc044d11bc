"""Crawler safety: server-side request forgery and XML attacks.

Part 1 (SSRF): crawl configurations WITHOUT allow_address whose feed, sitemap
and seed URLs spell loopback in every way curl would accept (decimal,
octal, hex, short forms, [::1], IPv4-mapped IPv6, localhost, 0.0.0.0), the
cloud metadata address, a private network, and non-HTTP schemes.  Each crawl
must finish quickly with the target refused, and a listener on the port the
URLs name must see zero connections.  No packet ever leaves the machine:
the address policy runs in curl's open-socket callback, before connect(),
and the one redirect case goes from an allowed loopback address
(127.0.0.2) to a refused one (127.0.0.1).

Part 2 (XML): XXE (file:///etc/passwd entities, an external DTD and a
parameter entity pointing at the listener, XInclude) and billion-laughs
documents served as a feed, a sitemap and pages from an allowed loopback
site: no file content reaches the index, the listener sees nothing, and
each crawl takes under a second of work and 50 MB.
"""

import os
import socket
import threading
import time

import pytest

from conftest import SANITIZED, binary, run
from siteserver import SiteServer
from test_crash import index_terms

UA = "Gazette/0.1 (+https://gazette.invalid/bot)"
# Words of /etc/passwd that no fixture page contains.
PASSWD_WORDS = ("nologin", "sbin", "root:x", "daemon:x", "/bin/bash", "usr/sbin")


class Listener:
    """Counts TCP connections to 127.0.0.1:port (and [::1]:port when it can)."""

    def __init__(self):
        self.count = 0
        self.socks = []
        s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s4.bind(("127.0.0.1", 0))
        s4.listen(64)
        self.port = s4.getsockname()[1]
        self.socks.append(s4)
        try:
            s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s6.bind(("::1", self.port))
            s6.listen(64)
            self.socks.append(s6)
        except OSError:
            pass
        self.stop = False
        self.threads = [threading.Thread(target=self._loop, args=(s,), daemon=True)
                        for s in self.socks]
        for t in self.threads:
            t.start()

    def _loop(self, s):
        s.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = s.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.count += 1
            c.close()

    def close(self):
        self.stop = True
        for t in self.threads:
            t.join(2)
        for s in self.socks:
            s.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def crawl_config(path, index, urls, allow=None, key="seed"):
    lines = ["[index]", "path = %s" % index, "commit_every = 10", "no_sync = yes", "",
             "[crawl]", "user_agent = %s" % UA, "delay_ms = 0", "timeout = 15",
             "connect_timeout = 10", "max_pages = 50", "concurrency = 2"]
    if allow:
        lines.append("allow_address = %s" % allow)
    lines += ["", "[source attack]", "outlet = Attack"]
    for u in urls:
        lines.append("%s = %s" % (key, u))
    lines.append("depth = 1")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return str(path)


def crawl(conf, timeout=30):
    """Run a crawl; return (CompletedProcess-like, seconds, max RSS in MB)."""
    import subprocess
    t0 = time.monotonic()
    p = subprocess.Popen([binary("gazette-indexer"), "crawl", "--config", conf],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("crawl did not finish in %ss: %s" % (timeout, err[-2000:]))
    secs = time.monotonic() - t0
    # ru_maxrss of the largest child waited for so far: an upper bound.
    import resource
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return p.returncode, out, err, secs, rss


SSRF_HOSTS = [
    "127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "127.1",
    "017700000001", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "localhost",
    "LOCALHOST.", "0.0.0.0", "0", "[::]", "127.0.0.1.nip.io.invalid",
]


@pytest.mark.parametrize("key", ["seed", "feed", "sitemap"])
def test_loopback_spellings_refused(tmp_path, listener, key):
    urls = ["http://%s:%d/%s" % (h, listener.port, key) for h in SSRF_HOSTS]
    conf = crawl_config(tmp_path / "c.conf", tmp_path / "index", urls, key=key)
    rc, out, err, secs, _ = crawl(conf)
    assert rc in (0, 1, 2), (rc, err[-2000:])
    assert listener.count == 0, "%d connections reached the listener:\n%s" % (
        listener.count, err[-3000:])
    assert "refused by policy" in err, err[-3000:]
    assert secs < 8, secs


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://192.168.0.1/",
    "http://172.16.0.1/", "http://100.64.0.1/", "http://[fd00::1]/", "http://[fe80::1]/",
    "http://[::ffff:169.254.169.254]/", "http://0xa9fea9fe/",
])
def test_private_and_metadata_addresses_refused(tmp_path, listener, url):
    conf = crawl_config(tmp_path / "c.conf", tmp_path / "index", [url])
    rc, out, err, secs, _ = crawl(conf)
    assert rc in (0, 1, 2), (rc, err[-2000:])
    # Refused before connecting: no 10 s connect timeout was waited for.
    assert secs < 5, "took %.2fs: was a connection attempted?\n%s" % (secs, err[-2000:])
    assert "refused by policy" in err, err[-2000:]
    assert listener.count == 0


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "gopher://127.0.0.1:{port}/_GET", "dict://127.0.0.1:{port}/info",
    "ftp://127.0.0.1:{port}/", "ldap://127.0.0.1:{port}/", "telnet://127.0.0.1:{port}/",
    "HTTP://127.0.0.1:{port}/", "//127.0.0.1:{port}/", "javascript:alert(1)",
])
def test_other_schemes_refused(tmp_path, listener, url):
    url = url.replace("{port}", str(listener.port))
    conf = crawl_config(tmp_path / "c.conf", tmp_path / "index", [url])
    rc, out, err, secs, _ = crawl(conf)
    assert rc in (0, 1, 2), (rc, err[-2000:])
    assert listener.count == 0, err[-2000:]
    assert secs < 5
    if (tmp_path / "index").exists():
        terms = "\n".join(index_terms(tmp_path / "index"))
        assert "nologin" not in terms


def _loopback2_available():
    try:
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.close()
        return True
    except OSError:
        return False


def test_redirect_to_loopback_refused(tmp_path, listener, monkeypatch):
    if not _loopback2_available():
        pytest.skip("127.0.0.2 is not usable here")
    target = "http://127.0.0.1:%d/admin" % listener.port

    def redirect(h):
        h.send_response(302)
        h.send_header("Location", target)
        h.send_header("Content-Length", "0")
        h.end_headers()

    site = tmp_path / "site"
    site.mkdir()
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    # The "public" side: the fixture server, bound to 127.0.0.2 for this test.
    import siteserver
    monkeypatch.setattr(siteserver, "HOST", "127.0.0.2")
    srv = SiteServer(str(site), routes={"/go": redirect, "/feed.xml": redirect})
    try:
        srv.start()
    except Exception as e:  # noqa: BLE001
        pytest.skip("cannot start the redirecting server: %s" % e)
    try:
        host = srv.hostport
        conf = crawl_config(tmp_path / "c.conf", tmp_path / "index",
                            ["http://%s/go" % host], allow="127.0.0.2")
        with open(conf, "a") as f:
            f.write("feed = http://%s/feed.xml\n" % host)
        rc, out, err, secs, _ = crawl(conf)
        paths = [r["path"] for r in srv.requests]
        assert "/go" in paths and "/feed.xml" in paths, (paths, err[-2000:])
    finally:
        srv.stop()
    assert listener.count == 0, err[-2000:]
    assert secs < 10


# ---------------------------------------------------------------- XML attacks

def xxe_site(root, port):
    """Hostile documents; port is the listener that must never be reached."""
    lst = "http://127.0.0.1:%d" % port
    files = {
        "robots.txt": "User-agent: *\nAllow: /\n",
        "xxe-feed.xml": '<?xml version="1.0"?>\n'
        '<!DOCTYPE rss [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        '<rss version="2.0"><channel><title>&e;</title>\n'
        '<item><title>Leak &e; here</title><link>http://@HOST@/page-xxe.html</link></item>\n'
        '</channel></rss>\n',
        "dtd-feed.xml": '<?xml version="1.0"?>\n'
        '<!DOCTYPE rss SYSTEM "%s/evil.dtd">\n'
        '<rss version="2.0"><channel><item><title>&ext;</title>'
        '<link>http://@HOST@/page-xinclude.html</link></item></channel></rss>\n' % lst,
        "pe-feed.xml": '<?xml version="1.0"?>\n'
        '<!DOCTYPE rss [<!ENTITY %% pe SYSTEM "%s/pe.dtd"> %%pe;]>\n'
        '<rss version="2.0"><channel><item><title>x</title>'
        '<link>http://@HOST@/page-laughs.html</link></item></channel></rss>\n' % lst,
        "xinclude-feed.xml": '<?xml version="1.0"?>\n'
        '<rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><channel><item>'
        '<title><xi:include href="file:///etc/passwd" parse="text"/></title>'
        '<description><xi:include href="%s/inc" parse="text"/></description>'
        '<link>http://@HOST@/page-dtd.html</link></item></channel></rss>\n' % lst,
        "laughs-sitemap.xml": '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n'
        ' <!ENTITY lol "lol">\n'
        + "".join(' <!ENTITY lol%d "%s">\n' % (i, ("&lol%s;" % ("" if i == 1 else i - 1)) * 10)
                  for i in range(1, 10))
        + ']>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        '<url><loc>http://@HOST@/page-xxe.html?&lol9;</loc></url>'
        '<url><loc>http://@HOST@/page-laughs.html</loc></url></urlset>\n',
        "xxe-sitemap.xml": '<?xml version="1.0"?>\n'
        '<!DOCTYPE urlset [<!ENTITY e SYSTEM "file:///etc/passwd">'
        '<!ENTITY r SYSTEM "%s/sitemap-ext">]>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        '<url><loc>http://@HOST@/&e;</loc></url><url><loc>&r;</loc></url>'
        '<url><loc>http://@HOST@/page-dtd.html</loc></url></urlset>\n' % lst,
        "page-xxe.html": '<?xml version="1.0"?>\n'
        '<!DOCTYPE html [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        '<html><head><title>XXE page &e;</title><meta property="og:type" content="article">'
        '</head><body><article><h1>Harbour news &e;</h1><p>The harbour opened a new '
        'berth today &e; and ships arrived from the north.</p><p>More text about the '
        'harbour and its ships follows here for the extractor.</p></article></body></html>\n',
        "page-xinclude.html": '<html xmlns:xi="http://www.w3.org/2001/XInclude"><head>'
        '<title>XInclude page</title><meta property="og:type" content="article"></head>'
        '<body><article><h1>Harbour berth</h1><p>Ships arrived. '
        '<xi:include href="file:///etc/passwd" parse="text"/></p>'
        '<p><xi:include href="%s/inc" parse="text"/> More harbour text here.</p>'
        '<iframe src="%s/frame"></iframe><img src="%s/img.png">'
        '<link rel="stylesheet" href="%s/style.css"></article></body></html>\n'
        % (lst, lst, lst, lst),
        "page-dtd.html": '<!DOCTYPE html SYSTEM "%s/html.dtd">\n'
        '<html><head><title>DTD page</title><meta property="og:type" content="article">'
        '</head><body><article><h1>Harbour berth two</h1><p>Ships arrived again at the '
        'harbour this week.</p><p>More harbour text for the extractor.</p></article>'
        '</body></html>\n' % lst,
        "page-laughs.html": '<?xml version="1.0"?>\n<!DOCTYPE html [\n <!ENTITY lol "lol">\n'
        + "".join(' <!ENTITY lol%d "%s">\n' % (i, ("&lol%s;" % ("" if i == 1 else i - 1)) * 10)
                  for i in range(1, 10))
        + ']>\n<html><head><title>&lol9;</title></head><body><article><h1>Laughs</h1>'
        '<p>&lol9; harbour</p></article></body></html>\n',
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return [n for n in files if n.endswith(".xml")]


def test_xxe_and_billion_laughs(tmp_path, listener):
    site = tmp_path / "site"
    site.mkdir()
    docs = xxe_site(site, listener.port)
    with SiteServer(str(site)) as srv:
        results = []
        for i, name in enumerate(sorted(docs)):
            key = "sitemap" if "sitemap" in name else "feed"
            index = tmp_path / ("index-%d" % i)
            conf = crawl_config(tmp_path / ("c-%d.conf" % i), index,
                                ["http://%s/%s" % (srv.hostport, name)],
                                allow="127.0.0.1", key=key)
            rc, out, err, secs, rss = crawl(conf)
            results.append((name, rc, secs, rss))
            assert rc in (0, 1), (name, rc, err[-2000:])
            assert secs < 3, (name, secs)  # the crawl as a whole, process start included
            if not SANITIZED:
                assert rss < 50 + 150, (name, rss)  # children's peak; see below
            if index.exists():
                terms = "\n".join(index_terms(index))
                for w in PASSWD_WORDS:
                    assert w not in terms, (name, w)
                assert "lollollol" not in terms, name
    assert listener.count == 0, "the listener was reached %d times" % listener.count
    print(results)


def test_hostile_pages_extract_fast_and_small(tmp_path, listener):
    """Each hostile page through `gazette-indexer extract`: < 1 s, < 50 MB
    more than a plain page costs, and no /etc/passwd content in the output."""
    import resource
    import subprocess
    site = tmp_path / "site"
    site.mkdir()
    xxe_site(site, listener.port)
    plain = tmp_path / "plain.html"
    plain.write_text("<html><head><title>Plain</title></head><body><p>A plain "
                     "page.</p></body></html>")

    def extract(path):
        """Run extract on path; (seconds, peak RSS in KiB, exit status, output)."""
        out_path = tmp_path / "out.json"
        t0 = time.monotonic()
        with open(out_path, "wb") as out:
            p = subprocess.Popen([binary("gazette-indexer"), "extract", "--json",
                                  "--url", "http://127.0.0.1:1/" + path.name,
                                  str(path)],
                                 stdout=out, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
        secs = time.monotonic() - t0
        return secs, ru.ru_maxrss, status, out_path.read_text("utf-8", "replace")

    _, base_rss, _, _ = extract(plain)
    for name in sorted(os.listdir(site)):
        if not name.endswith((".html", ".xml")):
            continue
        secs, rss, status, out = extract(site / name)
        assert os.WIFEXITED(status), (name, status)
        assert secs < 1.0, (name, secs)
        if not SANITIZED:
            assert rss - base_rss < 50 * 1024, (name, rss, base_rss)
        for w in PASSWD_WORDS:
            assert w not in out, (name, w)
    assert listener.count == 0
    del resource
