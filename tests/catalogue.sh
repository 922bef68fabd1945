#!/usr/bin/env bash
# The catalogue commands (hgc avatars | avatar | voices | templates |
# template) and the catalogue cache, against tests/fake_heygen.py on
# 127.0.0.1 only, one fresh server per case, as tests/runtime.sh does.
# Each case prints "ok NAME" or "not ok NAME" with what went wrong, and
# asserts on exit codes, stdout (JSON, or a table with --format table),
# stderr, the server's log (which counts the requests) and the cache file.
# The last case greps everything the suite produced for the API key.
#
#   tests/catalogue.sh          the tests (HGC, HGC_WRAP as for tests/cli.sh)
#   tests/catalogue.sh CASE...  only these cases (and the key check)
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
unset HEYGEN_API_KEY HGC_API_BASE HGC_UPLOAD_BASE
umask 022

# start_server [ARGS...]: a fresh fake in the current directory, the API
# base pointed at it; its log, one JSON line per request, is ./srv.log.
start_server() {
  if ! fake_start . "$@"; then
    fail "the fake server did not start: $(cat srv.out)"
    return 1
  fi
  export HGC_API_BASE=http://127.0.0.1:$PORT
}

# h ARGS...: runs hgc (bounded), stdout to ./out, stderr to ./err, exit
# status in $rc.
h() {
  timeout 120 "$HGC" "$@" >out 2>err
  rc=$?
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "exit $rc, expected $1: $(head -3 err)"; }
requests() { if [ -e srv.log ]; then wc -l <srv.log; else echo 0; fi; }
expect_requests() { # expect_requests N WHY: the server saw N in all
  [ "$(requests)" -eq "$1" ] || fail "$2: $(requests) requests, expected $1"
}
has() { grep -qF -- "$1" "${2:-out}" || fail "no '$1' in ${2:-out}"; }

# py EXPR [WHY]: a Python expression over O (stdout as JSON), C (the cache
# file, or None) and L (the server's log) must hold.
py() {
  python3 - "$1" "${2:-$1}" <<'PY' || bad=1
import json, os, sys
def load(p):
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return None
O = load("out")
C = load(os.environ.get("CACHE", ".hgc/catalogue.json"))
L = [json.loads(l) for l in open("srv.log")] if os.path.exists("srv.log") else []
try:
    ok = eval(sys.argv[1])
except Exception as e:
    ok, sys.argv[2] = False, "%s (%s: %s)" % (sys.argv[2], type(e).__name__, e)
if not ok:
    print("    " + sys.argv[2])
    sys.exit(1)
PY
}

# scenario JSON: the server's fault rules from now on.
scenario() {
  python3 - "$HGC_API_BASE/__fake/scenario" "$1" <<'PY' || fail "scenario refused"
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], sys.argv[2].encode(), timeout=10)
PY
}

# age_cache SECONDS: the cache says it was fetched that long ago.
age_cache() {
  python3 - "$1" <<'PY'
import json, sys, time
p = ".hgc/catalogue.json"
d = json.load(open(p))
d["fetched_at"] = int(time.time()) - int(sys.argv[1])
json.dump(d, open(p, "w"))
PY
}


# Five requests make the fake's catalogue: three lists, two templates.
FETCH=5

#
# Without libcurl: a fresh cache is read, nothing can be fetched
#

no_runtime() {
  python3 - <<'PY'
import json, os, time
os.makedirs(".hgc")
json.dump({"format": 1, "fetched_at": int(time.time()), "avatars": [],
           "talking_photos": [], "voices": [],
           "templates": [{"template_id": "t1", "name": "One",
                          "variables": [{"name": "a", "type": "text"}]}]},
          open(".hgc/catalogue.json", "w"))
PY
  h template t1
  expect_rc 0
  py 'O["variables"] == [{"name": "a", "type": "text"}]'
  h templates --refresh
  expect_rc 2
  has "built without libcurl; 'hgc templates' cannot fetch the catalogue" err
}

if "$HGC" quota 2>&1 | grep -q 'built without libcurl'; then
  run_case no_runtime
  exit 0
fi

#
# The commands
#

avatars_json() {
  start_server || return
  h avatars
  expect_rc 0
  py 'sorted(O) == ["avatars", "talking_photos"]' "two lists"
  py '[a["avatar_name"] for a in O["avatars"]] == ["Anna", "Daisy", "Josh", "Lucia", "Tyler"]' "avatars sorted by name"
  py '[t["talking_photo_name"] for t in O["talking_photos"]] == ["Office headshot", "Studio portrait"]'
  py 'all(sorted(a) == ["avatar_id", "avatar_name", "default_voice_id", "gender", "preview_image_url"] for a in O["avatars"])' "avatar fields"
  py 'open("out").read() == json.dumps(O, indent=2, sort_keys=True) + "\n"' "canonical JSON"
  expect_requests $FETCH "one fetch"
  py 'sorted(e["path"] for e in L) == ["/v2/avatars", "/v2/template/tmpl_product_launch", "/v2/template/tmpl_weekly_update", "/v2/templates", "/v2/voices"]'
  py 'all(e["method"] == "GET" and e["auth"] == "ok" and e["status"] == 200 for e in L)' "GETs with the key"
  [ -s err ] && fail "stderr is not empty"
}

