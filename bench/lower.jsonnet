// SPDX-License-Identifier: MIT
// lower.jsonnet: the jsonnet baseline of `make bench` -- hgc's lowering
// of a video spec, written in jsonnet from the same files.
//
// A generated entry file (bench/gen_inputs.py) calls
//   build(SPEC, FILES, ROWS)
// where FILES maps every path the spec can reach to its content (jsonnet
// cannot open a file named at run time, so the entry reads them all) and
// ROWS is the list of rows or null. The content is the YAML converted to
// JSON, jsonnet's own data format, in one bundle (see gen_inputs.py for
// why). The result is the list of request bodies, one per row. Like
// bench/lower.py it covers the subset of spec-format.md that the bench
// specs use (includes and their merge rules, ${...}, defaults by slot,
// scripts with break tags and pauses, backgrounds, dimensions,
// callbacks) and validates nothing.
local SLOTS = {
  avatar: 'character',
  talking_photo: 'character',
  script: 'speech',
  audio: 'speech',
  silence: 'speech',
  background: 'whole',
};
local ASPECTS = {
  '16:9': [1280, 720, 1920, 1080],
  '9:16': [720, 1280, 1080, 1920],
  '1:1': [720, 720, 1080, 1080],
  '4:3': [960, 720, 1440, 1080],
  '4:5': [576, 720, 1080, 1350],
};
// Jsonnet 0.18 runs std.findSubstr and string slices (s[i:]) as jsonnet
// code, a step per character; text is cut with the built-in std.split
// and std.substr instead.

local has(o, k) = std.type(o) == 'object' && std.objectHas(o, k);
local get(o, k, d) = if has(o, k) then o[k] else d;
local slot(k) = get(SLOTS, k, null);
local from(s, i) = std.substr(s, i, std.length(s) - i);
local upTo(s, n) = std.substr(s, 0, std.length(s) - n);  // all but n

// An object of f(k) for each key, each computed once: jsonnet computes a
// comprehension's field again at every access (a merge of merges of
// merges goes exponential), but an array element only once.
local cached(keys, f) =
  local vals = [f(k) for k in keys];
  { [keys[i]]: vals[i] for i in std.range(0, std.length(keys) - 1) };

//
// Includes (include.c)
//
local dirname(p) =
  local parts = std.split(p, '/');
  std.join('/', parts[:std.length(parts) - 1]);
local join(dir, rel) = if dir == '' then rel else dir + '/' + rel;

// over on top of base: maps merge deeply; slot keys replace whole, and
// one key of a slot drops the base's others.
local merge(base, over, plain=false, top=false) =
  if std.type(base) != 'object' || std.type(over) != 'object' then over
  else
    local sets = if plain then {} else {
      [s]: true
      for s in [slot(k) for k in std.objectFields(over)]
      if s != null
    };
    local kept = [
      k
      for k in std.objectFields(base)
      if has(over, k) || plain || slot(k) == null || slot(k) == 'whole' ||
         !has(sets, slot(k))
    ];
    local added = [k for k in std.objectFields(over) if !has(base, k)];
    cached(kept + added, function(k)
      if !has(base, k) then over[k]
      else if !has(over, k) then base[k]
      else if !plain && slot(k) != null then over[k]
      else merge(base[k], over[k], plain || (top && k == 'vars')));

//
// Variables (vars.c)
//
local scalarText(v) =
  if v == null then ''
  else if std.type(v) == 'boolean' then (if v then 'true' else 'false')
  else std.toString(v);

// A fallback's text as a YAML scalar (quoted: a string).
local typed(t) =
  local isNumber = [
    c
    for c in std.stringChars(t)
    if std.findSubstr(c, '0123456789.+-eE') == []
  ] == [];
  if t == '' || t == 'null' || t == '~' then null
  else if t == 'true' || t == 'false' then t == 'true'
  else if std.length(t) >= 2 && t[0] == t[std.length(t) - 1] &&
          (t[0] == '"' || t[0] == "'") then std.substr(t, 1, std.length(t) - 2)
  else if isNumber then std.parseJson(t)
  else t;

