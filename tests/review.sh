#!/usr/bin/env bash
# The review tools (issue 9). Each check prints "ok NAME" or "not ok NAME"
# with what went wrong, or "skip NAME: why" when a tool is missing.
#
#   preview     tests/preview/NAME.yaml -> NAME.html (golden; UPDATE=1
#               rewrites them), a page that stands alone and escapes the
#               spec, the -o forms, and Chromium's rendering of it
#   explain     --json
#   generated   the completions and man pages are what hgc and
#               tools/md2man print now (make generated), and they work
#   install     make install and make uninstall into a temporary DESTDIR
#
# HGC, HGC_WRAP and UNIT_DIR as for tests/run.sh; CHROMIUM names the
# browser (default /usr/bin/chromium, which `make check` installs).
set -u
cd "$(dirname "$0")/.."
HGC_ARG=${HGC:-./hgc} # as given, for make install's BIN
UNIT_DIR=${UNIT_DIR:-.build}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
. tests/lib.sh

has() { grep -qF -- "$2" "$1"; }   # has FILE TEXT
lacks() { ! grep -qiE -- "$2" "$1"; } # lacks FILE REGEX (any case)

#
# preview
#

for spec in tests/preview/*.yaml; do
  name=$(basename "$spec" .yaml)
  out=$tmp/$name.html
  check "preview-$name" expect_exit 0 "$HGC" preview -o "$out" "$spec"
  [ "${UPDATE:-0}" = 1 ] && cp "$out" "tests/preview/$name.html"
  check "preview-$name-golden" diff -u "tests/preview/$name.html" "$out"
  # Nothing is fetched or run: no scripts, frames, images, links or CSS
  # URLs, and a policy that forbids them anyway.
  check "preview-$name-stands-alone" lacks "$out" '<script|<link|<img|<iframe|<object|<embed|src=|href=|url\(|@import'
  check "preview-$name-csp" has "$out" "content=\"default-src 'none'; style-src 'unsafe-inline'\""
  # Every element that is opened is closed, in order.
  check "preview-$name-well-formed" python3 -c '
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}
class P(HTMLParser):
    stack = []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        top = self.stack.pop() if self.stack else None
        assert top == tag, "</%s> closes <%s>" % (tag, top)
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
assert not p.stack, "left open: %s" % p.stack' "$out"
done

page=$tmp/storyboard.html
check preview-escapes-title has "$page" '<h1>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;</h1>'
check preview-escapes-script has "$page" 'Prices go up when a &lt; b &amp; &quot;c&quot; is true.'
check preview-escapes-id has "$page" 'tp_&lt;b&gt;123&lt;/b&gt;'
check preview-escapes-url has "$page" 'https://cdn.example.com/bg.png?a=1&amp;b=&lt;i&gt;'
check preview-pause-chips sh -c "grep -o '<span class=\"pause\" title=\"pause\"><i></i>[0-9.]*s</span>' '$page' | tr '\n' ' ' | grep -q '>1s</span> .*>0.5s</span> .*>1.5s</span>'"
check preview-timeline sh -c "test \$(grep -o 'class=\"seg' '$page' | wc -l) -eq 6"
check preview-timeline-colour has "$page" 'style="flex:6.6 1 0;background:#0F172A;color:#fff"'
check preview-timeline-audio has "$page" '<div class="seg hatch"'
check preview-times has "$page" '0:06.6 – 0:11.4</span>'
check preview-time-unknown has "$page" '0:11.4 – ?</span>'
check preview-time-after-audio has "$page" '0:11.4 – 0:13.4 + audio</span>'
check preview-total has "$page" '6 scenes · about 0:15.2 + audio'
check preview-url-named has "$page" '<span class="url">video https://cdn.example.com/loop.mp4</span>'
check preview-asset-named has "$page" '<span class="url">image file examples/media/backdrop.png</span>'
check preview-voice has "$page" '<code>2d5b0e6cf36f460aa7fc47e3eee4ba54</code> · speed 1.1 · pitch -2'
agent=$tmp/agent.html
check preview-agent-prompt has "$agent" '### Scene 1: Hook &amp; &lt;tease&gt;'
check preview-agent-prompt-pre sh -c "grep -q '<pre># Global Style &amp; Settings' '$agent'"
check preview-agent-colours has "$agent" '<span class="swatch" style="background:#1E40AF"></span>Deep Blue'
check preview-agent-estimate has "$agent" '0:06.0 – 0:09.6</span>'

# The same bytes whatever the clock, zone or locale.
check preview-deterministic sh -c "TZ=Asia/Tokyo LC_ALL=C.UTF-8 '$HGC' preview -o - tests/preview/storyboard.yaml | cmp - '$page'"

# -o: FILE.html or - for one page, DIR for one NAME.html per artifact
# (the default is preview/); a batch into one file is refused.
mkdir "$tmp/proj" && cd "$tmp/proj" || exit 1
printf 'id\nana\nbo\n' >rows.csv
printf 'hgc: 1\nname: hi-${row.id}\nrows: rows.csv\nscenes:\n  - avatar: a\n    voice: v\n    script: Hi ${row.id}.\n' >batch.yaml
printf 'hgc: 1\nscenes:\n  - avatar: a\n    voice: v\n    script: Hi.\n' >one.yaml
printf 'hgc: 1\nscenes:\n  - avatar: a\n    voic: v\n    script: Hi.\n' >bad.yaml
check preview-stdout expect_exit 0 "$HGC" preview -o - one.yaml
check preview-stdout-page sh -c "head -1 '$tmp/out' | grep -qx '<!DOCTYPE html>'"
check preview-default-dir expect_exit 0 "$HGC" preview one.yaml
check preview-default-dir-file test -s preview/one.html
check preview-batch-dir expect_exit 0 "$HGC" preview -o pages batch.yaml
check preview-batch-dir-files sh -c "test \"\$(ls pages | tr '\n' ' ')\" = 'hi-ana.html hi-bo.html '"
check preview-batch-row has pages/hi-bo.html 'batch.yaml, row 2'
check preview-batch-one-file expect_exit 2 "$HGC" preview -o all.html batch.yaml
check preview-batch-one-file-message grep -qx "hgc: '-o all.html' writes one page, but there are 2 artifacts; name a directory to get NAME.html for each" "$tmp/err"
check preview-batch-one-file-nothing test ! -e all.html
check preview-error expect_exit 1 "$HGC" preview -o bad.html bad.yaml
check preview-error-nothing test ! -e bad.html
check preview-option-elsewhere expect_exit 2 "$HGC" check --json one.yaml
cd "$ROOT" || exit 1
# Every kind has a page.
check preview-examples expect_exit 0 "$HGC" preview -o "$tmp/examples" examples/*.yaml
check preview-template has "$tmp/examples/template-renewal.html" "Its length is the template's."
check preview-translate has "$tmp/examples/translate-spanish.html" '<dt>to language</dt>'
check preview-webm has "$tmp/examples/webm-overlay.html" '<h2>Scene 1 '

# Chromium draws the page: the PNG has the size asked for and shows the
# scene colours, the hatched audio scene and the pause chips.
if [ -x "$CHROMIUM" ]; then
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
    --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$tmp/chromium" \
    --screenshot="$tmp/page.png" --window-size=1200,900 \
    "file://$page" >"$tmp/chromium.log" 2>&1
  check preview-render test -s "$tmp/page.png"
  check preview-render-pixels python3 - "$tmp/page.png" <<'PY'
import struct, sys, zlib

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype = ihdr[:4]
assert (w, h) == (1200, 900), "size %dx%d" % (w, h)
assert depth == 8 and ctype in (2, 6), "depth %d, colour type %d" % (depth, ctype)
bpp = 4 if ctype == 6 else 3
raw, stride = zlib.decompress(idat), w * bpp
prev, colours = bytearray(stride), set()
for y in range(h):
    f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = row[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: row[i] = (row[i] + a) & 255
        elif f == 2: row[i] = (row[i] + b) & 255
        elif f == 3: row[i] = (row[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 3 == 0:
        colours.update(bytes(row[x:x + 3]) for x in range(0, stride, bpp * 3))
    prev = row
assert len(colours) > 50, "only %d colours: a blank page?" % len(colours)
def seen(hexcode):
    want = bytes.fromhex(hexcode)
    return any(all(abs(p - q) <= 3 for p, q in zip(c, want)) for c in colours)
for name, hexcode in [("scene 1 background", "0f172a"), ("page", "f1f5f9"),
                      ("hatched audio scene", "fde68a"), ("pause chip", "6366f1")]:
    assert seen(hexcode), "no %s colour #%s" % (name, hexcode)
PY
else
  echo "skip preview-render: $CHROMIUM is missing (make check installs it with tools/deps.sh check)"
fi

#
# explain --json
#

check explain-json expect_exit 0 "$HGC" explain --json tests/preview/storyboard.yaml
check explain-json-one-line sh -c "test \$(wc -l <'$tmp/out') -eq 1"
check explain-json-fields python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert sorted(d) == sorted(["name", "source", "method", "path", "api", "kind",
    "scenes", "total_seconds", "has_audio"]), sorted(d)
assert (d["name"], d["api"], d["kind"]) == ("storyboard", "v2", "video"), d
assert d["total_seconds"] == 15.2 and d["has_audio"] is True, d
s = d["scenes"]
assert [x["n"] for x in s] == [1, 2, 3, 4, 5, 6]
assert s[0] == {"n": 1, "speech": "script", "words": 14, "pause_ms": 1500, "seconds": 6.6}, s[0]
assert s[2] == {"n": 3, "speech": "audio", "words": None, "pause_ms": None, "seconds": None}, s[2]
assert s[3] == {"n": 4, "speech": "silence", "words": None, "pause_ms": None, "seconds": 2.0}, s[3]
' "$tmp/out"
check explain-json-compact sh -c "! grep -q '\": ' '$tmp/out'"
check explain-json-agent expect_exit 0 "$HGC" explain --json tests/preview/agent.yaml
check explain-json-agent-scenes grep -qF '"scenes":[{"n":1,"pause_ms":null,"seconds":6.0,"speech":"A-roll","words":7},' "$tmp/out"
check explain-json-batch sh -c "test \$('$HGC' explain --json examples/welcome-batch.yaml | wc -l) -eq \$('$HGC' build -o - examples/welcome-batch.yaml | grep -c '^  \"name\"')"
check explain-json-template sh -c "'$HGC' explain --json examples/template-renewal.yaml | grep -q '\"scenes\":\[\],\"source\":\"examples/template-renewal.yaml\",\"total_seconds\":null}'"
check explain-json-build expect_exit 2 "$HGC" build --json tests/preview/agent.yaml

#
# Generated files: completions and man pages
#

if [ -x "$UNIT_DIR/md2man" ]; then
  tools/generated.sh "$HGC" "$UNIT_DIR/md2man" "$tmp/gen" 2>"$tmp/gen.err"
  for f in docs/man/hgc.1 docs/man/hgc-spec.5 contrib/completion/hgc.bash \
           contrib/completion/_hgc; do
    check "generated-$(basename "$f")" diff -u "$f" "$tmp/gen/$f"
  done
else
  echo "not ok generated ($UNIT_DIR/md2man not built: run make check)"
fi
check completion-unknown-shell expect_exit 2 "$HGC" completion fish
check completion-bash-syntax bash -n contrib/completion/hgc.bash
# bash completes as a user would see it: COMP_WORDS in, COMPREPLY out.
complete_bash() { # complete_bash WORD... : the completions of the last word
  (cd "$ROOT/examples" && bash -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hgc
    [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
    "$ROOT/contrib/completion/hgc.bash" "$@")
}
check completion-bash-command sh -c "test \"\$1\" = 'preview '" - "$(complete_bash hgc pre)"
check completion-bash-option sh -c "test \"\$1\" = '--json '" - "$(complete_bash hgc explain --js)"
check completion-bash-words sh -c "test \"\$1\" = 'v2 v3 '" - "$(complete_bash hgc build --api '')"
check completion-bash-specs sh -c "test \"\$1\" = 'product-demo.yaml '" - "$(complete_bash hgc check prod)"
check completion-bash-artifacts sh -c "test \"\$1\" = 'build/product-demo.json '" - "$(complete_bash hgc diff build/product-demo.j)"
check completion-bash-dirs sh -c "test \"\$1\" = 'build build-v3 '" - "$(complete_bash hgc build -o bui)"
# -o takes a directory or - for build, only a directory for run.
check completion-bash-out-by-command sh -c 'case " $1" in *" - "*) ;; *) exit 1 ;; esac; case " $2" in *" - "*) exit 1 ;; esac' - "$(complete_bash hgc build -o '')" "$(complete_bash hgc run -o '')"
check completion-bash-shells sh -c "test \"\$1\" = 'bash zsh '" - "$(complete_bash hgc completion '')"
check completion-bash-not-here sh -c "test \"\$1\" = ''" - "$(complete_bash hgc check --bo)"
if command -v zsh >/dev/null; then
  check completion-zsh-syntax zsh -n contrib/completion/_hgc
else
  echo "skip completion-zsh-syntax: zsh is not installed"
fi
if command -v groff >/dev/null; then
  for f in docs/man/hgc.1 docs/man/hgc-spec.5; do
    check "man-$(basename "$f")-renders" sh -c "groff -man -Tutf8 -ww -z '$f' 2>&1 | wc -c | grep -qx 0"
  done
else
  echo "skip man-renders: groff is not installed"
fi
# hgc(1) names every command and option; hgc-spec(5) every top-level key.
"$HGC" --help >"$tmp/help"
for word in $(sed -n 's/^  \([a-z]*\)  .*/\1/p' "$tmp/help") \
            $(grep -o -- '--[a-z-]*' "$tmp/help" | sort -u); do
  has docs/man/hgc.1 "$(printf '%s' "$word" | sed 's/-/\\-/g')" ||
    echo "hgc.1 lacks $word"
