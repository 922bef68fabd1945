#!/bin/sh
# SPDX-License-Identifier: MIT
# `make bench`: hgc against a floor (bench/floor.c: libyaml + jansson, no
# validation), a Python lowering (bench/lower.py: PyYAML + json) and a
# jsonnet one (bench/lower.jsonnet), on inputs generated into a temp dir
# (bench/gen_inputs.py); then the runtime against the fake HeyGen server.
# Prints times, ratios, peak memory and the issue 11 targets, met or not;
# it never fails on a target (timings are no test).
#
#   bench/run.sh [--runs N] [--videos N]   the benchmark (bench/bench.py)
#   bench/run.sh --profile                 callgrind instruction counts of
#                                          hgc on the batch and 50 scenes
#
# Installs the Debian packages it uses when they are missing (as root, as
# tools/deps.sh does); without root, the tools that are missing are
# skipped. HGC (default ./hgc) is the binary measured.
set -eu
cd "$(dirname "$0")/.."
HGC=${HGC:-./hgc}
HGC="$(cd "$(dirname "$HGC")" && pwd)/$(basename "$HGC")"

need="python3-yaml jsonnet time valgrind libyaml-dev libjansson-dev pkg-config"
missing=""
for p in $need; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
    missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "bench: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086 # one word per package
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "bench: missing$missing (sudo apt-get install$missing); the" \
      "tools they bring are skipped" >&2
  fi
fi

# Debian's python3 has python3-yaml and its libyaml loader.
py=""
for p in /usr/bin/python3 python3; do
  if "$p" -c 'import yaml; yaml.CSafeLoader' 2>/dev/null; then
    py=$p
    break
  fi
done
if [ -z "$py" ]; then
  echo "bench: no python3 with PyYAML's libyaml loader" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The floor links libyaml and jansson as the hgc measured does (make links
# them in whole when their archives are there), so that neither starts
# faster for the way it is linked.
if ldd "$HGC" | grep -q libyaml; then
  libs=$(pkg-config --libs yaml-0.1 jansson)
else
  libs="-Wl,-Bstatic -lyaml -ljansson -Wl,-Bdynamic"
fi
# shellcheck disable=SC2046,SC2086
cc -std=c11 -Wall -Wextra -Werror -O2 -o "$tmp/floor" bench/floor.c \
  $(pkg-config --cflags yaml-0.1 jansson) $libs
"$py" bench/gen_inputs.py "$tmp"
# The inputs on disk, as a user's files would be: freshly written pages
# (dirty, in large folios) would inflate hgc's mapped rows file.
sync
# hgc built without libcurl: since hgc loads libcurl only for the runtime
# commands, it should start as fast.
make --no-print-directory -s O="$tmp/o" BIN="$tmp/hgc-nocurl" NO_CURL=1 \
  "$tmp/hgc-nocurl"

if [ "${1:-}" = "--profile" ]; then
  cd "$tmp/proj"
  for input in "--rows rows-10000.yaml batch.yaml" "long.yaml"; do
    # shellcheck disable=SC2086
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
      "$HGC" build --root . --body -o - --max-bytes 1073741824 \
      --max-nodes 100000000 --max-expansion 1099511627776 \
      --max-output 1099511627776 $input 2>"$tmp/cg.err" >/dev/null
    printf '%-40s %s instructions\n' "hgc $input" \
      "$(sed -n 's/.*Collected : //p' "$tmp/cg.err")"
    callgrind_annotate --inclusive=yes "$tmp/cg.out" 2>/dev/null |
      grep -E 'compiler/' | head -15
  done
  exit 0
fi

js=$(command -v jsonnet || true)
[ -n "$js" ] || echo "bench: no jsonnet; its rows are skipped" >&2
"$py" bench/bench.py --dir "$tmp" --hgc "$HGC" --floor "$tmp/floor" \
  --nocurl "$tmp/hgc-nocurl" --python "$py" ${js:+--jsonnet "$js"} "$@"
