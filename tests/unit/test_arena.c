// SPDX-License-Identifier: MIT
// test_arena.c: unit tests for arena.c: the arena, and jansson's
// allocator (json_pool_install), linked with the compiler objects except
// main.o.
#define _DEFAULT_SOURCE // mincore, MAP_ANONYMOUS
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// Every size from 1 to 300, zeroed and 8-byte aligned, and the same
// again after arena_reset.
static void test_arena(void) {
  Arena *a = arena_new();
  const char *why = NULL;
  for (int round = 0; round < 2 && !why; round++) {
    for (size_t n = 1; n <= 300 && !why; n++) {
      unsigned char *p = arena_calloc(a, n);
      if ((uintptr_t)p % 8)
        why = unit_fail("%zu bytes at a misaligned address", n);
      for (size_t i = 0; i < n && !why; i++)
        if (p[i])
          why = unit_fail("%zu bytes not zeroed (round %d)", n, round);
      memset(p, 0xAB, n);
    }
    arena_reset(a);
  }
  unit_result("arena-aligned-zeroed", why);
  arena_free(a);
}

// Whether every page holding a byte of [p, p + n) is in memory.
static bool resident(const void *p, size_t n) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(page - 1);
  size_t pages = ((uintptr_t)p + n - lo + page - 1) / page;
  unsigned char vec[64];
  if (pages > sizeof vec || mincore((void *)lo, pages * page, vec) != 0)
    return false;
  for (size_t i = 0; i < pages; i++)
    if (!(vec[i] & 1))
      return false;
  return true;
}

// prefault brings in the pages of its range, and only those. False when
// the kernel does not take the advice.
static bool test_prefault(void) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  char *p = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    unit_result("prefault-range", "mmap failed");
    return false;
  }
  bool took = prefault(p + 100, 3 * page); // pages 0 to 3
  if (!took) {
    printf("skip prefault-range: this kernel does not take "
           "MADV_POPULATE_WRITE\n");
  } else {
    const char *why = NULL;
    if (!resident(p, 4 * page))
      why = "a page of the range is not in memory";
    else if (resident(p + 4 * page, 1) || resident(p + 15 * page, 1))
      why = "a page past the range is in memory";
    unit_result("prefault-range", why);
  }
  munmap(p, 16 * page);
  return took;
}

// An arena that outgrows its first chunk (and takes huge-page blocks):
// 3 MiB in pieces of 1000 bytes, each zeroed, in memory as it is handed
// out (when the kernel populates), and none overlapping another; the
// same again after arena_reset, from the blocks it kept.
static void test_arena_big(bool populates) {
  enum { PIECE = 1000, PIECES = 3 * 1024 * 1024 / PIECE };
  static unsigned char *at[PIECES];
  Arena *a = arena_new();
  const char *why = NULL;
  for (int round = 0; round < 2 && !why; round++) {
    for (int i = 0; i < PIECES && !why; i++) {
      unsigned char *p = at[i] = arena_calloc(a, PIECE);
      if (populates && !resident(p, PIECE))
        why = unit_fail("piece %d is not in memory (round %d)", i, round);
      for (int k = 0; k < PIECE && !why; k++)
        if (p[k])
          why = unit_fail("piece %d not zeroed (round %d)", i, round);
      memset(p, i & 0xFF, PIECE);
    }
    for (int i = 0; i < PIECES && !why; i++)
      for (int k = 0; k < PIECE && !why; k++)
        if (at[i][k] != (i & 0xFF))
          why = unit_fail("piece %d was overwritten (round %d)", i, round);
    arena_reset(a);
  }
  unit_result("arena-big", why);
  arena_free(a);
}

