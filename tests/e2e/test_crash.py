"""Crash consistency of the index: SIGKILL at random moments, disk full
during a commit, and a failing fsync.  After each fault the index must pass
xapian-check, open for searching, hold every document committed before the
fault (and only whole batches), and a re-run must finish with exactly N
documents and no duplicates.

The documents are generated files d00000.html .. indexed in that order with
commit_every = 100, so a committed state is always the first k*100 files:
each file carries a unique marker word "docNNNNN", and the set of markers in
the index must be exactly {doc00000 .. doc(count-1)}.

GZ_CRASH_DOCS (default 3000) and GZ_CRASH_KILLS (default 15) scale the kill
test; docs/RELIABILITY.md records a run with 5000 documents and 20 kills.
"""

import os
import random
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import binary, doc_count, run

COMMIT_EVERY = 100
WORDS = ("city diplomacy trade harbour sister pacific embassy public digital "
         "economy culture mayor student shipping route summit minister council "
         "storm coast road bridge election market").split()


def write_articles(directory, n, start=0, tag="Crash Test Daily"):
    """Write n small article pages d%05d.html into directory; return paths."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        words = " ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(40))
        title = "Story %d about %s" % (i, WORDS[i % len(WORDS)])
        html = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                '<title>%s</title><meta property="og:type" content="article">'
                '<meta property="og:title" content="%s">'
                '<meta property="og:site_name" content="%s">'
                '<meta property="article:published_time" content="2014-06-12T14:25:00+10:00">'
                '</head><body><article><h1>%s</h1><p>Marker doc%05d %s.</p>'
                '<p>%s and more.</p><p>The last paragraph of story %d.</p>'
                '</article></body></html>\n') % (title, title, tag, title, i, words,
                                                  words, i)
        path = os.path.join(directory, "d%05d.html" % i)
        with open(path, "w", encoding="utf-8") as f:
            f.write(html)
        paths.append(path)
    return paths


def write_index_config(path, index, no_sync=False, commit_every=COMMIT_EVERY):
    with open(path, "w", encoding="utf-8") as f:
        f.write("[index]\npath = %s\ncommit_every = %d\nno_sync = %s\n"
                % (index, commit_every, "yes" if no_sync else "no"))
    return str(path)


def index_terms(index):
    """Every term in the index (xapian-delve -a), as a list."""
    res = run(["xapian-delve", "-a", "-1", str(index)], timeout=60)
    assert res.returncode == 0, res.stderr
    return res.stdout.split("\n")


def check_index(index, n_total):
    """xapian-check passes, the index opens for search, and its documents
    are exactly the first `count` files, each once.  Returns count."""
    res = run(["xapian-check", str(index)], timeout=60)
    assert res.returncode == 0 and "No errors found" in res.stdout, \
        res.stdout[-2000:] + res.stderr[-2000:]
    count = doc_count(index)
    terms = index_terms(index)
    markers = sorted(t for t in terms if re.fullmatch(r"doc\d{5}", t))
    ids = [t for t in terms if t.startswith("Qfile://")]
    assert len(ids) == count, "unique ids %d != documents %d" % (len(ids), count)
    assert markers == ["doc%05d" % i for i in range(count)], \
        "not a prefix of the file list: %d markers for %d docs" % (len(markers), count)
    assert count % COMMIT_EVERY == 0 or count == n_total, \
        "a partial batch is visible: %d documents" % count
    if count:
        res = run([binary("gazette"), "search", "--index", str(index), "--json",
                   "doc%05d" % (count - 1)], timeout=60)
        assert res.returncode == 0, res.stdout + res.stderr
    return count


def test_sigkill_at_random_moments(tmp_path):
    n = int(os.environ.get("GZ_CRASH_DOCS", "3000"))
    kills = int(os.environ.get("GZ_CRASH_KILLS", "15"))
    rng = random.Random(os.environ.get("GZ_CRASH_SEED", "7"))
    files = write_articles(tmp_path / "docs", n)
    index = tmp_path / "index"
    conf = write_index_config(tmp_path / "c.conf", index)
    args = [binary("gazette-indexer"), "add", "--config", conf] + files

    # How long one uninterrupted run takes, to spread the kills over it.
    t0 = time.monotonic()
    res = run(args, timeout=120)
    full = time.monotonic() - t0
    assert res.returncode == 0, res.stderr[-2000:]
    shutil.rmtree(index)

    deadline = time.monotonic() + 60
    last = 0
    survived = 0
    for k in range(kills):
        if time.monotonic() > deadline:
            break
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        # Early kills land in open/startup; later ones deep in a commit.
        time.sleep(rng.uniform(0.005, max(0.05, full * 0.6)))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if not index.exists():
            continue  # killed before the database was created
        count = check_index(index, n)
        assert count >= last, "documents went from %d to %d" % (last, count)
        last = count
        survived += 1
    assert survived >= min(kills, 5), "only %d kills landed" % survived

    res = run(args, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert check_index(index, n) == n
    print("kills=%d survived=%d docs=%d full_run=%.2fs" % (kills, survived, n, full))


def _mount_tmpfs(where, size):
    where.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs",
                          str(where)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip("cannot mount a tmpfs (needs root): " + res.stderr.strip())


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "mnt"
    _mount_tmpfs(mnt, "2m")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _disk_full_run(tmp_path, small_fs, n=2000):
    files = write_articles(tmp_path / "docs", n)
    index = small_fs / "index"
    conf = write_index_config(tmp_path / "c.conf", index)
    args = [binary("gazette-indexer"), "add", "--config", conf] + files
    res = run(args, timeout=120)
    return files, index, args, res


def test_disk_full_index_survives_and_next_run_completes(tmp_path, small_fs):
    n = 2000
    _, index, args, res = _disk_full_run(tmp_path, small_fs, n)
    # How the run ends is the subject of the expected failure below; here:
    # whatever happened, the index is intact at a commit and recovers.
    count = check_index(index, n)
    assert 0 < count < n
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_fs)], check=True)
    res = run(args, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert check_index(index, n) == n


def test_disk_full_exits_70_with_one_message(tmp_path, small_fs):
    _, _, _, res = _disk_full_run(tmp_path, small_fs)
    assert res.returncode == 70, (res.returncode, res.stderr[-500:])
    assert "No space left on device" in res.stderr
    assert res.stderr.count("Database has been closed") == 0
    assert len(res.stderr.splitlines()) <= 5, res.stderr[-2000:]


def _strace():
    path = shutil.which("strace")
    if not path:
        pytest.skip("strace is not installed")
    probe = subprocess.run([path, "-f", "-o", "/dev/null", "-e", "inject=fsync:error=EIO:when=1",
                            "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("strace cannot inject faults here: " + probe.stderr.strip())
    return path


def _fsync_fault_run(tmp_path, when, n=500):
    strace = _strace()
    files = write_articles(tmp_path / "docs", n)
    index = tmp_path / ("index-%d" % when)
    conf = write_index_config(tmp_path / ("c-%d.conf" % when), index)
    args = [binary("gazette-indexer"), "add", "--config", conf] + files
    res = run([strace, "-f", "-o", "/dev/null", "-e", "trace=fsync,fdatasync",
               "-e", "inject=fsync,fdatasync:error=EIO:when=%d" % when] + args,
              timeout=120)
    return index, args, res


# when=1 fails the first fsync, while the index is being created: the next
# run must create it afresh from the leftovers (bug B6, lib/xsh.cc xsh_wdb_open).
@pytest.mark.parametrize("when", [1, 3, 7, 12])
def test_fsync_failure_leaves_an_index_that_opens(tmp_path, when):
    n = 500
    index, args, res = _fsync_fault_run(tmp_path, when, n)
    assert res.returncode >= 0, "killed by signal %d" % -res.returncode
    assert res.stderr.strip(), "a failed fsync went unreported"
    if index.exists() and (index / "iamglass").exists():
        # Only whole batches may be visible; which ones is the subject of the
        # expected failure below.
        rc = run(["xapian-check", str(index)], timeout=60)
        assert rc.returncode == 0, rc.stdout[-2000:]
        assert doc_count(index) % COMMIT_EVERY == 0
    res = run(args, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert check_index(index, n) == n


@pytest.mark.parametrize("when", [3, 7])
def test_fsync_failure_exits_nonzero(tmp_path, when):
    n = 500
    index, _, res = _fsync_fault_run(tmp_path, when, n)
    assert res.returncode != 0, "exit 0, yet the index holds %d of %d documents" % (
        doc_count(index), n)
    check_index(index, n)  # the committed documents are a prefix of the files
