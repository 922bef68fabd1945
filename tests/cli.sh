#!/usr/bin/env bash
# Command-line behaviour of hgc, in the spirit of chibicc's driver.sh:
# each check prints "ok NAME" or "not ok NAME" with what went wrong.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
# Work inside the temp directory: it is its own project root (no git).
cd "$tmp"

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

# PCRE2 is loaded only for a tag that is not a valid break: with a
# libpcre2-8.so.0 that is no library first on the path, good.yaml still
# builds, and a mistaken tag is an error at the tag with a hint.
mkdir nopcre && : >nopcre/libpcre2-8.so.0
cat >unquoted.yaml <<'YAML'
hgc: 1
scenes:
  - avatar: Daisy-inskirt-20220818
    voice: 2d5b0e6cf36f460aa7fc47e3eee4ba54
    script: Wait. <break time=1s/> Go.
YAML
check pcre2-not-loaded-for-breaks env LD_LIBRARY_PATH="$tmp/nopcre" \
  "$HGC" build -o - good.yaml
check pcre2-missing expect_exit 1 env LD_LIBRARY_PATH="$tmp/nopcre" \
  "$HGC" build -o - unquoted.yaml
check pcre2-missing-message grep -q \
  "^unquoted.yaml:5:19: error: cannot read this tag: .*libpcre2-8.so.0" err
check pcre2-missing-hint grep -qx "  hint: install PCRE2 (Debian: libpcre2-8-0)" err

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
# Streaming (issue 11): each artifact waits in a temp file in OUT until
# every row has compiled. A row that fails late leaves OUT as it was, with
# no temp file, and leaves no OUT when the build would have made it.
printf 'id,first\nana,Ana\nbo,Bo\ncy,Cy\ndee,Dee\nEve,Eve\nfy,Fy\n' >late.csv
check batch-late-error expect_exit 1 "$HGC" build -o out --rows late.csv batch.yaml
check batch-late-error-names-row grep -q "late.csv:6:1: note: in row 5 of 'late.csv'" "$tmp/err"
check batch-late-error-out-unchanged diff -r out-before out
check batch-late-error-no-temp sh -c "test -z \"\$(ls -A out | grep '^\\.')\""
check batch-late-error-no-dir sh -c "! '$HGC' build -o fresh --rows late.csv batch.yaml 2>/dev/null && test ! -e fresh"
# -o - prints the artifacts in row order, the bytes -o DIR writes.
"$HGC" build -o - batch.yaml >stream.json 2>/dev/null
check batch-stream-same-bytes sh -c "cat out/hi-ana.json out/hi-bo.json out/hi-cy.json | cmp - stream.json"
# --check compares each artifact as it is made, and lists the stale ones.
echo ' ' >>out/hi-bo.json
rm out/hi-cy.json
check batch-drift expect_exit 7 "$HGC" build --check -o out batch.yaml
check batch-drift-lists sh -c "grep -c 'hgc: out/hi-' '$tmp/err' | grep -qx 2 && grep -q 'out/hi-bo.json: stale' '$tmp/err' && grep -q 'out/hi-cy.json: missing' '$tmp/err' && grep -q '2 of 3 artifacts out of date' '$tmp/err'"
check batch-drift-writes-nothing sh -c "test ! -e out/hi-cy.json && test -z \"\$(ls -A out | grep '^\\.')\""
# A long batch compiles a row at a time (no time is asserted): 20,000 CSV
# rows (over a megabyte, so the file is mapped and read in a window), and
# a duplicate name at the end whose note quotes the first row.
awk 'BEGIN { print "id,first,note"; for (i = 1; i <= 20000; i++) printf "r%05d,Name%d,%s\n", i, i, "padding padding padding padding padding padding" }' >long.csv
check batch-long expect_exit 0 "$HGC" build -o long --rows long.csv batch.yaml
check batch-long-files sh -c "test \$(ls -A long | wc -l) -eq 20000 && grep -q '\"input_text\": \"Hi Name19999.\"' long/hi-r19999.json"
# -o - holds 64 KiB of artifacts in memory, then moves them to a temp
# file: the same bytes either way, and none at all when a late row fails.
# One artifact over 64 KiB stays in memory until a second comes.
awk 'BEGIN { print "hgc: 1\nname: big-${row.id}\nscenes:"; for (i = 1; i <= 50; i++) { printf "  - avatar: a\n    voice: v\n    script: \""; for (j = 0; j < 150; j++) printf "Wd%03d%03d. ", i, j; print "\"" } }' >big.yaml
printf 'id\none\ntwo\n' >two.csv
printf 'id\none\n' >one.csv
check big-alone sh -c "'$HGC' build -o - --rows one.csv big.yaml >big-one.json && '$HGC' build -o big-one --rows one.csv big.yaml && test \$(wc -c <big-one.json) -gt 70000 && cmp big-one.json big-one/big-one.json"
check big-two sh -c "'$HGC' build -o - --rows two.csv big.yaml >big-two.json && '$HGC' build -o big-two --rows two.csv big.yaml && cat big-two/big-one.json big-two/big-two.json | cmp - big-two.json"
check batch-long-stream sh -c "'$HGC' build -o - --rows long.csv batch.yaml >long-stream.json && cat long/*.json | cmp - long-stream.json"
# Spooled artifacts reach stdout by sendfile, or by copying where it
# refuses: a stdout opened to append, and a pipe.
check batch-long-stream-append sh -c "echo first >append.json && '$HGC' build -o - --rows long.csv batch.yaml >>append.json && { echo first; cat long-stream.json; } | cmp - append.json"
check batch-long-stream-pipe sh -c "'$HGC' build -o - --rows long.csv batch.yaml | cmp - long-stream.json"
echo 'r00001,Again,x' >>long.csv
check batch-long-stream-late-error sh -c "! '$HGC' build -o - --rows long.csv batch.yaml >late-stream.json 2>/dev/null && test ! -s late-stream.json"
check batch-long-duplicate expect_exit 1 "$HGC" check --rows long.csv batch.yaml
check batch-long-duplicate-first sh -c "grep -A1 \"long.csv:2:1: note: 'hi-r00001' was first produced by row 1\" '$tmp/err' | grep -q 'r00001,Name1,padding'"
# The same for YAML rows, read item by item (over a megabyte): a row may
# alias an anchor of an earlier row.
awk 'BEGIN { for (i = 1; i <= 12000; i++) printf "- {id: y%05d, first: Name%d, note: \"%s\"}\n", i, i, "padding padding padding padding padding padding padding padding"; print "- {id: y12001, first: &who Ana, note: x}"; print "- {id: y12002, first: *who, note: x}" }' >long.yaml
check batch-long-yaml sh -c "'$HGC' build -o - --rows long.yaml batch.yaml >long-yaml.json && test \$(grep -c '^  \"name\"' long-yaml.json) -eq 12002 && grep -q '\"input_text\": \"Hi Name1.\"' long-yaml.json && test \$(grep -c '\"input_text\": \"Hi Ana.\"' long-yaml.json) -eq 2"
cd "$tmp" || exit 1