done >"$tmp/man-missing"
check man-hgc.1-complete test ! -s "$tmp/man-missing"
"$HGC" schema | python3 -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin)["properties"])))' >"$tmp/keys"
while read -r key; do
  has docs/man/hgc-spec.5 "\\fB$key\\fR" || echo "hgc-spec.5 lacks $key"
done <"$tmp/keys" >"$tmp/spec-missing"
check man-hgc-spec.5-keys sh -c "test -s '$tmp/keys' && ! test -s '$tmp/spec-missing' || cat '$tmp/spec-missing'"
check man-help expect_exit 0 "$HGC" help --man
check man-help-same cmp "$tmp/out" docs/man/hgc.1

#
# make install / uninstall
#

files="bin/hgc share/man/man1/hgc.1 share/man/man5/hgc-spec.5 share/bash-completion/completions/hgc share/zsh/site-functions/_hgc"
dest=$tmp/dest
# The hgc under test, as it is: -o keeps make from rebuilding it (under
# `make asan` it is .build-asan/hgc).
check install make -s --no-print-directory -o "$HGC_ARG" install \
  DESTDIR="$dest" PREFIX=/opt/hgc BIN="$HGC_ARG"
check install-files sh -c "cd '$dest/opt/hgc' && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ' | grep -qx '$(printf '%s\n' $files | sort | tr '\n' ' ')'"
check install-runs sh -c "'$dest/opt/hgc/bin/hgc' --version | grep -q '^hgc '"
check install-man cmp "$dest/opt/hgc/share/man/man1/hgc.1" docs/man/hgc.1
check uninstall make -s --no-print-directory uninstall DESTDIR="$dest" \
  PREFIX=/opt/hgc
check uninstall-all sh -c "test \$(find '$dest' -type f | wc -l) -eq 0"
