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

# Errors: every one in one run (the three mistakes, and no knock-on
# "no voice id" for the misspelt voice), exit 1, and no output file.
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

# Variables from the environment (issue 4): only names listed under env:,
# and nothing else in the environment changes the output.
mkdir env && cat >env/env.yaml <<'YAML'
hgc: 1
env: [HGC_T_COLOUR, HGC_T_SPEED, HGC_T_UNSET]
title: "Built for ${env.HGC_T_UNSET:-everyone}"
defaults:
  avatar: Daisy-inskirt-20220818
  voice: {id: v1, speed: "${env.HGC_T_SPEED}"}
  background: ${env.HGC_T_COLOUR}
scenes:
  - script: Hello.
YAML
printf 'hgc: 1\nenv: [HGC_T_UNSET]\ntitle: ${env.HGC_T_UNSET}\nscenes:\n  - avatar: a\n    silence: 1s\n' >env/unset.yaml
printf 'hgc: 1\ntitle: ${env.HOME}\nscenes:\n  - avatar: a\n    silence: 1s\n' >env/unlisted.yaml
unset HGC_T_UNSET
check env-listed expect_exit 0 env HGC_T_COLOUR='#abcdef' HGC_T_SPEED=1.5 "$HGC" build -o - env/env.yaml
check env-listed-value grep -q '"value": "#ABCDEF"' "$tmp/out"
check env-listed-number grep -q '"speed": 1.5,' "$tmp/out"
check env-unset-fallback grep -q '"title": "Built for everyone"' "$tmp/out"
cp "$tmp/out" "$tmp/env-1.json"
check env-nothing-else expect_exit 0 env -i PATH="$PATH" HGC_T_COLOUR='#abcdef' HGC_T_SPEED=1.5 NO_COLOR=1 TZ=Pacific/Chatham LC_ALL=C.UTF-8 LANG=de_DE.UTF-8 HOME=/nowhere USER=someone HGC_T_OTHER=x "$HGC" build -o - env/env.yaml
check env-nothing-else-same cmp "$tmp/env-1.json" "$tmp/out"
check env-unset expect_exit 1 "$HGC" build -o - env/unset.yaml
check env-unset-message grep -q "env/unset.yaml:3:8: error: environment variable 'HGC_T_UNSET' is not set" "$tmp/err"
check env-unset-hint grep -q 'hint: set it, or give a default: ${env.HGC_T_UNSET:-VALUE}' "$tmp/err"
printf 'hgc: 1\nenv: [HGC_T_EMPTY]\ntitle: "[${env.HGC_T_EMPTY}] [${env.HGC_T_EMPTY:-empty}]"\nscenes:\n  - avatar: a\n    silence: 1s\n' >env/empty.yaml
check env-empty expect_exit 0 env HGC_T_EMPTY= "$HGC" build -o - env/empty.yaml
check env-empty-falls-back grep -q '"title": "\[\] \[empty\]"' "$tmp/out"
check env-unlisted expect_exit 1 env HOME=/home/x "$HGC" build -o - env/unlisted.yaml
check env-unlisted-message grep -q "error: environment variable 'HOME' is not listed under 'env:'" "$tmp/err"
check env-unlisted-no-value sh -c "! grep -q /home/x '$tmp/err'"
# -D values are YAML scalars: true is a bool, 'true' a string; spaces and
# quotes arrive as the shell passes them.
printf 'hgc: 1\ntitle: ${title}\ntest: ${flag}\nscenes:\n  - avatar: a\n    silence: 1s\n' >define.yaml
check define-spaces expect_exit 0 "$HGC" build -o - -D 'title=Hello, world: #1' -D flag=true define.yaml
check define-spaces-value grep -q '"title": "Hello, world: #1"' "$tmp/out"
check define-bool grep -q '"test": true' "$tmp/out"
check define-bool-not-text expect_exit 1 "$HGC" build -o - -D title=true -D flag=true define.yaml
check define-quoted-string expect_exit 0 "$HGC" build -o - -D "title='true'" -D flag=true define.yaml
check define-quoted-string-value grep -q '"title": "true"' "$tmp/out"

# Includes and the project root on disk (issue 4): the root is --root, else
# the git work tree, else the cwd; symlinks are resolved before the check.
mkdir -p root/proj/.git root/proj/specs root/outside root/nogit/sub
cat >root/proj/brand.yaml <<'YAML'
defaults:
  avatar: Daisy-inskirt-20220818
  voice: v1
