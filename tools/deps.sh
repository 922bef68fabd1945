#!/bin/sh
# Installs the Debian packages hgc builds and tests with, when missing.
#
#   tools/deps.sh          what building and the compiler's tests need
#   tools/deps.sh check    also what only `make check` needs: Chromium,
#                          which renders a storyboard page to a PNG, and
#                          zsh, which parses the zsh completion
#                          (tests/review.sh skips each when it is missing)
#   tools/deps.sh clang    also clang and its sanitizer and libFuzzer
#                          runtimes, for `make asan` and `make fuzz`
set -eu
need="libyaml-dev libjansson-dev libpcre2-dev libcurl4-openssl-dev pkg-config python3 python3-jsonschema valgrind"
case "${1:-}" in
check) need="$need chromium zsh" ;;
clang) need="$need clang libclang-rt-dev" ;;
esac
missing=""
for p in $need; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "hgc: missing packages:$missing" >&2
  echo "hgc: install them with: sudo apt-get install$missing" >&2
  exit 1
fi
echo "hgc: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $missing >/dev/null
