#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Python baseline of `make bench`: hgc's lowering of a video spec,
written plainly with PyYAML (its libyaml loader) and json.

Usage: lower.py SPEC [ROWS]

Prints the request body of SPEC, or of each row of ROWS (a YAML list of
maps), as canonical JSON (json.dumps(indent=2, sort_keys=True,
ensure_ascii=False) plus a newline), the same bytes as
`hgc build --body -o -`. It implements the subset of spec-format.md that
the bench specs use: top-level and scene includes with hgc's merge rules,
${name}, ${a.b}, ${row.X} and ${x:-fallback}, defaults by slot, scripts
with break tags and pauses, backgrounds, dimensions, callbacks. It
validates nothing: a spec outside that subset gives a wrong body, not an
error.
"""
import json
import os
import re
import sys

import yaml

LOADER = yaml.CSafeLoader  # libyaml, as hgc and the floor use

SLOTS = {"avatar": "character", "talking_photo": "character",
         "script": "speech", "audio": "speech", "silence": "speech",
         "background": "whole"}
ASPECTS = {"16:9": (1280, 720, 1920, 1080), "9:16": (720, 1280, 1080, 1920),
           "1:1": (720, 720, 1080, 1080), "4:3": (960, 720, 1440, 1080),
           "4:5": (576, 720, 1080, 1350)}
REF = re.compile(r"\$\{([^}]*)\}")
BREAK = re.compile(r'<break time="([0-9.]+)s"/>')
SPACE = re.compile(r"\s+")


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=LOADER)


#
# Includes (include.c)
#
def merge(base, over, plain=False, top=False):
    """over on top of base: maps merge deeply; slot keys replace whole,
    and one key of a slot drops the base's others."""
    if not isinstance(base, dict) or not isinstance(over, dict):
        return over
    out = {}
    sets = set() if plain else {SLOTS.get(k) for k in over}
    for k, v in base.items():
        slot = None if plain else SLOTS.get(k)
        if k in over:
            out[k] = over[k] if slot else merge(
                v, over[k], plain or (top and k == "vars"))
        elif slot in (None, "whole") or slot not in sets:
            out[k] = v
    for k, v in over.items():
        if k not in base:
            out[k] = v
    return out


def splice(scenes, here):
    out = []
    for item in scenes:
        if isinstance(item, dict) and "include" in item:
            doc = resolve(os.path.join(os.path.dirname(here),
                                       item["include"]), True)
            out.extend(doc["scenes"] if isinstance(doc, dict) else doc)
        else:
            out.append(item)
    return out


def resolve(path, splicing=False):
    doc = load(path)
    if isinstance(doc, list):
        return splice(doc, path)
    inc = doc.get("include")
    acc = None
    for child in [inc] if isinstance(inc, str) else inc or []:
        c = resolve(os.path.join(os.path.dirname(path), child))
        acc = c if acc is None else merge(acc, c, top=True)
    own = {}
    for k, v in doc.items():
        if k == "include" or (splicing and k == "hgc"):
            continue
        own[k] = splice(v, path) if k == "scenes" else v
    return own if acc is None else merge(acc, own, top=True)


