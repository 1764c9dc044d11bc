"""The walking skeleton end to end: the demo site crawled from a loopback
server, indexed, served by gazette-searchd and found by the CLI."""

import json
import os
import socket
import subprocess
import time

from conftest import (SEED_TITLE, SEED_URL_PATH, Daemon, binary, doc_count,
                      read_line, run, write_config)


def check_seed_hit(hit):
    assert hit["title"] == SEED_TITLE
    assert hit["source"] == "Global Times"
    assert hit["published"].startswith("2013-07-16T18:53:02")
    assert hit["section"] == "Viewpoint"
    assert hit["url"].endswith(SEED_URL_PATH)
    assert "<mark>" in hit["snippet"]
    assert "authors" in hit


def test_crawl_summary_and_robots(demo_index, site_server):
    _, index, res = demo_index
    assert "fetched=" in res.stdout and "failed=0" in res.stdout, res.stdout
    paths = [r["path"] for r in site_server.requests]
    assert paths[0] == "/robots.txt", paths[:5]
    assert not any(p.startswith("/private/") for p in paths)
    assert doc_count(index) >= 21


def test_every_outlet_named_as_it_names_itself(demo_index):
    """The demo config's one [source demo] section spans five outlets: a
    page that states no outlet in its markup (the Pacific Ledger's) is
    named after its <title> suffix, not after the config section."""
    _, index, _ = demo_index
    res = run([binary("gazette"), "search", "--index", str(index), "--json",
               "--limit", "100", "site:127.0.0.1"])
    assert res.returncode == 0, res.stderr
    by_folder = {}
    for h in json.loads(res.stdout)["hits"]:
        by_folder.setdefault(h["url"].split("/")[3], set()).add(h["source"])
    assert by_folder == {
        "globaltimes": {"Global Times"}, "harbourherald": {"The Harbour Herald"},
        "meridiandaily": {"Meridian Daily"}, "pacificledger": {"Pacific Ledger"},
        "dongfang": {"\u4e1c\u65b9\u89c2\u5bdf\u62a5"}}, by_folder


def test_search_index_directly_finds_seed_first(demo_index):
    _, index, _ = demo_index
    res = run([binary("gazette"), "search", "--index", str(index), "--json",
               "city diplomacy"])
    assert res.returncode == 0, res.stderr
    reply = json.loads(res.stdout)
    assert len(reply["hits"]) >= 2
    check_seed_hit(reply["hits"][0])


def test_readable_output_shows_date_for_people(demo_index):
    _, index, _ = demo_index
    res = run([binary("gazette"), "search", "--index", str(index), "city diplomacy"])
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert SEED_TITLE in out
    assert "Global Times" in out and "Viewpoint" in out
    assert "16 Jul 2013" in out
    assert "<mark>" not in out  # piped: plain text


def test_daemon_json_and_plain_queries(daemon):
    reply = daemon.request({"q": "city diplomacy", "id": 7})
    assert reply["id"] == 7
    check_seed_hit(reply["hits"][0])
    plain = daemon.request("city diplomacy")
    check_seed_hit(plain["hits"][0])


def test_cli_through_daemon(daemon):
    res = run([binary("gazette"), "search", "--connect", daemon.address, "--json",
               "city diplomacy"])
    assert res.returncode == 0, res.stderr
    check_seed_hit(json.loads(res.stdout)["hits"][0])


def test_fields_and_date_ranges(daemon):
    reply = daemon.request({"q": 'diplomacy source:"Global Times" date:2013..2014'})
    titles = [h["title"] for h in reply["hits"]]
    assert SEED_TITLE in titles
    assert all(h["source"] == "Global Times" for h in reply["hits"])
    none = daemon.request({"q": "city diplomacy date:..2012-12-31 source:\"Global Times\""})
    assert SEED_TITLE not in [h["title"] for h in none["hits"]]


def test_unix_socket(daemon):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(daemon.sock_path)
        s.sendall(b'{"q":"city diplomacy"}\n')
        check_seed_hit(json.loads(read_line(s))["hits"][0])
    assert os.stat(daemon.sock_path).st_mode & 0o777 == 0o600