# Local assets on disk (issue 5): a symlink that leaves the project root is
# refused like a path that does; one inside it records the file it names.
mkdir -p assets/proj/.git assets/proj/media assets/outside
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR' >assets/outside/secret.png
cp assets/outside/secret.png assets/proj/media/logo.png
ln -s ../../outside/secret.png assets/proj/media/away.png
ln -s logo.png assets/proj/media/alias.png
asset_spec() { # asset_spec FILE PATH: a one-scene spec with a background asset
  printf 'hgc: 1\nscenes:\n  - avatar: a\n    silence: 1s\n    background: {asset: %s}\n' "$2" >"$1"
}
asset_spec assets/proj/away.yaml media/away.png
asset_spec assets/proj/alias.yaml media/alias.png
check asset-symlink-out at assets/proj expect_exit 1 "$HGC" build -o - away.yaml
check asset-symlink-out-message grep -q "away.yaml:5:25: error: path 'media/away.png' leaves the project root (a symlink takes it to '$tmp/assets/outside/secret.png')" "$tmp/err"
check asset-symlink-out-nothing-written test ! -s "$tmp/out"
check asset-symlink-in at assets/proj expect_exit 0 "$HGC" build -o - alias.yaml
check asset-symlink-in-path grep -q '"path": "media/logo.png"' "$tmp/out"
check asset-symlink-widened-root at assets/proj expect_exit 0 "$HGC" build -o - --root .. away.yaml
check asset-symlink-widened-root-path grep -q '"path": "outside/secret.png"' "$tmp/out"

# The v3 back end (issue 6): --api wins over api:, explain names the
# endpoint, and migrate reports on each spec without writing anything.
mkdir v3 && cd v3 || exit 1
cat >ready.yaml <<'YAML'
hgc: 1
title: Ready
test: false
caption: true
defaults:
  avatar: Daisy-inskirt-20220818
  voice: {id: v1, pitch: 2}
scenes:
  - script: One. <break time="1s"/> Two.
  - silence: 2s
    background: {image: "https://cdn.example.com/end.png"}
YAML
cat >blocked.yaml <<'YAML'
hgc: 1
test: true
scenes:
  - avatar: {id: a1, scale: 1.5}
    voice: v1
    script: Hi.