#
# Variables (vars.c)
#
def scalar_text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def typed(text):
    """A fallback's text as a YAML scalar (quoted: a string)."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return yaml.load(text, Loader=LOADER) if text else None


class Expander:
    def __init__(self, doc, row):
        self.vars = doc.get("vars") or {}
        self.row = row
        self.memo = {}

    def var(self, name):
        if name not in self.memo:
            self.memo[name] = self.expand(self.vars[name])
        return self.memo[name]

    def lookup(self, ref):
        name, _, fallback = ref.partition(":-")
        segs = name.split(".")
        if segs[0] == "row":
            v, segs = self.row, segs[1:]
        elif segs[0] in self.vars:
            v, segs = self.var(segs[0]), segs[1:]
        else:
            v = None
        for s in segs:
            v = v.get(s) if isinstance(v, dict) else None
        if (v is None or v == "") and ":-" in ref:
            return typed(fallback)
        return v

    def expand(self, n):
        if isinstance(n, dict):
            return {k: self.expand(v) for k, v in n.items()}
        if isinstance(n, list):
            return [self.expand(v) for v in n]
        if not isinstance(n, str) or "${" not in n:
            return n
        m = REF.fullmatch(n)
        if m:
            return self.lookup(m.group(1))
        return REF.sub(lambda m: scalar_text(self.lookup(m.group(1))), n)


#
# Lowering (validate.c, script.c, lower.c)
#
def seconds_ms(v):
    """A duration: 1.5s, 500ms, or a number of seconds; in ms."""
    if isinstance(v, (int, float)):
        return round(v * 1000)
    if v.endswith("ms"):
        return int(v[:-2])
    return round(float(v[:-1]) * 1000)


def fmt_seconds(ms):
    s = "%d.%03d" % divmod(ms, 1000)
    return s.rstrip("0").rstrip(".")


def seconds_json(ms):
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def script_text(script):
    """Normalised input_text: single spaces, pauses merged and written
    as ' <break time="Xs"/> '."""
    parts = []  # words, and pause lengths as ints
    items = script if isinstance(script, list) else [script]
    for item in items:
        if isinstance(item, dict):
            parts.append(seconds_ms(item["pause"]))
            continue
        text = scalar_text(item)
        at = 0
        for m in BREAK.finditer(text):
            parts.extend(SPACE.split(text[at:m.start()]))
            parts.append(round(float(m.group(1)) * 1000))
            at = m.end()
        parts.extend(SPACE.split(text[at:]))
    out = []
    pause = 0
    for p in parts:
        if isinstance(p, int):
            pause += p
        elif p:
            if pause:
                out.append('<break time="%ss"/>' % fmt_seconds(pause))
                pause = 0
            out.append(p)
    if pause:
        out.append('<break time="%ss"/>' % fmt_seconds(pause))
    return " ".join(out)


def number(v):
    if isinstance(v, str):
        return float(v) if "." in v else int(v)
    return v


def color(c):
    c = c.upper()
    return "#" + "".join(ch * 2 for ch in c[1:]) if len(c) == 4 else c


def character(c, kind):
    c = {"id": c} if not isinstance(c, dict) else c
    o = {"type": kind, kind + "_id": str(c["id"])}
    if "style" in c:
        o["avatar_style"] = c["style"]
    if "scale" in c:
        o["scale"] = number(c["scale"])
    if "offset" in c:
        o["offset"] = {"x": number(c["offset"]["x"]),
                       "y": number(c["offset"]["y"])}
    return o


def voice(v, scene):
    if "silence" in scene:
        return {"type": "silence",
                "duration": seconds_json(seconds_ms(scene["silence"]))}
    o = {"type": "text", "voice_id": str(v["id"]),
         "input_text": script_text(scene["script"])}
    for k in ("speed", "pitch"):
        if k in v:
            o[k] = number(v[k])
    return o


def background(b):
    if isinstance(b, str):
        return {"type": "color", "value": color(b)}
    if "color" in b:
        o = {"type": "color", "value": color(b["color"])}
    else:
        kind = "image" if "image" in b else "video"
        o = {"type": kind, "url": b[kind]}
    if "fit" in b:
        o["fit"] = b["fit"]
    return o


def as_map(v):
    return v if isinstance(v, dict) else {"id": v}


def lower_scene(scene, d):
    """A scene with the defaults in the slots it leaves empty; character
    and voice merge key by key."""
    kind = next((k for k in ("avatar", "talking_photo") if k in scene), None)
    dkind = next((k for k in ("avatar", "talking_photo") if k in d), None)
    if kind is None:
        kind, ch = dkind, as_map(d[dkind])
    elif kind == dkind:
        ch = {**as_map(d[dkind]), **as_map(scene[kind])}
    else:
        ch = as_map(scene[kind])
    v = {**as_map(d.get("voice", {})), **as_map(scene.get("voice", {}))}
    speech = scene if any(k in scene for k in ("script", "silence")) else d
    out = {"character": character(ch, kind), "voice": voice(v, speech)}
    bg = scene.get("background", d.get("background"))
    if bg is not None:
        out["background"] = background(bg)
    return out


def dimension(d):
    if d is None or d == "1080p":
        return {"width": 1920, "height": 1080}
    if d == "720p":
        return {"width": 1280, "height": 720}
    if isinstance(d, str):
        w, h = d.split("x")
        return {"width": int(w), "height": int(h)}
    if "aspect" in d:
        a = ASPECTS[d["aspect"]]
        hd = d.get("quality", "1080p") == "1080p"
        return {"width": a[2 if hd else 0], "height": a[3 if hd else 1]}
    return {"width": d["width"], "height": d["height"]}


def lower(doc):
    d = doc.get("defaults") or {}
    body = {"video_inputs": [lower_scene(s, d) for s in doc["scenes"]],
            "dimension": dimension(doc.get("dimension"))}
    if "title" in doc:
        body["title"] = scalar_text(doc["title"])
    for k in ("test", "caption"):
        if k in doc:
            body[k] = doc[k]
    if "folder" in doc:
        body["folder_id"] = doc["folder"]
    cb = doc.get("callback") or {}
    if "url" in cb:
        body["callback_url"] = cb["url"]
    if "id" in cb:
        body["callback_id"] = str(cb["id"])
    return body


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: lower.py SPEC [ROWS]")
    doc = resolve(sys.argv[1])
    rows = load(sys.argv[2]) if len(sys.argv) == 3 else [None]
    out = sys.stdout
    for row in rows:
        body = lower(Expander(doc, row).expand(doc))
        out.write(json.dumps(body, indent=2, sort_keys=True,
                             ensure_ascii=False))
        out.write("\n")


if __name__ == "__main__":
    main()