voices_json() {
  start_server || return
  h voices
  expect_rc 0
  py 'list(O) == ["voices"] and [v["name"] for v in O["voices"]] == ["Jonas", "Lucia", "Mark", "Paul", "Rachel", "Sara"]'
  py 'next(v for v in O["voices"] if v["name"] == "Mark")["support_pause"] is False'
  py 'all(len(v) == 7 for v in O["voices"])' "voice fields"
}

templates_json() {
  start_server || return
  h templates
  expect_rc 0
  py '[t["template_id"] for t in O["templates"]] == ["tmpl_product_launch", "tmpl_weekly_update"]'
  py 'O["templates"][1]["variables"] == [{"max_length": 40, "name": "headline", "type": "text"}, {"name": "summary", "type": "text"}]' "variables normalised and sorted"
}

tables() {
  start_server || return
  h avatars --format table
  expect_rc 0
  head -1 out | grep -qE '^avatar +name +gender +default voice$' || fail "avatars header: $(head -1 out)"
  grep -qE '^Daisy-inskirt-20220818 +Daisy +female +Rachel \(English\)$' out || fail "Daisy's row"
  grep -qE '^tp_5f1e2d3c4b5a +Studio portrait +- +\(talking photo\)$' out || fail "a talking photo's row"
  [ "$(wc -l <out)" -eq 8 ] || fail "8 lines expected"
  # Aligned: every row's second column starts where the header's does.
  [ "$(awk '{ match($0, /  +/); print RSTART + RLENGTH }' out | sort -u | wc -l)" -eq 1 ] ||
    fail "columns not aligned"
  h voices --format table
  grep -qE '^voice +name +language +gender +pauses +emotions$' out || fail "voices header"
  grep -qE '^9c4e2a7f1d3b4e6a8f0b2c4d6e8fa1b3 +Mark +English +male +no +no$' out || fail "Mark's row"
  h templates --format table
  grep -qE '^tmpl_weekly_update +Weekly update +2$' out || fail "a template's row"
  h template tmpl_weekly_update --format table
  has "template  tmpl_weekly_update"
  grep -qE '^headline +text +40$' out || fail "a variable with a max length"
  grep -qE '^summary +text +-$' out || fail "a variable without"
  h avatars --format=json
  py '"avatars" in O' "--format json"
  expect_requests $FETCH "tables come from the cache"
}

# On a terminal, a table without --format.
table_on_a_terminal() {
  command -v script >/dev/null || return 0
  start_server || return
  HGC_T="$HGC" script -qec '"$HGC_T" voices' /dev/null >tty.log 2>&1 </dev/null
  grep -qE 'Rachel +English' tty.log || fail "no table on a terminal"
  grep -q '"voice_id"' tty.log && fail "JSON on a terminal"
}

filters() {
  start_server || return
  h avatars --search DAISY
  py '[a["avatar_id"] for a in O["avatars"]] == ["Daisy-inskirt-20220818"] and O["talking_photos"] == []' "--search a name, any case"
  h avatars --search incasual
  py '[a["avatar_name"] for a in O["avatars"]] == ["Tyler"]' "--search an id"
  h avatars --search portrait
  py 'O["avatars"] == [] and [t["talking_photo_id"] for t in O["talking_photos"]] == ["tp_5f1e2d3c4b5a"]' "--search a talking photo"
  h avatars --gender Male
  py '[a["avatar_name"] for a in O["avatars"]] == ["Josh", "Tyler"] and O["talking_photos"] == []' "--gender"
  h avatars --gender female --search a
  py '[a["avatar_name"] for a in O["avatars"]] == ["Anna", "Daisy", "Lucia"]' "both"
  h voices --language SPANISH
  py '[v["name"] for v in O["voices"]] == ["Lucia"]' "--language"
  h voices --language english --gender male
  py '[v["name"] for v in O["voices"]] == ["Mark", "Paul"]' "--language and --gender"
  h voices --language Klingon --format table
  expect_rc 0
  [ "$(cat out)" = "nothing matches" ] || fail "an empty table"
  h voices --search x
  expect_rc 2
  has "option '--search' does not apply to 'hgc voices'" err
}

