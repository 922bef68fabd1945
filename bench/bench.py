#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The measurements of `make bench` (bench/run.sh builds and generates
the inputs first, then runs this).

Usage: bench.py --dir DIR --hgc HGC --floor FLOOR [--python PY]
                [--jsonnet JSONNET] [--nocurl HGC2] [--runs N] [--videos N]

DIR holds the inputs of gen_inputs.py. Every tool runs on the same
input, in the same run: hgc and the floor N times (default 3), Python
and jsonnet, whose runs take seconds, once. The table shows the median
wall time, the median CPU time (user + sys) and the peak RSS of the
largest run (/usr/bin/time's %M: getrusage of the child of a small
process, where a child forked from this script would count the script's
own memory). HGC2, hgc built without libcurl, checks that hgc, which
loads libcurl only for the runtime commands, starts as fast. Ratios use
CPU time, which a busy machine disturbs less than wall time. Then the
targets of issue 11, met or not, whether the Python and jsonnet bodies
match hgc's (`hgc build --body -o -`), and the runtime at 200 ms of
latency against tests/fake_heygen.py. Nothing here fails the build: it
measures.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

# hgc's resource limits, raised for the big batches (docs/security.md):
# a 100,000-row batch is far past the defaults, by design.
BIG = ["--max-bytes", "1073741824", "--max-nodes", "100000000",
       "--max-cells", "100000000", "--max-expansion", "1099511627776",
       "--max-output", "1099511627776"]
TIME = "/usr/bin/time"  # Debian package `time`
ROWS = [1000, 10000, 100000]
# jsonnet's time per row grows with the batch (190 ms a row at 1,000
# rows): it runs a batch of 100, and so do the others, to compare.
JSONNET_ROWS = 100