def test_bad_requests_get_errors_and_daemon_lives(daemon):
    with daemon.connect() as s:
        s.sendall(b'{"q": "unterminated\n')
        bad = json.loads(read_line(s))
        assert "error" in bad and bad["error"]["code"]
        s.sendall(b'{"q":"title:("}\n')
        json.loads(read_line(s))  # an error or an empty result, never a crash
        s.sendall(b'{"q":"city diplomacy"}\n')
        check_seed_hit(json.loads(read_line(s))["hits"][0])
    assert daemon.proc.poll() is None


def test_recrawl_replaces_instead_of_duplicating(demo_index, site_server, tmp_path):
    conf, index, _ = demo_index
    before = doc_count(index)
    res = run([binary("gazette-indexer"), "crawl", "--config", conf], timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "new=0" in res.stdout, res.stdout
    assert doc_count(index) == before


def test_add_local_file_then_again(tmp_path):
    index = tmp_path / "index"
    page = os.path.join(os.path.dirname(__file__), "..", "..", "data", "site",
                        "globaltimes", "content", "797127.shtml")
    url = "http://www.globaltimes.cn/content/797127.shtml"
    for expect in ("new=1", "unchanged=1"):
        res = run([binary("gazette-indexer"), "add", "--index", str(index),
                   "--url", url, page])
        assert res.returncode == 0, res.stderr
        assert expect in res.stdout, res.stdout
    assert doc_count(index) == 1
    res = run([binary("gazette"), "search", "--index", str(index), "--json",
               'source:"global times" diplomacy'])
    hit = json.loads(res.stdout)["hits"][0]
    assert hit["url"] == url and hit["source"] == "Global Times"


def test_not_html_file_is_reported_and_nothing_lost(tmp_path):
    index = tmp_path / "index"
    page = os.path.join(os.path.dirname(__file__), "..", "..", "data", "site",
                        "globaltimes", "content", "797127.shtml")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 40)
    res = run([binary("gazette-indexer"), "add", "--index", str(index), page,
               str(junk), str(tmp_path / "missing.html")])
    assert res.returncode == 1, res.stdout + res.stderr
    assert "missing.html" in res.stderr
    assert doc_count(index) == 1


def test_malformed_config_line_names_file_and_line(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("[crawl]\ndelay_ms = 100\ndelay_ms = soon\n")
    res = run([binary("gazette-indexer"), "crawl", "--config", str(conf)])
    assert res.returncode == 2
    assert "bad.conf:3:" in res.stderr and "delay_ms" in res.stderr
    conf.write_text("[crawl]\nthis line is not a pair\n")
    res = run([binary("gazette-indexer"), "crawl", "--config", str(conf)])
    assert res.returncode == 2 and "bad.conf:2:" in res.stderr
    conf.write_text("[crawl]\nno_such_key = 1\n")
    res = run([binary("gazette-searchd"), "--config", str(conf)])
    assert res.returncode == 2 and "no_such_key" in res.stderr


def test_unreachable_site_is_reported_and_run_finishes(tmp_path):
    # A port on loopback that nobody listens on.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = "127.0.0.1:%d" % s.getsockname()[1]
    s.close()
    index = tmp_path / "index"
    conf = write_config(tmp_path / "dead.conf", dead, index)
    res = run([binary("gazette-indexer"), "crawl", "--config", conf], timeout=60)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "failed=" in res.stdout and "failed=0" not in res.stdout


def test_locked_index_exits_75(tmp_path):
    index = tmp_path / "index"
    holder = subprocess.Popen([binary("gazette-indexer"), "add", "--index",
                               str(index), "-"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(index / "flintlock") and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        res = run([binary("gazette-indexer"), "add", "--index", str(index),
                   "/dev/null"], timeout=10)
        assert res.returncode == 75, res.stderr
        assert "locked" in res.stderr
    finally:
        holder.stdin.close()
        holder.wait(10)


def test_cli_cannot_connect_exits_2():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    res = run([binary("gazette"), "search", "--connect", "127.0.0.1:%d" % port, "x"])
    assert res.returncode == 2
    assert str(port) in res.stderr


def test_no_hits_exits_1(demo_index):
    _, index, _ = demo_index
    res = run([binary("gazette"), "search", "--index", str(index), "zzyzxqwv"])
    assert res.returncode == 1


def test_sigterm_stops_daemon_cleanly(demo_index, tmp_path):
    conf, _, _ = demo_index
    d = Daemon(tmp_path, config=conf)
    assert d.request({"cmd": "ping"}).get("ok") is True
    assert d.stop() == 0
