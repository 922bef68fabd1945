#!/usr/bin/env python3
"""Writes the hostile-input catalogue of hgc into a directory.

    tests/hostile/make_cases.py OUTDIR

Each case becomes OUTDIR/NAME/, holding:
  root/     the project root and working directory of the run
  outside/  files outside the root (escape attempts point here)
  args      hgc's arguments, each ended by a NUL ("build", "-o", "out",
            "--root", ".", ...): file names may hold line breaks
  expect    text the one error message must contain
  errors    how many error lines stderr must hold (default 1; "cap": the
            error limit, 100, then "hgc: too many errors")
  exit      the exit status (default 1)
  skip      a reason not to run the case here (root reads any file)

tests/hostile/run.sh runs them. The files are made at test time, so the
big ones (10 MB lines, million-key maps) are never committed. Only the
standard library is used; random bytes come from a fixed seed.
"""
import os
import random
import stat
import sys

MB = 1 << 20
AVATAR = "Daisy-inskirt-20220818"
VOICE = "2d5b0e6cf36f460aa7fc47e3eee4ba54"
# A valid spec; most cases break one thing in it.
GOOD = f"""hgc: 1
scenes:
  - avatar: {AVATAR}
    voice: {VOICE}
    script: Hello there.
"""


def scene_spec(**scene):
    """A one-scene spec; values are written as given (YAML text)."""
    keys = {"avatar": AVATAR, "voice": VOICE, "script": "Hello there."}
    keys.update(scene)
    body = "".join(f"    {k}: {v}\n" for k, v in keys.items() if v is not None)
    return "hgc: 1\nscenes:\n  - " + body[4:]


def top_spec(extra):
    """GOOD with extra top-level YAML text after `hgc: 1`."""
    return GOOD.replace("hgc: 1\n", "hgc: 1\n" + extra, 1)


