// SPDX-License-Identifier: MIT
// rt_submit.c: from an artifact to a submitted video, paid for at most
// once.
//
// VS_SUBMIT runs in steps, each one resumable:
//   0      the request's key is looked up in the state file; an entry is
//          adopted (or reported, when its outcome is unknown) and nothing
//          is sent (--resubmit sends unknown and failed entries again);
//   1..N   each asset not in the state's asset cache is uploaded, with
//          no two uploads of one file at a time, and its id written at
//          its JSON pointer in a copy of the body;
//   N+1    the claim: under the state lock, the key is checked again and
//          "submitting" is saved before the POST is sent. The lock is
//          held until the POST's outcome is saved, so another hgc that
//          finds "submitting" knows its writer died mid-POST: an unknown
//          outcome, never sent again without --resubmit.
// The POST's outcome is saved as "submitted" (with the id), "unknown"
// (it may have created a video), or the entry is removed when the request
// surely created nothing (an HTTP 4xx, or no connection).
#include "hgc_rt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RT_MAX_ASSET_BYTES ((size_t)256 << 20) // one uploaded file
#define RT_UPLOAD_WAIT_MS 50 // recheck while another video uploads a file

const char *rt_answer_str(const json_t *answer, const char *field) {
  const json_t *v = json_object_get(json_object_get(answer, "data"), field);
  if (json_is_array(v))
    v = json_array_get(v, 0);
  const char *s = json_string_value(v);
  return s && *s ? s : NULL;
}

json_t *rt_pointer_get(json_t *root, const char *pointer) {
  if (*pointer == '\0')
    return root;
  if (*pointer != '/')
    return NULL;
  json_t *cur = root;
  const char *p = pointer + 1;
  for (;;) {
    size_t n = strcspn(p, "/");
    char token[256];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) { // ~1 is '/', ~0 is '~'
      if (len + 1 >= sizeof token)
        return NULL;
      if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1'))
        token[len++] = p[++i] == '0' ? '~' : '/';
      else if (p[i] == '~')
        return NULL;
      else
        token[len++] = p[i];
    }
    token[len] = '\0';
    if (json_is_object(cur)) {
      cur = json_object_get(cur, token);
    } else if (json_is_array(cur)) {
      char *end;
      unsigned long i = strtoul(token, &end, 10);
      bool digits = len > 0 && *end == '\0' && token[0] >= '0' &&
                    token[0] <= '9' && (token[0] != '0' || len == 1);
      cur = digits ? json_array_get(cur, i) : NULL;
    } else {
      cur = NULL;
    }
    if (!cur || p[n] == '\0')
      return cur;
    p += n + 1;
  }
}

unsigned char *rt_asset_read(RtJob *j, const json_t *asset, size_t *len,
                             const char **why) {
  const char *rel = json_string_value(json_object_get(asset, "path"));
  const char *sha = json_string_value(json_object_get(asset, "sha256"));
  const char *path = arena_printf(j->arena, "%s/%s", j->root, rel);
  FILE *f = fopen(path, "rb");
  struct stat st;
  if (!f || fstat(fileno(f), &st) != 0) {
    *why = arena_printf(j->arena, "cannot read asset '%s': %s", rel,
                        strerror(errno));
    if (f)
      fclose(f);
    return NULL;
  }
  if ((size_t)st.st_size > RT_MAX_ASSET_BYTES) {
    fclose(f);
    *why = arena_printf(j->arena, "asset '%s' is larger than %zu MiB", rel,
                        RT_MAX_ASSET_BYTES >> 20);
    return NULL;
  }
  unsigned char *data = malloc((size_t)st.st_size + 1);
  if (!data)
    out_of_memory();
  *len = fread(data, 1, (size_t)st.st_size, f);
  bool short_read = *len != (size_t)st.st_size || ferror(f);
  fclose(f);
  char hex[65];
  asset_sha256(data, *len, hex);
  if (short_read || strcmp(hex, sha) != 0) {
    free(data);
    *why = arena_printf(j->arena,
                        "asset '%s' changed since the artifact was built "
                        "(its sha256 differs); build it again",
                        rel);
    return NULL;
  }
  return data;
}

static bool needs_post(const json_t *entry, bool resubmit) {
  if (!entry)
    return true;
  const char *st = json_string_value(json_object_get(entry, "status"));
  return resubmit && st &&
         (strcmp(st, "unknown") == 0 || strcmp(st, "submitting") == 0 ||
          strcmp(st, "failed") == 0);
}

