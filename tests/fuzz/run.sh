#!/usr/bin/env bash
# Runs each libFuzzer harness built in DIR (make fuzz) for SECONDS.
#
#   tests/fuzz/run.sh DIR SECONDS
#
# A harness starts from a copy of its seed corpus, tests/fuzz/corpus/NAME/,
# in a temp directory, so what it finds never grows the committed corpus;
# tests/fuzz/NAME.dict gives it the spec language's words. Each input is
# at most FUZZ_MAX_LEN bytes (default 16384) and may take 10 s. A crash,
# leak, sanitizer report or timeout stops the run with its input saved as
# DIR/crash-NAME-*: turn it into a tests/errors/ or tests/compile/ case.
set -u
cd "$(dirname "$0")/../.."
dir=${1:?usage: tests/fuzz/run.sh DIR SECONDS}
secs=${2:?usage: tests/fuzz/run.sh DIR SECONDS}
max_len=${FUZZ_MAX_LEN:-16384}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for bin in "$dir"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=${bin##*/fuzz_}
  mkdir -p "$work/$name"
  cp tests/fuzz/corpus/"$name"/* "$work/$name"/
  dict=()
  [ -e "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  echo "fuzz_$name: ${secs}s from $(ls "$work/$name" | wc -l) seeds"
  if ! "$bin" -max_total_time="$secs" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$dir/crash-$name-" "$work/$name" 2>"$work/log"; then
    status=1
    tail -40 "$work/log"
    echo "fuzz_$name: FAILED; the input is in $dir/crash-$name-*"
  else
    grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' \
      "$work/log" | sed "s/^/fuzz_$name: /"
  fi
done
exit $status