class Case:
    def __init__(self, out, name):
        self.dir = os.path.join(out, name)
        self.root = os.path.join(self.dir, "root")
        self.outside = os.path.join(self.dir, "outside")
        os.makedirs(self.root)
        os.makedirs(self.outside)
        self.args = ["build", "-o", "out", "--root", "."]

    def _path(self, rel, base=None):
        p = os.path.join(base or self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def file(self, rel, data, base=None):
        if isinstance(data, str):
            data = data.encode()
        with open(self._path(rel, base), "wb") as f:
            f.write(data)

    def out_file(self, rel, data):
        self.file(rel, data, self.outside)

    def link(self, target, rel):
        os.symlink(target, self._path(rel))

    def fifo(self, rel):
        os.mkfifo(self._path(rel))

    def meta(self, name, text):
        with open(os.path.join(self.dir, name), "w",
                  errors="surrogateescape") as f:
            f.write(text)


CASES = []


def case(name, expect, errors=1, exit=1):
    """Registers fn(c) as case NAME; fn writes files and may add args."""
    def register(fn):
        CASES.append((name, expect, errors, exit, fn))
        return fn
    return register


def spec(text):
    """A case that is just a spec file."""
    return lambda c: (c.file("spec.yaml", text), c.args.append("spec.yaml"))


def add(name, expect, text, **kw):
    case(name, expect, **kw)(spec(text))


#
# Reading files: empty, truncated, not regular, not readable
#
add("empty-file", "file is empty", "")
add("only-comments", "file is empty", "# nothing here\n" * 1000)
add("only-blank-lines", "file is empty", "\n" * 100000)
add("bom-only", "file is empty", b"\xef\xbb\xbf")
add("document-of-null", "file is empty", "---\n~\n...\n")
add("truncated-in-quote", "found unexpected end of stream",
    GOOD + 'title: "Welc')
add("truncated-in-flow", "did not find expected", GOOD + "title: [a, b")
add("truncated-in-flow-map", "did not find expected", GOOD + "title: {a: 1")
add("truncated-utf8", "invalid UTF-8", GOOD.encode() + b"title: caf\xc3")
add("truncated-escape", "did not find expected hexdecimal", GOOD + 'title: "\\u00')


@case("spec-is-directory", "is a directory")
def _(c):
    os.makedirs(os.path.join(c.root, "spec.yaml"))
    c.args.append("spec.yaml")


@case("spec-missing", "No such file")
def _(c):
    c.args.append("missing.yaml")


@case("spec-dev-zero", "not a regular file")
def _(c):
    c.args.append("/dev/zero")


@case("spec-dev-null", "not a regular file")
def _(c):
    c.args.append("/dev/null")


@case("spec-fifo", "not a regular file")
def _(c):
    c.fifo("spec.yaml")
    c.args.append("spec.yaml")


@case("spec-symlink-dev-zero", "not a regular file")
def _(c):
    c.link("/dev/zero", "spec.yaml")
    c.args.append("spec.yaml")


@case("spec-symlink-loop", "Too many levels of symbolic links")
def _(c):
    c.link("b.yaml", "a.yaml")
    c.link("a.yaml", "b.yaml")
    c.args.append("a.yaml")


@case("spec-not-a-directory", "Not a directory")
def _(c):
    c.file("file", GOOD)
    c.args.append("file/spec.yaml")


@case("spec-unreadable", "Permission denied")
def _(c):
    c.file("spec.yaml", GOOD)
    os.chmod(os.path.join(c.root, "spec.yaml"), 0)
    c.args.append("spec.yaml")
    if os.geteuid() == 0:
        c.meta("skip", "root reads any file")


@case("spec-name-control-chars", "is a directory")
def _(c):
    # a file name that would start a CI log command if printed raw
    os.makedirs(os.path.join(c.root, "x\n::error::pwned.yaml"))
    c.args.append("x\n::error::pwned.yaml")


#
# Encodings
#
add("invalid-utf8-ff", "invalid UTF-8 byte 0xFF", GOOD.encode() + b"title: \xff\n")
add("invalid-utf8-overlong", "invalid UTF-8 byte 0xC0",
    GOOD.encode() + b"title: \xc0\x80\n")
add("invalid-utf8-surrogate", "invalid UTF-8 byte 0xED",
    GOOD.encode() + b"title: \xed\xa0\x80\n")
add("invalid-utf8-too-big", "invalid UTF-8 byte 0xF4",
    GOOD.encode() + b"title: \xf4\x90\x80\x80\n")
add("invalid-utf8-latin1", "invalid UTF-8 byte 0xE9",
    GOOD.encode() + "title: caf\u00e9\n".encode("latin-1"))
add("utf16le-bom", "invalid UTF-8", b"\xff\xfe" + GOOD.encode("utf-16-le"))
add("utf16be-bom", "invalid UTF-8", b"\xfe\xff" + GOOD.encode("utf-16-be"))
add("utf16le-no-bom", "control characters are not allowed",
    GOOD.encode("utf-16-le"))
add("utf32-bom", "invalid UTF-8", b"\xff\xfe\x00\x00" + GOOD.encode("utf-32-le"))
add("nul-byte", "control characters are not allowed",
    GOOD.encode() + b"title: a\x00b\n")
add("nul-bytes-only", "control characters are not allowed", b"\x00" * 4096)
add("binary-garbage", "invalid UTF-8",
    bytes([0x80]) + random.Random(1).randbytes(64 * 1024))
add("binary-ascii-controls", "control characters are not allowed",
    bytes(random.Random(2).choice(range(1, 32)) for _ in range(4096)))
add("bom-then-garbage", "invalid UTF-8",
    b"\xef\xbb\xbf" + bytes([0xfe]) + random.Random(3).randbytes(4096))
add("bom-then-controls", "control characters are not allowed",
    b"\xef\xbb\xbf\x01\x02\x03hgc: 1\n")
add("double-bom", "did not find expected", b"\xef\xbb\xbf\xef\xbb\xbf" + GOOD.encode() + b"titel: x\n")
add("crlf-unknown-key", "unknown key 'titel'",
    (GOOD + "titel: x\n").replace("\n", "\r\n"))
add("cr-only-unknown-key", "unknown key 'titel'",
    (GOOD + "titel: x\n").replace("\n", "\r"))
add("mixed-line-ends-tab", "tab character used for indentation",
    "hgc: 1\r\nscenes:\r  - avatar: a\n\t voice: v\r\n")
add("control-char-in-plain", "control characters are not allowed",
    GOOD + "title: a\x07b\n")
add("escape-in-plain", "control characters are not allowed",
    GOOD + "title: \x1b[2J\x1b[31mred\n")
add("control-char-escaped-in-script", "control character U+0007",
    scene_spec(script='"Hello\\athere"'))
add("nul-escaped-in-script", "control character U+0000",
    scene_spec(script='"Hello\\0there"'))
add("ansi-escape-in-key", "unknown key '\\x1B[2J",
    GOOD + '"\\e[2J\\e[31mkey": 1\n')
add("ci-command-in-key", "unknown key 'x\\n::error",
    GOOD + '"x\\n::error file=a,line=1::pwned\\n::add-mask::x": 1\n')
add("c1-control-in-key", "unknown key '\\u009B",
    GOOD + '"\\x9b2Jkey": 1\n')
add("lone-surrogate-escape", "invalid Unicode character escape", GOOD + 'title: "\\ud800"\n')

#
# Size: long lines, long files, many nodes
#
add("10mb-single-line", "too large (limit is 8388608 bytes",
    "hgc: 1\ntitle: " + "a" * (10 * MB) + "\n")
add("7mb-line-unknown-key", "unknown key",
    GOOD + "? " + "k" * (7 * MB) + "\n: 1\n")
add("7mb-value-bad-type", "must be",
    GOOD + "test: " + "x" * (7 * MB) + "\n")
add("error-at-column-5m", "invalid UTF-8",
    GOOD.encode() + b"title: " + b"a" * (5 * MB) + b"\xff\n")
add("million-lines-then-error", "unknown key 'titel'",
    GOOD + "#\n" * 1000000 + "titel: x\n")
add("million-key-map", "too large (limit is 8388608 bytes",
    GOOD + "vars:\n" + "".join(f"  k{i}: {i}\n" for i in range(1000000)))
add("million-scenes", "too large (limit is 8388608 bytes",
    "hgc: 1\nscenes:\n" + "  - {silence: 1s}\n" * 1000000)
add("300k-key-flow-map", "document too large (limit is 200000 nodes",
    GOOD + "vars: {" + ", ".join(f"k{i}: 1" for i in range(300000)) + "}\n")
add("million-scenes-flow", "document too large",
    "hgc: 1\nscenes: [" + "{}," * 1000000 + "]\n")
add("60k-scenes", "too many scenes (limit is 50)",
    "hgc: 1\ndefaults: {avatar: a, voice: v}\nscenes:\n"
    + "  - silence: 1s\n" * 60000)
add("duplicate-key-at-scale", "duplicate key 'k89999'",
    GOOD + "vars:\n" + "".join(f"  k{i}: 1\n" for i in range(90000))
    + "  k89999: 2\n")
add("duplicate-keys-everywhere", "duplicate key 'titel'", GOOD + "titel: 1\n" * 5000,
    errors="cap")
# libyaml allows 1024 characters in an implicit key; "? KEY" has no limit
add("1mb-implicit-key", "could not find expected ':'",
    GOOD + "k" * MB + ": 1\n")
add("1mb-key", "unknown key 'kkkk", GOOD + "? " + "k" * MB + "\n: 1\n")
add("1mb-key-did-you-mean", "unknown key 'titleee",
    GOOD + "? title" + "e" * MB + "\n: 1\n")
add("50k-unknown-keys", "unknown key",
    GOOD + "".join(f"bad{i}: 1\n" for i in range(50000)), errors="cap")
add("many-documents", "only one YAML document",
    GOOD + "---\na: 1\n" * 100000)
add("many-anchors", "unknown key 'titel'",
    GOOD + "vars:\n" + "".join(f"  v{i}: &a{i} {i}\n" for i in range(50000))
    + "titel: x\n")
add("1mb-anchor-name", "unknown key 'titel'",
    GOOD + "vars: {a: &" + "a" * MB + " 1}\ntitel: x\n")

#
# Nesting
#
add("100k-flow-seqs", "nesting too deep (limit is 64 levels",
    "hgc: 1\ntitle: " + "[" * 100000 + "]" * 100000 + "\n")
add("100k-flow-seqs-unclosed", "nesting too deep",
    "hgc: 1\ntitle: " + "[" * 100000 + "\n")
add("100k-flow-maps", "nesting too deep",
    "hgc: 1\ntitle: " + "{a: " * 100000 + "}" * 100000 + "\n")
add("100k-block-seqs", "nesting too deep",
    "hgc: 1\ntitle:\n" + "- " * 100000 + "x\n")
add("100k-mixed-nesting", "nesting too deep",
    "hgc: 1\ntitle: " + "[{a: " * 50000 + "\n")
add("nesting-at-limit", "'title' must be",
    "hgc: 1\ntitle: " + "[" * 63 + "]" * 63 + "\n" + GOOD[7:])
add("deep-block-maps", "nesting too deep",
    "hgc: 1\n" + "".join(" " * i + f"k{i}:\n" for i in range(200))
    + " " * 200 + "x: 1\n")

#
# Aliases and tags
#
LAUGHS = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n"
                 for i in range(1, 12))