local expander(vars, row) = {
  local e = self,
  // Each variable expanded once, on first use (fields are lazy).
  v:: cached(std.objectFields(vars), function(k) e.expand(vars[k])),
  lookup(ref)::
    local fb = std.splitLimit(ref, ':', 1);  // name, '-fallback'
    local segs = std.split(fb[0], '.');
    local start =
      if segs[0] == 'row' then row
      else if has(vars, segs[0]) then e.v[segs[0]]
      else null;
    local val = std.foldl(function(acc, s) get(acc, s, null), segs[1:], start);
    if (val == null || val == '') && std.length(fb) == 2
    then typed(from(fb[1], 1))
    else val,
  // After each '$': '{ref}rest' is a reference, anything else is text.
  interpolate(s)::
    local pieces = std.split(s, '$');
    pieces[0] + std.join('', [
      if std.startsWith(p, '{') then
        local r = std.splitLimit(from(p, 1), '}', 1);
        scalarText(e.lookup(r[0])) + r[1]
      else '$' + p
      for p in pieces[1:]
    ]),
  expand(n)::
    if std.type(n) == 'object' then
      cached(std.objectFields(n), function(k) e.expand(n[k]))
    else if std.type(n) == 'array' then [e.expand(x) for x in n]
    else if std.type(n) != 'string' || std.length(std.split(n, '$')) == 1
    then n
    else if std.startsWith(n, '${') && std.endsWith(n, '}') &&
            std.length(std.split(n, '}')) == 2
    then e.lookup(std.substr(n, 2, std.length(n) - 3))
    else e.interpolate(n),
};

//
// Lowering (validate.c, script.c, lower.c)
//
local toMs(secs) = std.floor(secs * 1000 + 0.5);

// A duration: 1.5s, 500ms, or a number of seconds; in ms.
local durationMs(v) =
  if std.type(v) == 'number' then toMs(v)
  else if std.endsWith(v, 'ms') then std.parseJson(upTo(v, 2))
  else toMs(std.parseJson(upTo(v, 1)));

local rstripZeros(s) =
  if std.endsWith(s, '0') then rstripZeros(upTo(s, 1)) else s;
local fmtSeconds(ms) =
  local whole = std.toString(std.floor(ms / 1000));
  if ms % 1000 == 0 then whole
  else whole + '.' + rstripZeros(std.format('%03d', ms % 1000));
local secondsJson(ms) = ms / 1000;
local breakTag(ms) = '<break time="%ss"/>' % fmtSeconds(ms);

local words(t) = [
  w
  for w in std.split(std.strReplace(std.strReplace(std.strReplace(
    t, '\n', ' '), '\t', ' '), '\r', ' '), ' ')
  if w != ''
];

// Words and pauses (numbers, in ms) of one line of script text: after
// each '<' comes 'break time="1.5s"/>' and more text.
local parts(text) =
  local pieces = std.split(text, '<');
  words(pieces[0]) + std.flattenArrays([
    local q = std.splitLimit(p, '"', 2);  // 'break time=', '1.5s', '/>...'
    [toMs(std.parseJson(upTo(q[1], 1)))] + words(from(q[2], 2))
    for p in pieces[1:]
  ]);

// Normalised input_text: single spaces, pauses merged and written as
// ' <break time="Xs"/> '.
local scriptText(script) =
  local items = if std.type(script) == 'array' then script else [script];
  local p = std.flattenArrays([
    if std.type(item) == 'object' then [durationMs(item.pause)]
    else parts(scalarText(item))
    for item in items
  ]);
  local n = std.length(p);
  local isPause(i) = i >= 0 && i < n && std.type(p[i]) == 'number';
  local runMs(i) = if isPause(i) then p[i] + runMs(i + 1) else 0;
  std.join(' ', [
    if isPause(i) then breakTag(runMs(i)) else p[i]
    for i in std.range(0, n - 1)
    if !isPause(i) || !isPause(i - 1)
  ]);

local number(v) = if std.type(v) == 'string' then std.parseJson(v) else v;

local color(c) =
  local u = std.asciiUpper(c);
  if std.length(u) == 4 then '#' + u[1] + u[1] + u[2] + u[2] + u[3] + u[3]
  else u;

local asMap(v) = if std.type(v) == 'object' then v else { id: v };

local character(c, kind) =
  { type: kind, [kind + '_id']: scalarText(c.id) } +
  (if has(c, 'style') then { avatar_style: c.style } else {}) +
  (if has(c, 'scale') then { scale: number(c.scale) } else {}) +
  (if has(c, 'offset') then {
     offset: { x: number(c.offset.x), y: number(c.offset.y) },
   } else {});

