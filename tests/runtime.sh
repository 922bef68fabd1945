#!/usr/bin/env bash
# The runtime (hgc submit | status | wait | download | run | quota)
# against tests/fake_heygen.py: one fresh fake server per case, on
# 127.0.0.1 only. Each case prints "ok NAME" or "not ok NAME" with what
# went wrong, and asserts on exit codes, result lines, the server's log,
# the state file and the downloaded files. Every wait is bounded; the
# server is always stopped. The last case greps everything the suite
# produced for the API key.
#
#   tests/runtime.sh          the tests (HGC, HGC_WRAP as for tests/cli.sh)
#   tests/runtime.sh CASE...  only these cases (and the key check)
#   tests/runtime.sh --demo   `hgc run` on an example, for `make demo`
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
unset HEYGEN_API_KEY HGC_API_BASE HGC_UPLOAD_BASE

# start_server [ARGS...]: a fresh fake in the current directory, bases
# pointed at it; its log is ./srv.log.
start_server() {
  flush
  if ! fake_start . "$@"; then
    echo "the fake server did not start"
    cat srv.out
    return 1
  fi
  export HGC_API_BASE=http://127.0.0.1:$PORT
  export HGC_UPLOAD_BASE=http://127.0.0.1:$PORT
}

if "$HGC" quota 2>&1 | grep -q 'built without libcurl'; then
  "$HGC" quota >/dev/null 2>&1
  [ $? -eq 2 ] && echo "ok runtime-unavailable" || echo "not ok runtime-unavailable"
  exit 0
fi

# libcurl is loaded only when a runtime command runs: not by build, and a
# runtime command that cannot load it says so (a libcurl.so.4 that is no
# library comes first on the path here).
mkdir "$tmp/nolib" && : >"$tmp/nolib/libcurl.so.4"
out=$(LD_LIBRARY_PATH=$tmp/nolib "$HGC" quota 2>&1)
rc=$?
want='^hgc: cannot load libcurl, which the runtime commands need: .*libcurl'
if [ $rc -eq 5 ] && echo "$out" | grep -q "$want"; then
  echo "ok libcurl-missing"
else
  echo "not ok libcurl-missing (exit $rc): $out"
fi
if LD_LIBRARY_PATH=$tmp/nolib "$HGC" build -o - examples/product-demo.yaml \
  >/dev/null 2>&1; then
  echo "ok libcurl-not-loaded-by-build"
else
  echo "not ok libcurl-not-loaded-by-build"
fi

# Checks queued by py run before the case's server stops.
case_done() { flush; }

# h ARGS...: runs hgc (bounded), stdout to ./out, stderr to ./err, exit
# status in $rc. hgc_bg: the same in the background, pid in $pid.
h() {
  flush
  timeout 120 "$HGC" "$@" >out 2>err
  rc=$?
}
bg_n=0
hgc_bg() {
  bg_n=$((bg_n + 1))
  "$HGC" "$@" >"out.bg$bg_n" 2>"err.bg$bg_n" &
  pid=$!
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "exit $rc, expected $1"; }