add("billion-laughs", "alias expansion too large (limit is 200000 nodes",
    "hgc: 1\nvars:\n  l0: &l0 lol\n" + "".join("  " + l for l in
                                             LAUGHS.splitlines(True)))
add("billion-laughs-maps", "alias expansion too large",
    "hgc: 1\nvars:\n  l0: &l0 {a: lol}\n" + "".join(
        f"  l{i}: &l{i} {{" + ", ".join(f"k{j}: *l{i - 1}" for j in range(9))
        + "}\n" for i in range(1, 12)))
add("alias-in-own-anchor", "inside its own anchor",
    GOOD + "vars: &a {x: *a}\n")
add("alias-undefined", "undefined alias '*nope'", GOOD + "vars: {x: *nope}\n")
add("alias-used-everywhere", "alias expansion too large",
    GOOD + "vars:\n  big: &b [" + ", ".join(["x"] * 1000) + "]\n"
    + "".join(f"  u{i}: *b\n" for i in range(1000)))
add("merge-key", "unknown key '<<'",
    GOOD.replace("    script", "    <<: {x: 1}\n    script"))
add("1mb-tag", "unsupported tag", GOOD + "title: !" + "t" * MB + " x\n")
add("tag-directive-bomb", "unknown key 'titel'",
    "%TAG !e! tag:yaml.org,2002:\n---\n" + GOOD + "vars:\n"
    + "".join(f"  v{i}: !e!str {i}\n" for i in range(50000)) + "titel: x\n")
