"""Gazette as an installed service: `make install` into a DESTDIR, the
installed programs crawling and serving the demo site, their --help and
--version against the man pages, the man pages rendering cleanly, every
configuration key documented, `make uninstall`, the systemd units, and the
backup-and-restore recipe of docs/operations.md.

The install uses the programs already built in $GZ_BINDIR (NOBUILD=1): the
tests never compile anything."""

import json
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import BINDIR, ROOT, SEED_TITLE, run, write_config

MAN_DIR = os.path.join(ROOT, "man")
MAN_PAGES = ["gazette-indexer.1", "gazette.1", "gazette.conf.5",
             "gazette-protocol.7", "gazette-searchd.8"]
# program -> (installed path under DESTDIR with PREFIX=/usr, its man page)
PROGRAMS = {
    "gazette-indexer": ("usr/bin/gazette-indexer", "gazette-indexer.1"),
    "gazette": ("usr/bin/gazette", "gazette.1"),
    "gazette-searchd": ("usr/sbin/gazette-searchd", "gazette-searchd.8"),
}
UNITS = ["gazette-searchd.service", "gazette-indexer.service",
         "gazette-indexer.timer"]
# Variables a calling make (make check) may have put in the environment.
MAKE_ENV = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "DESTDIR",
            "PREFIX", "SYSCONFDIR", "MANDIR", "UNITDIR", "DOCDIR", "NOBUILD",
            "BUILD", "BINDIR", "INSTALL_BINDIR", "INSTALL_SBINDIR")


