#!/usr/bin/env bash
# `hgc check --online` (issue 8) against the catalogue of
# tests/fake_heygen.py, served on 127.0.0.1 only. Prints "ok X" or
# "not ok X" per case.
#
#   tests/online/NAME.yaml -> NAME.err: the whole stderr of
#     `hgc check --online NAME.yaml` (exit 0 unless the spec says
#     "# exit: N"); UPDATE=1 (or --update) rewrites them: review the diff
#   then the cases below: the default voice in explain and the artifact,
#   the cache, no key, options that need --online, offline behaviour
#
# HGC and HGC_WRAP as for tests/cli.sh. The catalogue is fetched once,
# into a cache the later checks read; the last case greps everything the
# suite produced for the API key.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
unset HEYGEN_API_KEY HGC_API_BASE HGC_UPLOAD_BASE
update=${UPDATE:-0}
[ "${1:-}" = --update ] && update=1
CAT=$tmp/catalogue.json

# h ARGS...: hgc with the key and the fake's base; stdout in $tmp/out,
# stderr in $tmp/err, exit status in $rc.
h() {
  HEYGEN_API_KEY=$KEY timeout 120 "$HGC" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}
has() { grep -qF -- "$1" "$tmp/$2"; }
# requests PREFIX: how many the fake server has seen under PREFIX
requests() { grep -c "\"path\": \"$1" "$tmp/srv.log"; }

# An hgc without libcurl fetches nothing: it says so, and exits non-zero.
if "$HGC" quota 2>&1 | grep -q 'without libcurl'; then
  h check --online --catalogue "$CAT" tests/online/good.yaml
  check online-unavailable sh -c "[ $rc -ne 0 ] && grep -q libcurl '$tmp/err'"
  exit 0
fi

if ! fake_start "$tmp"; then
  echo "not ok online-server (the fake server did not start)"
  exit 0
fi
export HGC_API_BASE=http://127.0.0.1:$PORT
export HGC_UPLOAD_BASE=$HGC_API_BASE

# The goldens: each check's message, at its line.
for spec in tests/online/*.yaml; do
  name=${spec%.yaml}
  want=$(sed -n 's/^# exit: //p' "$spec" | head -1)
  h check --online --catalogue "$CAT" "$spec"
  [ "$update" = 1 ] && cp "$tmp/err" "$name.err"
  if [ "$rc" -ne "${want:-0}" ]; then
    echo "not ok $spec (exit $rc, expected ${want:-0})"
    sed 's/^/    /' "$tmp/err" | head -20
  elif ! cmp -s "$name.err" "$tmp/err"; then
    echo "not ok $spec"
    diff -u "$name.err" "$tmp/err" 2>&1 | sed 's/^/    /' | head -30
  else
    echo "ok $spec"
  fi
done

# Every check above read one fetch of the catalogue, then the cache.
check cache-one-fetch test "$(requests /v2/avatars)" -eq 1

# The default voice: filled in, in the artifact and in explain.
DAISY=2d5b0e6cf36f460aa7fc47e3eee4ba54
TYLER=077ab11b14f04ce0b49b5f6e5cc20979
h build --online --catalogue "$CAT" -o - tests/online/default-voice.yaml
check default-voice-artifact python3 -c '
import json, sys
inputs = json.load(open(sys.argv[1]))["body"]["video_inputs"]
assert inputs[0]["voice"]["voice_id"] == sys.argv[2], inputs[0]
assert inputs[1]["voice"]["voice_id"] == sys.argv[3], inputs[1]
assert inputs[1]["voice"]["speed"] == 1.1, inputs[1]
assert "voice_id" not in inputs[2]["voice"], inputs[2]
' "$tmp/out" "$DAISY" "$TYLER"
h explain --online --catalogue "$CAT" tests/online/default-voice.yaml
check default-voice-explain sh -c "[ $rc -eq 0 ] && grep -qx '  scene 1: voice $DAISY, the default of avatar Daisy-inskirt-20220818' '$tmp/out' && grep -qx '  scene 2: voice $TYLER, the default of avatar Tyler-incasualsuit-20220721' '$tmp/out' && [ \$(grep -c ': voice ' '$tmp/out') -eq 2 ]"
h explain tests/online/good.yaml
check explain-names-no-voice sh -c "[ $rc -eq 0 ] && ! grep -q ': voice ' '$tmp/out'"
# Offline, a script still needs a voice.
h check tests/online/default-voice.yaml
check default-voice-offline sh -c "[ $rc -eq 1 ] && grep -q 'scene 1 has a script but no voice id' '$tmp/err'"
# submit --online sends the filled voice.
h submit --online --catalogue "$CAT" --state "$tmp/state.json" \
  tests/online/default-voice.yaml
check submit-online python3 -c '
import json, sys
posts = [e for e in map(json.loads, open(sys.argv[1]))
         if e["method"] == "POST" and e["path"] == "/v2/video/generate"]
assert int(sys.argv[3]) == 0, "exit " + sys.argv[3]
assert len(posts) == 1, posts
voice = posts[0]["body"]["video_inputs"][0]["voice"]
assert voice["voice_id"] == sys.argv[2], voice
' "$tmp/srv.log" "$DAISY" "$rc"

# Warnings are errors under --werror; offline, language: is only text.
h check --online --werror --catalogue "$CAT" tests/online/pause-unsupported.yaml
check pause-werror sh -c "[ $rc -eq 1 ] && grep -q 'does not support pauses' '$tmp/err'"
h check tests/online/language-mismatch.yaml tests/online/pause-unsupported.yaml
check offline-no-warnings sh -c "[ $rc -eq 0 ] && [ ! -s '$tmp/err' ]"

# No key and no cache: one message naming --online, exit 3, no request.
before=$(wc -l <"$tmp/srv.log")
timeout 60 "$HGC" check --online --catalogue "$tmp/none.json" \
  tests/online/good.yaml >"$tmp/out" 2>"$tmp/err"
rc=$?
check no-key sh -c "[ $rc -eq 3 ] && grep -q 'hgc check --online' '$tmp/err' && [ \$(wc -l <'$tmp/srv.log') -eq $before ] && [ ! -e '$tmp/none.json' ]"
# The catalogue options serve --online only, outside the browse commands.
h check --refresh tests/online/good.yaml
check refresh-needs-online sh -c "[ $rc -eq 2 ] && grep -q -- '--refresh needs --online' '$tmp/err'"
h build -o - --catalogue "$CAT" tests/online/good.yaml
check catalogue-needs-online sh -c "[ $rc -eq 2 ] && grep -q -- '--catalogue needs --online' '$tmp/err'"
# --refresh fetches again, even with a fresh cache.
h check --online --refresh --catalogue "$CAT" tests/online/good.yaml
check refresh-fetches sh -c "[ $rc -eq 0 ] && [ $(requests /v2/avatars) -eq 2 ]"

stop_server
check key-nowhere sh -c "! grep -rqF -- '$KEY' '$tmp'"
