// SPDX-License-Identifier: MIT
// buf.c: a growable byte buffer with a hard cap, after curl's dynbuf.
//
// Every add is checked: past the cap or out of memory, the buffer frees
// itself and the add returns false, so a caller can never go on with a
// half-built text. buf_take() hands the bytes over to the caller.
#include "hgc.h"

#include <stdlib.h>
#include <string.h>

#define BUF_PREFAULT (16 * 1024)

void buf_init(Buf *b, size_t max) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->ready = 0;
  b->max = max;
}

void buf_free(Buf *b) {
  free(b->data);
  buf_init(b, b->max);
}

// A big buffer's pages are faulted in ahead of the writer, one call for
// as many bytes again as it holds (prefault), rather than a fault per
// page: `ready` is where that part ends, and an add past it comes here.
static void fault_ahead(Buf *b, size_t need) {
  size_t ready = b->cap;
  if (b->cap >= BUF_PREFAULT) {
    size_t ahead = b->len > BUF_PREFAULT ? b->len : BUF_PREFAULT;
    if (need + ahead < ready)
      ready = need + ahead;
    prefault(b->data + b->ready, ready - b->ready);
  }
  b->ready = ready;
}

bool buf_reserve(Buf *b, size_t cap) {
  if (cap <= b->cap)
    return true;
  char *data = realloc(b->data, cap);
  if (!data) {
    buf_free(b);
    return false;
  }
  if (!b->data)
    data[0] = '\0';
  b->data = data;
  b->cap = cap;
  if (b->ready > b->len)
    b->ready = b->len; // what is past len may have moved to fresh pages
  return true;
}

bool buf_grow_add(Buf *b, const void *p, size_t n) {
  if (n > b->max - b->len) {
    buf_free(b);
    return false;
  }
  size_t need = b->len + n + 1;
  if (need > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
      cap *= 2;
    if (!buf_reserve(b, cap))
      return false;
  }
  if (need > b->ready)
    fault_ahead(b, need);
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return true;
}

void buf_truncate(Buf *b, size_t len) {
  if (len < b->len) {
    b->len = len;
    b->data[len] = '\0';
  }
}

bool buf_addstr(Buf *b, const char *s) { return buf_add(b, s, strlen(s)); }

bool buf_addf(Buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    buf_free(b);
    return false;
  }
  if ((size_t)n < sizeof small)
    return buf_add(b, small, (size_t)n);
  char *big = malloc((size_t)n + 1);
  if (!big) {
    buf_free(b);
    return false;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  bool ok = buf_add(b, big, (size_t)n);
  free(big);
  return ok;
}

char *buf_take(Buf *b) {
  char *p = b->data;
  if (!p) {
    p = malloc(1);
    if (p)
      *p = '\0';
  }
  buf_init(b, b->max);
  return p;
}