def make(target, destdir, *extra, dry_run=False):
    """Run `make TARGET` in the tree with our binaries, PREFIX=/usr."""
    env = {k: v for k, v in os.environ.items() if k not in MAKE_ENV}
    args = ["make", "--no-print-directory", "-C", ROOT]
    if dry_run:
        args.append("-n")
    args += [target, "NOBUILD=1", "BINDIR=" + BINDIR, "DESTDIR=" + str(destdir),
             "PREFIX=/usr"] + list(extra)
    res = run(args, timeout=60, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    return res


def files_under(top):
    """Every file (not directory) below top, as relative paths."""
    out = set()
    for d, _, names in os.walk(top):
        for n in names:
            out.add(os.path.relpath(os.path.join(d, n), top))
    return out


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def version():
    """GZ_VERSION from include/version.h."""
    m = re.search(r'#define GZ_VERSION "([^"]+)"',
                  read(os.path.join(ROOT, "include", "version.h")))
    assert m
    return m.group(1)


def config_keys():
    """(section, key) for every row of option_table in lib/config.c."""
    src = read(os.path.join(ROOT, "lib", "config.c"))
    table = re.search(r"option_table\[\]\s*=\s*\{(.*?)\n\};", src, re.S)
    assert table, "option_table not found in lib/config.c"
    rows = re.findall(r'\{\s*IN_([A-Z]+)\s*,\s*"([a-z_]+)"', table.group(1))
    assert len(rows) >= 30, rows
    return [(scope.lower(), key) for scope, key in rows]


def man_source(page):
    """A man page's roff source with \\- turned into plain -."""
    return read(os.path.join(MAN_DIR, page)).replace("\\-", "-")


def man_sections(page, names):
    """The text of the .SH sections called names (SYNOPSIS, OPTIONS...)."""
    text, out, keep = man_source(page), [], False
    for line in text.splitlines():
        if line.startswith(".SH"):
            keep = line[3:].strip().strip('"') in names
        elif keep:
            out.append(line)
    return "\n".join(out)


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """A `make install DESTDIR=... PREFIX=/usr` of the built programs."""
    dest = tmp_path_factory.mktemp("stage")
    make("install", dest)
    return dest


def installed(staged, prog):
    return os.path.join(str(staged), PROGRAMS[prog][0])


def test_install_layout(staged):
    files = files_under(staged)
    for prog, (path, _) in PROGRAMS.items():
        assert path in files
        assert os.access(os.path.join(str(staged), path), os.X_OK)
    for page in MAN_PAGES:
        assert "usr/share/man/man%s/%s" % (page[-1], page) in files
    for unit in UNITS:
        text = read(os.path.join(str(staged), "usr/lib/systemd/system", unit))
        assert not re.search(r"@(bindir|sbindir|sysconfdir)@", text), unit
    searchd = read(os.path.join(str(staged), "usr/lib/systemd/system",
                                "gazette-searchd.service"))
    assert "ExecStart=/usr/sbin/gazette-searchd --config /etc/gazette/gazette.conf" in searchd
    assert read(os.path.join(str(staged), "etc/gazette/gazette.conf")) == \
        read(os.path.join(ROOT, "data", "gazette.conf"))
    for f in ("usr/lib/sysusers.d/gazette.conf", "usr/lib/tmpfiles.d/gazette.conf",
              "usr/share/doc/gazette/operations.md",
              "usr/share/doc/gazette/protocol.md",
              "usr/share/doc/gazette/logrotate.example"):
        assert f in files
    if os.path.exists(os.path.join(ROOT, "data", "crontab.example")):
        assert "usr/share/doc/gazette/crontab.example" in files


def test_install_takes_bindir_as_is(tmp_path):
    """NOBUILD=1 BINDIR=X installs X's programs and compiles nothing."""
    out = make("install", tmp_path / "d", dry_run=True).stdout
    assert "install -m 755 %s/gazette-indexer %s/gazette " % (BINDIR, BINDIR) in out
    assert not re.search(r"(?m)^\s*(cc|gcc|g\+\+|clang|c\+\+|ar)\s", out), out


def test_prefix_usr_local_puts_config_under_prefix(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in MAKE_ENV}
    res = run(["make", "--no-print-directory", "-C", ROOT, "-n", "install",
               "NOBUILD=1", "BINDIR=" + BINDIR, "DESTDIR=" + str(tmp_path)],
              timeout=60, env=env)
    assert res.returncode == 0, res.stderr
    assert "%s/usr/local/etc/gazette/gazette.conf" % tmp_path in res.stdout
    assert "%s/usr/local/lib/systemd/system" % tmp_path in res.stdout
    assert "@sbindir@|/usr/local/sbin" in res.stdout


def test_installed_programs_crawl_serve_and_search(staged, site_server, tmp_path):
    index = tmp_path / "index"
    conf = write_config(tmp_path / "gazette.conf",
                        "127.0.0.1:%d" % site_server.port, index)
    env = dict(os.environ, GAZETTE_CONFIG=conf)
    # The configuration comes from $GAZETTE_CONFIG; nothing from the tree.
    res = run([installed(staged, "gazette-indexer"), "crawl", "--quiet"],
              timeout=120, env=env, cwd=str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "failed=0" in res.stdout

    port_file = tmp_path / "port"
    log = open(tmp_path / "searchd.log", "w")
    proc = subprocess.Popen([installed(staged, "gazette-searchd"),
                             "--listen", "127.0.0.1:0", "--port-file", str(port_file)],
                            stdout=log, stderr=log, env=env, cwd=str(tmp_path))
    try:
        deadline = time.monotonic() + 10
        while not (port_file.exists() and port_file.read_text().strip()):
            assert proc.poll() is None, read(tmp_path / "searchd.log")
            assert time.monotonic() < deadline, "searchd did not start"
            time.sleep(0.05)
        addr = "127.0.0.1:" + port_file.read_text().strip()
        res = run([installed(staged, "gazette"), "search", "--connect", addr,
                   "--json", "city diplomacy"], timeout=30, env=env)
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)["hits"][0]["title"] == SEED_TITLE
        res = run([installed(staged, "gazette"), "stats", "--connect", addr],
                  timeout=30, env=env)
        assert res.returncode == 0, res.stderr
        assert re.search(r"documents: [1-9]", res.stdout), res.stdout
    finally:
        proc.terminate()
        try:
            assert proc.wait(10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            log.close()


@pytest.mark.parametrize("prog", sorted(PROGRAMS))
def test_help_version_and_man_page_agree(staged, prog):
    exe = installed(staged, prog)
    res = run([exe, "--version"], timeout=10)
    assert res.returncode == 0 and version() in res.stdout, res.stdout + res.stderr
    res = run([exe, "--help"], timeout=10)
    assert res.returncode == 0, res.stderr
    help_text = res.stdout
    page = PROGRAMS[prog][1]
    documented = man_sections(page, ("SYNOPSIS", "OPTIONS"))

    # Long options: every one in --help is in the man page, and back.
    help_long = set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)", help_text))
    man_long = set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)", documented))
    assert help_long == man_long, (help_long ^ man_long)
    # Short options: the man page pairs them with the same long ones.
    help_pairs = set(re.findall(r"(?m)^\s+-(\w), --([a-z-]+)", help_text))
    man_pairs = set(re.findall(r'\.BR -(\w) ", " --([a-z-]+)', documented))
    assert help_pairs and help_pairs <= man_pairs, help_pairs - man_pairs
    for short, _ in man_pairs - help_pairs:  # e.g. gazette -h: must work
        res = run([exe, "-" + short], timeout=10)
        assert res.returncode == 0 and res.stdout, (short, res.stderr)
    # Exit codes: the numbers after "exit status" in --help.
    tail = re.split(r"(?i)exit status:", help_text)[1]
    help_codes = set(re.findall(r"(?<![\w.:-])(\d+)(?![\w.:-])", tail))
    man_codes = set(re.findall(r"(?m)^\.B (\d+)$", man_sections(page, ("EXIT STATUS",))))
    assert help_codes == man_codes, (help_codes, man_codes)


