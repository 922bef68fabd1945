// SPDX-License-Identifier: MIT
// rt_poll.c: following a submitted video until it is on disk.
//
// Input: a video with a status id (from its POST, the state file or the
// command line) and ENDPOINTS, the one table that says, per generate
// path, which id the POST answers and which status endpoint takes it.
// Output: VS_WAIT polls that endpoint with growing intervals (the
// --poll MIN doubling up to MAX, with jitter) until the API says
// completed or failed; VS_DOWNLOAD writes the video to OUT/.NAME.EXT.XXXXXX
// and renames it to OUT/NAME.EXT, so a file with the final name is always
// whole. A download URL from an earlier run may have expired, so one is
// reused only to check the file already there; anything else asks the
// status endpoint for a fresh URL first.
#include "hgc_rt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const RtEndpoint ENDPOINTS[] = {
    {"/v2/video/generate", "video_id", "/v1/video_status.get?video_id=%s", NULL,
     "v2"},
    {"/v1/video_agent/generate", "video_id", "/v1/video_status.get?video_id=%s",
     NULL, "v2"},
    {"/v1/video.webm", "video_id", "/v1/video_status.get?video_id=%s", NULL,
     "v2"},
    {"/v2/template/*/generate", "video_id", "/v1/video_status.get?video_id=%s",
     NULL, "v2"},
    {"/v2/video_translate", "video_translate_id", "/v1/video_translate/%s",
     NULL, "v2"},
    {"/v3/videos", "video_id", "/v3/videos/%s", NULL, "v3"},
    {"/v3/templates/*", "id", "/v3/videos/%s", NULL, "v3"},
    {"/v3/video-agents", "session_id", "/v3/video-agents/%s", "/v3/videos/%s",
     "v3"},
    {"/v3/video-translations", "video_translation_ids",
     "/v3/video-translations/%s", NULL, "v3"},
};

// '*' in pattern matches one non-empty path segment.
static bool path_matches(const char *pattern, const char *path) {
  while (*pattern && *path) {
    if (*pattern == '*') {
      size_t n = strcspn(path, "/");
      if (n == 0)
        return false;
      path += n;
      pattern++;
    } else if (*pattern++ != *path++) {
      return false;
    }
  }
  return *pattern == '\0' && *path == '\0';
}

const RtEndpoint *rt_endpoint(const char *path) {
  for (size_t i = 0; i < sizeof ENDPOINTS / sizeof ENDPOINTS[0]; i++)
    if (path_matches(ENDPOINTS[i].path, path))
      return &ENDPOINTS[i];
  return NULL;
}

const RtEndpoint *rt_endpoint_default(void) { return &ENDPOINTS[0]; }

//
// Status
//

static bool is_word(const char *w, const char *const *words) {
  for (; *words; words++)
    if (strcmp(w, *words) == 0)
      return true;
  return false;
}

// v1 translations say "success"; everything else says "completed".
static const char *const DONE_WORDS[] = {"completed", "success", NULL};
static const char *const FAILED_WORDS[] = {"failed", "fail", "error", NULL};

// "message (code)" from a string or {message, code} value, or NULL.
static char *describe(Arena *a, const json_t *msg, const json_t *code) {
  if (json_is_object(msg)) {
    code = json_object_get(msg, "code");
    msg = json_object_get(msg, "message");
  }
  const char *m = json_string_value(msg);
  const char *c = json_string_value(code);
  if (m && *m && c && *c)
    return arena_printf(a, "%s (%s)", m, c);
  if (m && *m)
    return arena_strdup(a, m);
  return c && *c ? arena_strdup(a, c) : NULL;
}

// Why the API says the render failed: v1 "error" (a string or an object),
// v3 "failure_message" and "failure_code", v1 translations "message".
static const char *failure(RtJob *j, const json_t *data) {
  char *s = describe(j->arena, json_object_get(data, "error"), NULL);
  if (!s)
    s = describe(j->arena, json_object_get(data, "failure_message"),
                 json_object_get(data, "failure_code"));
  if (!s)
    s = describe(j->arena, json_object_get(data, "message"), NULL);
  if (!s)
    return "the render failed (the API gave no reason)";
  rt_http_scrub(j->http, s);
  return s;
}

