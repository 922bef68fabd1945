#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of tests/fake_heygen.py itself.

Usage: fake_selftest.py

Starts the fake as a subprocess in a temporary directory, exercises every
endpoint and every fault kind over plain HTTP and raw sockets, checks its
log (and that the key is written nowhere), stops it with a signal, and
prints "ok NAME" or "not ok NAME: why" per case; exits 1 if any failed.
Cases run in order against one server, so the ids they expect (vid_N,
tr_N) follow from the cases before. Every wait is bounded.
"""
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_heygen.py")
KEY = "test-key"                   # the fake's default key
OTHER_KEY = "sk-selftest-9f2c71ab"  # given with --key to the second server
TIMEOUT_S = 5                      # per request
START_S = 10                       # for the port file to appear
STOP_S = 10                        # for the server to exit
UNAUTHORIZED = {"error": {"code": "unauthorized",
                          "message": "invalid api key"}, "data": None}


class Fail(Exception):
    pass


def expect(cond, why):
    if not cond:
        raise Fail(why)


def chain(seed, size=4096):
    """What /files/SEED.ext must serve (written independently here)."""
    out, h = b"", hashlib.sha256(seed.encode()).digest()
    while len(out) < size:
        out += h
        h = hashlib.sha256(h).digest()
    return out


class Fake:
    """One running fake_heygen.py."""

    def __init__(self, tmp, name, *args):
        self.dir = os.path.join(tmp, name)
        os.mkdir(self.dir)
        self.port_file = os.path.join(self.dir, "port")
        self.log = os.path.join(self.dir, "log.jsonl")
        self.out = open(os.path.join(self.dir, "stdout"), "wb")
        self.err = open(os.path.join(self.dir, "stderr"), "wb")
        self.proc = subprocess.Popen(
            [sys.executable, FAKE, "--port-file", self.port_file,
             "--log", self.log, *args], stdout=self.out, stderr=self.err)
        self.port = None
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline and self.proc.poll() is None:
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    self.port_text = f.read()
                self.port = int(self.port_text)
                break
            time.sleep(0.05)
        self.base = "http://127.0.0.1:%s" % self.port

    def request(self, method, path, body=None, key=KEY, headers=None,
                bearer=False):
        """(status, headers, body bytes); body may be a dict or bytes."""
        hdrs = dict(headers or {})
        if key is not None:
            hdrs["Authorization" if bearer else "X-Api-Key"] = \
                "Bearer " + key if bearer else key
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=TIMEOUT_S)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, resp, resp.read()
        finally:
            conn.close()

    def json(self, method, path, body=None, status=200, **kw):
        """The parsed answer, which must have the given status."""
        got, _, data = self.request(method, path, body, **kw)
        expect(got == status, "%s %s: status %d, expected %d: %r"
               % (method, path, got, status, data[:200]))
        return json.loads(data)

    def scenario(self, rules):
        got, _, data = self.request("POST", "/__fake/scenario", rules,
                                    key=None)
        expect(got == 200, "scenario refused: %r" % data[:200])

    def log_entries(self):
        return json.loads(self.request("GET", "/__fake/log", key=None)[2])

    def last_log(self):
        return self.log_entries()[-1]

    def used(self):
        return self.json("GET", "/v1/video_generate.quota")["data"][
            "used_quota"]

    def stop(self, sig=signal.SIGTERM):
        """The exit status after `sig` (None if it did not exit in time)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(STOP_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(STOP_S)
            return None
        finally:
            self.out.close()
            self.err.close()

    def files_text(self):
        """Everything the fake wrote: log, stdout, stderr."""
        out = b""
        for name in ("log.jsonl", "stdout", "stderr"):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    out += f.read()
        return out


def raw_exchange(port, head, body=b"", wait_continue=False):
    """Sends a raw request; returns everything read until EOF (the server
    must close: send "Connection: close" or make it drop) or timeout."""
    with socket.create_connection(("127.0.0.1", port), TIMEOUT_S) as s:
        s.sendall(head)
        got = b""
        if wait_continue:
            while b"\r\n\r\n" not in got:
                part = s.recv(4096)
                expect(part, "closed before 100 Continue")
                got += part
            expect(got.startswith(b"HTTP/1.1 100"),
                   "no 100 Continue: %r" % got[:60])
        s.sendall(body)
        try:
            part = s.recv(65536)
            while part:
                got += part
                part = s.recv(65536)
        except socket.timeout:
            pass
        return got


# ---------------------------------------------------------------- cases

def case_port_file(f):
    expect(re.fullmatch(r"\d+\n", f.port_text), "port file %r"
           % f.port_text)
    expect(os.listdir(f.dir).count("port") == 1 and not any(
        n.startswith("port.") for n in os.listdir(f.dir)),
        "temp files left: %r" % os.listdir(f.dir))


def case_health(f):
    got, _, data = f.request("GET", "/__fake/health", key=None)
    expect((got, data) == (200, b"ok"), "%d %r" % (got, data))


def case_auth_missing(f):
    doc = f.json("GET", "/v1/video_generate.quota", status=401, key=None)
    expect(doc == UNAUTHORIZED, "body %r" % doc)
    expect(f.last_log()["auth"] == "missing", "log auth")


def case_auth_bad(f):
    doc = f.json("GET", "/v1/video_generate.quota", status=401,
                 key="wrong")
    expect(doc == UNAUTHORIZED, "body %r" % doc)
    expect(f.last_log()["auth"] == "bad", "log auth")
    f.json("GET", "/v3/videos/vid_1", status=401, key="wrong", bearer=True)
    expect(f.last_log()["auth"] == "bad", "log auth (bearer)")


def case_auth_header_case(f):
    f.json("GET", "/v1/video_generate.quota", key=None,
           headers={"X-API-KEY": KEY})
    f.json("GET", "/v1/video_generate.quota", key=None,
           headers={"x-api-key": KEY})


def case_auth_bearer_only_v3(f):
    f.json("GET", "/v1/video_generate.quota", status=401, bearer=True)
    expect(f.last_log()["auth"] == "missing", "v1 took a bearer token")


def case_create_v1(f):
    cases = [("/v2/video/generate", {"video_inputs": []}, "vid_1"),
             ("/v1/video_agent/generate", {"prompt": "hi"}, "vid_2"),
             ("/v1/video.webm", {"avatar_pose_id": "x"}, "vid_3"),
             ("/v2/template/tmpl_product_launch/generate",
              {"variables": {}}, "vid_4")]
    for path, body, want in cases:
        doc = f.json("POST", path, body)
        expect(doc == {"error": None, "data": {"video_id": want}},
               "%s: %r" % (path, doc))
    doc = f.json("POST", "/v2/video_translate", {"video_url": "u"})
    expect(doc == {"error": None, "data": {"video_translate_id": "tr_1"}},
           "translate: %r" % doc)


def case_create_v3(f):
    doc = f.json("POST", "/v3/videos", {"type": "avatar",
                                        "output_format": "webm"},
                 bearer=True)
    expect(doc == {"data": {"video_id": "vid_5", "status": "waiting",
                            "output_format": "webm"}}, "videos: %r" % doc)
    doc = f.json("POST", "/v3/video-agents", {"prompt": "hi"})
    expect(doc == {"data": {"session_id": "sess_1", "status": "generating",
                            "video_id": "vid_6", "created_at": 1700000000}},
           "agents: %r" % doc)
    doc = f.json("POST", "/v3/templates/tmpl_weekly_update",
                 {"variables": {}})
    expect(doc == {"data": {"id": "vid_7", "status": "waiting"}},
           "templates: %r" % doc)
    doc = f.json("POST", "/v3/video-translations",
                 {"video": {"type": "url", "url": "u"},
                  "output_languages": ["Spanish (Spain)", "German"]})
    expect(doc == {"data": {"video_translation_ids": ["tr_2", "tr_3"]}},
           "translations: %r" % doc)
    f.json("POST", "/v3/video-translations", {"output_languages": []},
           status=400)


def case_bad_json(f):
    before = f.used()
    for path in ("/v2/video/generate", "/v3/videos",
                 "/v2/video_translate"):
        doc = f.json("POST", path, b"{not json", status=400,
                     headers={"Content-Type": "application/json"})
        expect(doc["error"]["message"], "%s: no message" % path)
    f.json("POST", "/v2/video/generate", b"[1]", status=400)
    expect(f.used() == before, "a bad body created a video")
    entry = f.log_entries()[-2]
    expect(entry["body"] == [1] and entry["body_bytes"] == 3
           and entry["status"] == 400, "log %r" % entry)


def polls(f, path, n):
    return [f.json("GET", path)["data"] for _ in range(n)]


def case_status_v1(f):
    got = polls(f, "/v1/video_status.get?video_id=vid_1", 4)
    expect([d["status"] for d in got] ==
           ["pending", "processing", "completed", "completed"],
           "statuses %r" % [d["status"] for d in got])
    expect(got[0]["video_url"] is None, "url before completion")
    d = got[2]
    expect(set(d) == {"id", "status", "video_url", "thumbnail_url",
                      "duration", "error"}, "keys %r" % sorted(d))
    expect(d["id"] == "vid_1" and d["error"] is None, "%r" % d)
    expect(d["video_url"] == f.base + "/files/vid_1.mp4", d["video_url"])
    url = polls(f, "/v1/video_status.get?video_id=vid_3", 3)[2]["video_url"]
    expect(url == f.base + "/files/vid_3.webm", "webm url %r" % url)
    expect(f.log_entries()[-1]["query"] == {"video_id": "vid_3"},
           "log query")


def case_status_v1_translate(f):
    got = polls(f, "/v1/video_translate/tr_1", 3)
    expect([d["status"] for d in got] ==
           ["pending", "processing", "completed"], "%r" % got)
    expect(got[2] == {"video_translate_id": "tr_1", "status": "completed",
                      "url": f.base + "/files/tr_1.mp4", "message": None},
           "%r" % got[2])


def case_status_v3(f):
    got = polls(f, "/v3/videos/vid_5", 3)
    expect([d["status"] for d in got] ==
           ["waiting", "processing", "completed"], "%r" % got)
    expect(got[2]["video_url"] == f.base + "/files/vid_5.webm"
           and got[2]["failure_message"] is None, "%r" % got[2])
    doc = f.json("GET", "/v3/videos/vid_7", bearer=True)
    expect("error" not in doc, "v3 answer has 'error'")


def case_status_v3_translation(f):
    got = polls(f, "/v3/video-translations/tr_2", 3)
    expect([d["status"] for d in got] ==
           ["pending", "running", "completed"], "%r" % got)
    expect(got[2]["id"] == "tr_2" and got[2]["video_url"] ==
           f.base + "/files/tr_2.mp4", "%r" % got[2])


def case_status_v3_agent(f):
    got = polls(f, "/v3/video-agents/sess_1", 3)
    expect([d["status"] for d in got] ==
           ["thinking", "generating", "completed"], "%r" % got)
    expect(got[2]["video_id"] == "vid_6" and got[2]["progress"] == 100
           and got[0]["progress"] < 100, "%r" % got)


def case_unknown_ids(f):
    for path in ("/v1/video_status.get?video_id=vid_999",
                 "/v1/video_status.get?video_id=tr_1",
                 "/v1/video_translate/tr_999", "/v1/video_translate/vid_1",
                 "/v3/videos/vid_999", "/v3/video-translations/tr_999",
                 "/v3/video-agents/sess_999"):
        doc = f.json("GET", path, status=404)
        expect(doc["error"]["code"], "%s: %r" % (path, doc))
    f.json("GET", "/v1/video_status.get", status=400)


def case_download(f):
    for name, ctype in (("vid_1.mp4", "video/mp4"),
                        ("vid_3.webm", "video/webm")):
        got, resp, data = f.request("GET", "/files/" + name, key=None)
        expect(got == 200, "status %d" % got)
        expect(resp.getheader("Content-Type") == ctype, "content type")
        expect(resp.getheader("Content-Length") == "4096", "length")
        expect(data == chain(name.split(".")[0]), "bytes differ")
        expect(f.last_log()["auth"] == "missing", "log auth")
    f.request("GET", "/files/vid_1.mp4", key=KEY)
    expect(f.last_log()["auth"] == "ok", "a key sent to /files/ not seen")


def case_head(f):
    conn = http.client.HTTPConnection("127.0.0.1", f.port,
                                      timeout=TIMEOUT_S)
    try:
        conn.request("HEAD", "/files/vid_1.mp4")
        resp = conn.getresponse()
        expect(resp.status == 200 and resp.read() == b"" and
               resp.getheader("Content-Length") == "4096", "HEAD")
    finally:
        conn.close()


def case_upload_v1(f):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    aid = "asset_" + hashlib.sha256(png).hexdigest()[:12]
    doc = f.json("POST", "/v1/asset", png,
                 headers={"Content-Type": "image/png"})
    expect(doc["data"] == {"id": aid, "url": f.base + "/assets/" + aid,
                           "file_type": "image"}, "%r" % doc)
    got, resp, data = f.request("GET", "/assets/" + aid, key=None)
    expect((got, data) == (200, png), "asset download")
    expect(f.json("POST", "/v1/asset", b"ID3xx",
                  headers={"Content-Type": "audio/mpeg"})["data"][
                      "file_type"] == "audio", "audio type")
    f.json("POST", "/v1/asset", b"%PDF", status=400,
           headers={"Content-Type": "application/pdf"})
    entry = f.log_entries()[-2]
    expect(entry["content_type"] == "audio/mpeg" and entry["body"] is None
           and entry["body_bytes"] == 5, "log %r" % entry)


def case_upload_v3_raw(f):
    mp4 = b"\0\0\0\x18ftypmp42" + b"x" * 100
    aid = "asset_" + hashlib.sha256(mp4).hexdigest()[:12]
    doc = f.json("POST", "/v3/assets", mp4, bearer=True,
                 headers={"Content-Type": "video/mp4"})
    expect(doc == {"data": {"asset_id": aid, "mime_type": "video/mp4",
                            "url": f.base + "/assets/" + aid,
                            "size_bytes": len(mp4)}}, "%r" % doc)


def case_upload_v3_multipart(f):
    jpg = b"\xff\xd8\xff\xe0" + b"j" * 300 + b"\r\n--not-the-boundary"
    b = "selftestboundary42"
    body = (("--%s\r\nContent-Disposition: form-data; name=\"file\"; "
             "filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" % b)
            .encode() + jpg + ("\r\n--%s--\r\n" % b).encode())
    doc = f.json("POST", "/v3/assets", body, headers={
        "Content-Type": "multipart/form-data; boundary=" + b})
    aid = "asset_" + hashlib.sha256(jpg).hexdigest()[:12]
    expect(doc["data"]["asset_id"] == aid and doc["data"]["mime_type"] ==
           "image/jpeg" and doc["data"]["size_bytes"] == len(jpg),
           "%r" % doc)


def case_quota(f):
    doc = f.json("GET", "/v1/video_generate.quota")
    expect(doc == {"error": None, "data": {"remaining_quota": 3600,
                                           "used_quota": 7 * 60}},
           "%r" % doc)


def case_catalogue(f):
    d = f.json("GET", "/v2/avatars")["data"]
    av = {a["avatar_id"]: a for a in d["avatars"]}
    expect(len(av) == 5 and {"Daisy-inskirt-20220818",
                             "Tyler-incasualsuit-20220721"} <= set(av),
           "avatars %r" % sorted(av))
    expect(all(set(a) == {"avatar_id", "avatar_name", "gender",
                          "preview_image_url", "default_voice_id"}
               and a["preview_image_url"].startswith(f.base + "/")
               for a in av.values()), "avatar fields")
    tps = [t["talking_photo_id"] for t in d["talking_photos"]]
    expect(len(tps) == 2 and "tp_5f1e2d3c4b5a" in tps, "%r" % tps)
    voices = {v["voice_id"]: v for v in
              f.json("GET", "/v2/voices")["data"]["voices"]}
    expect(len(voices) == 6 and {"2d5b0e6cf36f460aa7fc47e3eee4ba54",
                                 "1bd001e7e50f421d891986aad5158bc8",
                                 "077ab11b14f04ce0b49b5f6e5cc20979"}
           <= set(voices), "voices %r" % sorted(voices))
    v = voices["2d5b0e6cf36f460aa7fc47e3eee4ba54"]
    expect((v["language"], v["gender"]) == ("English", "female"), "%r" % v)
    expect(any(not v["support_pause"] for v in voices.values()) and
           any(v["language"] == "Spanish" for v in voices.values()),
           "no pause-less or Spanish voice")
    expect(all(set(v) == {"voice_id", "language", "gender", "name",
                          "preview_audio", "support_pause",
                          "emotion_support"} for v in voices.values()),
           "voice fields")
    for avatar in av.values():
        expect(avatar["default_voice_id"] in voices, "default voice")
    tmpls = f.json("GET", "/v2/templates")["data"]["templates"]
    expect(tmpls and all(set(t) == {"template_id", "name",
                                    "thumbnail_image_url"} for t in tmpls),
           "%r" % tmpls)
    var = f.json("GET", "/v2/template/" + tmpls[0]["template_id"])[
        "data"]["variables"]
    expect(var and all(v == {"name": n, "type": "text",
                             "properties": {"content": ""}}
                       for n, v in var.items()), "%r" % var)
    f.json("GET", "/v2/template/nope", status=404)


def case_unknown_endpoint(f):
    f.json("GET", "/v2/nothing", status=404)
    f.json("GET", "/v2/video/generate", status=405)


def case_expect_continue(f):
    body = json.dumps({"video_inputs": []}).encode()
    head = ("POST /v2/video/generate HTTP/1.1\r\nHost: x\r\nX-Api-Key: %s"
            "\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
            "Expect: 100-continue\r\nConnection: close\r\n\r\n"
            % (KEY, len(body))).encode()
    got = raw_exchange(f.port, head, body, wait_continue=True)
    expect(b"HTTP/1.1 200" in got and b'"video_id": "vid_8"' in got,
           "%r" % got[-200:])


def case_chunked(f):
    conn = http.client.HTTPConnection("127.0.0.1", f.port,
                                      timeout=TIMEOUT_S)
    try:
        chunks = [b'{"output_languages"', b': ["French"]}']
        conn.request("POST", "/v3/video-translations", body=iter(chunks),
                     headers={"X-Api-Key": KEY}, encode_chunked=True)
        resp = conn.getresponse()
        doc = json.loads(resp.read())
    finally:
        conn.close()
    expect(doc == {"data": {"video_translation_ids": ["tr_4"]}}, "%r" % doc)
    expect(f.last_log()["body_bytes"] == sum(map(len, chunks)),
           "%r" % f.last_log())


def case_fault_status(f):
    before = f.used()
    f.scenario([{"method": "POST", "path": "/v2/video/generate",
                 "status": 503, "times": 2, "headers": {"Retry-After": "2"},
                 "body": {"error": {"code": "busy", "message": "later"}}}])
    for _ in range(2):
        got, resp, data = f.request("POST", "/v2/video/generate", {})
        expect(got == 503 and resp.getheader("Retry-After") == "2",
               "status %d" % got)
        expect(json.loads(data) == {"error": {"code": "busy",
                                              "message": "later"}},
               "%r" % data)
    f.json("POST", "/v2/video/generate", {})
    expect(f.used() == before + 60, "503 answers created videos")


def case_fault_default_body(f):
    f.scenario([{"path": "/v1/video_generate.quota", "status": 429}])
    doc = f.json("GET", "/v1/video_generate.quota", status=429)
    expect(doc["error"]["message"] and doc["data"] is None, "%r" % doc)
    expect(f.last_log()["status"] == 429, "log status")


def case_fault_skip(f):
    f.scenario([{"path": "/v1/video_generate.quota", "skip": 1,
                 "status": 500}])
    got = [f.request("GET", "/v1/video_generate.quota")[0]
           for _ in range(3)]
    expect(got == [200, 500, 200], "%r" % got)


def case_fault_always_prefix(f):
    f.scenario([{"method": "*", "path_prefix": "/v1/video_generate",
                 "status": 502, "times": -1}])
    got = [f.request("GET", "/v1/video_generate.quota")[0]
           for _ in range(4)]
    expect(got == [502] * 4, "%r" % got)
    f.scenario([])
    f.json("GET", "/v1/video_generate.quota")


def case_fault_method(f):
    f.scenario([{"method": "POST", "path": "/v1/video_generate.quota",
                 "status": 500}])
    f.json("GET", "/v1/video_generate.quota")


def case_fault_order(f):
    f.scenario([{"path": "/v1/video_generate.quota", "status": 500},
                {"path": "/v1/video_generate.quota", "status": 503},
                {"path": "/v1/video_generate.quota", "skip": 1,
                 "status": 504}])
    got = [f.request("GET", "/v1/video_generate.quota")[0]
           for _ in range(4)]
    expect(got == [500, 503, 504, 200], "%r" % got)


def case_fault_drop(f):
    before = f.used()
    f.scenario([{"path": "/v2/video/generate", "drop": True}])
    try:
        got = f.request("POST", "/v2/video/generate", {})
        raise Fail("answered %r" % (got[0],))
    except (http.client.RemoteDisconnected, ConnectionError):
        pass
    entry = f.last_log()
    expect(entry["status"] == "dropped" and entry["path"] ==
           "/v2/video/generate", "log %r" % entry)
    expect(f.used() == before + 60, "a dropped POST must still create")


def case_fault_drop_after_headers(f):
    f.scenario([{"path_prefix": "/files/", "drop_after_headers": True}])
    got = raw_exchange(f.port, b"GET /files/vid_1.mp4 HTTP/1.1\r\n"
                       b"Host: x\r\n\r\n")
    head, _, rest = got.partition(b"\r\n\r\n")
    expect(head.startswith(b"HTTP/1.1 200") and
           b"Content-Length: 4096" in head and rest == b"",
           "%r" % got[:200])
    expect(f.last_log()["status"] == "dropped", "log status")


def case_fault_delay(f):
    f.scenario([{"path": "/v1/video_generate.quota", "delay": 0.6}])
    t = time.monotonic()
    f.json("GET", "/v1/video_generate.quota")
    took = time.monotonic() - t
    expect(took >= 0.6, "took %.2f s" % took)
    t = time.monotonic()
    f.json("GET", "/v1/video_generate.quota")
    expect(time.monotonic() - t < 0.5, "delay applied twice")


def case_fault_malformed(f):
    f.scenario([{"method": "GET", "path": "/v1/video_status.get",
                 "malformed": True}])
    got, _, data = f.request("GET", "/v1/video_status.get?video_id=vid_1")
    expect(got == 200, "status %d" % got)
    try:
        json.loads(data)
        raise Fail("body is valid JSON: %r" % data)
    except ValueError:
        pass


def case_fault_files_404(f):
    f.scenario([{"path_prefix": "/files/", "status": 404}])
    expect(f.request("GET", "/files/vid_1.mp4", key=None)[0] == 404, "404")
    expect(f.request("GET", "/files/vid_1.mp4", key=None)[0] == 200, "200")


def case_render_failed(f):
    err = {"code": "bad_script", "message": "script too long"}
    f.scenario([{"render": {"polls": 0, "outcome": "failed",
                            "error": err}}])
    vid = f.json("POST", "/v2/video/generate", {})["data"]["video_id"]
    d = f.json("GET", "/v1/video_status.get?video_id=" + vid)["data"]
    expect(d["status"] == "failed" and d["error"] == err and
           d["video_url"] is None, "%r" % d)
    vid = f.json("POST", "/v2/video/generate", {})["data"]["video_id"]
    d = f.json("GET", "/v1/video_status.get?video_id=" + vid)["data"]
    expect(d["status"] == "pending", "second video: %r" % d)
    f.scenario([{"render": {"polls": 1, "outcome": "failed",
                            "error": err}}])
    vid = f.json("POST", "/v3/videos", {})["data"]["video_id"]
    got = polls(f, "/v3/videos/" + vid, 2)
    expect(got[0]["status"] == "waiting" and got[1]["status"] == "failed"
           and got[1]["failure_code"] == "bad_script" and
           got[1]["failure_message"] == "script too long", "%r" % got)
    f.scenario([{"render": {"outcome": "failed"}}])
    tid = f.json("POST", "/v2/video_translate", {})["data"][
        "video_translate_id"]
    got = polls(f, "/v1/video_translate/" + tid, 3)[2]
    expect(got["status"] == "failed" and got["message"], "%r" % got)


def case_render_times(f):
    f.scenario([{"render": {"polls": 1}, "times": 2}])
    ids = [f.json("POST", "/v2/video/generate", {})["data"]["video_id"]
           for _ in range(3)]
    got = [[d["status"] for d in
            polls(f, "/v1/video_status.get?video_id=" + i, 2)]
           for i in ids]
    expect(got == [["pending", "completed"]] * 2 +
           [["pending", "processing"]], "%r" % got)


def case_scenario_invalid(f):
    f.scenario([{"path": "/v1/video_generate.quota", "status": 500}])
    for bad in (b"{", b"{}", b'[{"status": 500, "drop": true}]',
                b'[{"bogus": 1, "status": 500}]', b'[{"status": 99}]',
                b'[{"drop": false}]', b'[{"delay": "1s"}]',
                b'[{"status": 500, "times": -2}]',
                b'[{"render": {"outcome": "maybe"}}]',
                b'[{"path": "/a", "path_prefix": "/b", "drop": true}]'):
        got, _, data = f.request("POST", "/__fake/scenario", bad, key=None)
        expect(got == 400 and json.loads(data)["error"]["message"],
               "%r: %d" % (bad, got))
    got = f.request("GET", "/v1/video_generate.quota")[0]
    expect(got == 500, "a refused scenario replaced the old one")


def case_concurrent(f):
    f.scenario([])
    ids, errors = [], []

    def create():
        try:
            ids.append(f.json("POST", "/v2/video/generate", {})["data"][
                "video_id"])
        except Exception as e:  # reported below, in the main thread
            errors.append(repr(e))
    threads = [threading.Thread(target=create) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT_S * 2)
    expect(not errors, errors[:1])
    nums = sorted(int(i.split("_")[1]) for i in ids)
    expect(len(set(nums)) == 20 and nums[-1] - nums[0] == 19, "%r" % nums)


def case_log(f):
    entries = f.log_entries()
    with open(f.log) as fh:
        lines = [json.loads(line) for line in fh]
    expect(lines == entries, "file and /__fake/log differ")
    expect([e["seq"] for e in entries] == list(range(1, len(entries) + 1)),
           "seq")
    keys = {"seq", "method", "path", "query", "auth", "content_type",
            "body_bytes", "body", "status"}
    expect(all(set(e) == keys for e in entries), "fields")
    expect(not any(e["path"].startswith("/__fake/") for e in entries),
           "control requests logged")


# Cases against the second server: --key, --latency, --scenario.

def case_b_scenario_file(f):
    got = [f.request("GET", "/v1/video_generate.quota", key=OTHER_KEY)[0]
           for _ in range(2)]
    expect(got == [418, 200], "%r" % got)


def case_b_key(f):
    f.json("GET", "/v1/video_generate.quota", status=401, key=KEY)
    f.json("GET", "/v1/video_generate.quota", key=OTHER_KEY)
    f.json("GET", "/v3/videos/vid_1", status=404, key=OTHER_KEY, bearer=True)


def case_b_latency(f):
    t = time.monotonic()
    f.json("GET", "/v1/video_generate.quota", key=OTHER_KEY)
    took = time.monotonic() - t
    expect(took >= 0.3, "took %.2f s" % took)


CASES_A = [case_port_file, case_health, case_auth_missing, case_auth_bad,
           case_auth_header_case, case_auth_bearer_only_v3, case_create_v1,
           case_create_v3, case_bad_json, case_status_v1,
           case_status_v1_translate, case_status_v3,
           case_status_v3_translation, case_status_v3_agent,
           case_unknown_ids, case_download, case_head, case_upload_v1,
           case_upload_v3_raw, case_upload_v3_multipart, case_quota,
           case_catalogue, case_unknown_endpoint, case_expect_continue,
           case_chunked, case_fault_status, case_fault_default_body,
           case_fault_skip, case_fault_always_prefix, case_fault_method,
           case_fault_order, case_fault_drop, case_fault_drop_after_headers,
           case_fault_delay, case_fault_malformed, case_fault_files_404,
           case_render_failed, case_render_times, case_scenario_invalid,
           case_concurrent, case_log]
CASES_B = [case_b_scenario_file, case_b_key, case_b_latency]


class Report:
    def __init__(self):
        self.failed = 0

    def result(self, name, why=None):
        if why is None:
            print("ok " + name)
        else:
            self.failed += 1
            print("not ok %s: %s" % (name, why))
        sys.stdout.flush()

    def run(self, name, fn, *args):
        try:
            fn(*args)
            self.result(name)
        except Exception as e:  # any failure of a case is its result
            self.result(name, "%s: %s" % (type(e).__name__, e))


def run_server(rep, tmp, name, cases, sig, *args):
    f = Fake(tmp, name, *args)
    if f.port is None:
        f.stop()
        rep.result(name + "-start", "no port file within %d s: %r"
                   % (START_S, f.files_text()[-300:]))
        return
    rep.result(name + "-start")
    for case in cases:
        rep.run(case.__name__[len("case_"):], case, f)
    rc = f.stop(sig)
    rep.result(name + "-stop", None if rc == 0 else "exit %r" % rc)
    rep.run(name + "-key-nowhere", case_key_nowhere, f)
    rep.run(name + "-quiet", case_quiet, f)


def case_key_nowhere(f):
    for key in (KEY, OTHER_KEY):
        expect(key.encode() not in f.files_text(), "the key was written")


def case_quiet(f):
    for name in ("stdout", "stderr"):
        with open(os.path.join(f.dir, name), "rb") as fh:
            text = fh.read()
        expect(not text, "%s: %r" % (name, text[:300]))


def case_bad_scenario_file(tmp):
    path = os.path.join(tmp, "bad.json")
    with open(path, "w") as fh:
        fh.write('[{"status": 500, "drop": true}]')
    f = Fake(tmp, "c", "--scenario", path)
    rc = f.stop()
    expect(f.port is None, "started with a bad scenario")
    expect(rc == 2, "exit %r" % rc)
    expect(b"rule 1" in f.files_text(), "no message: %r" % f.files_text())


def main():
    rep = Report()
    with tempfile.TemporaryDirectory() as tmp:
        run_server(rep, tmp, "a", CASES_A, signal.SIGTERM)
        scen = os.path.join(tmp, "scenario.json")
        with open(scen, "w") as fh:
            json.dump([{"method": "GET", "path": "/v1/video_generate.quota",
                        "status": 418}], fh)
        run_server(rep, tmp, "b", CASES_B, signal.SIGINT, "--key",
                   OTHER_KEY, "--latency", "0.3", "--scenario", scen)
        rep.run("bad-scenario-file", case_bad_scenario_file, tmp)
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