def test_man_pages_name_every_command():
    text = man_source("gazette-indexer.1")
    for cmd in ("crawl", "add", "extract", "robots-check"):
        assert ".B %s\n" % cmd in text, cmd
    text = man_source("gazette.1")
    for cmd in ("search", "stats"):
        assert ".B %s\n" % cmd in text, cmd


@pytest.mark.parametrize("page", MAN_PAGES)
def test_man_page_renders_without_warnings(staged, page):
    if not shutil.which("groff"):
        pytest.skip("groff is not installed (Debian package groff-base)")
    path = os.path.join(MAN_DIR, page)
    res = run(["groff", "-ww", "-z", "-man", path], timeout=30)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    th = re.search(r'(?m)^\.TH (\S+) (\d) \S+ "Gazette ([^"]+)"', read(path))
    assert th and th.group(2) == page[-1] and th.group(3) == version(), page
    if shutil.which("man"):
        inst = os.path.join(str(staged), "usr/share/man/man" + page[-1], page)
        env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MANPAGER="cat",
                   PAGER="cat")
        res = run(["man", "-l", inst], timeout=30, env=env)
        assert res.returncode == 0 and res.stderr == "", res.stderr
        assert res.stdout.count("\n") > 20


def test_every_config_key_is_documented():
    man = man_source("gazette.conf.5")
    # The man page: each key under its own section's heading.
    sections = {}
    for part in re.split(r'(?m)^\.SH "\[', man)[1:]:
        name = part.split("]", 1)[0].split()[0].lower()
        sections[name] = part
    example = read(os.path.join(ROOT, "data", "gazette.conf"))
    missing = []
    for scope, key in config_keys():
        if not re.search(r'(?m)^\.BI "%s = "' % key, sections.get(scope, "")):
            missing.append("gazette.conf.5 [%s] %s" % (scope, key))
        # The example: "key = v", ";key = v", or the source key list.
        if not re.search(r"(?m)^[;#]?[ \t]*%s\b" % key, example):
            missing.append("data/gazette.conf %s" % key)
    assert not missing, missing


def test_uninstall_removes_what_install_added(tmp_path):
    dest = tmp_path / "d"
    make("install", dest)
    make("uninstall", dest)
    assert files_under(dest) == set()

    # An edited configuration is the user's: kept by uninstall, and a later
    # install puts the new example beside it instead.
    make("install", dest)
    conf = dest / "etc/gazette/gazette.conf"
    conf.write_text(conf.read_text() + "\n[crawl]\ndelay_ms = 5000\n")
    edited = conf.read_text()
    make("install", dest)
    assert conf.read_text() == edited
    assert (dest / "etc/gazette/gazette.conf.example").exists()
    make("uninstall", dest)
    assert files_under(dest) == {"etc/gazette/gazette.conf"}
    assert conf.read_text() == edited