static const char *elapsed(Arena *a, long long ms) {
  long s = (long)(ms / 1000);
  return s >= 60 ? arena_printf(a, "%ldm%02lds", s / 60, s % 60)
                 : arena_printf(a, "%lds", s);
}

static void poll_done(RtRequest *r) {
  RtVideo *v = r->user;
  RtJob *j = v->job;
  v->busy = false;
  if (r->outcome == RT_EHTTP && r->status == 404) {
    rt_finish(v, "error", HGC_EAPI,
              arena_printf(j->arena, "the API does not know '%s': %s",
                           v->status_id, r->message),
              NULL);
    return;
  }
  if (r->outcome != RT_OK) {
    rt_finish_request(v, "status request");
    return;
  }
  json_t *data = json_object_get(r->json, "data");
  const char *word = json_string_value(json_object_get(data, "status"));
  if (!word) {
    rt_finish(v, "error", HGC_EAPI, "the status answer has no data.status",
              NULL);
    return;
  }
  word = arena_strdup(j->arena, word);
  if (v->ep->then && !v->video_id && !is_word(word, FAILED_WORDS)) {
    // A v3 agent session: once it names its video, follow the video.
    const char *vid = json_string_value(json_object_get(data, "video_id"));
    if (vid) {
      v->video_id = arena_strdup(j->arena, vid);
      if (j->cmd != RT_STATUS) {
        rt_record(v, "submitted");
        v->wake_at = 0;
        return;
      }
    }
  }
  if (is_word(word, DONE_WORDS)) {
    const char *url = json_string_value(json_object_get(data, "video_url"));
    if (!url)
      url = json_string_value(json_object_get(data, "url"));
    if (!url) {
      rt_finish(v, "error", HGC_EAPI,
                "the video is completed but the answer has no video_url", NULL);
      return;
    }
    v->url = arena_strdup(j->arena, url);
    v->fresh_url = true;
    if (j->cmd == RT_STATUS || j->cmd == RT_WAIT) {
      if (j->cmd == RT_WAIT)
        rt_record(v, "completed");
      rt_finish(v, "completed", HGC_OK, NULL, NULL);
      return;
    }
    rt_record(v, "completed");
    v->stage = VS_DOWNLOAD;
    v->wake_at = 0;
    return;
  }
  if (is_word(word, FAILED_WORDS)) {
    v->error = failure(j, data);
    if (j->cmd != RT_STATUS)
      rt_record(v, "failed");
    rt_finish(v, "failed", HGC_ERENDER, v->error, NULL);
    return;
  }
  if (j->cmd == RT_STATUS) {
    rt_finish(v, word, HGC_OK, NULL, NULL);
    return;
  }
  if (!v->word || strcmp(v->word, word) != 0)
    rt_event(v, "status",
             json_pack("{s:s?, s:s}", "video_id",
                       v->video_id ? v->video_id : v->status_id, "status",
                       word),
             "rendering: %s", word);
  v->word = word;
  v->wake_at = rt_now_ms() + rt_jitter(v->poll_ms);
  v->poll_ms =
      v->poll_ms * 2 > j->poll_max_ms ? j->poll_max_ms : v->poll_ms * 2;
}

void rt_poll_step(RtVideo *v) {
  RtJob *j = v->job;
  bool then = v->ep->then && v->video_id;
  rt_request_clear(&v->req); // the previous stage's answer
  v->req = (RtRequest){
      .kind = RQ_API,
      .method = "GET",
      .url = rt_url(j, j->api_base, then ? v->ep->then : v->ep->status,
                    then ? v->video_id : v->status_id),
      .fd = -1,
      .done = poll_done,
      .user = v,
  };
  if (!v->word)
    snprintf(v->live, sizeof v->live, "checking %s",
             v->video_id ? v->video_id : v->status_id);
  v->busy = true;
  rt_http_start(j->http, &v->req);
}

