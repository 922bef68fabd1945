#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the inputs of `make bench` into a directory (a temp dir: nothing
large is committed). Deterministic: the same files on every run.

Usage: gen_inputs.py DIR [ROWS...]  (ROWS default: 100 1000 10000 100000)

DIR/proj is the project root the tools run in:
  batch.yaml + brand.yaml     a 5-scene spec run once per row
  rows-N.yaml                 N batch rows (a YAML list of maps)
  long.yaml                   50 scenes with long scripts, pauses, overrides
  tree.yaml + tree/           a deep include tree: 510 files merged into
                              one spec (depth 8), and a 12-file chain of
                              scene includes
  NAME.jsonnet, json/NAME.json  the jsonnet entry points: each imports
                              bench/lower.jsonnet and the same files and
                              rows, converted to JSON
Every spec sticks to what bench/lower.py and bench/lower.jsonnet implement
(the subset of spec-format.md a typical video uses).
"""
import json
import os
import random
import sys

import yaml

TREE_DEPTH = 8       # files nested below tree.yaml: 2 + 4 + ... + 256
SCENE_CHAIN = 12     # scene files, each splicing the next
LONG_SCENES = 50
JSONNET_MAX_ROWS = 100  # jsonnet's time per row grows with the batch

WORDS = """acme scheduler finds the meeting time that works for everyone so
you never trade ten emails for one calendar invite again connect your
calendar share one link and let guests pick a slot keeps time zones buffers
and working hours straight for you teams plan launches reviews and demos
with fewer messages each booking page shows only the hours you choose your
guests see their own time zone reminders go out by email and text the
dashboard shows who booked what and when round robin spreads meetings
across the team payments can be taken at booking forms ask the questions
you need answered before the call starts""".split()

FIRST = ["Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hiro",
         "Inès", "Jack", "Kemi", "Liam", "Maya", "Noah", "Olga", "Priya",
         "Zoë", "José"]
COMPANY = ["Globex, Inc.", "Initech", "Umbrella", "Hooli", "Stark",
           "Wayne", "Soylent", "Tyrell", "Cyberdyne", "Oscorp",
           "Gringotts", "Vandelay", "Pied Piper", "Massive Dynamic",
           "Duff", "Wonka", "O'Reilly & Sons"]
PLAN = ["Starter", "Team", "Business", "Enterprise"]
SPEEDS = [None, 0.9, 1.1, 1.25, 0.8, 1.5]


def q(s):
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


BRAND = """\
# bench: the brand kit every batch row shares
hgc: 1
vars:
  company: Acme Cloud
  presenter: {id: Daisy-inskirt-20220818, style: normal}
  voice_id: 2d5b0e6cf36f460aa7fc47e3eee4ba54
  speed: 1.0
  colours:
    ink: "#0F172A"
    brand: "#4f46e5"
  help_url: https://help.acme.example.com
test: true
caption: true
dimension: {aspect: "16:9", quality: 1080p}
defaults:
  avatar: ${presenter}
  voice: {id: "${voice_id}", speed: "${speed}"}
  background: ${colours.ink}
"""

BATCH = """\
# bench: a 5-scene spec compiled once per batch row (--rows rows-N.yaml)
hgc: 1
name: welcome-${row.id}
include: brand.yaml
vars:
  speed: ${row.speed:-1.0}
title: Welcome to ${company}, ${row.first_name}
callback: {url: "https://hooks.example.com/heygen", id: "welcome-${row.id}"}
defaults:
  background: ${row.colour}
scenes:
  - script: |
      Hi ${row.first_name}! <break time="0.5s"/> Welcome to ${company}.
      I'm Daisy, and I'll help the ${row.company} team get started.
  - script:
      - "Your ${row.plan} workspace is ready."
      - pause: 1s
      - "Invite your teammates, connect your first project, and you're set."
    background: {image: "https://cdn.example.com/acme/workspace.png", fit: cover}
  - avatar: {id: Daisy-inskirt-20220818, style: closeUp}
    voice: {speed: 1.1}
    script: >
      Here is what ${row.company} gets on the ${row.plan} plan:
      booking pages, reminders and a shared dashboard.
      <break time="1s"/> All of it is switched on already.
  - script:
      - "If you ever get stuck, our help centre is one click away at ${help_url}."
      - pause: 0.25
      - pause: 250ms
      - "Welcome aboard, ${row.first_name}!"
    background: {video: "https://cdn.example.com/acme/tour.mp4", fit: contain}
  - silence: 1.5s
    background: ${colours.brand}