YAML
printf 'hgc: 1\napi: v3\nscenes:\n  - avatar: a1\n    voice: v1\n    script: Hi.\n' >v3.yaml
cat >"$tmp/want-ready" <<'TXT'
ready.yaml: ready for v3
  ready: POST /v2/video/generate -> POST /v3/videos
    dropped: dimension, test, video_inputs
    added: aspect_ratio, resolution, scenes, type
    note: scene 2 is silent: v3 shows its image alone, without the avatar
    note: avatar and talking photo ids are sent as v3 look ids; that they are the same ids is unconfirmed
    note: break tags are sent as written; whether v3 reads them is unconfirmed
    note: voice pitch is sent as the same number, in semitones for v3; v2's unit is unconfirmed
    note: 'caption: true' gives only a caption file (SRT) in v3; caption: {style: default} also burns them in
TXT
cat >"$tmp/want-blocked" <<'TXT'
blocked.yaml: 2 blockers for v3
  blocked.yaml:2:7: error: test mode is not available in v3
      2 | test: true
        |       ^
    hint: remove 'test', or build with --api v2
  blocked.yaml:4:29: error: avatar 'scale' is not available in v3: the server lays out the avatar
      4 |   - avatar: {id: a1, scale: 1.5}
        |                             ^
    hint: remove it, or build with --api v2
TXT
find . | sort >"$tmp/v3-before"
check migrate-ready expect_exit 0 "$HGC" migrate --to v3 ready.yaml
check migrate-ready-report cmp "$tmp/want-ready" "$tmp/out"
check migrate-ready-stderr test ! -s "$tmp/err"
check migrate-blocked expect_exit 1 "$HGC" migrate --to v3 blocked.yaml
check migrate-blocked-report cmp "$tmp/want-blocked" "$tmp/out"
check migrate-blocked-stderr test ! -s "$tmp/err"
cat "$tmp/want-ready" "$tmp/want-blocked" >"$tmp/want-both"
check migrate-both expect_exit 1 "$HGC" migrate --to v3 ready.yaml blocked.yaml
check migrate-both-report cmp "$tmp/want-both" "$tmp/out"
check migrate-already-v3 expect_exit 0 "$HGC" migrate --to v3 v3.yaml
check migrate-already-v3-report grep -qx 'v3.yaml: already on v3' "$tmp/out"
check migrate-writes-nothing sh -c "find . | sort | cmp -s - '$tmp/v3-before'"
check migrate-to-v2 expect_exit 2 "$HGC" migrate --to v2 ready.yaml
check migrate-to-v2-message grep -qx "hgc: --to takes 'v3', not 'v2'" "$tmp/err"
check migrate-no-to expect_exit 2 "$HGC" migrate ready.yaml
check migrate-no-to-message grep -qx "hgc: 'hgc migrate' needs --to v3" "$tmp/err"
check migrate-usage-silent test ! -s "$tmp/out"
check explain-v3 sh -c "'$HGC' explain --api v3 ready.yaml | head -1 | grep -qx 'ready (ready.yaml): POST /v3/videos'"
check explain-v2 sh -c "'$HGC' explain ready.yaml | head -1 | grep -qx 'ready (ready.yaml): POST /v2/video/generate'"
check explain-api-wins sh -c "'$HGC' explain --api v2 v3.yaml | head -1 | grep -qx 'v3 (v3.yaml): POST /v2/video/generate'"
check build-api-wins expect_exit 0 "$HGC" build -o - --api v2 v3.yaml
check build-api-wins-path grep -q '"path": "/v2/video/generate"' "$tmp/out"
check build-api-v3 expect_exit 0 "$HGC" build -o - --api v3 ready.yaml
check build-api-v3-path grep -q '"path": "/v3/videos"' "$tmp/out"
check build-api-bad expect_exit 2 "$HGC" build -o - --api v4 ready.yaml
check build-api-bad-message grep -qx "hgc: --api takes 'v2' or 'v3', not 'v4'" "$tmp/err"
check v3-dir-unchanged sh -c "find . | sort | cmp -s - '$tmp/v3-before'"
cd "$tmp" || exit 1

# diff (issue 9): what changed between two artifacts or specs, named the
# way a reviewer reads it, with a word diff of scripts; exit 0 for no
# change and 1 for changes, as diff(1), but 0 when git runs it.
mkdir diff && cd diff || exit 1
cat >a.yaml <<'YAML'
hgc: 1
name: w
dimension: 1080p
scenes:
  - avatar: Daisy-inskirt-20220818
    voice: {id: v1, speed: 1.0}
    script: Hello there. Welcome to Acme.
  - avatar: Daisy-inskirt-20220818
    voice: v1
    script: Second scene here.