// Adopts the state entry for v's key, when there is one that must not
// be sent again; true when v has moved on.
static bool adopt_existing(RtVideo *v) {
  RtJob *j = v->job;
  if (!rt_lock(v))
    return true;
  json_t *e = rt_state_video(j->state, v->key);
  json_t *copy = needs_post(e, j->resubmit) ? NULL : json_deep_copy(e);
  rt_unlock(v);
  if (copy)
    rt_resume(v, copy);
  json_decref(copy);
  return copy != NULL;
}

static const char *asset_field(const json_t *asset, const char *name) {
  return json_string_value(json_object_get(asset, name));
}

static void put_asset_id(RtVideo *v, const json_t *asset, const char *id) {
  json_string_set(rt_pointer_get(v->send, asset_field(asset, "pointer")), id);
  v->step++;
  v->wake_at = 0;
}

static void upload_done(RtRequest *r) {
  RtVideo *v = r->user;
  RtJob *j = v->job;
  v->busy = false;
  json_object_del(j->uploading, v->uploading);
  v->uploading = NULL;
  free(v->payload);
  v->payload = NULL;
  json_t *asset =
      json_array_get(json_object_get(v->artifact, "assets"), v->step - 1);
  const char *rel = asset_field(asset, "path");
  if (r->outcome != RT_OK) {
    rt_finish_request(v, arena_printf(j->arena, "upload of '%s'", rel));
    return;
  }
  bool v3 = strcmp(v->ep->api, "v3") == 0;
  const char *id = rt_answer_str(r->json, v3 ? "asset_id" : "id");
  if (!id) {
    rt_finish(v, "error", HGC_EAPI,
              arena_printf(j->arena, "the upload of '%s' answered no %s", rel,
                           v3 ? "data.asset_id" : "data.id"),
              NULL);
    return;
  }
  const char *url = rt_answer_str(r->json, "url");
  if (!rt_lock(v))
    return;
  rt_state_put_asset(
      j->state, asset_field(asset, "sha256"),
      json_pack("{s:s, s:s, s:s?}", "api", v->ep->api, "id", id, "url", url));
  if (!rt_state_save(j->state))
    rt_event(v, "warning", NULL, "the asset id was not saved");
  rt_unlock(v);
  put_asset_id(v, asset, id);
}

// Uploads the asset of the current step, or takes its id from the cache.
static void next_asset(RtVideo *v) {
  RtJob *j = v->job;
  json_t *asset =
      json_array_get(json_object_get(v->artifact, "assets"), v->step - 1);
  const char *sha = asset_field(asset, "sha256");
  if (!rt_lock(v))
    return;
  json_t *cached = rt_state_asset(j->state, sha);
  const char *api = json_string_value(json_object_get(cached, "api"));
  const char *id = json_string_value(json_object_get(cached, "id"));
  // Ids are per API version: a v2 upload is no use to a v3 request.
  id = id && api && strcmp(api, v->ep->api) == 0 ? arena_strdup(j->arena, id)
                                                 : NULL;
  rt_unlock(v);
  if (id) {
    put_asset_id(v, asset, id);
    return;
  }
  const char *busy_key = arena_printf(j->arena, "%s:%s", v->ep->api, sha);
  if (json_object_get(j->uploading, busy_key)) {
    v->wake_at = rt_now_ms() + RT_UPLOAD_WAIT_MS;
    return;
  }
  size_t len;
  const char *why;
  if (!(v->payload = (char *)rt_asset_read(j, asset, &len, &why))) {
    rt_finish(v, "error", HGC_ESPEC, why, NULL);
    return;
  }
  json_object_set_new(j->uploading, busy_key, json_true());
  v->uploading = busy_key;
  const char *rel = asset_field(asset, "path");
  const char *base = strrchr(rel, '/');
  bool v3 = strcmp(v->ep->api, "v3") == 0;
  rt_request_clear(&v->req); // the previous stage's answer
  v->req = (RtRequest){
      .kind = RQ_UPLOAD,
      .method = "POST",
      .url = v3 ? rt_url(j, j->api_base, "/v3/assets", NULL)
                : rt_url(j, j->upload_base, "/v1/asset", NULL),
      .content_type = asset_field(asset, "mime"),
      .body = v->payload,
      .body_len = len,
      .form_name = v3 ? (base ? base + 1 : rel) : NULL,
      .fd = -1,
      .done = upload_done,
      .user = v,
  };
  rt_event(v, "upload", json_pack("{s:s}", "asset", rel), "uploading %s", rel);
  v->busy = true;
  rt_http_start(j->http, &v->req);
}

