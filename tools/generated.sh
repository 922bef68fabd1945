#!/bin/sh
# Writes the files made from hgc's own tables and docs/, so they never
# drift: hgc(1) and the completions from the command table (main.c),
# hgc-spec(5) from the spec chapters' Markdown (tools/md2man.c).
#
#   tools/generated.sh HGC MD2MAN [DIR]
#
# DIR (default .) is the top of the tree to write into; tests/review.sh
# writes into a temporary one and compares.
set -eu
hgc=$1
md2man=$2
dir=${3:-.}
version=$("$hgc" --version | sed 's/^hgc \([^ ]*\).*/\1/')
mkdir -p "$dir/docs/man" "$dir/contrib/completion"
"$hgc" help --man >"$dir/docs/man/hgc.1"
"$hgc" completion bash >"$dir/contrib/completion/hgc.bash"
"$hgc" completion zsh >"$dir/contrib/completion/_hgc"
"$md2man" hgc-spec 5 "hgc $version" "the hgc video spec format" \
  docs/spec.md docs/variables-and-includes.md docs/assets.md docs/kinds.md \
  >"$dir/docs/man/hgc-spec.5"