// What the live line shows while v waits (rt_run.c draws it).
const char *rt_poll_live(RtVideo *v) {
  if (v->stage == VS_DOWNLOAD && v->busy)
    return arena_printf(v->job->arena, "downloading: %lld KiB",
                        v->req.bytes / 1024);
  if (v->stage == VS_WAIT && v->word)
    return arena_printf(v->job->arena, "rendering: %s (%s)", v->word,
                        elapsed(v->job->arena, rt_now_ms() - v->since));
  return v->live;
}

//
// Download
//

// OUT/NAME.EXT; the extension from the request, else from the URL.
static const char *target(RtVideo *v) {
  RtJob *j = v->job;
  const char *ext = v->ext;
  if (!ext) {
    size_t n = v->url ? strcspn(v->url, "?#") : 0;
    ext = n > 5 && strncmp(v->url + n - 5, ".webm", 5) == 0 ? "webm" : "mp4";
  }
  size_t n = strlen(j->out_dir);
  bool slash = n > 0 && j->out_dir[n - 1] == '/';
  return arena_printf(j->arena, "%s%s%s.%s", j->out_dir, slash ? "" : "/",
                      v->name, ext);
}

static void drop_temp(RtVideo *v) {
  if (v->fd >= 0)
    close(v->fd);
  v->fd = -1;
  if (v->tmp_path)
    unlink(v->tmp_path);
  free(v->tmp_path);
  v->tmp_path = NULL;
}

static void download_done(RtRequest *r) {
  RtVideo *v = r->user;
  RtJob *j = v->job;
  v->busy = false;
  if (r->outcome != RT_OK) {
    drop_temp(v);
    rt_finish_request(v, "download");
    return;
  }
  const char *file = target(v);
  struct stat st;
  mode_t mask = umask(022); // read it back: hgc runs one thread
  umask(mask);
  int err = 0;
  if (fstat(v->fd, &st) != 0 || fchmod(v->fd, 0666 & ~mask) != 0)
    err = errno;
  if (close(v->fd) != 0 && !err)
    err = errno;
  v->fd = -1;
  if (!err && rename(v->tmp_path, file) != 0)
    err = errno;
  if (err) {
    drop_temp(v);
    rt_finish(
        v, "error", HGC_EAPI,
        arena_printf(j->arena, "cannot write '%s': %s", file, strerror(err)),
        NULL);
    return;
  }
  free(v->tmp_path);
  v->tmp_path = NULL;
  v->file = file;
  v->size = (long long)st.st_size;
  rt_record(v, "completed");
  rt_finish(v, "completed", HGC_OK, NULL, NULL);
}

void rt_download_step(RtVideo *v) {
  RtJob *j = v->job;
  const char *file = target(v);
  if (!v->fresh_url) {
    struct stat st;
    if (v->size > 0 && stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
        (long long)st.st_size == v->size) {
      v->file = file;
      rt_finish(v, "completed", HGC_OK, NULL, NULL);
      return;
    }
    v->stage = VS_WAIT; // for a fresh URL
    v->wake_at = 0;
    return;
  }
  int err = rt_mkdirs(j->out_dir);
  if (!err) {
    v->tmp_path = malloc(strlen(file) + 16);
    if (!v->tmp_path)
      out_of_memory();
    const char *slash = strrchr(file, '/');
    size_t dirlen = slash ? (size_t)(slash - file) + 1 : 0;
    sprintf(v->tmp_path, "%.*s.%s.XXXXXX", (int)dirlen, file, file + dirlen);
    if ((v->fd = mkstemp(v->tmp_path)) < 0) {
      err = errno;
      free(v->tmp_path);
      v->tmp_path = NULL;
    }
  }
  if (err) {
    rt_finish(v, "error", HGC_EAPI,
              arena_printf(j->arena, "cannot write into '%s': %s", j->out_dir,
                           strerror(err)),
              NULL);
    return;
  }
  rt_request_clear(&v->req); // the previous stage's answer
  v->req = (RtRequest){
      .kind = RQ_DOWNLOAD,
      .method = "GET",
      .url = v->url,
      .fd = v->fd,
      .done = download_done,
      .user = v,
  };
  rt_event(v, "download", json_pack("{s:s}", "file", file), "downloading");
  v->busy = true;
  rt_http_start(j->http, &v->req);
}

void rt_poll_cleanup(RtVideo *v) { drop_temp(v); }