add("many-tag-directives", "unknown key 'titel'",
    "".join(f"%TAG !t{i}! tag:example.com,2000:{i}\n" for i in range(10000))
    + "---\n" + GOOD + "titel: x\n")
add("unsupported-tags-everywhere", "unsupported tag",
    GOOD + "vars:\n" + "".join(f"  v{i}: !!binary x\n" for i in range(5000)),
    errors="cap")
add("yaml-directive-future", "incompatible YAML document",
    "%YAML 9.9\n---\n" + GOOD)
add("complex-key", "map key must be a scalar", GOOD + "? [a, b]\n: 1\n")
add("tab-indentation", "tab character used for indentation",
    "hgc: 1\nscenes:\n\t- avatar: a\n")

#
# Numbers
#
add("huge-int-version", "unsupported format version", "hgc: 99999999999999999999\n" + GOOD[7:])
add("int-overflow-speed", "'speed' is out of range", scene_spec(voice="{id: v, speed: 99999999999999999999}"))
add("int64-min-width", "'width' is out of range", top_spec("dimension: {width: -9223372036854775809, height: 720}\n"))
add("float-1e999", "'scale' is out of range", scene_spec(avatar="{id: a, scale: 1e999}"))
add("float-minus-1e999", "'pitch' is out of range", scene_spec(voice="{id: v, pitch: -1e999}"))
add("float-underflow", "'scale' is out of range", scene_spec(avatar="{id: a, scale: 1e-999}"))
add("minus-zero-scale", "must be greater than 0", scene_spec(avatar="{id: a, scale: -0}"))
add("hex-number", "must be a number", scene_spec(voice="{id: v, speed: 0x1}"))
add("hex-prefix-only", "must be a number", scene_spec(voice="{id: v, speed: 0x}"))
add("nan-speed", "must be a finite number, not '.nan'", scene_spec(voice="{id: v, speed: .nan}"))
add("inf-speed", "must be a finite number, not '.inf'", scene_spec(voice="{id: v, speed: .inf}"))
add("minus-inf-pitch", "must be a finite number, not '-.inf'", scene_spec(voice="{id: v, pitch: -.inf}"))
add("nan-as-text", "must be a number", scene_spec(voice="{id: v, speed: NaN}"))
add("infinity-as-text", "must be a number",
    scene_spec(voice="{id: v, speed: Infinity}"))
add("string-1e999-speed", "must be a number", scene_spec(voice='{id: v, speed: "1e999"}'))
add("silence-huge", "longer than the limit",
    scene_spec(script=None, silence="99999999999999999999s"))
add("silence-1e999", "longer than the limit", scene_spec(script=None, silence="1e999"))
add("silence-nan", "not a finite number", scene_spec(script=None, silence=".nan"))
add("silence-minus-zero", "is zero", scene_spec(script=None, silence="-0"))
add("silence-million-digits", "longer than the limit",
    scene_spec(script=None, silence="1" * MB + "s"))
add("silence-million-zeros", "is zero",
    scene_spec(script=None, silence="0." + "0" * MB + "s"))
add("pause-huge", "longer than the limit",
    scene_spec(script='["Hi.", {pause: 99999999999999999999}, "There."]'))
add("break-1e999", "invalid break time",
    scene_spec(script='"Hi <break time=\\"1e999s\\"/> there."'))
add("break-huge", "longer than the limit",
    scene_spec(script='"Hi <break time=\\"99999999999999999999s\\"/> there."'))
add("break-tiny", "more than 3 decimals",
    scene_spec(script='"Hi <break time=\\"0.0000000001s\\"/> there."'))
add("dimension-huge", "'width' is out of range", top_spec("dimension: {width: 99999999999999999999, height: 720}\n"))
add("offset-nan", "must be a finite number, not '.nan'", scene_spec(avatar="{id: a, offset: {x: .nan, y: 0}}"))

