#!/usr/bin/env bash
# Runs every test of hgc and ends with one line "N passed, N failed".
#
#   tests/compile/NAME.yaml  -> NAME.json: stdout of `hgc build -o -`
#   tests/errors/NAME.yaml   -> NAME.err: the whole stderr (exit 1 unless
#                               the spec says "# exit: N")
#   tests/unit/test_*.c      -> C programs printing "ok X" / "not ok X",
#                               built by `make units` into $UNIT_DIR
#   tests/cli.sh             -> command-line behaviour
#   tests/review.sh          -> preview pages (tests/preview/), completions,
#                               man pages, make install
#   tests/docs.sh            -> every command in docs/guide.md, review.md
#   tests/schemas.sh         -> specs and artifacts against specs/*.json
#   tests/hostile/           -> hostile inputs (generated at test time)
#   tests/runtime.sh         -> submit, wait, download... against a fake
#                               HeyGen server (tests/fake_heygen.py)
#   tests/catalogue.sh       -> avatars, voices, templates and the catalogue
#                               cache, against the same fake server
#   tests/online.sh          -> check --online against the fake's catalogue
#                               (tests/online/NAME.yaml -> NAME.err)
#   examples/                -> committed build output is current
#
# A spec's first lines may hold "# args: ..." (extra hgc arguments).
# `tests/run.sh --update` rewrites the golden files from the current hgc;
# review the diff before committing it.
set -u
cd "$(dirname "$0")/.."
HGC=${HGC:-./hgc}
UNIT_DIR=${UNIT_DIR:-.build}
# HGC_WRAP runs every hgc and unit test under a tool (make valgrind).
WRAP=${HGC_WRAP:-}
export NO_COLOR=1 LC_ALL=C
update=0
[ "${1:-}" = "--update" ] && update=1
pass=0
fail=0
skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
not_ok() {
  fail=$((fail + 1))
  printf 'FAIL %s\n' "$1"
  [ -n "${2:-}" ] && sed 's/^/     /' "$2" | head -30
}

# Adds up a file of "ok X" / "not ok X" lines and shows the failures and
# the "skip X: why" lines; a file with no result is a failure of its own
# (the runner crashed).
tally() { # tally NAME FILE
  local n_ok n_bad
  n_ok=$(grep -c '^ok ' "$2")
  n_bad=$(grep -c '^not ok ' "$2")
  pass=$((pass + n_ok))
  fail=$((fail + n_bad))
  skipped=$((skipped + $(grep -c '^skip ' "$2")))
  grep '^skip ' "$2"
  grep -A8 '^not ok ' "$2" | sed 's/^not ok /FAIL /'
  if [ "$n_ok" -eq 0 ] && [ "$n_bad" -eq 0 ]; then
    not_ok "$1 (no result)" "$2"
  fi
}

# Extra arguments and expected exit status written in a spec's comments.
spec_args() { sed -n 's/^# args: //p' "$1" | head -1; }
spec_exit() { sed -n 's/^# exit: //p' "$1" | head -1; }

golden() { # golden FILE EXPECTED ACTUAL
  if [ "$update" = 1 ]; then
    cp "$3" "$2"
  fi
  if cmp -s "$2" "$3"; then ok; else
    diff -u "$2" "$3" >"$tmp/diff" 2>&1
    not_ok "$1" "$tmp/diff"
  fi
}

