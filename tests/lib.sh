# shellcheck shell=bash
# tests/lib.sh: what the shell suites share. Source it from the
# repository root. It sets ROOT, HGC (absolute; run under HGC_WRAP when
# that is set, as make valgrind does), tmp and keydir (removed on exit,
# after the fake server is stopped) and KEY, and defines check,
# expect_exit, fake_start, stop_server, and run_case and fail for suites
# of cases.
ROOT=$(pwd)
HGC=$(realpath "${HGC:-./hgc}")
export NO_COLOR=1 LC_ALL=C
tmp=$(mktemp -d)
keydir=$(mktemp -d) # key files live outside $tmp, which suites grep for it
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
  fi
}
trap 'stop_server; rm -rf "$tmp" "$keydir"' EXIT
# A long key that looks real, different on every run.
KEY="sk-hgc-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"

if [ -n "${HGC_WRAP:-}" ]; then
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

# fake_start DIR [ARGS...]: a fresh tests/fake_heygen.py on 127.0.0.1
# taking KEY, with DIR/srv.port, DIR/srv.log (a JSON line per request)
# and DIR/srv.out; sets PORT. False when it did not start.
fake_start() {
  local dir=$1
  shift
  stop_server
  rm -f "$dir/srv.port"
  python3 "$ROOT/tests/fake_heygen.py" --port-file "$dir/srv.port" \
    --log "$dir/srv.log" --key "$KEY" "$@" >"$dir/srv.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 200); do
    [ -s "$dir/srv.port" ] && break
    sleep 0.05
  done
  [ -s "$dir/srv.port" ] || return 1
  PORT=$(cat "$dir/srv.port")
}

# Suites of cases (runtime.sh, catalogue.sh): run_case NAME runs the
# function NAME in $tmp/NAME with the key set and both bases at a
# loopback port nothing serves, so no case reaches anything but
# 127.0.0.1, and only once it starts its fake. `fail WHY` fails the case.
# A suite may define case_done, run after each case while its server is
# still up.
bad=0
fail() {
  echo "    $*"
  bad=1
}
run_case() {
  local name=$1
  bad=0
  mkdir -p "$tmp/$name"
  cd "$tmp/$name" || exit 1
  export HEYGEN_API_KEY=$KEY
  export HGC_API_BASE=http://127.0.0.1:9 HGC_UPLOAD_BASE=http://127.0.0.1:9
  "$name" >case.log 2>&1
  if declare -F case_done >/dev/null; then case_done >>case.log 2>&1; fi
  stop_server
  if [ "$bad" = 0 ]; then
    echo "ok $name"
  else
    echo "not ok $name"
    sed 's/^/    /' case.log | tail -40
    for f in out err; do
      [ -s "$f" ] && { echo "    --- $f"; sed 's/^/    /' "$f" | tail -15; }
    done
  fi
  cd "$tmp" || exit 1
}