// A big buffer is faulted in ahead of the writer: what was added reads
// back whole, len <= ready <= cap throughout, and the pages up to ready
// are in memory (when the kernel populates). A small one never goes to
// the kernel (ready is cap).
static void test_buf_ahead(bool populates) {
  Buf b;
  buf_init(&b, SIZE_MAX);
  const char *why = buf_reserve(&b, 256 * 1024) ? NULL : "buf_reserve failed";
  size_t total = 0;
  int moves = 0;
  for (size_t i = 0; !why && total < 200 * 1024; i++) {
    char piece[64];
    size_t n = i % sizeof piece;
    memset(piece, 'a' + (int)(i % 26), n);
    size_t ready = b.ready;
    if (!buf_add(&b, piece, n)) {
      why = "buf_add failed";
      break;
    }
    if (b.len != total + n || b.len > b.ready || b.ready > b.cap)
      why = unit_fail("len %zu, ready %zu, cap %zu after %zu bytes", b.len,
                      b.ready, b.cap, total + n);
    if (!why && b.ready != ready) {
      moves++;
      size_t ahead = b.ready - b.len < 60 * 4096 ? b.ready - b.len : 60 * 4096;
      if (populates && !resident(b.data + b.len, ahead))
        why = unit_fail("the pages up to ready (%zu) are not in memory",
                        b.ready);
    }
    total += n;
  }
  for (size_t i = 0, at = 0; !why && at < total; i++) {
    size_t n = i % 64;
    for (size_t k = 0; k < n && !why; k++)
      if (b.data[at + k] != 'a' + (int)(i % 26))
        why = unit_fail("byte %zu differs", at + k);
    at += n;
  }
  if (!why && moves < 3)
    why = unit_fail("ready moved %d times", moves);
  buf_free(&b);
  unit_result("buf-fault-ahead", why);

  buf_init(&b, SIZE_MAX);
  why = buf_addstr(&b, "small") && b.ready == b.cap && b.cap < 16 * 1024
            ? NULL
            : unit_fail("ready %zu, cap %zu", b.ready, b.cap);
  buf_free(&b);
  unit_result("buf-small-ready-is-cap", why);
}

// A request-like value: small objects, short and long strings, numbers.
static json_t *sample(void) {
  json_t *o = json_object();
  char big[1000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  for (int i = 0; i < 40; i++) {
    char key[16];
    snprintf(key, sizeof key, "k%02d", i);
    json_object_set_new(o, key, i % 3 == 0   ? json_string(big + i * 20)
                                : i % 3 == 1 ? json_real(i + 0.5)
                                             : json_pack("{s:i, s:[s]}", "n",
                                                         i, "l", "v"));
  }
  return o;
}

static void test_pool(void) {
  json_t *v = sample();
  size_t want_len;
  char *want = emit_json(v, &want_len);
  json_decref(v);
  json_pool_install();
  json_malloc_t m;
  json_free_t f;
  json_get_alloc_funcs(&m, &f);
#ifdef HGC_ASAN
  unit_result("pool-off-under-asan",
              m == malloc && f == free ? NULL : "the pool was installed");
#else
  unit_result("pool-installed",
              m != malloc && f != free ? NULL : "jansson still uses malloc");
#endif
  // The same text from values the pool holds, twice over (the second
  // time from freed blocks).
  for (int round = 0; round < 2; round++) {
    json_t *again = sample();
    size_t len;
    char *got = emit_json(again, &len);
    unit_result(round ? "pool-same-text-reused" : "pool-same-text",
                got && len == want_len && !memcmp(got, want, len)
                    ? NULL
                    : "the text differs");
    free(got);
    json_decref(again);
  }
  free(want);
  json_t *x = json_real(1.5);
  const char *why = (uintptr_t)x % 8 ? "misaligned" : NULL;
#ifndef HGC_ASAN
  // A freed block is the next of its size handed out.
  void *old = x;
  json_decref(x);
  x = json_real(2.5);
  if (!why && (void *)x != old)
    why = "a freed block was not reused";
#endif
  unit_result("pool-aligned-reuse", why);
  json_decref(x);
}

// arena_resize: the last allocation grows and shrinks in place, and what
// the arena hands out next starts after its new end; any other grows
// into a copy; a buffer past what its block holds moves whole.
static void test_resize(void) {
  Arena *a = arena_new();
  const char *why = NULL;
  char *p = arena_alloc(a, 100);
  memset(p, 'a', 100);
  char *q = arena_resize(a, p, 100, 40);
  char *next = arena_alloc(a, 8);
  if (q != p || next != p + 40)
    why = unit_fail("shrinking the last: %p then %p, from %p", (void *)q,
                    (void *)next, (void *)p);
  char *r = why ? NULL : arena_resize(a, next, 8, 1000);
  if (r && r != next)
    why = "growing the last did not stay in place";
  char *s = why ? NULL : arena_resize(a, p, 40, 200);
  if (s && (s == p || memcmp(s, p, 40) != 0))
    why = "growing one not last did not copy it";
  if (!why && arena_resize(a, p, 40, 10) != p)
    why = "shrinking one not last moved it";
  char *t = why ? NULL : arena_alloc(a, 1000);
  if (t) {
    memset(t, 'b', 1000);
    char *u = arena_resize(a, t, 1000, 3 << 20); // past any block's room
    if (u == t || memcmp(u, t, 1000) != 0)
      why = "growing past the block did not move it with its bytes";
    else
      memset(u, 'c', 3 << 20); // all of it is there to write
  }
  unit_result("arena-resize", why);
  arena_free(a);
}

int main(void) {
  test_arena();
  test_resize();
  bool populates = test_prefault();
  test_arena_big(populates);
  test_buf_ahead(populates);
  test_pool();
  return unit_status();
}