for spec in tests/compile/*.yaml; do
  [ -e "$spec" ] || continue
  name=${spec%.yaml}
  # shellcheck disable=SC2046
  $WRAP $HGC build -o - $(spec_args "$spec") "$spec" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ $rc -ne 0 ]; then
    not_ok "$spec (exit $rc)" "$tmp/err"
    continue
  fi
  golden "$spec" "$name.json" "$tmp/out"
done

for spec in tests/errors/*.yaml; do
  [ -e "$spec" ] || continue
  name=${spec%.yaml}
  want=$(spec_exit "$spec")
  want=${want:-1}
  # shellcheck disable=SC2046
  $WRAP $HGC build -o "$tmp/build" $(spec_args "$spec") "$spec" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ $rc -ne "$want" ]; then
    not_ok "$spec (exit $rc, expected $want)" "$tmp/err"
  elif [ "$want" -ne 0 ] && [ -e "$tmp/build" ]; then
    not_ok "$spec (wrote output despite errors)"
  else
    golden "$spec" "$name.err" "$tmp/err"
  fi
  rm -rf "$tmp/build"
done

# Unit tests are built by `make units` into $UNIT_DIR.
for src in tests/unit/test_*.c; do
  [ -e "$src" ] || continue
  bin=$UNIT_DIR/$(basename "$src" .c)
  if [ ! -x "$bin" ]; then
    not_ok "$bin (not built: run make check)"
    continue
  fi
  $WRAP "$bin" >"$tmp/out" 2>&1
  rc=$?
  tally "$bin" "$tmp/out"
  if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$tmp/out"; then
    not_ok "$bin (exit $rc)" "$tmp/out"
  fi
done

# Cross-checks against Python: tests/unit/X.py checks the binary test_X
# (emit_numbers.py -> test_emit).
for script in tests/unit/*.py; do
  [ -e "$script" ] || continue
  base=$(basename "$script" .py)
  python3 "$script" "$UNIT_DIR/test_${base%%_*}" >"$tmp/out" 2>&1
  tally "$script" "$tmp/out"
done

if [ -x tests/cli.sh ]; then
  HGC=$HGC HGC_WRAP=$WRAP tests/cli.sh >"$tmp/out" 2>&1
  tally tests/cli.sh "$tmp/out"
fi

# The review tools (issue 9), and the commands the guides show.
if [ -x tests/review.sh ]; then
  HGC=$HGC HGC_WRAP=$WRAP UNIT_DIR=$UNIT_DIR UPDATE=$update tests/review.sh \
    >"$tmp/out" 2>&1
  tally tests/review.sh "$tmp/out"
fi
if [ -x tests/docs.sh ]; then
  HGC=$HGC tests/docs.sh >"$tmp/out" 2>&1
  tally tests/docs.sh "$tmp/out"
fi

# The JSON Schemas in specs/: current, and every spec and artifact fits.
if [ -x tests/schemas.sh ]; then
  HGC=$HGC HGC_WRAP=$WRAP UNIT_DIR=$UNIT_DIR tests/schemas.sh >"$tmp/out" 2>&1
  tally tests/schemas.sh "$tmp/out"
fi

# Hostile inputs: each must fail cleanly, in time, with one diagnostic.
if [ -x tests/hostile/run.sh ]; then
  HGC=$HGC HGC_WRAP=$WRAP tests/hostile/run.sh >"$tmp/out" 2>&1
  tally tests/hostile/run.sh "$tmp/out"
fi

# The fake HeyGen server that the runtime tests talk to checks itself.
python3 tests/fake_selftest.py >"$tmp/out" 2>&1
tally tests/fake_selftest.py "$tmp/out"

if [ -x tests/runtime.sh ]; then
  HGC=$HGC HGC_WRAP=$WRAP tests/runtime.sh >"$tmp/out" 2>&1
  tally tests/runtime.sh "$tmp/out"
fi

if [ -x tests/catalogue.sh ]; then
  HGC=$HGC HGC_WRAP=$WRAP tests/catalogue.sh >"$tmp/out" 2>&1
  tally tests/catalogue.sh "$tmp/out"
fi

# check --online (issue 8) against the same fake server's catalogue.
if [ -x tests/online.sh ]; then
  HGC=$HGC HGC_WRAP=$WRAP UPDATE=$update tests/online.sh >"$tmp/out" 2>&1
  tally tests/online.sh "$tmp/out"
fi

# Examples: their committed output must be what hgc builds now.
for spec in examples/*.yaml; do
  [ -e "$spec" ] || continue
  if $WRAP $HGC build --check -o examples/build "$spec" >"$tmp/out" 2>&1; then ok; else
    not_ok "$spec is stale: run 'make examples'" "$tmp/out"
  fi
done

# The v3 builds in examples/build-v3/, one per spec of the same name.
for art in examples/build-v3/*.json; do
  [ -e "$art" ] || continue
  spec=examples/$(basename "$art" .json).yaml
  if $WRAP $HGC build --check --api v3 -o examples/build-v3 "$spec" >"$tmp/out" 2>&1; then ok; else
    not_ok "$spec (v3) is stale: run 'make examples'" "$tmp/out"
  fi
done

if [ "$skipped" -gt 0 ]; then
  printf '%d passed, %d failed, %d skipped\n' "$pass" "$fail" "$skipped"
else
  printf '%d passed, %d failed\n' "$pass" "$fail"
fi
[ "$fail" -eq 0 ]