# holds EXPR [WHY]...: are these Python expressions true, over L (the
# server's log), R (result lines: a list, and res[NAME]), S (the state
# file) and V (its videos), E (JSON events on stderr), and posts(PATH),
# gets(PREFIX)? Prints the WHY of each that is not.
holds() {
  python3 - "$@" <<'PY'
import json, os, sys
def lines(p):
    out = []
    if os.path.exists(p):
        for l in open(p, encoding="utf-8"):
            try:
                out.append(json.loads(l))
            except ValueError:
                pass
    return out
L = lines("srv.log")
R = lines("out")
res = {r.get("name"): r for r in R if isinstance(r, dict)}
E = [e for e in lines("err") if isinstance(e, dict) and "event" in e]
state = os.environ.get("STATE", ".hgc/state.json")
S = json.load(open(state)) if os.path.exists(state) else None
V = list(S["videos"].values()) if S else []
def posts(path):
    return sum(1 for e in L if e["method"] == "POST" and e["path"] == path)
def gets(prefix):
    return sum(1 for e in L if e["method"] == "GET" and
               e["path"].startswith(prefix))
SIX = ["name", "video_id", "status", "file", "url", "error"]
failed = 0
for expr, why in zip(sys.argv[1::2], sys.argv[2::2]):
    try:
        ok = eval(expr)
    except Exception as e:
        ok, why = False, "%s (%s: %s)" % (why or expr, type(e).__name__, e)
    if not ok:
        print("    " + (why or "false: " + expr))
        failed = 1
sys.exit(failed)
PY
}
# py EXPR [WHY]: EXPR must hold. Checks are queued and run together (one
# Python start) before the next hgc, server start, or flush.
pending=()
py() { pending+=("$1" "${2:-}"); }
flush() {
  [ ${#pending[@]} -eq 0 ] && return
  holds "${pending[@]}" || bad=1
  pending=()
}
field() { # field NAME KEY: a value of NAME's result line
  python3 -c 'import json, sys
for l in open("out"):
    r = json.loads(l)
    if r["name"] == sys.argv[1]:
        print(r[sys.argv[2]])' "$1" "$2"
}

# wait_for EXPR SECONDS: polls until EXPR holds, for at most SECONDS.
wait_for() {
  flush
  local end=$((SECONDS + $2))
  while [ $SECONDS -lt $end ]; do
    holds "$1" "" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  fail "gave up waiting for: $1"
  return 1
}

if [ "${1:-}" = --demo ]; then
  cd "$tmp" && start_server --latency 0.05 || exit 1
  cd "$ROOT"
  echo "fake HeyGen server on $HGC_API_BASE; running:"
  echo "  hgc run --poll 300ms:1s --state $tmp/state.json -o $tmp/videos examples/product-demo.yaml"
  HEYGEN_API_KEY=$KEY "$HGC" run --poll 300ms:1s --state "$tmp/state.json" \
    -o "$tmp/videos" examples/product-demo.yaml
  rc=$?
  echo "exit $rc; the server saw:"
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    print("  %(method)-4s %(path)s -> %(status)s" % e)' "$tmp/srv.log"
  ls -l "$tmp/videos"
  exit $rc
fi

scenario() { printf '%s\n' "$1" >scenario.json; }

# spec NAME [WORDS]: a small v2 spec; different words, different request.
spec() {
  cat >"$1.yaml" <<YAML
hgc: 1
scenes:
  - avatar: Daisy-inskirt-20220818
    voice: 2d5b0e6cf36f460aa7fc47e3eee4ba54
    script: ${2:-Hello from $1.}
YAML
}

# artifact NAME PATH BODY-JSON [ASSETS-JSON]: a hand-written artifact.
artifact() {
  printf '{"hgc": 1, "name": "%s", "source": "x.yaml", "method": "POST", "path": "%s", "body": %s%s}\n' \
    "$1" "$2" "$3" "${4:+, \"assets\": $4}" >"$1.json"
}

FAST=(--poll 50ms:200ms --timeout 60s)

#
# The basics
#

run_basic() {
  start_server && spec hello
  h run "${FAST[@]}" hello.yaml
  expect_rc 0
  py 'len(R) == 1 and list(R[0]) == SIX' "one result line with the six keys in order"
  py 'R[0]["status"] == "completed" and R[0]["file"] == "videos/hello.mp4" and R[0]["video_id"] == "vid_1" and R[0]["error"] is None'
  py 'os.path.getsize("videos/hello.mp4") == 4096'
  py 'posts("/v2/video/generate") == 1'
  py 'all(e["auth"] == "ok" for e in L if not e["path"].startswith("/files/"))' "the key went to the API"
  py 'all(e["auth"] == "missing" for e in L if e["path"].startswith("/files/"))' "the key never goes to a download URL"
  py 'V[0]["status"] == "completed" and V[0]["size"] == 4096 and V[0]["video_id"] == "vid_1"'
  py '[x for x in os.listdir("videos") if x != "hello.mp4"] == []' "no temp files left"
  py 'oct(os.stat(".hgc/state.json").st_mode & 0o777) == "0o600"'
  py '"submitted" in [e["event"] for e in E]' "JSON events on a non-terminal stderr"
}

rerun_after_success() {
  start_server && spec hello
  h run "${FAST[@]}" hello.yaml
  n=$(wc -l <srv.log)
  h run "${FAST[@]}" hello.yaml
  expect_rc 0
  py 'R[0]["status"] == "completed" and R[0]["file"] == "videos/hello.mp4"'
  [ "$(wc -l <srv.log)" -eq "$n" ] || fail "a re-run after success sent requests"
}

rerun_missing_file() {
  start_server && spec hello
  h run "${FAST[@]}" hello.yaml
  rm videos/hello.mp4
  h run "${FAST[@]}" hello.yaml
  expect_rc 0
  py 'posts("/v2/video/generate") == 1 and gets("/files/") == 2' "downloaded again, not submitted again"
  py 'os.path.getsize("videos/hello.mp4") == 4096'
  flush
  truncate -s 100 videos/hello.mp4
  h run "${FAST[@]}" hello.yaml
  expect_rc 0
  py 'posts("/v2/video/generate") == 1 and gets("/files/") == 3' "a wrong-size file is downloaded again"
  py 'os.path.getsize("videos/hello.mp4") == 4096'
}

submit_wait_download() {
  start_server && spec hello
  h submit "${FAST[@]}" hello.yaml
  expect_rc 0
  py 'R[0]["status"] == "submitted" and R[0]["video_id"] == "vid_1" and R[0]["file"] is None'
  py 'gets("/v1/video_status") == 0'
  h status vid_1
  expect_rc 0
  py 'R[0]["name"] == "hello" and R[0]["status"] == "pending" and gets("/v1/video_status") == 1' "status: one GET, the API's word"
  h wait "${FAST[@]}" hello.yaml
  expect_rc 0
  py 'R[0]["status"] == "completed" and R[0]["url"].endswith("/files/vid_1.mp4") and R[0]["file"] is None'
  py 'V[0]["status"] == "completed"'
  h download -o dl vid_1
  expect_rc 0
  py 'R[0]["name"] == "hello" and R[0]["file"] == "dl/hello.mp4" and os.path.getsize("dl/hello.mp4") == 4096'
  py 'posts("/v2/video/generate") == 1'
  h wait never-submitted.json
  [ "$rc" -ne 0 ] || fail "waiting for a missing artifact file succeeded"
  spec other
  h wait other.yaml
  expect_rc 5
  py 'R[0]["status"] == "error" and "not been submitted" in R[0]["error"]'
}

unknown_id_is_v2_video() {
  start_server && spec hello
  h submit "${FAST[@]}" hello.yaml
  rm -r .hgc
  h download "${FAST[@]}" vid_1
  expect_rc 0
  py 'R[0]["name"] == "vid_1" and R[0]["file"] == "videos/vid_1.mp4"'
  py 'not os.path.exists(".hgc/state.json")' "a read of an unknown id writes no state"
}

quota() {
  start_server && spec hello
  h quota
  expect_rc 0
  grep -qx '{"remaining_quota": 3600, "used_quota": 0}' out || fail "quota line: $(cat out)"
}

#
# The key
#

no_key() {
  start_server && spec a && spec b
  unset HEYGEN_API_KEY
  h run "${FAST[@]}" a.yaml b.yaml
  expect_rc 3
  py '[r["status"] for r in R] == ["error", "error"] and [r["name"] for r in R] == ["a", "b"]'
  py 'all(list(r) == SIX for r in R)'
  py 'len(L) == 0' "requests were made without a key"
  [ ! -e .hgc ] || fail "a state directory was made without a key"
  grep -q 'no API key: HEYGEN_API_KEY is not set' err || fail "no message"
  h quota
  expect_rc 3
  HEYGEN_API_KEY="  " h status vid_1
  expect_rc 3
  py 'len(L) == 0'
}

api_key_file() {
  start_server && spec hello
  printf '\n  %s \n' "$KEY" >"$keydir/key"
  HEYGEN_API_KEY=sk-wrong-key h run "${FAST[@]}" --api-key-file "$keydir/key" hello.yaml
  expect_rc 0
  py 'all(e["auth"] == "ok" for e in L if not e["path"].startswith("/files/"))' "--api-key-file wins, trimmed"
  h quota --api-key-file "$keydir/nope"
  expect_rc 3
  grep -q "cannot read --api-key-file" err || fail "no message for a missing key file"
}

bad_key() {
  start_server && spec hello
  HEYGEN_API_KEY=sk-wrong-key h run "${FAST[@]}" hello.yaml
  expect_rc 3
  py 'R[0]["status"] == "error" and "401" in R[0]["error"]'
  py 'V == []' "a rejected POST leaves no entry"
}

bases() {
  spec hello
  unset HEYGEN_API_KEY # a base that is not refused still sends nothing
  HGC_API_BASE=http://192.0.2.1 h run hello.yaml
  expect_rc 2
  grep -q "plain http is allowed only to a loopback address" err || fail "no reason given"
  HGC_UPLOAD_BASE=ftp://127.0.0.1 h run hello.yaml
  expect_rc 2
  HGC_API_BASE=http://127.0.0.1@192.0.2.1 h run hello.yaml
  expect_rc 2
  HGC_API_BASE='https://api.example.com/?x=1' h quota
  expect_rc 2
  [ ! -e out ] || [ ! -s out ] || fail "a refused base still printed results"
}

verbose() {
  start_server && spec hello
  h run "${FAST[@]}" --verbose hello.yaml
  expect_rc 0
  py 'sum(1 for e in E if e["event"] == "http") == len(L)' "one http event per request"
  py 'any(e["event"] == "http" and e["url"].endswith("/v1/video_status.get?video_id=vid_1") for e in E)'
  grep -qi 'x-api-key' err && fail "a header was printed"
  true
}

options() {
  spec hello
  for opt in "--timeout 0" "--timeout 5x" "--timeout -1s" "--poll 2s" \
    "--poll 5s:1s" "--jobs 0" "--jobs 65" "--jobs 2x" "-o -"; do
    # shellcheck disable=SC2086
    h run $opt hello.yaml
    [ "$rc" -eq 2 ] || fail "'$opt' gave exit $rc, not 2"
  done
  h quota hello.yaml
  expect_rc 2
  h run nope.txt
  expect_rc 2
  h status 'vid/../x'
  expect_rc 2
  h submit --poll 1s:2s --out x hello.yaml --resubmit --state s.json --timeout 1ms
  [ "$rc" -ne 2 ] || fail "the runtime options are refused by submit"
  h status --resubmit vid_1
  expect_rc 2
  "$HGC" run --help | grep -q -- '--resubmit' || fail "run --help lists no --resubmit"
  "$HGC" --help | grep -q '^  quota' || fail "--help lists no quota"
}

bad_artifacts() {
  start_server
  artifact ok1 /v2/video/generate '{"x": 1}'
  artifact nopath /v9/nothing '{"x": 1}'
  h run ok1.json nopath.json
  expect_rc 1
  py 'len(L) == 0 and R == []' "nothing is sent when one input is bad"
  grep -q "nopath.json: 'path' '/v9/nothing' is not a generate endpoint" err || fail "no message"
  printf '{"hgc": 1, "name": "x", "name": "y"}' >dup.json
  h submit dup.json
  expect_rc 1
  printf '{"hgc": 1, "name": "../evil", "method": "POST", "path": "/v2/video/generate", "body": {}}' >evil.json
  h submit evil.json
  expect_rc 1
  cp ok1.json same.json
  h submit ok1.json same.json
  expect_rc 2
  grep -q "give each video once" err || fail "duplicate names not refused"
  printf 'hgc: 1\nscenes: oops\n' >broken.yaml
  h run ok1.json broken.yaml
  expect_rc 1
  py 'len(L) == 0'
}

#
# Faults
#

post_429_retry_after() {
  scenario '[{"method": "POST", "path": "/v2/video/generate", "status": 429, "headers": {"Retry-After": "1"}}]'
  start_server --scenario scenario.json && spec hello
  start=$(date +%s%N)
  h run "${FAST[@]}" hello.yaml
  took=$((($(date +%s%N) - start) / 1000000))
  expect_rc 0
  py 'posts("/v2/video/generate") == 2' "a 429 POST is sent again"
  py 'any(e["event"] == "retry" and e["delay_ms"] == 1000 for e in E)' "Retry-After: 1 honoured"
  [ "$took" -ge 950 ] || fail "did not wait for Retry-After ($took ms)"
  scenario '[{"method": "GET", "path_prefix": "/v1/video_status", "status": 429, "headers": {"Retry-After": "3600"}}]'
  start_server --scenario scenario.json
  spec two
  h run --timeout 5s two.yaml
  expect_rc 4
  py 'R[0]["status"] == "timeout"' "a Retry-After past the budget is a timeout"
}

get_5xx_retried() {
  scenario '[{"method": "GET", "path_prefix": "/v1/video_status", "status": 503, "times": 2, "headers": {"Retry-After": "0"}}]'
  start_server --scenario scenario.json && spec hello
  h run "${FAST[@]}" hello.yaml
  expect_rc 0
  py 'sum(1 for e in L if e["status"] == 503) == 2 and R[0]["status"] == "completed"'
}

get_dropped_retried() {
  scenario '[{"method": "GET", "path_prefix": "/v1/video_status", "drop": true}, {"method": "GET", "path_prefix": "/v1/video_status", "drop_after_headers": true, "skip": 2}]'
  start_server --scenario scenario.json && spec hello
  h run "${FAST[@]}" hello.yaml
  expect_rc 0
  py 'sum(1 for e in L if e["status"] == "dropped") == 2 and R[0]["status"] == "completed"'
  py 'posts("/v2/video/generate") == 1'
}

get_malformed_retried() {
  scenario '[{"method": "GET", "path_prefix": "/v1/video_status", "malformed": true}]'
  start_server --scenario scenario.json && spec hello
  h run "${FAST[@]}" hello.yaml
  expect_rc 0
  py 'R[0]["status"] == "completed" and any(e["event"] == "retry" and "not JSON" in e["reason"] for e in E)'
}

# A POST whose outcome is unknown is reported, recorded, and not sent
# again until --resubmit.
post_unknown() { # post_unknown RULE
  scenario "[{\"method\": \"POST\", \"path\": \"/v2/video/generate\", $1}]"
  start_server --scenario scenario.json && spec hello
  h run "${FAST[@]}" hello.yaml
  expect_rc 5
  py 'R[0]["status"] == "unknown" and R[0]["video_id"] is None and posts("/v2/video/generate") == 1'
  py 'V[0]["status"] == "unknown"'
  py 'any(e["event"] == "error" and "--resubmit" in e["hint"] for e in E)'
  h run "${FAST[@]}" hello.yaml
  expect_rc 5
  py 'R[0]["status"] == "unknown" and posts("/v2/video/generate") == 1' "sent again without --resubmit"
  grep -q -- '--resubmit' err || fail "no hint on the re-run"
  h run "${FAST[@]}" --resubmit hello.yaml
  expect_rc 0
  py 'R[0]["status"] == "completed" and posts("/v2/video/generate") == 2'
  py 'V[0]["status"] == "completed"'
}
post_5xx_unknown() { post_unknown '"status": 502'; }
post_drop_unknown() { post_unknown '"drop": true'; }
post_drop_after_headers_unknown() { post_unknown '"drop_after_headers": true'; }
post_malformed_unknown() { post_unknown '"malformed": true'; }

post_4xx_forgotten() {
  scenario '[{"method": "POST", "path": "/v2/video/generate", "status": 400, "body": {"error": {"code": "invalid_parameter", "message": "voice not found"}}}]'
  start_server --scenario scenario.json && spec hello
  h run "${FAST[@]}" hello.yaml
  expect_rc 5
  py 'R[0]["status"] == "error" and "voice not found" in R[0]["error"] and V == []'
  h run "${FAST[@]}" hello.yaml
  expect_rc 0
  py 'posts("/v2/video/generate") == 2' "a rejected request may be sent again"
}

connection_refused() {
  spec hello
  # A port nothing listens on: a server started and stopped.
  start_server && stop_server
  h run --timeout 8s hello.yaml
  [ "$rc" -eq 4 ] || [ "$rc" -eq 5 ] || fail "exit $rc, expected 4 or 5"
  py 'R[0]["status"] in ("timeout", "error")'
  py 'any(e["event"] == "retry" for e in E)' "connection refused is retried"
  py 'V == []' "a POST that never connected leaves no unknown entry"
}

render_failed() {
  scenario '[{"render": {"outcome": "failed", "error": {"code": "avatar_gone", "message": "the avatar was removed"}}}]'
  start_server --scenario scenario.json && spec hello
  h run "${FAST[@]}" hello.yaml
  expect_rc 6
  py 'R[0]["status"] == "failed" and R[0]["error"] == "the avatar was removed (avatar_gone)"'
  py 'V[0]["status"] == "failed" and V[0]["error"] == R[0]["error"]'
  h run "${FAST[@]}" hello.yaml
  expect_rc 6
  py 'posts("/v2/video/generate") == 1' "a failed render is not sent again without --resubmit"
  h run "${FAST[@]}" --resubmit hello.yaml
  expect_rc 0
  py 'posts("/v2/video/generate") == 2'
}

wait_timeout() {
  scenario '[{"render": {"polls": 100000}}]'
  start_server --scenario scenario.json && spec hello
  h run --poll 50ms:100ms --timeout 4s hello.yaml
  expect_rc 4
  py 'R[0]["status"] == "timeout" and R[0]["video_id"] == "vid_1"'
  py 'V[0]["status"] == "submitted"' "the entry stays submitted, to resume"
  scenario '[{"method": "GET", "path_prefix": "/v1/video_status", "delay": 60}]'
  start_server --scenario scenario.json
  spec slow
  h run --poll 50ms:100ms --timeout 4s slow.yaml
  expect_rc 4
  py 'res["slow"]["status"] == "timeout"' "a slow request ends at the budget"
}

download_window() {
  scenario '[{"method": "GET", "path_prefix": "/files/", "status": 404, "times": 2, "headers": {"Retry-After": "0"}}]'
  start_server --scenario scenario.json && spec hello
  h run "${FAST[@]}" hello.yaml
  expect_rc 0
  py 'gets("/files/") == 3 and os.path.getsize("videos/hello.mp4") == 4096'
  scenario '[{"method": "GET", "path_prefix": "/files/", "drop_after_headers": true}]'
  start_server --scenario scenario.json
  spec two
  h run "${FAST[@]}" two.yaml
  expect_rc 0
  py 'os.path.getsize("videos/two.mp4") == 4096' "a cut download is retried from the start"
}

known_id_404() {
  start_server && spec hello
  h submit "${FAST[@]}" hello.yaml
  start_server # a new server: it knows no vid_1
  h wait "${FAST[@]}" vid_1
  expect_rc 5
  py 'R[0]["name"] == "hello" and R[0]["status"] == "error" and "404" in R[0]["error"]'
}

kill_during_wait() {
  scenario '[{"render": {"polls": 30}}]'
  start_server --scenario scenario.json && spec hello
  hgc_bg run --poll 100ms:100ms --timeout 60s hello.yaml
  wait_for 'V and V[0]["status"] == "submitted" and gets("/v1/video_status") >= 2' 30
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  h run --poll 20ms:50ms --timeout 60s hello.yaml
  expect_rc 0
  py 'R[0]["status"] == "completed" and posts("/v2/video/generate") == 1' "one generate POST in all"
}

concurrent_runs() {
  scenario '[{"method": "POST", "path": "/v2/video/generate", "delay": 0.5}]'
  start_server --scenario scenario.json && spec hello
  hgc_bg run "${FAST[@]}" hello.yaml
  p1=$pid
  hgc_bg run "${FAST[@]}" hello.yaml
  p2=$pid
  wait $p1
  r1=$?
  wait $p2
  r2=$?
  [ $r1 -eq 0 ] && [ $r2 -eq 0 ] || fail "exits $r1 and $r2"
  py 'posts("/v2/video/generate") == 1' "two concurrent runs sent two POSTs"
  cat out.bg* >out
  py 'len(R) == 2 and all(r["status"] == "completed" for r in R)'
}

jobs() {
  start_server && spec a && spec b && spec c
  h run "${FAST[@]}" --jobs 1 a.yaml b.yaml c.yaml
  expect_rc 0
  py '[r["name"] for r in R] == ["a", "b", "c"]' "--jobs 1 finishes in order"
  py '[e["path"] for e in L if e["method"] == "POST" or e["path"].startswith("/files/")] == ["/v2/video/generate", "/files/vid_1.mp4", "/v2/video/generate", "/files/vid_2.mp4", "/v2/video/generate", "/files/vid_3.mp4"]' "--jobs 1: one video at a time"
  start_server
  rm -rf .hgc videos
  h run --poll 300ms:300ms --jobs 3 a.yaml b.yaml c.yaml
  expect_rc 0
  py '[e["method"] for e in L][:3] == ["POST"] * 3' "--jobs 3: three videos at once"
  py 'len(R) == 3 and all(r["status"] == "completed" for r in R)'
}

first_error_kept() {
  scenario '[{"render": {"outcome": "failed"}}, {"render": {"polls": 100000}}]'
  start_server --scenario scenario.json && spec a && spec b && spec c
  h run --poll 50ms:100ms --timeout 5s --jobs 1 a.yaml b.yaml c.yaml
  expect_rc 6
  py '[r["status"] for r in R] == ["failed", "timeout", "timeout"]'
}

#
# Assets and the other endpoints
#

PNG='\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89'

asset_json() { # asset_json POINTER FILE
  printf '[{"pointer": "%s", "path": "%s", "sha256": "%s", "mime": "image/png"}]' \
    "$1" "$2" "$(sha256sum "$2" | cut -c1-64)"
}

assets_once() {
  start_server
  mkdir -p img && printf "$PNG" >img/bg.png
  sha=$(sha256sum img/bg.png | cut -c1-64)
  body='{"video_inputs": [{"background": {"type": "image", "image_asset_id": "asset:sha256:'$sha'"}, "character": {"type": "avatar", "avatar_id": "a"}}]}'
  artifact one /v2/video/generate "$body" "$(asset_json /video_inputs/0/background/image_asset_id img/bg.png)"
  artifact two /v2/video/generate "${body/\"a\"/\"b\"}" "$(asset_json /video_inputs/0/background/image_asset_id img/bg.png)"
  h run "${FAST[@]}" one.json two.json
  expect_rc 0
  py 'posts("/v1/asset") == 1' "one upload for two videos"
  py '[e for e in L if e["path"] == "/v1/asset"][0]["content_type"] == "image/png"'
  py '[e for e in L if e["path"] == "/v1/asset"][0]["body_bytes"] == os.path.getsize("img/bg.png")'
  py 'all(e["body"]["video_inputs"][0]["background"]["image_asset_id"].startswith("asset_") for e in L if e["path"] == "/v2/video/generate")' "the id is put at the pointer"
  py 'S["assets"]["'$sha'"]["api"] == "v2"'
  artifact three /v2/video/generate "${body/\"a\"/\"c\"}" "$(asset_json /video_inputs/0/background/image_asset_id img/bg.png)"
  h run "${FAST[@]}" three.json
  expect_rc 0
  py 'posts("/v1/asset") == 1' "the upload is cached across runs"
  flush
  printf 'changed' >>img/bg.png
  artifact four /v2/video/generate "${body/\"a\"/\"d\"}" "[{\"pointer\": \"/video_inputs/0/background/image_asset_id\", \"path\": \"img/bg.png\", \"sha256\": \"$sha\", \"mime\": \"image/png\"}]"
  h run "${FAST[@]}" four.json
  expect_rc 1
  grep -q "changed since the artifact was built" err || fail "a changed asset is not refused"
}

spec_with_asset() {
  start_server
  cp "$ROOT/tests/compile/media/pixel.png" bg.png
  cat >bg.yaml <<'YAML'
hgc: 1
scenes:
  - avatar: Daisy-inskirt-20220818
    voice: 2d5b0e6cf36f460aa7fc47e3eee4ba54
    script: A compiled spec with a local background.
    background: {asset: bg.png, fit: cover}
YAML
  h run "${FAST[@]}" bg.yaml
  expect_rc 0
  py 'posts("/v1/asset") == 1 and [e for e in L if e["path"] == "/v1/asset"][0]["content_type"] == "image/png"'
  py '[e for e in L if e["path"] == "/v2/video/generate"][0]["body"]["video_inputs"][0]["background"]["image_asset_id"].startswith("asset_")'
  py 'R[0]["status"] == "completed"'
}

asset_upload_retried() {
  scenario '[{"method": "POST", "path": "/v3/assets", "status": 500, "headers": {"Retry-After": "0"}}]'
  start_server --scenario scenario.json
  mkdir -p img && printf "$PNG" >img/p.png
  sha=$(sha256sum img/p.png | cut -c1-64)
  artifact v3a /v3/videos '{"type": "avatar", "avatar_id": "a", "script": "hi", "background": {"type": "image", "asset_id": "asset:sha256:'$sha'"}}' "$(asset_json /background/asset_id img/p.png)"
  h run "${FAST[@]}" v3a.json
  expect_rc 0
  py 'posts("/v3/assets") == 2 and posts("/v1/asset") == 0' "v3 uploads go to /v3/assets, retried"
  py '[e for e in L if e["path"] == "/v3/assets"][-1]["content_type"].startswith("multipart/form-data")'
  py '[e for e in L if e["path"] == "/v3/videos"][0]["body"]["background"]["asset_id"].startswith("asset_")'
  py 'gets("/v3/videos/vid_1") >= 1'
}

endpoints() {
  start_server
  artifact tr /v2/video_translate '{"video_url": "https://x/y.mp4", "output_language": "es"}'
  artifact webm /v1/video.webm '{"avatar_pose_id": "p", "input_text": "hi", "voice_id": "v"}'
  artifact tmpl /v2/template/tmpl_weekly_update/generate '{"variables": {}}'
  artifact agent1 /v1/video_agent/generate '{"prompt": "a video"}'
  artifact v3 /v3/videos '{"type": "avatar", "avatar_id": "a", "script": "hi", "output_format": "webm"}'
  artifact v3agent /v3/video-agents '{"prompt": "a video"}'
  artifact v3tmpl /v3/templates/tmpl_product_launch '{"variables": {}}'
  artifact v3tr /v3/video-translations '{"video": {"type": "url", "url": "https://x/y.mp4"}, "output_languages": ["Spanish"]}'
  h run "${FAST[@]}" --jobs 8 tr.json webm.json tmpl.json agent1.json v3.json v3agent.json v3tmpl.json v3tr.json
  expect_rc 0
  py 'len(R) == 8 and all(r["status"] == "completed" for r in R)'
  py 'gets("/v1/video_translate/" + res["tr"]["video_id"]) >= 1'
  py 'gets("/v3/video-translations/" + res["v3tr"]["video_id"]) >= 1'
  py 'res["webm"]["file"] == "videos/webm.webm" and res["v3"]["file"] == "videos/v3.webm"'
  py 'res["v3agent"]["video_id"].startswith("vid_") and gets("/v3/videos/") >= 3'
  py 'all(os.path.getsize("videos/" + f) == 4096 for f in os.listdir("videos"))'
  h status "$(field tr video_id)"
  expect_rc 0
  py 'R[0]["name"] == "tr" and R[0]["status"] == "completed"'
}

live_lines_on_a_terminal() {
  command -v script >/dev/null || return 0
  start_server && spec hello
  HGC_T="$HGC" script -qec '"$HGC_T" run --poll 50ms:200ms hello.yaml' /dev/null >tty.log 2>&1 </dev/null
  grep -q 'hello' tty.log || fail "no live line"
  grep -q '"event"' tty.log && fail "JSON events on a terminal"
  grep -q '"status":"completed"' tty.log || fail "no result line"
}

# Last: nothing the suite produced holds the key.
key_never_written() {
  hits=$(grep -rlF -- "$KEY" "$tmp" 2>/dev/null)
  [ -z "$hits" ] || fail "the key is in: $hits"
  [ -n "$(ls "$tmp")" ] || fail "nothing to grep"
}

cases=(run_basic rerun_after_success rerun_missing_file submit_wait_download
  unknown_id_is_v2_video quota no_key api_key_file bad_key bases verbose
  options bad_artifacts post_429_retry_after get_5xx_retried
  get_dropped_retried get_malformed_retried post_5xx_unknown
  post_drop_unknown post_drop_after_headers_unknown post_malformed_unknown
  post_4xx_forgotten connection_refused render_failed wait_timeout
  download_window known_id_404 kill_during_wait concurrent_runs jobs
  first_error_kept assets_once spec_with_asset asset_upload_retried endpoints
  live_lines_on_a_terminal)
[ $# -gt 0 ] && cases=("$@")
for c in "${cases[@]}" key_never_written; do
  run_case "$c"
done
