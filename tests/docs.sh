#!/usr/bin/env bash
# Runs every ```sh block of docs/guide.md and then docs/review.md, in
# order, as a reader would: one session in an empty directory, where
# `hgc` is the hgc under test (HGC) and the HeyGen API is
# tests/fake_heygen.py, started with the key the guide exports. Each block
# prints "ok docs/PAGE:LINE", "not ok ..." with its output, or
# "skip ...: why". The working directory and exported variables carry
# over from one block to the next.
#
# HTML comments just before a block (invisible on the page) say more:
#   <!-- test: skip: WHY -->   not run, and WHY is printed
#   <!-- test: exit N -->      the block must end with status N (default 0)
#   <!-- test: file PATH -->   the block is a file's content: written to PATH
#   <!-- test: output -->      the block is exactly what the sh block
#                              before it printed (stdout and stderr, up
#                              to white space at the end)
set -u
cd "$(dirname "$0")/.."
HGC=$(realpath "${HGC:-./hgc}") exec python3 - docs/guide.md docs/review.md <<'PY'
import os, re, shutil, subprocess, sys, tempfile, time

NOTE = re.compile(r"^<!-- test: (skip|exit|file|output):? ?(.*?) -->$")
FENCE = re.compile(r"^```(\w*)\s*$")


def blocks(path):
    """(line, language, note, text) for each fenced block of a page."""
    lines = open(path, encoding="utf-8").read().split("\n")
    note, i = None, 0
    while i < len(lines):
        m = NOTE.match(lines[i])
        if m:
            note = (m.group(1), m.group(2))
            if not FENCE.match(lines[i + 1]):
                sys.exit("%s:%d: a test note must come just before a block"
                         % (path, i + 1))
        elif FENCE.match(lines[i]):
            j = i + 1
            while j < len(lines) and lines[j] != "```":
                j += 1
            yield i + 1, FENCE.match(lines[i]).group(1), note, \
                "\n".join(lines[i + 1:j]) + "\n"
            note, i = None, j
        i += 1


pages = [(p, list(blocks(p))) for p in sys.argv[1:]]
tmp = tempfile.mkdtemp()
state, work, bindir = (os.path.join(tmp, d) for d in ("state", "work", "bin"))
for d in (state, work, bindir, os.path.join(tmp, "home")):
    os.makedirs(d)
os.symlink(os.environ["HGC"], os.path.join(bindir, "hgc"))
open(os.path.join(state, "pwd"), "w").write(work + "\n")
open(os.path.join(state, "env"), "w").close()
env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"],
           HOME=os.path.join(tmp, "home"), NO_COLOR="1", LC_ALL="C",
           GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="Reader",
           GIT_AUTHOR_EMAIL="reader@example.com", GIT_COMMITTER_NAME="Reader",
           GIT_COMMITTER_EMAIL="reader@example.com")
for var in ("HEYGEN_API_KEY", "HGC_API_BASE", "HGC_UPLOAD_BASE"):
    env.pop(var, None)

# The fake HeyGen server, with the key the pages export.
keys = [m.group(1).strip("'\"") for _, bs in pages for _, lang, _, text in bs
        if lang == "sh" for m in re.finditer(r"HEYGEN_API_KEY=(\S+)", text)]
server = None
if keys:
    port_file = os.path.join(tmp, "port")
    server = subprocess.Popen(
        [sys.executable, "tests/fake_heygen.py", "--port-file", port_file,
         "--log", os.path.join(tmp, "server.log"), "--key", keys[0]],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(tmp, "server.err"), "w"))
    for _ in range(600):
        if os.path.exists(port_file) and open(port_file).read().strip():
            break
        time.sleep(0.1)
    base = "http://127.0.0.1:" + open(port_file).read().strip()
    env.update(HGC_API_BASE=base, HGC_UPLOAD_BASE=base)

try:
    for page, bs in pages:
        output = None  # what the last sh block printed
        for line, lang, note, text in bs:
            where = "%s:%d" % (page, line)
            kind, arg = note or (None, "")
            if kind == "skip":
                print("skip %s: %s" % (where, arg))
            elif kind == "file":
                cwd = open(os.path.join(state, "pwd")).read().strip()
                path = os.path.join(cwd, arg)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "w", encoding="utf-8").write(text)
            elif kind == "output":
                if output is not None and output.rstrip() == text.rstrip():
                    print("ok %s (output)" % where)
                else:
                    print("not ok %s (the page shows other output)" % where)
                    print("    printed:\n" + "".join(
                        "      " + l + "\n" for l in (output or "").split("\n")))
            elif lang == "sh":
                want = int(arg) if kind == "exit" else 0
                script = os.path.join(tmp, "block.sh")
                open(script, "w", encoding="utf-8").write(
                    'set -e\ncd "$(cat %s/pwd)"\n. %s/env\n%s'
                    'pwd >%s/pwd\nexport -p >%s/env\n'
                    % (state, state, text, state, state))
                try:
                    r = subprocess.run(["bash", script], env=env, timeout=300,
                                       stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT)
                    rc, output = r.returncode, r.stdout.decode("utf-8", "replace")
                except subprocess.TimeoutExpired as e:
                    rc, output = "a timeout", (e.stdout or b"").decode()
                first = text.split("\n")[0]
                if rc == want:
                    print("ok %s %s" % (where, first))
                else:
                    print("not ok %s %s (exit %s, expected %d)"
                          % (where, first, rc, want))
                    print("".join("    " + l + "\n" for l in output.split("\n")[-20:]))
finally:
    if server:
        server.terminate()
        server.wait()
    shutil.rmtree(tmp, ignore_errors=True)
PY
