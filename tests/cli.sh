#!/usr/bin/env bash
# Command-line behaviour of hgc, in the spirit of chibicc's driver.sh:
# each check prints "ok NAME" or "not ok NAME" with what went wrong.
set -u
cd "$(dirname "$0")/.."
HGC=$(realpath "${HGC:-./hgc}")
export NO_COLOR=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Work inside the temp directory: it is its own project root (no git).
cd "$tmp"
if [ -n "${HGC_WRAP:-}" ]; then # run every hgc under a tool (valgrind)
  printf '#!/bin/sh\nexec %s %s "$@"\n' "$HGC_WRAP" "$HGC" >"$tmp/hgc-wrapped"
  chmod +x "$tmp/hgc-wrapped"
  HGC=$tmp/hgc-wrapped
fi

check() { # check NAME COMMAND... : passes when COMMAND succeeds
  local name=$1
  shift
  if "$@" >"$tmp/check.log" 2>&1; then
    echo "ok $name"
  else
    echo "not ok $name"
    sed 's/^/    /' "$tmp/check.log" | head -20
  fi
}

# expect_exit CODE CMD...: CMD exits with CODE; its output is kept in
# $tmp/out and $tmp/err for the checks that follow.
expect_exit() {
  local want=$1
  shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -eq "$want" ] || { echo "exit $rc, expected $want"; cat "$tmp/err"; return 1; }
}

cat >good.yaml <<'YAML'
hgc: 1
scenes:
  - avatar: Daisy-inskirt-20220818
    voice: 2d5b0e6cf36f460aa7fc47e3eee4ba54
    script: Hello there. <break time="1s"/> Welcome!
YAML
cat >other.yaml <<'YAML'
hgc: 1
name: other
scenes:
  - talking_photo: tp_1
    silence: 2s
YAML
cat >bad.yaml <<'YAML'
hgc: 1
titel: x
test: on
scenes:
  - avatar: a
    voic: v
    script: hi
YAML
cat >lint.yaml <<'YAML'
hgc: 1
scenes:
  - avatar: a
    voice: v
    script: Wait for it. <break time="4s"/> Done.
YAML

check version sh -c "'$HGC' --version | grep -qx 'hgc [0-9.]* (spec format 1)'"
check help-stdout sh -c "'$HGC' --help | grep -q '^usage: hgc COMMAND'"
check help-lists-options sh -c "'$HGC' --help | grep -q -- '--werror'"
check build-help sh -c "'$HGC' build --help | grep -q -- '--body'"
check no-args expect_exit 2 "$HGC"
check unknown-command sh -c "'$HGC' frobnicate 2>&1 >/dev/null | grep -q \"unknown command 'frobnicate'\"; test \$? -eq 0"
check unknown-command-exit expect_exit 2 "$HGC" frobnicate
check unknown-option expect_exit 2 "$HGC" build --frob good.yaml
check option-needs-value expect_exit 2 "$HGC" build good.yaml -o
check option-wrong-command expect_exit 2 "$HGC" check --body good.yaml
check no-spec expect_exit 2 "$HGC" build
check bad-plan expect_exit 2 "$HGC" check --plan gold good.yaml
check bad-diagnostics expect_exit 2 "$HGC" check --diagnostics=xml good.yaml
check missing-file expect_exit 1 "$HGC" build -o - nope.yaml

# -o DIR writes NAME.json, identical to -o -, and leaves no temp files.
"$HGC" build -o outdir good.yaml other.yaml >/dev/null 2>&1
"$HGC" build -o - good.yaml >"$tmp/stdout.json" 2>/dev/null
check out-dir-files test -f "$tmp/outdir/good.json" -a -f "$tmp/outdir/other.json"
check out-dir-no-temp sh -c "test \$(ls -A '$tmp/outdir' | wc -l) -eq 2"
check out-dir-same-as-stdout cmp "$tmp/outdir/good.json" "$tmp/stdout.json"
check trailing-newline sh -c "tail -c1 '$tmp/stdout.json' | od -c | grep -q '\\\\n'"

