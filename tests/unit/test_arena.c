// SPDX-License-Identifier: MIT
// test_arena.c: unit tests for arena.c: the arena, and jansson's
// allocator (json_pool_install), linked with the compiler objects except
// main.o.
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int main(void) {
  test_arena();
  test_pool();
  return unit_status();
}