"""


def rows_yaml(n):
    rnd = random.Random(n)
    out = ["# bench: %d batch rows\n" % n]
    for i in range(1, n + 1):
        first = rnd.choice(FIRST)
        company = rnd.choice(COMPANY)
        row = ["id: %s" % q("r%06d-%s" % (i, PLAN[i % 4].lower())),
               "first_name: %s" % q(first),
               "company: %s" % q(company),
               "plan: %s" % PLAN[rnd.randrange(4)],
               "colour: %s" % q("#%06X" % rnd.randrange(1 << 24))]
        speed = SPEEDS[i % len(SPEEDS)]
        if speed is not None:
            row.append("speed: %s" % speed)
        out.append("- {%s}\n" % ", ".join(row))
    return "".join(out)


def sentence(rnd, lo, hi):
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(lo, hi))]
    words[0] = words[0].capitalize()
    return " ".join(words) + rnd.choice([".", ".", ".", "?"])


def long_script(rnd, scene):
    """About 1,200 characters: sentences of 6-18 words, break tags."""
    parts = []
    size = 0
    while size < 1150:
        s = sentence(rnd, 6, 18)
        if rnd.random() < 0.15:
            s = s[:-1] + ", with ${product}."
        parts.append(s)
        size += len(s) + 1
        if rnd.random() < 0.2:
            parts.append('<break time="%s"/>' % rnd.choice(
                ["0.5s", "1s", "0.75s", "1.2s"]))
    if scene % 5 == 0:  # list form, with pause items
        items = []
        for k in range(0, len(parts), 4):
            items.append("      - %s\n" % q(" ".join(parts[k:k + 4])))
            items.append("      - pause: %s\n" % rnd.choice(
                ["1s", "500ms", "0.3", "1.5s"]))
        return "    script:\n" + "".join(items)
    # a literal block, wrapped at about 70 columns
    lines, cur = [], ""
    for w in " ".join(parts).split(" "):
        if len(cur) + len(w) > 70:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w) if cur else w
    lines.append(cur)
    style = ">" if scene % 7 == 3 else "|"
    return "    script: %s\n" % style + "".join(
        "      %s\n" % l for l in lines)


def long_spec():
    rnd = random.Random(50)
    out = ["""\
# bench: 50 scenes with long scripts
hgc: 1
name: long-demo
title: "${product}: the long tour"
caption: true
dimension: 1080p
callback: {url: "https://hooks.example.com/heygen", id: long-demo}
vars:
  product: Acme Scheduler
  speed: 1.05
defaults:
  avatar: {id: Daisy-inskirt-20220818, style: normal}
  voice: {id: 2d5b0e6cf36f460aa7fc47e3eee4ba54, speed: "${speed}"}
  background: "#0f172a"
scenes:
"""]
    for i in range(LONG_SCENES):
        out.append("  - # scene %d\n" % (i + 1))
        if i % 10 == 9:
            out.append("    silence: 1.5s\n")
        else:
            out.append(long_script(rnd, i))
        if i % 4 == 1:
            out.append('    background: {image: "https://cdn.example.com/'
                       'acme/s%d.png", fit: cover}\n' % i)
        elif i % 4 == 2:
            out.append('    background: "#%03x"\n' % rnd.randrange(4096))
        if i % 6 == 5:
            out.append("    voice: {speed: 1.2, pitch: -2}\n")
        if i % 8 == 7:
            out.append("    avatar: {id: Tyler-incasualsuit-20220721, "
                       "style: closeUp, scale: 0.9, "
                       "offset: {x: 0.1, y: -0.05}}\n")
    return "".join(out)


def tree_node(path, depth):
    """tree/n<path>.yaml: includes its two children, sets vars and
    defaults that the files above it override."""
    speed = 1.0 + depth / 100
    out = ["# bench: include tree node %s\n" % path, "hgc: 1\n"]
    if depth < TREE_DEPTH:
        out.append("include: [n%s1.yaml, n%s2.yaml]\n" % (path, path))
    out.append("vars:\n")
    out.append("  v_%s: %s\n" % (path, q("value of node " + path)))
    out.append("  shared: %s\n" % q("set by " + path))
    out.append("  nested: {depth: %d, from: %s}\n" % (depth, q(path)))
    out.append("defaults:\n")
    if depth == TREE_DEPTH:  # the leaves name the voice and the avatar
        out.append("  voice: {id: 2d5b0e6cf36f460aa7fc47e3eee4ba54, "
                   "speed: %s}\n" % speed)
        out.append("  avatar: {id: Tyler-incasualsuit-20220721, "
                   "style: normal}\n")
    else:  # the files above only change the speed: voices merge
        out.append("  voice: {speed: %s}\n" % speed)
    if depth % 3 == 0:
        out.append('  background: "#%06x"\n' % hash_path(path))
    return "".join(out)


def hash_path(path):
    h = 7
    for c in path:
        h = (h * 31 + ord(c)) & 0xFFFFFF
    return h


def tree_files():
    files = {}

    def walk(path, depth):
        files["tree/n%s.yaml" % path] = tree_node(path, depth)
        if depth < TREE_DEPTH:
            walk(path + "1", depth + 1)
            walk(path + "2", depth + 1)

    walk("1", 1)
    walk("2", 1)
    rnd = random.Random(8)
    for k in range(SCENE_CHAIN):
        scenes = []
        for j in range(3):
            s = " ".join(sentence(rnd, 5, 12) for _ in range(3))
            ref = "${v_%s}" % ("1" * (k % 8 + 1))
            scenes.append("  - script: %s\n" % q(
                s + " Chain %d, scene %d: %s." % (k, j, ref)))
        if k % 2:
            scenes.append('    background: {image: "https://cdn.example.com/'
                          'chain/%d.png"}\n' % k)
        if k + 1 < SCENE_CHAIN:
            scenes.append("  - include: s%d.yaml\n" % (k + 1))
        files["tree/scenes/s%d.yaml" % k] = (
            "# bench: scene chain link %d\nscenes:\n" % k + "".join(scenes))
    files["tree.yaml"] = """\
