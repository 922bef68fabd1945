// SPDX-License-Identifier: MIT
// arena.c: bump allocation for one compilation, released all at once.
//
// Every node, string and IR struct of a compilation comes from an arena,
// zeroed, and is freed by one arena_free(). Blocks are malloc'd in
// growing chunks; a request larger than a chunk gets a block of its own.
// Allocation failure aborts: there is no sensible way to go on.
#include "hgc.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (64 * 1024)
#define ARENA_ALIGN 16

typedef struct Block {
  struct Block *next;
  size_t used; // bytes handed out from data
  size_t size; // bytes in data
  _Alignas(ARENA_ALIGN) unsigned char data[];
} Block;

struct Arena {
  Block *head;
};

static void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) {
    fputs("hgc: out of memory\n", stderr);
    abort();
  }
  return p;
}

Arena *arena_new(void) {
  Arena *a = xmalloc(sizeof *a);
  a->head = NULL;
  return a;
}

void arena_free(Arena *a) {
  if (!a)
    return;
  for (Block *b = a->head, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  free(a);
}

void *arena_calloc(Arena *a, size_t size) {
  size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  Block *b = a->head;
  if (!b || b->size - b->used < size) {
    size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
    b = xmalloc(sizeof *b + cap);
    b->used = 0;
    b->size = cap;
    // A big one-off block goes behind the current one, which may still
    // have room for small requests.
    if (a->head && cap > ARENA_CHUNK) {
      b->next = a->head->next;
      a->head->next = b;
    } else {
      b->next = a->head;
      a->head = b;
    }
  }
  void *p = b->data + b->used;
  b->used += size;
  memset(p, 0, size);
  return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *p = arena_calloc(a, n + 1);
  memcpy(p, s, n);
  return p;
}

char *arena_strdup(Arena *a, const char *s) {
  return arena_strndup(a, s, strlen(s));
}

char *arena_printf(Arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    unreachable();
  char *p = arena_calloc(a, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}
