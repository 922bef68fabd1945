// SPDX-License-Identifier: MIT
// rt_state.c: the state file that keeps hgc from paying twice.
//
//   {"hgc_state": 1,
//    "videos": {KEY: {"name", "path", "api", "status", "video_id",
//                     "status_id", "url", "file", "size", "error",
//                     "updated"}},
//    "assets": {SHA256: {"id", "url", "api"}}}
//
// KEY is the sha256 of the canonical request (rt_run.c). The file is only
// read and written under an exclusive flock on the sibling PATH.lock,
// which is never replaced, and is reloaded whenever the lock is taken, so
// two hgc processes see each other's entries. Saves go through a temp
// file in the same directory, fsync, rename and an fsync of the directory:
// after a crash the file is the old one or the new one, never a mix.
// Written in canonical JSON (emit.c), so it diffs well.
#include "hgc_rt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RT_STATE_FORMAT 1
#define RT_MAX_STATE_BYTES (64 << 20) // a state file larger is refused
#define RT_LOCK_RETRY_MS 10           // between tries of a held lock

struct RtState {
  char *path;      // the state file (malloc'd)
  char *lock_path; // PATH.lock (malloc'd)
  int lock_fd;     // -1: no directory, so an empty state never saved
  int depth;       // nested rt_state_lock calls
  json_t *doc;     // loaded by the outermost lock
};

const char *rt_state_path(const RtState *s) { return s->path; }

static char *join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 1;
  char *p = malloc(n);
  if (!p)
    out_of_memory();
  snprintf(p, n, "%s%s", a, b);
  return p;
}

// The directory part of path ("." when there is none), malloc'd.
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return join(".", "");
  if (slash == path)
    return join("/", "");
  char *d = join(path, "");
  d[slash - path] = '\0';
  return d;
}

int rt_mkdirs(const char *dir) {
  char *p = join(dir, "");
  int err = 0;
  for (char *s = p + 1;; s++) {
    if (*s != '/' && *s != '\0')
      continue;
    char c = *s;
    *s = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
      err = errno;
    *s = c;
    if (err || c == '\0')
      break;
  }
  free(p);
  return err;
}

static json_t *empty_doc(void) {
  return json_pack("{s:i, s:{}, s:{}}", "hgc_state", RT_STATE_FORMAT, "videos",
                   "assets");
}

// Reads the file into s->doc; a missing file is an empty state.
static bool load(RtState *s) {
  json_decref(s->doc);
  s->doc = NULL;
  FILE *f = fopen(s->path, "rb");
  if (!f) {
    if (errno != ENOENT) {
      msg_error("cannot read the state file '%s': %s", s->path,
                strerror(errno));
      return false;
    }
    s->doc = empty_doc();
    return true;
  }
  json_error_t je;
  struct stat st;
  bool big = fstat(fileno(f), &st) == 0 && st.st_size > RT_MAX_STATE_BYTES;
  s->doc = big ? NULL : json_loadf(f, JSON_REJECT_DUPLICATES, &je);
  fclose(f);
  const char *why = NULL;
  if (big)
    why = "it is too large";
  else if (!s->doc)
    why = je.text;
  else if (!json_is_object(s->doc) ||
           json_integer_value(json_object_get(s->doc, "hgc_state")) !=
               RT_STATE_FORMAT ||
           !json_is_object(json_object_get(s->doc, "videos")) ||
           !json_is_object(json_object_get(s->doc, "assets")))
    why = "it is not an hgc state file (format 1)";
  if (why) {
    msg_error("the state file '%s' is unusable: %s", s->path, why);
    fputs("hint: restore it (it records what was paid for), or pass "
          "another --state\n",
          stderr);
    json_decref(s->doc);
    s->doc = NULL;
    return false;
  }
  return true;
}