avatar_details() {
  start_server || return
  h avatar Josh_lite3_20230714
  expect_rc 0
  py 'O["avatar_id"] == "Josh_lite3_20230714" and O["default_voice_id"] == "077ab11b14f04ce0b49b5f6e5cc20979"'
  py 'O["default_voice"]["name"] == "Paul" and O["default_voice"]["language"] == "English"' "the default voice's details"
  h avatar Josh_lite3_20230714 --format table
  grep -qE '^default voice +077ab11b14f04ce0b49b5f6e5cc20979$' out || fail "default voice line"
  grep -qE '^  name +Paul$' out || fail "the voice's name"
  grep -qE '^  language +English$' out || fail "the voice's language"
  h avatar tp_a1b2c3d4e5f6
  expect_rc 0
  py 'O == {"talking_photo_id": "tp_a1b2c3d4e5f6", "talking_photo_name": "Office headshot"}' "a talking photo"
  h template tmpl_product_launch
  expect_rc 0
  py 'O["name"] == "Product launch" and [v["name"] for v in O["variables"]] == ["presenter_script", "product_name"]'
}

unknown_id() {
  start_server || return
  h avatar Dasy
  expect_rc 1
  [ -s out ] && fail "stdout not empty"
  has "hgc: no avatar or talking photo 'Dasy' in the account's catalogue" err
  has "hint: did you mean 'Daisy-inskirt-20220818' (named 'Daisy')?" err
  h avatar Josh_lite3_2023071
  expect_rc 1
  has "hint: did you mean 'Josh_lite3_20230714'?" err
  h template tmpl_weekly_updat
  expect_rc 1
  has "hgc: no template 'tmpl_weekly_updat' in the account's catalogue" err
  has "hint: did you mean 'tmpl_weekly_update'?" err
  h template "Weekly updat"
  has "hint: did you mean 'tmpl_weekly_update' (named 'Weekly update')?" err
  h avatar zzzzzzzzzzzzzzzz
  expect_rc 1
  has "hint: 'hgc avatars' lists them; --refresh fetches the catalogue again" err
  expect_requests $FETCH "one fetch for all"
}

usage() {
  start_server || return
  for args in "template" "avatar a b" "avatars x" "templates x" \
    "avatars --format xml" "voices --max-age 0" "voices --max-age 1d" \
    "voices --timeout soon" "avatars --language en" "templates --gender f"; do
    # shellcheck disable=SC2086
    h $args
    [ "$rc" -eq 2 ] || fail "'hgc $args': exit $rc, expected 2"
  done
  h voices --max-age 1d
  has "hgc: --max-age takes a duration such as 20m or 90s, not '1d'" err
  expect_requests 0 "usage errors send nothing"
  h avatars --help
  expect_rc 0
  has "--refresh"
  has "--max-age DURATION"
}

#
# The cache
#

cache_reused() {
  start_server || return
  h voices
  expect_rc 0
  py 'C["format"] == 1 and abs(C["fetched_at"] - __import__("time").time()) < 60' "format and fetched_at"
  py 'sorted(C) == ["avatars", "fetched_at", "format", "talking_photos", "templates", "voices"]'
  py 'open(".hgc/catalogue.json").read() == json.dumps(C, indent=2, sort_keys=True) + "\n"' "canonical JSON"
  py 'oct(os.stat(".hgc/catalogue.json").st_mode & 0o777) == "0o644"' "0644"
  py '[f for f in os.listdir(".hgc") if f != "catalogue.json"] == []' "no temp files left"
  for c in avatars voices templates "template tmpl_product_launch" \
    "avatar Anna_public_3_20240108"; do
    # shellcheck disable=SC2086
    h $c
    expect_rc 0
  done
  expect_requests $FETCH "the cache was not used"
  unset HEYGEN_API_KEY
  h templates
  expect_rc 0
  expect_requests $FETCH "a fresh cache needs no key"
}

refresh() {
  start_server || return
  h voices
  h voices --refresh
  expect_rc 0
  expect_requests $((2 * FETCH)) "--refresh fetches"
  h voices
  expect_requests $((2 * FETCH)) "and saves"
}

expired() {
  start_server || return
  h voices
  age_cache $((25 * 3600))
  h voices
  expect_rc 0
  expect_requests $((2 * FETCH)) "a cache older than 24h is fetched again"
  py 'abs(C["fetched_at"] - __import__("time").time()) < 60' "and saved with a new time"
  age_cache 7200
  h voices --max-age 3h
  expect_requests $((2 * FETCH)) "2h is younger than --max-age 3h"
  h voices --max-age 90m
  expect_requests $((3 * FETCH)) "2h is older than --max-age 90m"
  age_cache -3600
  h voices
  expect_requests $((4 * FETCH)) "a time ahead of the clock is not trusted"
}