YAML
printf 'title: secret\n' >root/outside/secret.yaml
printf -- '- silence: 1s\n' >root/outside/scenes.yaml
printf 'id\nx\n' >root/outside/rows.csv
ln -s ../brand.yaml root/proj/specs/brand-link.yaml
ln -s ../../outside/secret.yaml root/proj/specs/secret-link.yaml
ln -s ../outside root/proj/outside-dir
ln -s ../../outside/rows.csv root/proj/specs/rows-link.csv
ln -s loop.yaml root/proj/specs/loop-link.yaml
spec() { # spec FILE INCLUDE [SCENE-ITEM]: a one-scene spec including INCLUDE
  printf 'hgc: 1\ninclude: %s\nscenes:\n  - %s\n' "$2" "${3:-script: Hi.}" >"$1"
}
spec root/proj/specs/up.yaml ../brand.yaml
spec root/proj/specs/in-link.yaml brand-link.yaml
spec root/proj/specs/out-link.yaml '[../brand.yaml, secret-link.yaml]'
spec root/proj/specs/out-dir.yaml '[../brand.yaml, ../outside-dir/secret.yaml]'
spec root/proj/specs/out-scene.yaml ../brand.yaml 'include: ../outside-dir/scenes.yaml'
spec root/proj/specs/loop.yaml loop-link.yaml
printf 'hgc: 1\nname: r-${row.id}\ninclude: ../brand.yaml\nrows: rows-link.csv\nscenes:\n  - script: Hi.\n' >root/proj/specs/rows.yaml
at() { # at DIR CMD...: runs CMD in DIR
  local dir=$1
  shift
  (cd "$dir" && "$@")
}
check root-git-top at root/proj/specs expect_exit 0 "$HGC" build -o - up.yaml
check root-symlink-inside at root/proj/specs expect_exit 0 "$HGC" build -o - in-link.yaml
check root-symlink-file at root/proj/specs expect_exit 1 "$HGC" build -o - out-link.yaml
check root-symlink-file-message grep -q "out-link.yaml:2:26: error: include 'secret-link.yaml' leaves the project root" "$tmp/err"
check root-symlink-file-target grep -q "leaves the project root (a symlink takes it to '$tmp/root/outside/secret.yaml')" "$tmp/err"
check root-symlink-dir at root/proj/specs expect_exit 1 "$HGC" build -o - out-dir.yaml
check root-symlink-dir-message grep -q "error: include '../outside-dir/secret.yaml' leaves the project root" "$tmp/err"
check root-symlink-scene at root/proj/specs expect_exit 1 "$HGC" build -o - out-scene.yaml
check root-symlink-scene-message grep -q "out-scene.yaml:4:14: error: include '../outside-dir/scenes.yaml' leaves the project root" "$tmp/err"
check root-symlink-rows at root/proj/specs expect_exit 1 "$HGC" build -o - rows.yaml
check root-symlink-rows-message grep -q "rows.yaml:4:7: error: path 'rows-link.csv' leaves the project root" "$tmp/err"
check root-widened at root/proj/specs expect_exit 0 "$HGC" build -o - --root ../.. out-link.yaml out-dir.yaml out-scene.yaml rows.yaml
check root-rows-option-unconfined at root/proj/specs expect_exit 0 "$HGC" build -o - --rows ../../outside/rows.csv rows.yaml
check root-symlink-cycle at root/proj/specs expect_exit 1 "$HGC" build -o - loop.yaml
check root-symlink-cycle-message grep -q 'error: include cycle: loop.yaml -> loop.yaml' "$tmp/err"
spec root/nogit/up.yaml sub/x.yaml
spec root/nogit/sub/spec.yaml ../up.yaml
check root-cwd-without-git at root/nogit/sub expect_exit 1 "$HGC" build -o - spec.yaml
check root-cwd-without-git-message grep -q "include '../up.yaml' leaves the project root" "$tmp/err"
check root-cwd-without-git-hint grep -q "hint: keep it under '.', or pass --root to widen the project root" "$tmp/err"

# Batches (issue 4): one file per row, named from the row; an error in any
# row writes nothing, not even the good rows.
mkdir batch && cd batch || exit 1
printf 'id,first\nana,Ana\nbo,Bo\ncy,Cy\n' >good.csv
printf 'id,first\nana,Ana\nBo,Bo\ncy,Cy\n' >bad.csv
printf 'hgc: 1\nname: hi-${row.id}\nrows: good.csv\nscenes:\n  - avatar: a\n    voice: v\n    script: Hi ${row.first}.\n' >batch.yaml
check batch-build expect_exit 0 "$HGC" build -o out batch.yaml
check batch-files sh -c "test \"\$(ls out | tr '\n' ' ')\" = 'hi-ana.json hi-bo.json hi-cy.json '"
check batch-row-text grep -q '"input_text": "Hi Bo."' out/hi-bo.json
cp -r out out-before
check batch-error-in-row expect_exit 1 "$HGC" build -o out --rows bad.csv batch.yaml
check batch-error-names-row grep -q "bad.csv:3:1: note: in row 2 of 'bad.csv'" "$tmp/err"
check batch-error-writes-nothing diff -r out-before out
check batch-check expect_exit 0 "$HGC" check batch.yaml
check batch-explain sh -c "'$HGC' explain batch.yaml | grep -q '^hi-cy (batch.yaml, row 3): POST /v2/video/generate'"
check batch-stream sh -c "test \$('$HGC' build -o - batch.yaml | grep -c '^  \"name\"') -eq 3"
cd "$tmp" || exit 1
