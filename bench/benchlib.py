"""bench/benchlib.py — what the benchmark scripts share.

  generate_corpus(out, n)   ../shared/corpus/make_corpus.py into out, if present
  du(path)                  bytes of the files below path
  run_measured(cmd, ...)    run a child: wall and CPU seconds, peak RSS
  build_tool(build, name)   compile bench/NAME.c against BUILD/libgazette.a
  port_server(args, port_file, ...)
                            a server that writes its port, for a with block
  searchd(bindir, index, tmp, ...)
                            a gazette-searchd on 127.0.0.1 for a with block
  pct(xs, p)                the p-th percentile of xs

Imported by bench/index, bench/query.py, bench/shards and bench/curve; not a
script of its own."""

import contextlib
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def corpus_generator():
    """Path of make_corpus.py ($GZ_CORPUS, else ../shared/corpus), or None."""
    gen = os.path.join(os.environ.get("GZ_CORPUS",
                                      os.path.join(os.path.dirname(ROOT), "shared",
                                                   "corpus")),
                       "make_corpus.py")
    return gen if os.path.exists(gen) else None


def generate_corpus(out, n):
    """n news pages and their docs.tsv into out with make_corpus.py.

    Returns False, writing nothing, when the generator is absent (a clone
    without ../shared): the caller then makes pages of its own."""
    gen = corpus_generator()
    if gen is None:
        return False
    subprocess.run([sys.executable, gen, "--n", str(n), "--out", out], check=True,
                   stdout=subprocess.DEVNULL)
    return True


def du(path, skip_suffix=None):
    """Bytes of the regular files below path (not those ending skip_suffix)."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            fp = os.path.join(dirpath, f)
            if os.path.isfile(fp) and not (skip_suffix and f.endswith(skip_suffix)):
                total += os.path.getsize(fp)
    return total


def build_tool(build, name):
    """Compile bench/NAME.c against BUILD/libgazette.a (which the caller
    has built: it may be an older tree's) into BUILD/bench/NAME; returns
    that path."""
    libs = subprocess.run(["pkg-config", "--cflags", "--libs", "jansson",
                           "libxml-2.0", "libcurl", "inih", "zlib", "libzstd"],
                          capture_output=True, text=True, check=True).stdout.split()
    libs += subprocess.run(["xapian-config", "--libs"], capture_output=True,
                           text=True, check=True).stdout.split()
    out = os.path.join(build, "bench", name)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    subprocess.run(["g++", "-O2", "-x", "c", "-std=gnu11",
                    "-I" + os.path.join(ROOT, "include"),
                    os.path.join(ROOT, "bench", name + ".c"), "-x", "none",
                    os.path.join(build, "libgazette.a")] + libs +
                   ["-lpthread", "-o", out], check=True)
    return out


def run_measured(cmd, env=None, log=None):
    """Run cmd to its end and measure it as the kernel accounts the child.

    Returns wall seconds, user and system CPU seconds (cpu = their sum) and
    peak RSS in MB (ru_maxrss), the exit status (rc) and the child's output
    (stdout and stderr, into the file log when given, else kept in memory;
    its last 4 KB are returned as out)."""
    with contextlib.ExitStack() as stack:
        if log:
            f = stack.enter_context(open(log, "w+b"))
        else:
            f = stack.enter_context(tempfile.TemporaryFile())
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        f.seek(max(0, f.seek(0, os.SEEK_END) - 4096))
        out = f.read().decode("utf-8", "replace")
    return {"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime,
            "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024.0,
            "rc": p.returncode, "out": out}


@contextlib.contextmanager
def port_server(args, port_file, timeout=30, stderr=None):
    """Start args, a server that writes the port it listens on to
    port_file; yields that port, and stops the server (SIGTERM) when the
    block ends."""
    if os.path.exists(port_file):
        os.unlink(port_file)
    sv = subprocess.Popen(args, stderr=stderr)
    try:
        deadline = time.monotonic() + timeout
        while not (os.path.exists(port_file) and os.path.getsize(port_file)):
            if sv.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("%s did not start" % " ".join(args))
            time.sleep(0.05)
        yield int(open(port_file).read())
    finally:
        sv.terminate()
        sv.wait(30)


@contextlib.contextmanager
def searchd(bindir, index, tmp, workers=2, conf=None, timeout=30):
    """Start gazette-searchd over index on a free port of 127.0.0.1.

    Yields the port; stops the daemon when the block ends.  Its log is
    appended to tmp/searchd.log."""
    port_file = os.path.join(tmp, "port")
    args = [os.path.join(bindir, "gazette-searchd"), "--index", index,
            "--listen", "127.0.0.1:0", "--port-file", port_file,
            "--socket", "", "--workers", str(workers)]
    if conf:
        args += ["--config", conf]
    with open(os.path.join(tmp, "searchd.log"), "a") as log:
        with port_server(args, port_file, timeout, log) as port:
            yield port


def pct(xs, p):
    """The p-th percentile of xs (nearest rank below), 0.0 when empty."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))] if xs else 0.0