#
# Scripts
#
add("1mb-script", "too long",
    scene_spec(script='"' + "word " * (MB // 5) + '"'))
add("100k-break-tags", "no spoken text",
    scene_spec(script='"' + '<break time=\\"1s\\"/>' * 100000 + '"'))
add("100k-breaks-between-words", "too long",
    scene_spec(script='"' + 'a <break time=\\"1s\\"/> ' * 100000 + '"'))
add("unbalanced-quote-tag-1mb", "unbalanced quotes in tag",
    scene_spec(script='"Hi <break time=\\"' + "a" * MB + '"'))
add("unterminated-tag-1mb", "unterminated tag",
    scene_spec(script='"Hi <break time=\\"1s\\"' + " a" * MB + '"'))
add("tag-name-1mb", "unknown tag",
    scene_spec(script='"Hi <' + "b" * MB + '/> there"'))
add("100k-bad-tags", "unterminated tag", scene_spec(script='"' + "<b " * 100000 + '"'),
    errors="cap")
add("script-5mb-spaces", "no spoken text",
    scene_spec(script='"' + " " * (5 * MB) + '"'))
add("script-1m-bangs", "too long", scene_spec(script='"' + "!" * MB + '"'))
add("script-60k-pauses", "no spoken text",
    scene_spec(script="[" + "{pause: 3600s}, " * 60000 + "]"))

#
# Variables
#
add("unclosed-brace", "unterminated '${'", top_spec("title: Hi ${name\n"))
add("unclosed-brace-at-end", "unterminated '${'", top_spec("title: ${\n"))
add("self-reference", "refers to itself", top_spec("vars: {a: '${a}'}\ntitle: ${a}\n"))
add("mutual-reference", "refers to itself",
    top_spec("vars: {a: '${b}', b: '${a}'}\ntitle: ${a}\n"))
add("long-variable-chain", "too many nested variable references (limit is 64",
    top_spec("vars:\n" + "".join(f"  v{i}: '${{v{i + 1}}}'\n" for i in range(50000))
             + "  v50000: end\ntitle: ${v0}\n"))
add("long-cycle", "too many nested variable references",
    top_spec("vars:\n" + "".join(f"  v{i}: 'x${{v{(i + 1) % 1000}}}'\n"
                                 for i in range(1000)) + "title: ${v0}\n"))
add("deep-path-100k", "undefined variable 'a'",
    top_spec("title: ${" + ".".join(["a"] * 100000) + "}\n"))
add("deep-path-defined-prefix", "has no key",
    top_spec("vars: {a: {a: x}}\ntitle: ${" + ".".join(["a"] * 100000) + "}\n"))
add("1mb-variable-name", "undefined variable",
    top_spec("title: ${" + "v" * MB + "}\n"))
add("expansion-bomb-strings", "variable expansion too large",
    top_spec("vars:\n  v0: " + "x" * 1000 + "\n" + "".join(
        f"  v{i}: '" + f"${{v{i - 1}}}" * 10 + "'\n" for i in range(1, 12))
        + "title: ${v11}\n"))
add("expansion-bomb-lists", "variable expansion too large",
    top_spec("vars:\n  v0: [" + ", ".join(["x"] * 100) + "]\n" + "".join(
        f"  v{i}: [" + ", ".join([f"'${{v{i - 1}}}'"] * 10) + "]\n"
        for i in range(1, 12)) + "title: ${v11}\n"))
add("expansion-wide", "variable expansion too large",
    top_spec("vars: {v: " + "x" * 4096 + "}\ntitle: '" + "${v}" * 100000
             + "'\n"))
# Many references into big maps, many errors: linear, or the error limit
# cuts the cost (a scan per reference was once quadratic: 50 s).
add("many-vars-many-refs", "unknown key 'titel'",
    top_spec("vars:\n" + "".join(f"  v{i}: x\n" for i in range(90000))
             + "title: '" + "${v89999}" * 50000 + "'\ntitel: x\n"))
add("many-env-many-refs", "unknown key 'titel'",
    top_spec("env: [" + ", ".join(f"E{i}" for i in range(90000))
             + "]\ntitle: '" + "${env.E89999:-x}" * 50000 + "'\ntitel: x\n"))
add("many-undefined-refs", "undefined variable",
    top_spec("vars:\n" + "".join(f"  {'a' * 50}{i}: x\n" for i in range(60000))
             + "title: '" + ("${" + "a" * 50 + "x}") * 20000 + "'\n"),
    errors="cap")
add("many-long-unknown-keys", "unknown key",
    GOOD + "".join(f"{'title' * 12}{i}: 1\n" for i in range(60000)),
    errors="cap")
add("many-unterminated-refs", "unterminated '${'",
    top_spec("title: '" + "${a " * 200000 + "'\n"))
add("fallback-with-variable", "cannot use a variable",
    top_spec("title: ${x:-${y}}\n"))
add("env-not-listed", "not listed under 'env:'", top_spec("title: ${env.HOME}\n"))
add("env-secret-not-listed", "not listed under 'env:'",
    top_spec("title: ${env.PATH}\n"))
add("env-api-key-listed", "it is the API key",
    top_spec("env: [HEYGEN_API_KEY]\ntitle: ${env.HEYGEN_API_KEY}\n"))
add("env-api-key-in-name", "it is the API key",
    top_spec("env: [HEYGEN_API_KEY]\nname: ${env.HEYGEN_API_KEY}\n"))
add("env-name-bad", "expected an environment variable name",
    top_spec("env: ['A B']\n"))
add("vars-not-a-map", "'vars' must be a map", top_spec("vars: [1, 2]\n"))
add("variable-in-include-path", "cannot use variables",
    top_spec("include: ${x}.yaml\n"))


@case("vars-file-dev-zero", "not a regular file")
def _(c):
    c.file("spec.yaml", GOOD)
    c.args += ["--vars", "/dev/zero", "spec.yaml"]


@case("define-invalid-utf8", "not valid UTF-8")
def _(c):
    c.file("spec.yaml", GOOD)
    c.args += ["-D", "x=\udcff", "spec.yaml"]


@case("define-1mb-name", "invalid variable name")
def _(c):
    c.file("spec.yaml", GOOD)
    c.args += ["-D", "-" * 100000 + "=1", "spec.yaml"]


#
# Includes
#
def include_case(name, expect, files, main_extra, setup=None, **kw):
    @case(name, expect, **kw)
    def _(c):
        for rel, text in files.items():
            c.file(rel, text)
        if setup:
            setup(c)
        c.file("spec.yaml", top_spec(main_extra))
        c.args.append("spec.yaml")


include_case("include-self", "include cycle", {}, "include: spec.yaml\n")
include_case("include-cycle-3", "include cycle",
             {"a.yaml": "include: b.yaml\n", "b.yaml": "include: c.yaml\n",
              "c.yaml": "include: a.yaml\n"}, "include: a.yaml\n")
include_case("include-deep", "includes nested too deeply (limit is 64 levels",
             {f"i{i}.yaml": f"include: i{i + 1}.yaml\n" for i in range(100)}
             | {"i100.yaml": "title: x\n"}, "include: i0.yaml\n")
include_case("include-wide", "too many includes (limit is 1000",
             {"a.yaml": "title: x\n"},
             "include: [" + ", ".join(["a.yaml"] * 2000) + "]\n")
include_case("include-exponential", "too many includes",
             {f"e{i}.yaml": f"include: [e{i + 1}.yaml, e{i + 1}.yaml]\n"
              for i in range(30)} | {"e30.yaml": "title: x\n"},
             "include: e0.yaml\n")
include_case("include-total-size", "past 8388608 bytes",
             {"big.yaml": "vars: {x: " + "x" * (3 * MB) + "}\n"},
             "include: [big.yaml, big.yaml, big.yaml]\n")
include_case("include-10mb", "too large",
             {"big.yaml": "title: " + "x" * (10 * MB) + "\n"},
             "include: big.yaml\n")
include_case("include-empty", "file is empty", {"empty.yaml": ""},
             "include: empty.yaml\n")
include_case("include-binary", "invalid UTF-8",
             {"bin.yaml": random.Random(4).randbytes(1000).replace(b"\n", b"\xff")
              + b"\xff"}, "include: bin.yaml\n")
include_case("include-directory", "is a directory", {"d/x.yaml": "a: 1\n"},
             "include: d\n")
# Names that resolve through realpath, not the directory cache: "d/" and
# "." (once read from a descriptor left unset).
include_case("include-directory-slash", "is a directory",
             {"d/x.yaml": "a: 1\n"}, "include: d/\n")
include_case("include-dot", "is a directory", {}, "include: .\n")
include_case("include-dotdot", "leaves the project root", {},
             "include: ../outside/evil.yaml\n",
             setup=lambda c: c.out_file("evil.yaml", "title: x\n"))
include_case("include-absolute", "leaves the project root", {},
             "include: /etc/passwd\n")
include_case("include-symlink-escape", "a symlink takes it to", {},
             "include: link.yaml\n",
             setup=lambda c: (c.out_file("evil.yaml", "title: x\n"),
                              c.link("../outside/evil.yaml", "link.yaml")))
include_case("include-symlink-dir-escape", "a symlink takes it to", {},
             "include: d/evil.yaml\n",
             setup=lambda c: (c.out_file("evil.yaml", "title: x\n"),
                              c.link(c.outside, "d")))
include_case("include-dev-zero-symlink", "leaves the project root", {},
             "include: zero.yaml\n",
             setup=lambda c: c.link("/dev/zero", "zero.yaml"))
include_case("include-proc-environ", "leaves the project root", {},
             "include: env.yaml\n",
             setup=lambda c: c.link("/proc/self/environ", "env.yaml"))
include_case("include-fifo", "not a regular file", {}, "include: f.yaml\n",
             setup=lambda c: c.fifo("f.yaml"))
include_case("include-symlink-loop", "Too many levels of symbolic links", {},
             "include: a.yaml\n",
             setup=lambda c: (c.link("b.yaml", "a.yaml"),
                              c.link("a.yaml", "b.yaml")))
include_case("include-dangling", "No such file", {}, "include: gone.yaml\n",
             setup=lambda c: c.link("nowhere.yaml", "gone.yaml"))
include_case("include-long-path", "No such file", {},
             "include: " + "a/" * 5000 + "x.yaml\n")
include_case("include-nul", "a name with a NUL", {}, 'include: "a\\0.yaml"\n')
include_case("include-empty-path", "path is empty", {}, 'include: ""\n')
include_case("include-a-map", "expected a file name", {},
             "include: [{a: 1}]\n")
include_case("include-scalar-file", "must be a map", {"s.yaml": "just text\n"},
             "include: s.yaml\n")
include_case("include-alias-merge-bomb", "merging the includes builds more",
             {f"m{i}.yaml": "vars:\n  x: &a0 {k: v}\n" + "".join(
                 f"  y{j}: &a{j} {{p: *a{j - 1}, q: *a{j - 1}}}\n"
                 for j in range(1, 14)) + "  z: *a13\n" for i in range(200)},
             "include: [" + ", ".join(f"m{i}.yaml" for i in range(200)) + "]\n"
             + "titel: x\n")


@case("include-unreadable", "Permission denied")
def _(c):
    c.file("secret.yaml", "title: x\n")
    os.chmod(os.path.join(c.root, "secret.yaml"), 0)
    c.file("spec.yaml", top_spec("include: secret.yaml\n"))
    c.args.append("spec.yaml")
    if os.geteuid() == 0:
        c.meta("skip", "root reads any file")


@case("scene-include-dev-zero", "leaves the project root")
def _(c):
    c.link("/dev/zero", "z.yaml")
    c.file("spec.yaml", "hgc: 1\nscenes:\n  - include: z.yaml\n")
    c.args.append("spec.yaml")


#
# Batch rows
#
def rows_case(name, expect, rows_name, rows, spec_extra="", script=None,
              setup=None, **kw):
    @case(name, expect, **kw)
    def _(c):
        if rows is not None:
            c.file(rows_name, rows)
        if setup:
            setup(c)
        s = scene_spec(script=script) if script else GOOD
        c.file("spec.yaml", s.replace("hgc: 1\n", "hgc: 1\nname: v-${row.id}\n"
                                      + spec_extra))
        c.args += ["--rows", rows_name, "spec.yaml"]


rows_case("rows-million-columns", "too many cells in the rows file (limit is 200000",
          "r.csv", "id," + ",".join(f"c{i}" for i in range(1000000)) + "\n")
rows_case("rows-million-rows", "too many cells",
          "r.csv", "id\n" + "".join(f"r{i}\n" for i in range(1000000)))
rows_case("rows-5mb-cell", "too long", "r.csv",
          "id,text\na,\"" + "word " * MB + "\"\n", script="${row.text}")
rows_case("rows-unterminated-quote", "unterminated quoted field", "r.csv",
          "id\n\"abc\n" + "x\n" * 100000)
rows_case("rows-invalid-utf8", "invalid UTF-8", "r.csv", b"id\n\xff\n")
rows_case("rows-nul-in-cell", "control character U+0000", "r.csv", b"id,text\na,hi\x00there\n",
          script="${row.text}")
rows_case("rows-dev-zero", "not a regular file", "r.csv", None,
          setup=lambda c: c.link("/dev/zero", "r.csv"))
rows_case("rows-fifo", "not a regular file", "r.csv", None,
          setup=lambda c: c.fifo("r.csv"))
rows_case("rows-directory", "is a directory", "r.csv", None,
          setup=lambda c: os.makedirs(os.path.join(c.root, "r.csv")))
rows_case("rows-yaml-million", "too large (limit is 8388608 bytes", "r.yaml",
          "".join(f"- {{id: r{i}}}\n" for i in range(1000000)))
rows_case("rows-path-traversal-name", "not a valid artifact name", "r.csv", "id\n../../etc/evil\n")
rows_case("rows-same-error-100k", "unknown column", "r.csv",
          "id\n" + "".join(f"r{i}\n" for i in range(100000)),
          spec_extra="title: ${row.nope}\n")


@case("rows-key-escapes-root", "leaves the project root")
def _(c):
    c.out_file("r.csv", "id\na\n")
    c.file("spec.yaml", GOOD.replace("hgc: 1\n", "hgc: 1\nrows: ../outside/r.csv\n"))
    c.args.append("spec.yaml")


#
# Names and output paths
#
add("name-path-traversal", "not a valid artifact name", top_spec("name: ../../etc/evil\n"))
add("name-slash", "not a valid artifact name", top_spec("name: a/../../b\n"))
add("name-nul", "NUL", top_spec('name: "a\\0b"\n'))
add("name-1mb", "artifact name is too long", top_spec("name: " + "a" * MB + "\n"))

#
# Raising a limit makes the same input pass (exit 0)
#
LIMIT_PASS = [
    ("limit-raised-depth", ["--max-depth", "200"],
     top_spec("vars: {x: " + "[" * 100 + "]" * 100 + "}\n")),
    ("limit-raised-nodes", ["--max-nodes", "300000"],
     top_spec("vars: {x: [" + "1," * 250000 + "]}\n")),
    ("limit-raised-var-depth", ["--max-var-depth", "200"],
     top_spec("vars:\n" + "".join(f"  v{i}: '${{v{i + 1}}}'\n" for i in range(100))
              + "  v100: end\ntitle: ${v0}\n")),
    ("limit-raised-bytes", ["--max-bytes", str(16 * MB)],
     top_spec("vars: {x: " + "x" * (10 * MB) + "}\n")),
]
for name, flags, text in LIMIT_PASS:
    def setup(c, flags=flags, text=text):
        c.file("spec.yaml", text)
        c.args += flags + ["spec.yaml"]
    case(name, "", errors=0, exit=0)(setup)


# The highest values the options take must still be safe for the stack.
@case("ceiling-depth", "'title' must be a string")
def _(c):
    c.file("spec.yaml", top_spec("vars: {x: " + "[" * 998 + "]" * 998
                                 + "}\ntitle: ${x}\n"))
    c.args += ["--max-depth", "1000", "spec.yaml"]


CEILING_CHAIN = top_spec("vars:\n" + "".join(
    f"  v{i}: '${{v{i + 1}}}'\n" for i in range(999)) + "  v999: end\n"
    "title: ${v0}\n")


@case("ceiling-var-depth", "", errors=0, exit=0)
def _(c):
    c.file("spec.yaml", CEILING_CHAIN)
    c.args += ["--max-var-depth", "1000", "spec.yaml"]


@case("ceiling-include-depth", "", errors=0, exit=0)
def _(c):
    for i in range(998):
        c.file(f"i{i}.yaml", f"include: i{i + 1}.yaml\n")
    c.file("i998.yaml", "title: deep\n")
    c.file("spec.yaml", top_spec("include: i0.yaml\n"))
    c.args += ["--max-depth", "1000", "spec.yaml"]


@case("limit-raised-includes", "", errors=0, exit=0)
def _(c):
    c.file("a.yaml", "title: x\n")
    c.file("spec.yaml", top_spec("include: [" + ", ".join(["a.yaml"] * 1500) + "]\n"))
    c.args += ["--max-includes", "2000", "spec.yaml"]


@case("limit-lowered-expansion", "variable expansion too large (limit is 1000 bytes")
def _(c):
    c.file("spec.yaml", top_spec("vars: {x: " + "x" * 600 + "}\ntitle: ${x}${x}\n"))
    c.args += ["--max-expansion", "1000", "spec.yaml"]


@case("limit-lowered-output", "artifacts too large")
def _(c):
    c.file("spec.yaml", GOOD)
    c.args += ["--max-output", "10", "spec.yaml"]


@case("limit-lowered-cells", "too many cells in the rows file (limit is 3")
def _(c):
    c.file("r.csv", "id\na\nb\nc\n")
    c.file("spec.yaml", top_spec("name: v-${row.id}\n"))
    c.args += ["--max-cells", "3", "--rows", "r.csv", "spec.yaml"]


for flag, value in [("--max-depth", "0"), ("--max-depth", "-1"),
                    ("--max-nodes", "x"), ("--max-bytes", "1e6"),
                    ("--max-depth", "1001"), ("--max-var-depth", "1001"),
                    ("--max-expansion", "99999999999999999999999"),
                    ("--max-includes", ""), ("--max-var-depth", " 5")]:
    def setup(c, flag=flag, value=value):
        c.file("spec.yaml", GOOD)
        c.args += [flag, value, "spec.yaml"]
    case(f"flag{flag}={value!r}".replace(" ", "_").replace("'", ""),
         "takes a whole number from 1 to", errors=0, exit=2)(setup)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_cases.py OUTDIR")
    out = sys.argv[1]
    names = set()
    for name, expect, errors, code, fn in CASES:
        assert name not in names, name
        names.add(name)
        c = Case(out, name)
        fn(c)
        c.meta("args", "".join(a + "\0" for a in c.args))
        c.meta("expect", expect)
        c.meta("errors", str(errors))
        c.meta("exit", str(code))
    print(len(CASES))


if __name__ == "__main__":
    main()