# -o - with several specs: a stream of documents, in command-line order.
"$HGC" build -o - other.yaml good.yaml >"$tmp/stream" 2>/dev/null
check stream-order sh -c "grep '^  \"name\"' '$tmp/stream' | tr -d ' \n' | grep -q '\"name\":\"other\",\"name\":\"good\",'"

check body-only sh -c "'$HGC' build -o - --body good.yaml | grep -q '^  \"video_inputs\"' && ! '$HGC' build -o - --body good.yaml | grep -q '\"hgc\"'"

# Same input, same bytes: no dependence on the clock, locale or zone.
TZ=Asia/Tokyo LC_ALL=C.UTF-8 "$HGC" build -o - good.yaml >"$tmp/again.json" 2>/dev/null
check deterministic cmp "$tmp/stdout.json" "$tmp/again.json"

# Errors: every one in one run, exit 1, and no output file at all.
check errors-exit expect_exit 1 "$HGC" build -o "$tmp/bad-out" bad.yaml
check errors-all-reported sh -c "test \$(grep -c ': error: ' '$tmp/err') -eq 3"
check errors-no-output test ! -e "$tmp/bad-out"
check errors-summary grep -qx 'hgc: 3 errors' "$tmp/err"
check errors-position grep -q "bad.yaml:2:1: error: unknown key 'titel' at the top level" "$tmp/err"
check errors-hint grep -q "hint: did you mean 'title'?" "$tmp/err"
check errors-caret sh -c "grep -A2 'bad.yaml:2:1' '$tmp/err' | grep -qx '      | ^'"
# One bad spec among good ones: nothing is written.
check all-or-nothing expect_exit 1 "$HGC" build -o "$tmp/mixed" good.yaml bad.yaml
check all-or-nothing-no-dir test ! -e "$tmp/mixed"

check json-diagnostics sh -c "'$HGC' check --diagnostics=json bad.yaml 2>&1 >/dev/null | head -1 | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); assert d[\"line\"]==2 and d[\"col\"]==1 and d[\"severity\"]==\"error\" and d[\"hint\"]==\"did you mean '\\''title'\\''?\", d'"
check json-diagnostics-every-line sh -c "'$HGC' check --diagnostics=json bad.yaml 2>&1 >/dev/null | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'"

# Warnings: shown, exit 0; errors under --werror; hidden by --quiet.
check lint-warns expect_exit 0 "$HGC" check lint.yaml
check lint-warning-text grep -q 'warning: ' "$tmp/err"
check werror expect_exit 1 "$HGC" check --werror lint.yaml
check quiet sh -c "'$HGC' check -q lint.yaml 2>&1 | wc -c | grep -qx 0"
check check-silent-on-success sh -c "'$HGC' check good.yaml 2>&1 | wc -c | grep -qx 0"

# --plan changes the script limit.
long=$(python3 -c "print('word ' * 120)")
printf 'hgc: 1\nscenes:\n  - avatar: a\n    voice: v\n    script: "%s"\n' "$long" >long.yaml
check plan-creator expect_exit 0 "$HGC" check long.yaml
check plan-free expect_exit 1 "$HGC" check --plan free long.yaml

# --check: current output passes, a changed or missing file exits 7.
"$HGC" build -o "$tmp/ci" good.yaml other.yaml 2>/dev/null
check drift-none expect_exit 0 "$HGC" build --check -o "$tmp/ci" good.yaml other.yaml
echo ' ' >>"$tmp/ci/good.json"
rm "$tmp/ci/other.json"
check drift-found expect_exit 7 "$HGC" build --check -o "$tmp/ci" good.yaml other.yaml
check drift-lists-stale grep -q 'good.json: stale' "$tmp/err"
check drift-lists-missing grep -q 'other.json: missing' "$tmp/err"
check drift-writes-nothing test ! -e "$tmp/ci/other.json"

# explain: a row per scene and a total.
check explain sh -c "'$HGC' explain good.yaml | grep -Eq '^ +1  script +3 +1s +2.2'"
check explain-total sh -c "'$HGC' explain good.yaml | grep -Eq '^total'"
check explain-silence sh -c "'$HGC' explain other.yaml | grep -Eq '^ +1  silence .* 2.0$'"