def measure(cmd, cwd, out, runs):
    """Runs cmd `runs` times, stdout to out: (median wall s, median CPU s,
    peak RSS KiB or 0 when unknown, exit status)."""
    walls, cpus, rss, rc = [], [], 0, 0
    rss_file = out + ".rss"
    if os.access(TIME, os.X_OK):
        cmd = [TIME, "-f", "%M", "-o", rss_file] + cmd
    for _ in range(runs):
        with open(out, "wb") as f:
            start = time.perf_counter()
            p = subprocess.Popen(cmd, cwd=cwd, stdout=f,
                                 stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            walls.append(time.perf_counter() - start)
        cpus.append(ru.ru_utime + ru.ru_stime)  # time's children included
        rc = rc or os.waitstatus_to_exitcode(status)
        if os.path.exists(rss_file):
            with open(rss_file) as f:
                rss = max(rss, int(f.read().split()[-1]))
    return statistics.median(walls), statistics.median(cpus), rss, rc


def stream(path):
    """The JSON documents of a file, one after another."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    dec, i, docs = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return docs
        doc, i = dec.raw_decode(text, i)
        docs.append(doc)


def bodies_match(hgc_out, other_out, jsonnet):
    """'identical' (bytes), 'same JSON', or 'DIFFERENT'."""
    with open(hgc_out, "rb") as a, open(other_out, "rb") as b:
        if a.read() == b.read():
            return "identical"
    want = stream(hgc_out)
    got = json.load(open(other_out, encoding="utf-8")) if jsonnet \
        else stream(other_out)
    return "same JSON" if got == want else "DIFFERENT"


class Bench:
    def __init__(self, args):
        self.a = args
        self.proj = os.path.join(args.dir, "proj")
        self.out = os.path.join(args.dir, "out")
        os.makedirs(self.out, exist_ok=True)
        self.rows = []     # table rows
        self.results = {}  # (input, tool) -> (wall, cpu, rss)
        self.targets = []  # (name, met, detail)
        self.matches = []  # (input, tool, verdict)

    def run(self, inp, tool, cmd, runs=None):
        out = os.path.join(self.out, "%s.%s" % (inp, tool.split()[0]))
        wall, cpu, rss, rc = measure(cmd, self.proj, out, runs or self.a.runs)
        if rc:
            print("bench: %s on %s exited %d: %s" % (tool, inp, rc,
                                                      " ".join(cmd)))
        self.results[inp, tool] = (wall, cpu, rss)
        return out

    def hgc(self, spec, rows=None, binary=None):
        cmd = [binary or self.a.hgc, "build", "--root", ".", "--body", "-o",
               "-"]
        if rows:
            cmd += BIG + ["--rows", rows]
        return cmd + [spec]

    def compare(self, inp, spec, rows, jsonnet_entry):
        """Every tool on one input; checks the bodies against hgc's."""
        h = self.run(inp, "hgc", self.hgc(spec, rows))
        if self.a.nocurl:
            self.run(inp, "hgc-nocurl", self.hgc(spec, rows, self.a.nocurl))
        self.run(inp, "floor", [self.a.floor, spec] + ([rows] if rows else []))
        if self.a.python:
            p = self.run(inp, "python",
                         [self.a.python, self.a.lower_py, spec] +
                         ([rows] if rows else []), runs=1)
            self.matches.append((inp, "python", bodies_match(h, p, False)))
        if jsonnet_entry and self.a.jsonnet:
            j = self.run(inp, "jsonnet", [self.a.jsonnet, "-J",
                                          self.a.bench_dir, jsonnet_entry],
                         runs=1)
            self.matches.append((inp, "jsonnet", bodies_match(h, j, True)))

    def table(self, inputs):
        print("%-22s %-10s %9s %9s %9s %9s" % ("input", "tool", "wall s",
                                              "cpu s", "x floor", "RSS MiB"))
        for inp in inputs:
            floor = self.results.get((inp, "floor"))
            for tool in ("hgc", "hgc-nocurl", "floor", "python", "jsonnet"):
                r = self.results.get((inp, tool))
                if not r:
                    continue
                ratio = "%.2f" % (r[1] / floor[1]) if floor and floor[1] \
                    else "-"
                print("%-22s %-10s %9.3f %9.3f %9s %9s" % (
                    inp, tool, r[0], r[1], ratio,
                    "%.1f" % (r[2] / 1024) if r[2] else "-"))

    def target(self, name, met, detail):
        self.targets.append((name, met, detail))

    def speed_targets(self, inputs):
        for inp in inputs:
            h = self.results.get((inp, "hgc"))
            for tool, want in (("floor", None), ("python", 12),
                               ("jsonnet", 4)):
                r = self.results.get((inp, tool))
                if not (h and r and h[1]):
                    continue
                if want is None:
                    x = h[1] / r[1]
                    self.target("hgc <= 1.0x the floor (%s)" % inp, x <= 1.0,
                                "%.2fx" % x)
                else:
                    x = r[1] / h[1]
                    self.target(">= %dx faster than %s (%s)" % (
                        want, tool, inp), x >= want, "%.1fx" % x)

    def scaling(self):
        """Peak memory and time per row from 1,000 to 100,000 rows."""
        t = {n: self.results[("batch %d" % n, "hgc")] for n in ROWS}
        print("\nhgc per batch row (CPU):")
        for n in ROWS:
            print("  %7d rows: %6.1f us/row, peak RSS %7.1f MiB" % (
                n, t[n][1] / n * 1e6, t[n][2] / 1024))
        lo, mid, hi = (t[n] for n in ROWS)
        slope1 = (mid[1] - lo[1]) / (ROWS[1] - ROWS[0])
        slope2 = (hi[1] - mid[1]) / (ROWS[2] - ROWS[1])
        print("  marginal: %.1f us/row from 1k to 10k, %.1f us/row from "
              "10k to 100k" % (slope1 * 1e6, slope2 * 1e6))
        self.target("time per row flat, 1,000 to 100,000 rows",
                    slope2 <= 1.25 * slope1,
                    "marginal cost %.2fx (at most 1.25x)" % (slope2 / slope1))
        x = hi[2] / mid[2]
        self.target("memory for 100,000 rows <= 2x that for 10,000", x <= 2,
                    "%.1fx (%.0f MiB vs %.0f MiB)" % (x, hi[2] / 1024,
                                                      mid[2] / 1024))

    def runtime(self):
        """hgc run against the fake server at 200 ms per request:
        --jobs 1 against --jobs 8, and polls per video."""
        print("\nruntime: %d videos, fake server at 200 ms per request, "
              "--poll 50ms:200ms" % self.a.videos)
        help_ok = subprocess.run([self.a.hgc, "run", "--help"],
                                 capture_output=True).returncode == 0
        if not help_ok:
            self.target("--jobs 8 >= 6x faster than --jobs 1", False,
                        "not measured: 'hgc run' is not available")
            return
        times = {}
        for jobs in (1, 8):
            wall, polls = self.run_videos(jobs)
            if wall is None:
                self.target("--jobs 8 >= 6x faster than --jobs 1", False,
                            "not measured: %s" % polls)
                return
            times[jobs] = wall
            print("  --jobs %d: %7.2f s, status polls per video: %s" % (
                jobs, wall, polls))
        x = times[1] / times[8]
        self.target("--jobs 8 >= 6x faster than --jobs 1", x >= 6,
                    "%.1fx" % x)

    def run_videos(self, jobs):
        """(wall seconds, polls-per-video summary), or (None, why)."""
        work = tempfile.mkdtemp(dir=self.a.dir, prefix="run%d-" % jobs)
        spec = os.path.join(work, "clip.yaml")
        with open(spec, "w") as f:
            f.write("hgc: 1\nname: clip-${row.n}\n"
                    "scenes:\n  - avatar: Daisy-inskirt-20220818\n"
                    "    voice: 2d5b0e6cf36f460aa7fc47e3eee4ba54\n"
                    "    script: Clip number ${row.n}.\n")
        with open(os.path.join(work, "rows.csv"), "w") as f:
            f.write("n\n" + "".join("%d\n" % i
                                    for i in range(1, self.a.videos + 1)))
        built = subprocess.run([self.a.hgc, "build", "--root", work, "-o",
                                os.path.join(work, "build"), "--rows",
                                os.path.join(work, "rows.csv"), spec],
                               capture_output=True, text=True)
        if built.returncode:
            return None, "hgc build failed: " + built.stderr.strip()
        arts = sorted(os.path.join(work, "build", n)
                      for n in os.listdir(os.path.join(work, "build")))
        log = os.path.join(work, "srv.log")
        port_file = os.path.join(work, "srv.port")
        srv = subprocess.Popen([sys.executable, self.a.fake, "--port-file",
                                port_file, "--log", log, "--key", "test-key",
                                "--latency", "0.2"],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                if os.path.exists(port_file) and os.path.getsize(port_file):
                    break
                time.sleep(0.05)
            else:
                return None, "the fake server did not start"
            base = "http://127.0.0.1:%s" % open(port_file).read().strip()
            env = dict(os.environ, HEYGEN_API_KEY="test-key",
                       HGC_API_BASE=base, HGC_UPLOAD_BASE=base)
            cmd = [self.a.hgc, "run", "--jobs", str(jobs), "--poll",
                   "50ms:200ms", "--timeout", "30m", "--state",
                   os.path.join(work, "state.json"), "-o",
                   os.path.join(work, "videos")] + arts
            start = time.perf_counter()
            done = subprocess.run(cmd, cwd=work, env=env,
                                  capture_output=True, text=True)
            wall = time.perf_counter() - start
        finally:
            srv.send_signal(signal.SIGTERM)
            srv.wait()
        if done.returncode:
            return None, "hgc run exited %d: %s" % (
                done.returncode, done.stderr.strip()[:200])
        polls = {}
        with open(log) as f:
            for line in f:
                e = json.loads(line)
                if e["path"] == "/v1/video_status.get":
                    vid = e["query"].get("video_id")
                    polls[vid] = polls.get(vid, 0) + 1
        counts = sorted(polls.values()) or [0]
        shutil.rmtree(work, ignore_errors=True)
        return wall, "min %d, median %g, max %d (%d videos)" % (
            counts[0], statistics.median(counts), counts[-1], len(polls))

    def report(self):
        print("\nbodies compared with `hgc build --body -o -`:")
        for inp, tool, verdict in self.matches:
            print("  %-22s %-10s %s" % (inp, tool, verdict))
        print("\ntargets:")
        for name, met, detail in self.targets:
            print("  %-9s %s: %s" % ("met" if met else "NOT MET", name,
                                     detail))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--hgc", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--python")
    ap.add_argument("--jsonnet")
    ap.add_argument("--nocurl")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--videos", type=int, default=100)
    args = ap.parse_args()
    args.bench_dir = os.path.dirname(os.path.abspath(__file__))
    args.lower_py = os.path.join(args.bench_dir, "lower.py")
    args.fake = os.path.join(args.bench_dir, "..", "tests", "fake_heygen.py")
    b = Bench(args)
    print("hgc bench: %d runs each, median; CPU = user + sys; %d cores\n" % (
        args.runs, os.cpu_count()))
    b.compare("batch 10000", "batch.yaml", "rows-10000.yaml", None)
    b.compare("50 scenes", "long.yaml", None, "long.jsonnet")
    b.compare("include tree", "tree.yaml", None, "tree.jsonnet")
    b.compare("batch %d" % JSONNET_ROWS, "batch.yaml",
              "rows-%d.yaml" % JSONNET_ROWS, "batch-%d.jsonnet" % JSONNET_ROWS)
    for n in (ROWS[0], ROWS[2]):
        b.run("batch %d" % n, "hgc", b.hgc("batch.yaml", "rows-%d.yaml" % n),
              runs=1 if n == ROWS[2] else None)
    inputs = ["batch 10000", "50 scenes", "include tree",
              "batch %d" % JSONNET_ROWS]
    b.table(inputs)
    b.speed_targets(inputs)
    b.scaling()
    b.runtime()
    b.report()


if __name__ == "__main__":
    main()