YAML
sed 's/Welcome to Acme/Welcome to Globex/' a.yaml >script.yaml
sed -e 's/speed: 1.0/speed: 2.0/' -e 's/1080p/720p/' a.yaml >speed.yaml
"$HGC" build -o build a.yaml >/dev/null 2>&1
"$HGC" build -o new script.yaml >/dev/null 2>&1
"$HGC" build --api v3 -o v3 a.yaml >/dev/null 2>&1
check diff-same expect_exit 0 "$HGC" diff a.yaml a.yaml
check diff-same-says grep -qx '  no change' "$tmp/out"
check diff-script expect_exit 1 "$HGC" diff a.yaml script.yaml
check diff-script-names grep -qx '  scene 1 script:' "$tmp/out"
check diff-script-words grep -qxF '    Hello there. Welcome to [-Acme.-] {+Globex.+}' "$tmp/out"
check diff-speed expect_exit 1 "$HGC" diff a.yaml speed.yaml
check diff-speed-line grep -qx '  scene 1 voice speed: 1.0 -> 2.0' "$tmp/out"
check diff-dimension grep -qx '  dimension width: 1920 -> 1280' "$tmp/out"
check diff-duration grep -qxF '  estimated duration: 3.2s -> 2.2s (-1.0s)' "$tmp/out"
check diff-spec-vs-artifact expect_exit 0 "$HGC" diff build/w.json a.yaml
check diff-artifact-vs-spec expect_exit 1 "$HGC" diff build/w.json script.yaml
check diff-artifact-vs-spec-words grep -qF '[-Acme.-] {+Globex.+}' "$tmp/out"
check diff-v2-v3 expect_exit 1 "$HGC" diff build/w.json v3/w.json
check diff-v2-v3-endpoint grep -qx '  endpoint: POST /v2/video/generate -> POST /v3/videos' "$tmp/out"
check diff-not-artifact expect_exit 1 "$HGC" diff a.yaml nope.json
check diff-not-artifact-message grep -qx 'hgc: unable to open nope.json: No such file or directory' "$tmp/err"
check diff-one-file expect_exit 2 "$HGC" diff a.yaml
# git's external diff: path, old file, hex, mode, new file, hex, mode;
# /dev/null for an added or deleted file. git takes a non-zero exit for a
# crash, so changes exit 0 here.
check diff-git-7-args expect_exit 0 "$HGC" diff build/w.json build/w.json 1111111 100644 new/w.json 2222222 100644
check diff-git-7-args-words grep -qF '[-Acme.-] {+Globex.+}' "$tmp/out"
check diff-git-added expect_exit 0 "$HGC" diff build/w.json /dev/null 0000000 100644 new/w.json 2222222 100644
check diff-git-added-says grep -qx '  only in the second' "$tmp/out"
# The recipe of docs/review.md in a real repository.
if command -v git >/dev/null; then
  mkdir repo && cd repo || exit 1
  g() { git -c user.name=hgc -c user.email=hgc@example.com "$@"; }
  g init -q && cp ../a.yaml w.yaml && "$HGC" build w.yaml 2>/dev/null
  printf 'build/*.json diff=hgc\n' >.gitattributes
  git config diff.hgc.command "'$HGC' diff"
  g add -A && g commit -qm 'first cut'
  cp ../script.yaml w.yaml && "$HGC" build w.yaml 2>/dev/null
  check diff-git-recipe expect_exit 0 git diff build/
  check diff-git-recipe-words grep -qF '[-Acme.-] {+Globex.+}' "$tmp/out"
  check diff-git-recipe-no-json sh -c "! grep -q '\"input_text\"' '$tmp/out'"
  cp build/w.json build/copy.json && g add build/copy.json
  check diff-git-recipe-new-file expect_exit 0 git diff --cached build/
  check diff-git-recipe-new-file-says grep -qx '  only in the second' "$tmp/out"
  check diff-git-difftool expect_exit 0 git difftool -y -x "'$HGC' diff" build/w.json
  check diff-git-difftool-words grep -qF '[-Acme.-] {+Globex.+}' "$tmp/out"
  cd .. || exit 1
else
  echo "skip diff-git-recipe: git is not installed"
fi
# Colour only on a terminal, and never with NO_COLOR.
check diff-no-color-when-piped sh -c "! env -u NO_COLOR '$HGC' diff a.yaml script.yaml | grep -q \$(printf '\\033')"
if script -qec true /dev/null >/dev/null 2>&1; then
  check diff-color-on-tty sh -c "env -u NO_COLOR script -qec \"'$HGC' diff a.yaml script.yaml\" /dev/null | grep -qF \"\$(printf '\\033[31m[-Acme.-]')\""
  check diff-no-color-env sh -c "! env NO_COLOR=1 script -qec \"'$HGC' diff a.yaml script.yaml\" /dev/null | grep -q \$(printf '\\033')"
else
  echo "skip diff-color-on-tty: script(1) from util-linux is not installed"
fi
cd "$tmp" || exit 1