int rt_state_open(const char *path, bool create, long long deadline,
                  RtState **out) {
  RtState *s = calloc(1, sizeof *s);
  if (!s)
    out_of_memory();
  s->path = join(path, "");
  s->lock_path = join(path, ".lock");
  s->lock_fd = -1;
  char *dir = dir_of(path);
  int err = create ? rt_mkdirs(dir) : 0;
  struct stat st;
  if (!err && stat(dir, &st) == 0) {
    s->lock_fd = open(s->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (s->lock_fd < 0)
      err = errno;
  }
  free(dir);
  if (err) {
    msg_error("cannot use the state file '%s': %s", path, strerror(err));
    rt_state_close(s);
    return HGC_EUSAGE;
  }
  // Check it now, before any request, rather than halfway through.
  if (!rt_state_lock(s, deadline)) {
    rt_state_close(s);
    return HGC_EUSAGE;
  }
  rt_state_unlock(s);
  *out = s;
  return HGC_OK;
}

void rt_state_close(RtState *s) {
  if (!s)
    return;
  if (s->lock_fd >= 0)
    close(s->lock_fd); // releases the lock, if still held
  json_decref(s->doc);
  free(s->path);
  free(s->lock_path);
  free(s);
}

bool rt_state_lock(RtState *s, long long deadline) {
  if (s->depth > 0) {
    s->depth++;
    return true;
  }
  if (s->lock_fd >= 0) {
    while (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        msg_error("cannot lock '%s': %s", s->lock_path, strerror(errno));
        return false;
      }
      if (rt_now_ms() >= deadline) {
        msg_error("the state file '%s' stayed locked by another hgc until "
                  "the --timeout budget ran out",
                  s->path);
        return false;
      }
      struct timespec ts = {0, RT_LOCK_RETRY_MS * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  if (!load(s)) {
    if (s->lock_fd >= 0)
      flock(s->lock_fd, LOCK_UN);
    return false;
  }
  s->depth = 1;
  return true;
}

void rt_state_unlock(RtState *s) {
  if (s->depth <= 0)
    unreachable();
  if (--s->depth == 0 && s->lock_fd >= 0)
    flock(s->lock_fd, LOCK_UN);
}

static json_t *section(RtState *s, const char *name) {
  if (s->depth <= 0)
    unreachable();
  return json_object_get(s->doc, name);
}

json_t *rt_state_video(RtState *s, const char *key) {
  return json_object_get(section(s, "videos"), key);
}

void rt_state_put_video(RtState *s, const char *key, json_t *entry) {
  json_object_set_new(section(s, "videos"), key, entry);
}

void rt_state_del_video(RtState *s, const char *key) {
  json_object_del(section(s, "videos"), key);
}

const char *rt_state_find_id(RtState *s, const char *id) {
  const char *key;
  json_t *e;
  json_object_foreach(section(s, "videos"), key, e) {
    const char *a = json_string_value(json_object_get(e, "video_id"));
    const char *b = json_string_value(json_object_get(e, "status_id"));
    if ((a && strcmp(a, id) == 0) || (b && strcmp(b, id) == 0))
      return key;
  }
  return NULL;
}

json_t *rt_state_asset(RtState *s, const char *sha256) {
  return json_object_get(section(s, "assets"), sha256);
}

void rt_state_put_asset(RtState *s, const char *sha256, json_t *entry) {
  json_object_set_new(section(s, "assets"), sha256, entry);
}

bool rt_state_save(RtState *s) {
  if (s->depth <= 0)
    unreachable();
  if (s->lock_fd < 0) {
    msg_error("cannot save the state file '%s': its directory does not "
              "exist",
              s->path);
    return false;
  }
  size_t len;
  char *text = emit_json(s->doc, &len);
  if (!text) {
    msg_error("cannot save the state file '%s': out of memory", s->path);
    return false;
  }
  int err = emit_write_file(s->path, text, len, EMIT_DURABLE | EMIT_PRIVATE);
  free(text);
  if (err) {
    msg_error("cannot save the state file '%s': %s", s->path, strerror(err));
    return false;
  }
  return true;
}