def test_systemd_units(staged, tmp_path):
    unitdir = os.path.join(str(staged), "usr/lib/systemd/system")
    searchd = read(os.path.join(unitdir, "gazette-searchd.service"))
    for line in ("Type=simple", "User=gazette", "ProtectSystem=strict",
                 "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
                 "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                 "ReadWritePaths=/var/lib/gazette /var/log/gazette",
                 "ExecReload=/bin/kill -HUP $MAINPID"):
        assert re.search(r"(?m)^%s$" % re.escape(line), searchd), line
    indexer = read(os.path.join(unitdir, "gazette-indexer.service"))
    assert "Type=oneshot" in indexer
    assert "ExecStart=/usr/bin/gazette-indexer crawl " in indexer
    timer = read(os.path.join(unitdir, "gazette-indexer.timer"))
    for line in ("OnCalendar=*:0/15", "Persistent=true"):
        assert line in timer
    assert "RandomizedDelaySec=" in timer

    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    # verify wants the programs at their ExecStart= paths: point the units
    # at the staged copies.
    for unit in UNITS:
        text = read(os.path.join(unitdir, unit))
        text = text.replace("=/usr/sbin/", "=%s/usr/sbin/" % staged)
        text = text.replace("=/usr/bin/gazette", "=%s/usr/bin/gazette" % staged)
        (tmp_path / unit).write_text(text)
    res = run(["systemd-analyze", "verify", "--man=no"] +
              [str(tmp_path / u) for u in UNITS], timeout=60)
    assert res.returncode == 0 and (res.stdout + res.stderr).strip() == "", \
        res.stdout + res.stderr


ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Backup Gazette">
<meta property="article:published_time" content="2020-01-0{day}T10:00:00Z">
</head><body><article><h1>{title}</h1>
<p>{word} is the word this test looks for after restoring the backup of
the index.  The harbour board met on Tuesday to discuss the new levy on
containers, and the mayor said the city would publish the figures.</p>
<p>Councillors asked for the report to be made public before the vote,
and the chamber of commerce said that exporters would need time to adapt
to the {word} rules.  A decision is expected next month.</p>
</article></body></html>
"""


def search_count(staged, index, query):
    res = run([installed(staged, "gazette"), "search", "--index", str(index),
               query], timeout=30)
    assert res.returncode in (0, 1), res.stderr
    return res


def test_backup_of_live_index_restores_and_searches(staged, site_server, tmp_path):
    """docs/operations.md, Backups: xapian-compact copies the last committed
    revision even while an indexer holds the lock and writes."""
    if not shutil.which("xapian-compact"):
        pytest.skip("xapian-compact is not installed (Debian package xapian-tools)")
    live = tmp_path / "live"
    conf = write_config(tmp_path / "gazette.conf", "127.0.0.1:%d" % site_server.port,
                        live, extra="\n[index]\ncommit_every = 1\n")
    indexer = installed(staged, "gazette-indexer")
    res = run([indexer, "crawl", "--quiet", "--config", conf], timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr

    pages = {}
    for day, word in enumerate(("quokkabefore", "quokkaduring", "quokkaafter"), 1):
        pages[word] = tmp_path / (word + ".html")
        pages[word].write_text(ARTICLE.format(title="Levy report %s" % word,
                                              word=word, day=day))
    # An indexer that commits one page, then blocks reading standard input:
    # it holds the index lock for as long as the test keeps stdin open.
    adder = subprocess.Popen([indexer, "add", "--quiet", "--config", conf,
                              str(pages["quokkabefore"]), "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while search_count(staged, live, "quokkabefore").returncode != 0:
            assert adder.poll() is None, adder.communicate()
            assert time.monotonic() < deadline, "first page never committed"
            time.sleep(0.05)
        res = run([indexer, "add", "--config", conf, str(pages["quokkaafter"])],
                  timeout=30)
        assert res.returncode == 75, res.stdout + res.stderr  # the lock is held

        backup = tmp_path / "backup"
        res = run(["xapian-compact", str(live), str(backup)], timeout=60)
        assert res.returncode == 0, res.stdout + res.stderr
    finally:
        out, err = adder.communicate(pages["quokkaduring"].read_bytes(), timeout=60)
    assert adder.returncode == 0, out + err
    if shutil.which("xapian-check"):
        res = run(["xapian-check", str(backup)], timeout=60)
        assert res.returncode == 0, res.stdout + res.stderr

    # Restore: copy the backup into place (here a new path), then use it.
    restored = tmp_path / "restored"
    shutil.copytree(backup, restored)
    res = search_count(staged, restored, "city diplomacy")
    assert res.returncode == 0 and SEED_TITLE in res.stdout, res.stdout
    assert search_count(staged, restored, "quokkabefore").returncode == 0
    # Added after the backup: in the live index, not in the copy.
    assert search_count(staged, restored, "quokkaduring").returncode == 1
    assert search_count(staged, live, "quokkaduring").returncode == 0
    # The restored index takes new writes.
    res = run([indexer, "add", "--quiet", "--index", str(restored),
               str(pages["quokkaafter"])], timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr
    assert search_count(staged, restored, "quokkaafter").returncode == 0
