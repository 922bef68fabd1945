#!/usr/bin/env bash
# Checks everything against the JSON Schemas in specs/ (specs/README.md).
# Prints one "ok NAME" or "not ok NAME: why" line per file checked:
#
#   specs/hgc-spec.schema.json  is exactly what `hgc schema` prints
#   specs/**/*.schema.json      are valid JSON Schemas (2020-12)
#   examples/*.yaml,            converted to JSON by $UNIT_DIR/yaml2json,
#   tests/compile/*.yaml        match specs/hgc-spec.schema.json
#   examples/build*/*.json,     every artifact matches specs/artifact.schema.json
#   tests/compile/*.json        and its body the schema of its endpoint
#                               (a --body output: just the body)
#   the spec schema's per-kind  refuse, for each kind, the top-level keys
#   rules                       hgc refuses
#   specs hgc refuses for a     are refused by the spec schema too
#   key's place
#
# jsonschema comes from Debian's python3-jsonschema, so this always runs
# /usr/bin/python3 (isolated), never a python3 found first on PATH.
set -u
cd "$(dirname "$0")/.."
HGC=${HGC:-./hgc}
UNIT_DIR=${UNIT_DIR:-.build}
WRAP=${HGC_WRAP:-}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

schema=specs/hgc-spec.schema.json
if ! $WRAP $HGC schema >"$tmp/schema.json" 2>"$tmp/err"; then
  echo "not ok $schema: 'hgc schema' failed: $(head -1 "$tmp/err")"
elif cmp -s "$tmp/schema.json" "$schema"; then
  echo "ok $schema (what hgc schema prints)"
else
  echo "not ok $schema is stale: run make schemas"
fi

if ! "$PY" -I -c 'import jsonschema' 2>/dev/null; then
  echo "not ok schemas: python3-jsonschema missing (run tools/deps.sh)"
  exit 0
fi
if [ ! -x "$UNIT_DIR/yaml2json" ]; then
  echo "not ok schemas: $UNIT_DIR/yaml2json not built (run make check)"
  exit 0
fi

# The list tests/schemas.py reads: KIND, label, file(s); tab-separated.
list=$tmp/list
: >"$list"
n=0
for spec in examples/*.yaml tests/compile/*.yaml; do
  [ -e "$spec" ] || continue
  n=$((n + 1))
  if "$UNIT_DIR/yaml2json" "$spec" >"$tmp/$n.json" 2>"$tmp/err"; then
    printf 'spec\t%s\t%s\n' "$spec" "$tmp/$n.json" >>"$list"
  else
    echo "not ok $spec: yaml2json failed: $(head -1 "$tmp/err")"
  fi
done
for art in examples/build/*.json examples/build-v3/*.json tests/compile/*.json; do
  [ -e "$art" ] || continue
  args=$(sed -n 's/^# args: //p' "${art%.json}.yaml" 2>/dev/null | head -1)
  case " $args " in
  *" --body "*)
    # Just the body: the same build without --body names its endpoint.
    n=$((n + 1))
    # shellcheck disable=SC2086
    if $WRAP $HGC build -o - ${args/--body/} "${art%.json}.yaml" \
      >"$tmp/$n.json" 2>"$tmp/err"; then
      printf 'body\t%s\t%s\t%s\n' "$art" "$art" "$tmp/$n.json" >>"$list"
    else
      echo "not ok $art: its build without --body failed: $(head -1 "$tmp/err")"
    fi
    ;;
  *) printf 'artifact\t%s\t%s\n' "$art" "$art" >>"$list" ;;
  esac
done

# `include` splices scenes into 'scenes': 'defaults' has none.
n=$((n + 1))
printf '%s\n' '{"hgc": 1, "defaults": {"include": "more.yaml"},' \
  '"scenes": [{"avatar": "a", "silence": "1s"}]}' >"$tmp/$n.json"
printf 'refuse\tdefaults with an include\t%s\n' "$tmp/$n.json" >>"$list"
printf 'kinds\t%s\t%s\t%s\n' "the top-level keys of each kind" "$tmp" \
  "$WRAP $HGC" >>"$list"

"$PY" -I tests/schemas.py <"$list"
rc=$?
[ $rc -eq 0 ] || echo "not ok tests/schemas.py (exit $rc)"