local voice(v, scene) =
  if has(scene, 'silence') then {
    type: 'silence',
    duration: secondsJson(durationMs(scene.silence)),
  } else {
    type: 'text',
    voice_id: scalarText(v.id),
    input_text: scriptText(scene.script),
  } + { [k]: number(v[k]) for k in ['speed', 'pitch'] if has(v, k) };

local background(b) =
  if std.type(b) == 'string' then { type: 'color', value: color(b) }
  else (
    if has(b, 'color') then { type: 'color', value: color(b.color) }
    else if has(b, 'image') then { type: 'image', url: b.image }
    else { type: 'video', url: b.video }
  ) + (if has(b, 'fit') then { fit: b.fit } else {});

local charKey(o) =
  local ks = [k for k in ['avatar', 'talking_photo'] if has(o, k)];
  if ks == [] then null else ks[0];

// A scene with the defaults in the slots it leaves empty; character and
// voice merge key by key.
local lowerScene(scene, d) =
  local kind = charKey(scene);
  local dkind = charKey(d);
  local ch =
    if kind == null then asMap(d[dkind])
    else if kind == dkind then asMap(d[dkind]) + asMap(scene[kind])
    else asMap(scene[kind]);
  local v = asMap(get(d, 'voice', {})) + asMap(get(scene, 'voice', {}));
  local speech =
    if has(scene, 'script') || has(scene, 'silence') then scene else d;
  local bg = get(scene, 'background', get(d, 'background', null));
  {
    character: character(ch, if kind == null then dkind else kind),
    voice: voice(v, speech),
  } + (if bg != null then { background: background(bg) } else {});

local dimension(d) =
  if d == null || d == '1080p' then { width: 1920, height: 1080 }
  else if d == '720p' then { width: 1280, height: 720 }
  else if std.type(d) == 'string' then
    local wh = std.split(d, 'x');
    { width: std.parseJson(wh[0]), height: std.parseJson(wh[1]) }
  else if has(d, 'aspect') then
    local a = ASPECTS[d.aspect];
    local hd = get(d, 'quality', '1080p') == '1080p';
    { width: a[if hd then 2 else 0], height: a[if hd then 3 else 1] }
  else { width: d.width, height: d.height };

local lower(doc) =
  local d = get(doc, 'defaults', {});
  local cb = get(doc, 'callback', {});
  {
    video_inputs: [lowerScene(s, d) for s in doc.scenes],
    dimension: dimension(get(doc, 'dimension', null)),
  } +
  (if has(doc, 'title') then { title: scalarText(doc.title) } else {}) +
  { [k]: doc[k] for k in ['test', 'caption'] if has(doc, k) } +
  (if has(doc, 'folder') then { folder_id: doc.folder } else {}) +
  (if has(cb, 'url') then { callback_url: cb.url } else {}) +
  (if has(cb, 'id') then { callback_id: scalarText(cb.id) } else {});

{
  build(spec, files, rows)::
    local load(path) = files[path];
    local splice(scenes, here) = std.flattenArrays([
      if has(item, 'include') then
        local doc = resolve(join(dirname(here), item.include), true);
        if std.type(doc) == 'object' then doc.scenes else doc
      else [item]
      for item in scenes
    ]),
          resolve(path, splicing=false) =
      local doc = load(path);
      if std.type(doc) == 'array' then splice(doc, path)
      else
        local inc = get(doc, 'include', []);
        local children = [
          resolve(join(dirname(path), c))
          for c in (if std.type(inc) == 'string' then [inc] else inc)
        ];
        local own = cached([
          k
          for k in std.objectFields(doc)
          if k != 'include' && !(splicing && k == 'hgc')
        ], function(k) if k == 'scenes' then splice(doc[k], path) else doc[k]);
        std.foldl(function(acc, c) merge(acc, c, top=true),
                  children[1:] + [own],
                  if children == [] then {} else children[0]);
    local doc = resolve(spec);
    local vars = get(doc, 'vars', {});
    [
      lower(expander(if vars == null then {} else vars, row).expand(doc))
      for row in (if rows == null then [null] else rows)
    ],
}