static void release_claim(RtVideo *v) {
  if (v->holds_lock) {
    v->holds_lock = false;
    rt_unlock(v);
  }
}

static void post_done(RtRequest *r) {
  RtVideo *v = r->user;
  RtJob *j = v->job;
  v->busy = false;
  free(v->payload);
  v->payload = NULL;
  const char *why = r->message;
  if (r->outcome == RT_OK) {
    const char *id = rt_answer_str(r->json, v->ep->id_field);
    if (id) {
      v->status_id = arena_strdup(j->arena, id);
      const char *vid = v->ep->then ? rt_answer_str(r->json, "video_id") : id;
      v->video_id = vid ? arena_strdup(j->arena, vid) : NULL;
      if (!rt_record(v, "submitted"))
        rt_event(v, "warning", NULL, "submitted, but not saved");
      release_claim(v);
      v->since = rt_now_ms();
      rt_event(v, "submitted", json_pack("{s:s}", "video_id", id),
               "submitted as %s", id);
      if (j->cmd == RT_SUBMIT) {
        rt_finish(v, "submitted", HGC_OK, NULL, NULL);
        return;
      }
      v->stage = VS_WAIT;
      v->wake_at = v->since + rt_jitter(j->poll_min_ms);
      v->poll_ms = j->poll_min_ms * 2 > j->poll_max_ms ? j->poll_max_ms
                                                       : j->poll_min_ms * 2;
      return;
    }
    why = arena_printf(j->arena, "the answer has no data.%s", v->ep->id_field);
  }
  if (r->outcome == RT_OK || r->outcome == RT_EUNKNOWN) {
    v->error =
        arena_printf(j->arena, "the outcome of the POST is unknown: %s", why);
    rt_record(v, "unknown");
    release_claim(v);
    rt_finish(v, "unknown", HGC_EAPI, v->error, RT_HINT_UNKNOWN);
    return;
  }
  // Surely no video was made: forget the claim, so a later run sends it.
  rt_state_del_video(j->state, v->key);
  if (!rt_state_save(j->state))
    rt_event(v, "warning", NULL, "the state file was not updated");
  release_claim(v);
  rt_finish_request(v, "generate request");
}

// Step N+1: claims the key and sends the POST, holding the lock.
static void claim_and_post(RtVideo *v) {
  RtJob *j = v->job;
  if (!rt_lock(v))
    return;
  json_t *e = rt_state_video(j->state, v->key);
  if (!needs_post(e, j->resubmit)) { // another hgc got there first
    json_t *copy = json_deep_copy(e);
    rt_unlock(v);
    rt_resume(v, copy);
    json_decref(copy);
    return;
  }
  v->video_id = v->status_id = v->url = v->error = NULL;
  v->size = 0;
  if (!rt_record(v, "submitting")) {
    rt_unlock(v);
    rt_finish(v, "error", HGC_EAPI,
              "cannot record the submission in the state file; nothing "
              "was sent",
              NULL);
    return;
  }
  v->holds_lock = true;
  size_t len;
  v->payload = emit_json(v->send, &len);
  json_decref(v->send);
  v->send = NULL;
  if (!v->payload)
    out_of_memory();
  rt_request_clear(&v->req); // the previous stage's answer
  v->req = (RtRequest){
      .kind = RQ_GENERATE,
      .method = "POST",
      .url = rt_url(j, j->api_base, v->path, NULL),
      .content_type = "application/json",
      .body = v->payload,
      .body_len = len,
      .fd = -1,
      .done = post_done,
      .user = v,
  };
  rt_event(v, "submit", NULL, "submitting");
  v->busy = true;
  rt_http_start(j->http, &v->req);
}

void rt_submit_step(RtVideo *v) {
  size_t nassets = json_array_size(json_object_get(v->artifact, "assets"));
  if (v->step == 0) {
    if (adopt_existing(v))
      return;
    v->send = json_deep_copy(json_object_get(v->artifact, "body"));
    v->step = 1;
    v->wake_at = 0;
  } else if ((size_t)v->step <= nassets) {
    next_asset(v);
  } else {
    claim_and_post(v);
  }
}
