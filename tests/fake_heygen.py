#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A fake HeyGen API (v1/v2 and v3) for hgc's runtime tests.

Usage: fake_heygen.py --port-file FILE --log FILE [--scenario FILE]
                      [--key KEY] [--latency SECONDS]

Binds 127.0.0.1 on a random port, writes "PORT\\n" to --port-file (temp +
rename) once listening, and serves until SIGTERM/SIGINT (exit 0) or 30
minutes. It never contacts anything. Ids are deterministic: vid_N, tr_N,
sess_N in creation order; asset ids hash the uploaded bytes; /files/NAME
serves 4096 bytes of a SHA-256 chain seeded by NAME's stem. Every request
but /__fake/* is logged as one JSON line to --log before its answer is
sent; the key and header values other than Content-Type are never
written anywhere. Faults come from a JSON rule list (--scenario, or POST
/__fake/scenario at run time); docs for the rules are in parse_rules().
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# Catalogue answers; "{base}" becomes http://127.0.0.1:PORT when served.
CATALOGUE = {
    "avatars": [
        {"avatar_id": "Daisy-inskirt-20220818", "avatar_name": "Daisy",
         "gender": "female",
         "preview_image_url": "{base}/files/Daisy-inskirt-20220818.jpg",
         "default_voice_id": "2d5b0e6cf36f460aa7fc47e3eee4ba54"},
        {"avatar_id": "Tyler-incasualsuit-20220721", "avatar_name": "Tyler",
         "gender": "male",
         "preview_image_url": "{base}/files/Tyler-incasualsuit-20220721.jpg",
         "default_voice_id": "077ab11b14f04ce0b49b5f6e5cc20979"},
        {"avatar_id": "Anna_public_3_20240108", "avatar_name": "Anna",
         "gender": "female",
         "preview_image_url": "{base}/files/Anna_public_3_20240108.jpg",
         "default_voice_id": "1bd001e7e50f421d891986aad5158bc8"},
        {"avatar_id": "Josh_lite3_20230714", "avatar_name": "Josh",
         "gender": "male",
         "preview_image_url": "{base}/files/Josh_lite3_20230714.jpg",
         "default_voice_id": "077ab11b14f04ce0b49b5f6e5cc20979"},
        {"avatar_id": "Lucia_public_20240212", "avatar_name": "Lucia",
         "gender": "female",
         "preview_image_url": "{base}/files/Lucia_public_20240212.jpg",
         "default_voice_id": "6e3f1a9c2b7d4c58a0e4f2b1c9d8e7a6"},
    ],
    "talking_photos": [
        {"talking_photo_id": "tp_5f1e2d3c4b5a",
         "talking_photo_name": "Studio portrait"},
        {"talking_photo_id": "tp_a1b2c3d4e5f6",
         "talking_photo_name": "Office headshot"},
    ],
    "voices": [
        {"voice_id": "2d5b0e6cf36f460aa7fc47e3eee4ba54",
         "preview_audio": "{base}/files/2d5b0e6cf36f460aa7fc47e3eee4ba54.mp3",
         "language": "English", "gender": "female", "name": "Rachel",
         "support_pause": True, "emotion_support": True},
        {"voice_id": "1bd001e7e50f421d891986aad5158bc8",
         "preview_audio": "{base}/files/1bd001e7e50f421d891986aad5158bc8.mp3",
         "language": "English", "gender": "female", "name": "Sara",
         "support_pause": True, "emotion_support": True},
        {"voice_id": "077ab11b14f04ce0b49b5f6e5cc20979",
         "preview_audio": "{base}/files/077ab11b14f04ce0b49b5f6e5cc20979.mp3",
         "language": "English", "gender": "male", "name": "Paul",
         "support_pause": True, "emotion_support": False},
        {"voice_id": "9c4e2a7f1d3b4e6a8f0b2c4d6e8fa1b3",
         "preview_audio": "{base}/files/9c4e2a7f1d3b4e6a8f0b2c4d6e8fa1b3.mp3",
         "language": "English", "gender": "male", "name": "Mark",
         "support_pause": False, "emotion_support": False},
        {"voice_id": "6e3f1a9c2b7d4c58a0e4f2b1c9d8e7a6",
         "preview_audio": "{base}/files/6e3f1a9c2b7d4c58a0e4f2b1c9d8e7a6.mp3",
         "language": "Spanish", "gender": "female", "name": "Lucia",
         "support_pause": True, "emotion_support": False},
        {"voice_id": "4b8d2f6a0c1e4a3b9d7f5e2c8a6b4d0f",
         "preview_audio": "{base}/files/4b8d2f6a0c1e4a3b9d7f5e2c8a6b4d0f.mp3",
         "language": "German", "gender": "male", "name": "Jonas",
         "support_pause": True, "emotion_support": False},
    ],
    "templates": [
        {"template_id": "tmpl_product_launch", "name": "Product launch",
         "thumbnail_image_url": "{base}/files/tmpl_product_launch.jpg",
         "variables": ["product_name", "presenter_script"]},
        {"template_id": "tmpl_weekly_update", "name": "Weekly update",
         "thumbnail_image_url": "{base}/files/tmpl_weekly_update.jpg",
         "variables": ["headline", "summary"],
         "max_length": {"headline": 40}},  # -> properties.max_length
    ],
}

DEFAULT_POLLS = 2            # status requests answered "running" per video
FILE_BYTES = 4096            # size of every /files/NAME download
LIFETIME_S = 30 * 60         # safety bound on the server's life
MAX_BODY = 64 << 20          # larger request bodies get 413
IDLE_TIMEOUT_S = 30          # an idle keep-alive connection is closed
QUOTA_TOTAL = 3600           # remaining_quota, seconds
QUOTA_PER_VIDEO = 60         # used_quota per created video, seconds
CREATED_AT = 1700000000      # every created_at timestamp
FILE_TYPES = {"mp4": "video/mp4", "webm": "video/webm", "jpg": "image/jpeg",
              "mp3": "audio/mpeg"}
# Running-status words per endpoint: the first poll, then the later ones.
RUNNING = {"v1": ("pending", "processing"), "v3": ("waiting", "processing"),
           "v3tr": ("pending", "running"), "agent": ("thinking", "generating")}
ACTIONS = ("status", "drop", "drop_after_headers", "delay", "malformed")
FAULT_KEYS = {"method", "path", "path_prefix", "times", "skip", "headers",
              "body", "comment"} | set(ACTIONS)
RENDER_KEYS = {"render", "times", "comment"}
MALFORMED = b'{"error": null, "data": {"video_id": "vid_'


class ApiError(Exception):
    """An error answer: HTTP status, error code and message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_doc(code, message):
    return {"error": {"code": code, "message": message}, "data": None}


def json_bytes(doc):
    return json.dumps(doc).encode("utf-8")


def with_base(value, base):
    """Copy of a catalogue value with "{base}" filled in."""
    if isinstance(value, dict):
        return {k: with_base(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [with_base(v, base) for v in value]
    if isinstance(value, str):
        return value.replace("{base}", base)
    return value


def file_bytes(seed):
    """FILE_BYTES bytes: sha256(seed), sha256 of that, ... concatenated."""
    h = hashlib.sha256(seed.encode("utf-8")).digest()
    out = []
    for _ in range(FILE_BYTES // len(h)):
        out.append(h)
        h = hashlib.sha256(h).digest()
    return b"".join(out)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_count(rule, name, default, least):
    v = rule.get(name, default)
    if not is_int(v) or v < least:
        raise ValueError("'%s' must be an integer >= %d" % (name, least))
    return v


def parse_render(rule):
    """{"render": {"polls": N, "outcome": O, "error": {...}}, "times": T}"""
    r = rule["render"]
    if not isinstance(r, dict) or set(r) - {"polls", "outcome", "error"}:
        raise ValueError("'render' takes only 'polls', 'outcome', 'error'")
    if r.get("outcome", "completed") not in ("completed", "failed"):
        raise ValueError("'outcome' must be 'completed' or 'failed'")
    err = r.get("error", {"code": "render_failed",
                          "message": "video rendering failed"})
    if not isinstance(err, dict):
        raise ValueError("'error' must be an object")
    return {"polls": check_count(r, "polls", DEFAULT_POLLS, 0),
            "outcome": r.get("outcome", "completed"), "error": err,
            "times": check_count(rule, "times", 1, -1)}


def parse_fault(rule):
    """A fault rule; see parse_rules for the format."""
    actions = [a for a in ACTIONS if a in rule]
    if len(actions) != 1:
        raise ValueError("give exactly one of " + ", ".join(ACTIONS))
    act = actions[0]
    v = rule[act]
    if act == "status" and not (is_int(v) and 100 <= v <= 599):
        raise ValueError("'status' must be an HTTP status code")
    if act == "delay" and not (isinstance(v, (int, float)) and v >= 0):
        raise ValueError("'delay' must be a number of seconds")
    if act in ("drop", "drop_after_headers", "malformed") and v is not True:
        raise ValueError("'%s' must be true" % act)
    if act != "status" and ("headers" in rule or "body" in rule):
        raise ValueError("'headers' and 'body' go with 'status'")
    headers = rule.get("headers", {})
    if not isinstance(headers, dict):
        raise ValueError("'headers' must be an object")
    if "path" in rule and "path_prefix" in rule:
        raise ValueError("give 'path' or 'path_prefix', not both")
    for k in ("method", "path", "path_prefix"):
        if k in rule and not isinstance(rule[k], str):
            raise ValueError("'%s' must be a string" % k)
    body = rule.get("body", error_doc("injected",
                                      "injected status %s" % v))
    return {"method": rule.get("method", "*").upper(),
            "path": rule.get("path"), "prefix": rule.get("path_prefix"),
            "times": check_count(rule, "times", 1, -1),
            "skip": check_count(rule, "skip", 0, 0),
            "action": act, "value": v,
            "headers": {str(k): str(h) for k, h in headers.items()},
            "body": json_bytes(body), "seen": 0, "used": 0}


def parse_rules(doc):
    """Splits a scenario into (fault rules, render rules); ValueError if bad.

    A fault rule: {"method": "POST"|"GET"|"*" (default "*"),
    "path": exact path | "path_prefix": prefix (neither: every path),
    "times": N (default 1, -1 = always), "skip": K (default 0),
    then one of: "status": CODE [+ "headers": {..}, "body": JSON],
    "drop": true, "drop_after_headers": true, "delay": SECONDS,
    "malformed": true}. A render rule: {"render": {"polls": N (default 2),
    "outcome": "completed"|"failed", "error": {"code", "message"}},
    "times": N (default 1, -1 = every later job)}. "comment" is ignored.
    """
    if not isinstance(doc, list):
        raise ValueError("a scenario is a JSON list of rules")
    faults, renders = [], []
    for i, rule in enumerate(doc, 1):
        try:
            if not isinstance(rule, dict):
                raise ValueError("a rule must be an object")
            is_render = "render" in rule
            extra = set(rule) - (RENDER_KEYS if is_render else FAULT_KEYS)
            if extra:
                raise ValueError("unknown key '%s'" % sorted(extra)[0])
            if is_render:
                renders.append(parse_render(rule))
            else:
                faults.append(parse_fault(rule))
        except ValueError as e:
            raise ValueError("rule %d: %s" % (i, e)) from None
    return faults, renders


class State:
    """Everything the handlers share; every access holds self.lock."""

    def __init__(self, key, latency, log_path):
        self.lock = threading.Lock()
        self.key = key.encode("utf-8")
        self.latency = latency
        self.base = ""                    # set once the port is known
        self.faults, self.renders = [], []
        self.jobs = {}                    # id -> render job (videos, tr)
        self.sessions = {}                # session id -> video id
        self.assets = {}                  # asset id -> (content type, bytes)
        self.count = {"vid": 0, "tr": 0, "sess": 0}
        self.log_lines = []
        self.log_file = open(log_path, "w", encoding="utf-8")

    def set_scenario(self, doc):
        faults, renders = parse_rules(doc)
        with self.lock:
            self.faults, self.renders = faults, renders

    def pick_fault(self, method, path):
        """The fault for this request, or None. Every rule counts every
        request it matches (for 'skip'), whichever rule answers it."""
        chosen = None
        with self.lock:
            for r in self.faults:
                if r["method"] not in ("*", method):
                    continue
                if r["path"] is not None and path != r["path"]:
                    continue
                if r["prefix"] is not None and \
                        not path.startswith(r["prefix"]):
                    continue
                r["seen"] += 1
                left = r["times"] < 0 or r["used"] < r["times"]
                if chosen is None and r["seen"] > r["skip"] and left:
                    r["used"] += 1
                    chosen = r
        return chosen

    def new_job(self, kind, ext="mp4"):
        """Creates vid_N or tr_N, rendering as the next render rule says."""
        with self.lock:
            self.count[kind] += 1
            jid = "%s_%d" % (kind, self.count[kind])
            job = {"kind": kind, "ext": ext, "seen": 0,
                   "polls": DEFAULT_POLLS, "outcome": "completed",
                   "error": None}
            if self.renders:
                r = self.renders[0]
                job.update(polls=r["polls"], outcome=r["outcome"],
                           error=r["error"])
                if r["times"] > 0:
                    r["times"] -= 1
                    if r["times"] == 0:
                        self.renders.pop(0)
            self.jobs[jid] = job
            return jid

    def new_session(self, video_id):
        with self.lock:
            self.count["sess"] += 1
            sid = "sess_%d" % self.count["sess"]
            self.sessions[sid] = video_id
            return sid

    def poll(self, jid, kind, words):
        """Counts one status request; returns (status word, job, progress).

        A job answers words[0] on its first poll, words[1] on the later
        ones, until it has been polled job["polls"] times; then its
        outcome.
        """
        with self.lock:
            job = self.jobs.get(jid)
            if job is None or job["kind"] != kind:
                raise ApiError(404, "not_found", "no such id '%s'" % jid)
            job["seen"] += 1
            if job["seen"] > job["polls"]:
                return job["outcome"], job, 100
            progress = 100 * job["seen"] // (job["polls"] + 1)
            return words[min(job["seen"], 2) - 1], job, progress

    def add_asset(self, ctype, data):
        aid = "asset_" + hashlib.sha256(data).hexdigest()[:12]
        with self.lock:
            self.assets[aid] = (ctype, data)
        return aid, "%s/assets/%s" % (self.base, aid)

    def log(self, entry):
        with self.lock:
            entry = {"seq": len(self.log_lines) + 1, **entry}
            line = json.dumps(entry)
            self.log_lines.append(entry)
            self.log_file.write(line + "\n")
            self.log_file.flush()


def media_type(ctype):
    return (ctype or "").split(";")[0].strip().lower()


def multipart_file(raw, ctype):
    """(bytes, content type) of the part named "file" of a form body."""
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not m:
        raise ApiError(400, "invalid_parameter", "multipart without boundary")
    for part in raw.split(b"--" + m.group(1).encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break
        head, sep, content = part.partition(b"\r\n\r\n")
        if sep and re.search(rb'\bname="file"', head, re.I):
            ct = re.search(rb"content-type:[ \t]*([^\r\n]+)", head, re.I)
            if content.endswith(b"\r\n"):
                content = content[:-2]
            return content, (ct.group(1).decode("latin-1").strip() if ct
                             else "application/octet-stream")
    raise ApiError(400, "invalid_parameter", "no 'file' part in the form")


class Api:
    """Endpoint handlers: each takes a Req and returns the answer's data
    (or a (status, headers, bytes) triple for non-JSON answers)."""

    def __init__(self, state):
        self.st = state

    def video_url(self, jid, job):
        return "%s/files/%s.%s" % (self.st.base, jid, job["ext"])

    # POST /v2/video/generate, /v1/video_agent/generate,
    # /v2/template/{id}/generate
    def create_video(self, req):
        return {"video_id": self.st.new_job("vid")}

    # POST /v1/video.webm
    def create_webm(self, req):
        return {"video_id": self.st.new_job("vid", "webm")}

    # POST /v2/video_translate
    def create_translate(self, req):
        return {"video_translate_id": self.st.new_job("tr")}

    # GET /v1/video_status.get?video_id=ID
    def video_status(self, req):
        jid = req.query.get("video_id")
        if not jid:
            raise ApiError(400, "invalid_parameter", "video_id is required")
        status, job, _ = self.st.poll(jid, "vid", RUNNING["v1"])
        done = status == "completed"
        return {"id": jid, "status": status,
                "video_url": self.video_url(jid, job) if done else None,
                "thumbnail_url": ("%s/files/%s.jpg" % (self.st.base, jid)
                                  if done else None),
                "duration": 12.5 if done else None,
                "error": job["error"] if status == "failed" else None}

    # GET /v1/video_translate/{id}
    def translate_status(self, req):
        jid = req.groups[0]
        status, job, _ = self.st.poll(jid, "tr", RUNNING["v1"])
        return {"video_translate_id": jid, "status": status,
                "url": (self.video_url(jid, job) if status == "completed"
                        else None),
                "message": (job["error"].get("message")
                            if status == "failed" else None)}

    # GET /v1/video_generate.quota
    def quota(self, req):
        with self.st.lock:
            used = self.st.count["vid"] * QUOTA_PER_VIDEO
        return {"remaining_quota": QUOTA_TOTAL, "used_quota": used}

    # POST /v1/asset: raw bytes with their Content-Type
    def upload_v1(self, req):
        ctype = media_type(req.ctype)
        kind = ctype.split("/")[0]
        if kind not in ("image", "video", "audio"):
            raise ApiError(400, "invalid_parameter",
                           "unsupported content type '%s'" % ctype)
        if not req.raw:
            raise ApiError(400, "invalid_parameter", "empty upload")
        aid, url = self.st.add_asset(ctype, req.raw)
        return {"id": aid, "url": url, "file_type": kind}

    # GET /v2/avatars
    def avatars(self, req):
        return with_base({k: CATALOGUE[k] for k in
                          ("avatars", "talking_photos")}, self.st.base)

    # GET /v2/voices
    def voices(self, req):
        return with_base({"voices": CATALOGUE["voices"]}, self.st.base)

    # GET /v2/templates
    def templates(self, req):
        rows = [{k: t[k] for k in
                 ("template_id", "name", "thumbnail_image_url")}
                for t in CATALOGUE["templates"]]
        return with_base({"templates": rows}, self.st.base)

    # GET /v2/template/{id}
    def template(self, req):
        for t in CATALOGUE["templates"]:
            if t["template_id"] == req.groups[0]:
                variables = {}
                for n in t["variables"]:
                    props = {"content": ""}
                    if n in t.get("max_length", {}):
                        props["max_length"] = t["max_length"][n]
                    variables[n] = {"name": n, "type": "text",
                                    "properties": props}
                return {"variables": variables}
        raise ApiError(404, "not_found", "no such template '%s'"
                       % req.groups[0])

    # POST /v3/videos
    def v3_create_video(self, req):
        fmt = "webm" if req.body.get("output_format") == "webm" else "mp4"
        return {"video_id": self.st.new_job("vid", fmt),
                "status": "waiting", "output_format": fmt}

    # GET /v3/videos/{id}
    def v3_video(self, req):
        jid = req.groups[0]
        status, job, _ = self.st.poll(jid, "vid", RUNNING["v3"])
        done, failed = status == "completed", status == "failed"
        return {"id": jid, "status": status,
                "video_url": self.video_url(jid, job) if done else None,
                "thumbnail_url": ("%s/files/%s.jpg" % (self.st.base, jid)
                                  if done else None),
                "duration": 12.5 if done else None,
                "created_at": CREATED_AT,
                "completed_at": CREATED_AT + 60 if done else None,
                "failure_code": job["error"].get("code") if failed else None,
                "failure_message": (job["error"].get("message") if failed
                                    else None)}

    # POST /v3/video-agents
    def v3_create_agent(self, req):
        vid = self.st.new_job("vid")
        return {"session_id": self.st.new_session(vid),
                "status": "generating", "video_id": vid,
                "created_at": CREATED_AT}

    # GET /v3/video-agents/{session_id}: counts as a poll of its video
    def v3_agent(self, req):
        sid = req.groups[0]
        with self.st.lock:
            vid = self.st.sessions.get(sid)
        if vid is None:
            raise ApiError(404, "not_found", "no such session '%s'" % sid)
        status, _, progress = self.st.poll(vid, "vid", RUNNING["agent"])
        return {"session_id": sid, "status": status, "video_id": vid,
                "progress": progress, "created_at": CREATED_AT}

    # POST /v3/templates/{id}
    def v3_create_template(self, req):
        return {"id": self.st.new_job("vid"), "status": "waiting"}

    # POST /v3/video-translations: one id per output language
    def v3_create_translations(self, req):
        langs = req.body.get("output_languages")
        if not (isinstance(langs, list) and langs and
                all(isinstance(x, str) for x in langs)):
            raise ApiError(400, "invalid_parameter",
                           "output_languages must be a list of names")
        return {"video_translation_ids": [self.st.new_job("tr")
                                          for _ in langs]}

    # GET /v3/video-translations/{id}
    def v3_translation(self, req):
        jid = req.groups[0]
        status, job, _ = self.st.poll(jid, "tr", RUNNING["v3tr"])
        failed = status == "failed"
        return {"id": jid, "status": status,
                "video_url": (self.video_url(jid, job)
                              if status == "completed" else None),
                "failure_message": (job["error"].get("message") if failed
                                    else None)}

    # POST /v3/assets: raw bytes with a Content-Type, or a form field "file"
    def v3_upload(self, req):
        data, ctype = req.raw, media_type(req.ctype)
        if ctype == "multipart/form-data":
            data, ctype = multipart_file(req.raw, req.ctype)
            ctype = media_type(ctype)
        if not data:
            raise ApiError(400, "invalid_parameter", "empty upload")
        aid, url = self.st.add_asset(ctype, data)
        return {"asset_id": aid, "url": url, "mime_type": ctype,
                "size_bytes": len(data)}

    # GET /files/NAME: no key needed
    def file(self, req):
        name = req.groups[0]
        stem, _, ext = name.partition(".")
        ctype = FILE_TYPES.get(ext, "application/octet-stream")
        return 200, {"Content-Type": ctype}, file_bytes(stem)

    # GET /assets/ID: what was uploaded; no key needed
    def asset(self, req):
        with self.st.lock:
            found = self.st.assets.get(req.groups[0])
        if found is None:
            raise ApiError(404, "not_found", "no such asset")
        return 200, {"Content-Type": found[0]}, found[1]


# method, path pattern, Api method, which key headers are accepted
# ("v1": X-Api-Key, "v3": X-Api-Key or Bearer, None: no key needed),
# whether the body must be a JSON object.
ROUTES = [(m, re.compile(p), f, a, j) for m, p, f, a, j in [
    ("POST", r"/v2/video/generate", "create_video", "v1", True),
    ("POST", r"/v1/video_agent/generate", "create_video", "v1", True),
    ("POST", r"/v1/video\.webm", "create_webm", "v1", True),
    ("POST", r"/v2/template/([^/]+)/generate", "create_video", "v1", True),
    ("POST", r"/v2/video_translate", "create_translate", "v1", True),
    ("GET", r"/v1/video_status\.get", "video_status", "v1", False),
    ("GET", r"/v1/video_translate/([^/]+)", "translate_status", "v1", False),
    ("GET", r"/v1/video_generate\.quota", "quota", "v1", False),
    ("POST", r"/v1/asset", "upload_v1", "v1", False),
    ("GET", r"/v2/avatars", "avatars", "v1", False),
    ("GET", r"/v2/voices", "voices", "v1", False),
    ("GET", r"/v2/templates", "templates", "v1", False),
    ("GET", r"/v2/template/([^/]+)", "template", "v1", False),
    ("POST", r"/v3/videos", "v3_create_video", "v3", True),
    ("GET", r"/v3/videos/([^/]+)", "v3_video", "v3", False),
    ("POST", r"/v3/video-agents", "v3_create_agent", "v3", True),
    ("GET", r"/v3/video-agents/([^/]+)", "v3_agent", "v3", False),
    ("POST", r"/v3/templates/([^/]+)", "v3_create_template", "v3", True),
    ("POST", r"/v3/video-translations", "v3_create_translations", "v3",
     True),
    ("GET", r"/v3/video-translations/([^/]+)", "v3_translation", "v3",
     False),
    ("POST", r"/v3/assets", "v3_upload", "v3", False),
    ("GET", r"/files/([^/]+)", "file", None, False),
    ("GET", r"/assets/([^/]+)", "asset", None, False),
]]


class Req:
    """One parsed request, as the Api handlers see it."""

    def __init__(self, query, raw, ctype, groups=(), body=None):
        self.query, self.raw, self.ctype = query, raw, ctype
        self.groups, self.body = groups, body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"     # keep-alive and Expect: 100-continue
    server_version = "fake-heygen/1"
    timeout = IDLE_TIMEOUT_S

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def log_message(self, fmt, *args):
        pass  # the JSON log is the record; keep stderr quiet

    def read_body(self):
        """The request body; ApiError for a bad or too large one."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self.read_chunked()
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if n < 0:
            raise ApiError(400, "bad_request", "bad Content-Length")
        if n > MAX_BODY:
            raise ApiError(413, "too_large", "request body too large")
        return self.rfile.read(n)

    def read_chunked(self):
        out = bytearray()
        while True:
            line = self.rfile.readline(1024)
            try:
                n = int(line.split(b";")[0].strip() or b"x", 16)
            except ValueError:
                raise ApiError(400, "bad_request", "bad chunk") from None
            if n == 0 or len(out) + n > MAX_BODY:
                break
            out += self.rfile.read(n)
            self.rfile.readline(1024)
        if n:
            raise ApiError(413, "too_large", "request body too large")
        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return bytes(out)

    def auth_state(self, accept):
        """The log's auth word ("ok", "missing" or "bad") from the headers
        `accept` allows (None, where no key is due: both, to catch a key
        sent anyway)."""
        given = []
        if self.headers.get("X-Api-Key") is not None:
            given.append(self.headers["X-Api-Key"])
        auth = self.headers.get("Authorization")
        if accept != "v1" and auth is not None:
            scheme, _, token = auth.strip().partition(" ")
            given.append(token.strip() if scheme.lower() == "bearer" else "")
        if not given:
            return "missing"
        ok = any(hmac.compare_digest(g.strip().encode("utf-8", "replace"),
                                     self.server.state.key) for g in given)
        return "ok" if ok else "bad"

    def dispatch(self):
        st = self.server.state
        url = urlsplit(self.path)
        method = "GET" if self.command == "HEAD" else self.command
        if url.path.startswith("/__fake/"):
            return self.control(method, url.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        accept = next((a for _, pat, _, a, _ in ROUTES
                       if pat.fullmatch(url.path)), None)
        entry = {"method": self.command, "path": url.path, "query": query,
                 "auth": self.auth_state(accept),
                 "content_type": self.headers.get("Content-Type"),
                 "body_bytes": 0, "body": None}
        try:
            raw = self.read_body()
        except ApiError as e:
            self.close_connection = True  # the rest of the body is unread
            return self.answer(entry, self.api_error(e), None)
        entry["body_bytes"] = len(raw)
        try:
            entry["body"] = json.loads(raw) if raw else None
        except ValueError:
            pass
        fault = st.pick_fault(method, url.path)
        time.sleep(st.latency)
        if fault and fault["action"] == "delay":
            time.sleep(fault["value"])
        if fault and fault["action"] == "status":
            headers = {k: v for k, v in fault["headers"].items()
                       if k.lower() != "content-length"}
            headers.setdefault("Content-Type", "application/json")
            answer = (fault["value"], headers, fault["body"])
        else:
            answer = self.route(method, url.path, query, raw, entry)
        if fault and fault["action"] == "malformed":
            answer = (200, {"Content-Type": "application/json"}, MALFORMED)
        self.answer(entry, answer, fault and fault["action"])

    def route(self, method, path, query, raw, entry):
        """The normal answer: (status, headers, bytes)."""
        known_path = False
        for m, pat, name, accept, wants_json in ROUTES:
            match = pat.fullmatch(path)
            if not match:
                continue
            if m != method:
                known_path = True
                continue
            try:
                if accept and self.auth_state(accept) != "ok":
                    raise ApiError(401, "unauthorized", "invalid api key")
                body = entry["body"]
                if wants_json and not isinstance(body, dict):
                    why = "not valid JSON" if raw and body is None else \
                        "not a JSON object"
                    raise ApiError(400, "invalid_json", "the body is " + why)
                req = Req(query, raw, entry["content_type"], match.groups(),
                          body)
                data = getattr(Api(self.server.state), name)(req)
            except ApiError as e:
                return self.api_error(e)
            if isinstance(data, tuple):
                return data
            doc = {"data": data} if accept == "v3" else \
                {"error": None, "data": data}
            return 200, {"Content-Type": "application/json"}, json_bytes(doc)
        if known_path:
            return self.api_error(ApiError(405, "method_not_allowed",
                                           "method not allowed"))
        return self.api_error(ApiError(404, "not_found", "no such endpoint"))

    @staticmethod
    def api_error(e):
        return (e.status, {"Content-Type": "application/json"},
                json_bytes(error_doc(e.code, e.message)))

    def answer(self, entry, answer, mode):
        """Logs the request, then answers it (or drops it, per `mode`)."""
        status, headers, data = answer
        dropped = mode in ("drop", "drop_after_headers")
        entry["status"] = "dropped" if dropped else status
        self.server.state.log(entry)
        if mode == "drop":
            self.close_connection = True
            return
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if mode == "drop_after_headers":
            self.wfile.flush()
            self.close_connection = True
            return
        if self.command != "HEAD":
            self.wfile.write(data)

    def control(self, method, path):
        """/__fake/health, /__fake/log, POST /__fake/scenario; not logged."""
        st = self.server.state
        status, data = 404, json_bytes(error_doc("not_found", "no such path"))
        try:
            raw = self.read_body()
        except ApiError as e:
            self.close_connection = True
            raw, status = b"", e.status
            data = json_bytes(error_doc(e.code, e.message))
        if (method, path) == ("GET", "/__fake/health"):
            status, data = 200, b"ok"
        elif (method, path) == ("GET", "/__fake/log"):
            with st.lock:
                status, data = 200, json_bytes(st.log_lines)
        elif (method, path) == ("POST", "/__fake/scenario"):
            try:
                st.set_scenario(json.loads(raw))
                status, data = 200, json_bytes({"error": None, "data": {}})
            except ValueError as e:
                status = 400
                data = json_bytes(error_doc("bad_scenario", str(e)))
        ctype = "text/plain" if data == b"ok" else "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def handle_error(self, request, client_address):
        """A client that hangs up (as fault tests do) is normal; anything
        else is a bug here, reported in one line, never with headers."""
        e = sys.exc_info()[1]
        if not isinstance(e, (ConnectionError, TimeoutError)):
            print("fake_heygen: internal error: %s: %s"
                  % (type(e).__name__, e), file=sys.stderr)


def write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description="Fake HeyGen API server.")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--scenario")
    ap.add_argument("--key", default="test-key")
    ap.add_argument("--latency", type=float, default=0.0)
    args = ap.parse_args()
    state = State(args.key, max(args.latency, 0.0), args.log)
    if args.scenario:
        try:
            with open(args.scenario, encoding="utf-8") as f:
                state.set_scenario(json.load(f))
        except (OSError, ValueError) as e:
            print("fake_heygen: %s: %s" % (args.scenario, e), file=sys.stderr)
            return 2
    # Blocked before any thread starts, so every thread inherits the mask
    # and the signals wait for sigtimedwait below.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    server = Server(("127.0.0.1", 0), Handler)
    server.state = state
    port = server.server_address[1]
    state.base = "http://127.0.0.1:%d" % port
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    write_atomic(args.port_file, "%d\n" % port)
    signal.sigtimedwait(stop_signals, LIFETIME_S)
    server.shutdown()
    server.server_close()
    with state.lock:
        state.log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
