#!/usr/bin/env bash
# Runs the hostile-input catalogue against hgc and prints "ok NAME" or
# "not ok NAME" per case (tests/run.sh adds them up).
#
#   tests/hostile/run.sh [PATTERN]   only the cases whose name has PATTERN
#
# tests/hostile/make_cases.py writes the cases into a temp directory (big
# files are never committed). Each case runs in its own project root and
# must:
#   - end within the time limit (20 s; HOSTILE_TIMEOUT, or 300 s under
#     HGC_WRAP): a hang is a failure
#   - exit with its status (1: an invalid spec)
#   - print exactly its number of error diagnostics, one as a rule, counted
#     as the lines holding ": error: " (file:line:col: error: ..., and
#     "hgc: error: ..." for an error with no position); the error limit
#     is 100 lines then "hgc: too many errors"
#   - name the problem: its error line holds the expected text
#   - write no output (no out/ directory)
#   - keep stderr printable and small: no control characters but line
#     breaks and tabs, no C1 controls, no line starting with "::" (a CI
#     log command), under 512 KiB
#   - never print the API key (HEYGEN_API_KEY is set for every case)
#   - raise no sanitizer or valgrind report
set -u
cd "$(dirname "$0")/../.."
HGC=$(realpath "${HGC:-./hgc}")
WRAP=${HGC_WRAP:-}
if [ -n "$WRAP" ]; then LIMIT=${HOSTILE_TIMEOUT:-300}; else LIMIT=${HOSTILE_TIMEOUT:-20}; fi
pattern=${1:-}
export NO_COLOR=1 LC_ALL=C HEYGEN_API_KEY=sk-hostile-$$-never-printed
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

if ! python3 tests/hostile/make_cases.py "$tmp/cases" >"$tmp/log" 2>&1; then
  echo "not ok tests/hostile/make_cases.py"
  sed 's/^/    /' "$tmp/log"
  exit 1
fi

# check_case DIR: runs one case; prints why it failed, nothing if it passed.
check_case() {
  local dir=$1 err=$tmp/err
  local -a argv
  mapfile -d '' -t argv <"$dir/args"
  local want errors expect rc n
  want=$(cat "$dir/exit")
  errors=$(cat "$dir/errors")
  expect=$(cat "$dir/expect")
  # shellcheck disable=SC2086
  (cd "$dir/root" && exec timeout -k 5 "$LIMIT" $WRAP "$HGC" "${argv[@]}") \
    >"$tmp/out" 2>"$err"
  rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "timed out after ${LIMIT}s"
    return
  fi
  [ "$rc" -eq "$want" ] || echo "exit $rc, expected $want"
  n=$(grep -c ': error: ' "$err")
  if [ "$errors" = cap ]; then
    [ "$n" -eq 100 ] && grep -q '^hgc: too many errors' "$err" ||
      echo "expected the error limit (100 errors, then 'too many errors'), found $n"
  elif [ "$n" -ne "$errors" ]; then
    echo "$n error lines, expected $errors"
  fi
  if [ -n "$expect" ]; then
    if [ "$want" -eq 2 ]; then
      grep -qF -- "$expect" "$err" || echo "no message with '$expect'"
    else
      grep ': error: ' "$err" | grep -qF -- "$expect" ||
        echo "no error with '$expect'"
    fi
  fi
  [ "$want" -ne 0 ] && [ -e "$dir/root/out" ] && echo "wrote output"
  [ -n "$(tr -d '\n\t\040-\176\200-\377' <"$err")" ] &&
    echo "control characters on stderr"
  grep -q $'\xc2[\x80-\x9f]' "$err" && echo "C1 control characters on stderr"
  grep -q '^::' "$err" && echo "a line starts with '::'"
  [ "$(wc -c <"$err")" -lt 524288 ] || echo "stderr is $(wc -c <"$err") bytes"
  grep -qF "$HEYGEN_API_KEY" "$err" "$tmp/out" && echo "printed the API key"
  grep -qE 'Sanitizer|runtime error:|^==[0-9]+==' "$err" &&
    echo "a sanitizer or valgrind report"
}

for dir in "$tmp"/cases/*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  case $name in *"$pattern"*) ;; *) continue ;; esac
  if [ -e "$dir/skip" ]; then
    echo "ok $name # skip: $(cat "$dir/skip")"
    continue
  fi
  check_case "$dir" >"$tmp/why"
  if [ -s "$tmp/why" ]; then
    echo "not ok $name"
    sed 's/^/    /' "$tmp/why"
    head -c 2000 "$tmp/err" | head -12 | cut -c1-200 | sed 's/^/    | /'
  else
    echo "ok $name"
  fi
  chmod -R u+rwx "$dir" 2>/dev/null
  rm -rf "$dir"
done