# bench: a deep include tree (%d files) and a chain of scene includes
hgc: 1
name: tree
include: [tree/n1.yaml, tree/n2.yaml]
title: "Include tree: ${shared}, ${v_1} and ${v_22222222}"
dimension: "1280x720"
scenes:
  - script: "The top file speaks first. ${v_12121212} is the deepest value."
  - include: tree/scenes/s0.yaml
  - silence: 2s
""" % (len(files) + 1)
    return files


def jsonnet_entry(proj, name, spec, rows, files):
    """An entry point for lower.jsonnet and its data, json/NAME.json:
    every file the spec can reach, by path (jsonnet cannot open a file
    named at run time), and the rows, converted to JSON. One bundle read
    with importstr and std.parseJson: Debian's jsonnet 0.18 spends some
    50 ms on each file it imports, and its std.parseYaml aborts on block
    scalars."""
    def load(path):
        with open(os.path.join(proj, path), encoding="utf-8") as f:
            return yaml.load(f, Loader=yaml.CSafeLoader)
    bundle = {"files": {f: load(f) for f in files},
              "rows": load(rows) if rows else None}
    write(os.path.join(proj, "json", name + ".json"),
          json.dumps(bundle, ensure_ascii=False))
    return ("// bench: %s for lower.jsonnet (generated)\n"
            "local lower = import 'lower.jsonnet';\n"
            "local data = std.parseJson(importstr %s);\n"
            "lower.build(%s, data.files, data.rows)\n"
            % (name, q("json/%s.json" % name), q(spec)))


def main():
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__ if sys.argv[1:2] in (["-h"], ["--help"])
                 else "usage: gen_inputs.py DIR [ROWS...]")
    proj = os.path.join(sys.argv[1], "proj")
    counts = [int(a) for a in sys.argv[2:]] or [100, 1000, 10000, 100000]
    write(os.path.join(proj, "brand.yaml"), BRAND)
    write(os.path.join(proj, "batch.yaml"), BATCH)
    for n in counts:
        write(os.path.join(proj, "rows-%d.yaml" % n), rows_yaml(n))
        if n > JSONNET_MAX_ROWS:
            continue
        write(os.path.join(proj, "batch-%d.jsonnet" % n),
              jsonnet_entry(proj, "batch-%d" % n, "batch.yaml",
                            "rows-%d.yaml" % n, ["batch.yaml", "brand.yaml"]))
    write(os.path.join(proj, "long.yaml"), long_spec())
    write(os.path.join(proj, "long.jsonnet"),
          jsonnet_entry(proj, "long", "long.yaml", None,
                        ["long.yaml"]))
    tree = tree_files()
    for path, text in tree.items():
        write(os.path.join(proj, path), text)
    write(os.path.join(proj, "tree.jsonnet"),
          jsonnet_entry(proj, "tree", "tree.yaml", None,
                        sorted(tree)))


if __name__ == "__main__":
    main()