corrupt_cache() {
  start_server || return
  mkdir .hgc
  n=0
  for text in '{"format": 1, "fetched_at"' '[1, 2]' '{"format": 2}' \
    '{"format": 1, "fetched_at": 1, "avatars": [{"avatar_name": "x"}], "talking_photos": [], "voices": [], "templates": []}'; do
    printf '%s' "$text" >.hgc/catalogue.json
    h avatars
    expect_rc 0
    n=$((n + FETCH))
    expect_requests $n "'$text' is fetched again"
    has "hgc: warning: the catalogue cache '.hgc/catalogue.json' is unusable (" err
    has "); fetching the catalogue again" err
    py 'C["format"] == 1 and len(C["avatars"]) == 5' "rewritten"
  done
  printf '{"format": 2, "fetched_at": 1}' >.hgc/catalogue.json
  h avatars
  has "it is in format 2; this hgc reads format 1" err
  # A far-future fetched_at in a valid cache is refetched too.
  age_cache -99999999999
  h avatars
  expect_rc 0
}

catalogue_option() {
  start_server || return
  h templates --catalogue cache/cat.json
  expect_rc 0
  [ -e .hgc ] && fail ".hgc made despite --catalogue"
  CACHE=cache/cat.json py 'C["format"] == 1'
  h templates --catalogue=cache/cat.json
  expect_requests $FETCH "--catalogue FILE is read back"
  # A cache that cannot be written costs a warning, not the answer.
  touch afile
  h templates --catalogue afile/cat.json
  expect_rc 0
  has "hgc: warning: the catalogue was not saved to 'afile/cat.json': Not a directory" err
  py '"templates" in O' "the answer despite the unsaved cache"
}

no_key() {
  start_server || return
  unset HEYGEN_API_KEY
  h avatars
  expect_rc 3
  has "hgc: 'hgc avatars' needs the API key to fetch the catalogue: HEYGEN_API_KEY is not set" err
  has "hint: export HEYGEN_API_KEY=..., or pass --api-key-file FILE" err
  [ -s out ] && fail "stdout not empty"
  [ -e .hgc ] && fail "a cache directory was made without a key"
  HEYGEN_API_KEY="  " h template tmpl_weekly_update
  expect_rc 3
  has "the key in HEYGEN_API_KEY is empty" err
  h voices --api-key-file nope
  expect_rc 3
  has "cannot read --api-key-file 'nope'" err
  expect_requests 0 "requests were made without a key"
  printf '\n  %s \n' "$KEY" >"$keydir/key"
  h voices --api-key-file "$keydir/key"
  expect_rc 0
  expect_requests $FETCH "--api-key-file is used"
}

api_errors() {
  start_server || return
  HEYGEN_API_KEY=sk-wrong-key h voices
  expect_rc 3
  has "hgc: catalogue: GET /v2/" err
  has "hint: check the key in HEYGEN_API_KEY or --api-key-file" err
  [ -e .hgc/catalogue.json ] && fail "a failed fetch was saved"
  scenario '[{"path": "/v2/template/tmpl_weekly_update", "status": 404, "times": -1}]'
  h templates
  expect_rc 5
  has "hgc: catalogue: GET /v2/template/tmpl_weekly_update: " err
  [ -e .hgc/catalogue.json ] && fail "a failed fetch was saved"
  scenario '[{"path": "/v2/voices", "status": 200, "body": {"data": {}}}]'
  h templates
  expect_rc 5
  has "hgc: catalogue: the answer to GET /v2/voices has no 'data.voices' list" err
  scenario '[{"path": "/v2/avatars", "status": 503, "times": 1}]'
  h avatars --verbose
  expect_rc 0
  has "hgc: warning: GET $HGC_API_BASE/v2/avatars: retrying in" err
  has "hgc: GET $HGC_API_BASE/v2/voices -> 200 (" err
  HGC_API_BASE=http://example.com h avatars --refresh
  expect_rc 2
  has "HGC_API_BASE 'http://example.com' is refused" err
}

# Last: nothing the suite produced holds the key.
key_never_written() {
  hits=$(grep -rlF -- "$KEY" "$tmp" 2>/dev/null)
  [ -z "$hits" ] || fail "the key is in: $hits"
  [ -n "$(ls "$tmp")" ] || fail "nothing to grep"
}

cases=(avatars_json voices_json templates_json tables table_on_a_terminal
  filters avatar_details unknown_id usage cache_reused refresh expired
  corrupt_cache catalogue_option no_key api_errors)
[ $# -gt 0 ] && cases=("$@")
for c in "${cases[@]}" key_never_written; do
  run_case "$c"
done
