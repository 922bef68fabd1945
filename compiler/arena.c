// SPDX-License-Identifier: MIT
// arena.c: bump allocation for one compilation, released all at once.
//
// Every node, string and IR struct of a compilation comes from an arena,
// zeroed, and is freed by one arena_free(). The first block is a malloc'd
// chunk; an arena that outgrows it takes blocks of one transparent huge
// page (see huge_block); a request larger than a chunk gets a block of its
// own.
// arena_reset() empties an arena but keeps its chunks for the next
// compilation (a batch row), so a batch does not go back to malloc, and
// stir up the heap, on every row. Allocation failure aborts: there is no
// sensible way to go on.
#define _DEFAULT_SOURCE // madvise
#include "hgc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA_CHUNK (64 * 1024)
#define ARENA_HUGE (2 << 20) // x86-64's and arm64's huge page
#define ARENA_ALIGN 8 // pointers, size_t and double: nothing here needs more

typedef struct Block {
  struct Block *next;
  size_t used;  // bytes handed out from data
  size_t size;  // bytes in data
  size_t ready; // bytes of data faulted in
  bool huge;    // mapped by huge_block, not malloc'd
  _Alignas(ARENA_ALIGN) unsigned char data[];
} Block;

struct Arena {
  Block *head;  // the block being filled (one-off blocks behind it)
  Block *spare; // emptied chunks, for arena_calloc to take first
};

_Noreturn void out_of_memory(void) {
  fputs("hgc: out of memory\n", stderr);
  abort();
}

static void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p)
    out_of_memory();
  return p;
}

bool prefault(void *p, size_t n) {
#ifdef MADV_POPULATE_WRITE
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  // Rounded out: a page holding any byte of an allocation is mapped.
  uintptr_t lo = (uintptr_t)p & ~(page - 1);
  uintptr_t hi = ((uintptr_t)p + n + page - 1) & ~(page - 1);
  return madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) == 0;
#else
  (void)p, (void)n;
  return false;
#endif
}

void *grow_array(void *p, int *cap, int n, size_t size) {
  if (n < *cap)
    return p;
  *cap = *cap ? 2 * *cap : 16;
  if (!(p = realloc(p, size * (size_t)*cap)))
    out_of_memory();
  return p;
}

Arena *arena_new(void) {
  Arena *a = xmalloc(sizeof *a);
  a->head = NULL;
  a->spare = NULL;
  return a;
}

static void free_block(Block *b) {
  if (b->huge)
    munmap(b, ARENA_HUGE);
  else
    free(b);
}

static void free_blocks(Block *b) {
  for (Block *next; b; b = next) {
    next = b->next;
    free_block(b);
  }
}

void arena_free(Arena *a) {
  if (!a)
    return;
  free_blocks(a->head);
  free_blocks(a->spare);
  free(a);
}

void arena_reset(Arena *a) {
  for (Block *b = a->head, *next; b; b = next) {
    next = b->next;
    if (b->size == ARENA_CHUNK || b->huge) {
      b->next = a->spare;
      a->spare = b;
    } else {
      free_block(b);
    }
  }
  a->head = NULL;
}

// A block of one huge page, aligned to it, or NULL. On this kind of
// machine a page faulted in costs 4 to 13 us (a virtual machine's more),
// and an include tree fills hundreds: the kernel gives a huge page, where
// it has them, at one fault, for the cost of about 25 small ones. Faulted
// in a chunk at a time (fault_in), so that without huge pages a block
// costs only the pages it fills.
static Block *huge_block(void) {
  char *p = mmap(NULL, 2 * ARENA_HUGE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  char *at =
      (char *)(((uintptr_t)p + ARENA_HUGE - 1) & ~(uintptr_t)(ARENA_HUGE - 1));
  if (at > p)
    munmap(p, (size_t)(at - p));
  munmap(at + ARENA_HUGE, ARENA_HUGE - (size_t)(at - p));
#ifdef MADV_HUGEPAGE
  madvise(at, ARENA_HUGE, MADV_HUGEPAGE);
#endif
  Block *b = (Block *)at;
  b->size = ARENA_HUGE - sizeof *b;
  b->ready = 0;
  b->huge = true;
  return b;
}

// Faults in the next chunk of a block, or all of it when the first chunk's
// fault brought in a huge page. Asked once, after that first chunk: where
// the kernel gave none then, asking again at every chunk would only add a
// system call.
static void fault_in(Block *b) {
  bool first = b->ready == 0;
  size_t step =
      b->size - b->ready < ARENA_CHUNK ? b->size - b->ready : ARENA_CHUNK;
  prefault(b->data + b->ready, step);
  b->ready += step;
  if (!first || !b->huge || b->ready == b->size)
    return;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  unsigned char last;
  if (mincore((char *)b + ARENA_HUGE - page, page, &last) == 0 && (last & 1))
    b->ready = b->size;
}

static Block *new_block(Arena *a, size_t size) {
  if (size <= ARENA_CHUNK && a->spare) {
    Block *b = a->spare;
    a->spare = b->next;
    return b;
  }
  Block *b = size <= ARENA_CHUNK && a->head ? huge_block() : NULL;
  if (b)
    return b;
  size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
  b = xmalloc(sizeof *b + cap);
  b->size = cap;
  b->huge = false;
  prefault(b->data, cap); // chunks fill in turn: all but the last whole
  b->ready = cap;
  return b;
}

// n rounded up to a multiple of ARENA_ALIGN.
static size_t aligned(size_t n) {
  return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

// size bytes, not zeroed: for what is written whole at once (strings).
void *arena_alloc(Arena *a, size_t size) {
  size = aligned(size);
  Block *b = a->head;
  if (!b || b->size - b->used < size) {
    b = new_block(a, size);
    size_t cap = b->size;
    b->used = 0;
    // A big one-off block goes behind the current one, which may still
    // have room for small requests.
    if (a->head && !b->huge && cap > ARENA_CHUNK) {
      b->next = a->head->next;
      a->head->next = b;
    } else {
      b->next = a->head;
      a->head = b;
    }
  }
  while (b->ready - b->used < size)
    fault_in(b);
  void *p = b->data + b->used;
  b->used += size;
  return p;
}

void *arena_resize(Arena *a, void *p, size_t old, size_t size) {
  old = aligned(old);
  size_t want = aligned(size);
  Block *b = a->head;
  if (b && (unsigned char *)p + old == b->data + b->used &&
      b->size - (b->used - old) >= want) {
    b->used = b->used - old + want;
    while (b->ready < b->used)
      fault_in(b);
    return p;
  }
  if (want <= old)
    return p;
  return memcpy(arena_alloc(a, size), p, old);
}

void *arena_calloc(Arena *a, size_t size) {
  return memset(arena_alloc(a, size), 0, size);
}

void *arena_grow(Arena *a, void *items, int n, int *cap, size_t size) {
  if (n < *cap)
    return items;
  int want = n < 4 ? 4 : n * 2;
  void *p = arena_calloc(a, size * (size_t)want);
  if (n)
    memcpy(p, items, size * (size_t)n);
  *cap = want;
  return p;
}

// The NUL and the padding after it are zeroed: PCRE2's JIT reads a
// subject a word at a time, past its end.
char *arena_strndup(Arena *a, const char *s, size_t n) {
  size_t size = aligned(n + 1);
  char *p = arena_alloc(a, size);
  memcpy(p, s, n);
  memset(p + n, 0, size - n);
  return p;
}

char *arena_strdup(Arena *a, const char *s) {
  return arena_strndup(a, s, strlen(s));
}

char *arena_printf(Arena *a, const char *fmt, ...) {
  // Most texts are short: one vsnprintf into `small` rather than one to
  // measure and one to write.
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    unreachable();
  if ((size_t)n < sizeof small)
    return arena_strndup(a, small, (size_t)n);
  char *p = arena_calloc(a, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

//
// jansson's allocator
//
// A small block is a header holding its size class, then the payload;
// freed, it goes on its class's list for the next value of that size, at
// a few instructions where malloc and free cost a hundred. Bigger ones
// (long strings) go to malloc, class 0. The pool's chunks are kept for
// the run, on a list so that they stay reachable.
#ifdef HGC_ASAN
void json_pool_install(void) {}
#else
#define POOL_STEP 16 // payload sizes of one class differ by this
#define POOL_CLASSES 16
#define POOL_CHUNK (64 * 1024)

typedef struct PoolChunk {
  struct PoolChunk *next;
  _Alignas(8) unsigned char data[];
} PoolChunk;

static struct {
  size_t *free[POOL_CLASSES + 1]; // a free block's payload holds the next
  PoolChunk *chunks;
  size_t left; // bytes not yet handed out in chunks->data
} pool;

static void *pool_alloc(size_t size) {
  size_t cls = (size + POOL_STEP - 1) / POOL_STEP;
  size_t *h;
  if (cls == 0 || cls > POOL_CLASSES) {
    if (!(h = malloc(sizeof *h + size)))
      return NULL;
    *h = 0;
    return h + 1;
  }
  if ((h = pool.free[cls])) {
    memcpy(&pool.free[cls], h + 1, sizeof pool.free[cls]);
    return h + 1;
  }
  size_t need = sizeof *h + cls * POOL_STEP;
  if (pool.left < need) {
    PoolChunk *c = malloc(sizeof *c + POOL_CHUNK);
    if (!c)
      return NULL;
    c->next = pool.chunks;
    pool.chunks = c;
    pool.left = POOL_CHUNK;
  }
  h = (size_t *)(pool.chunks->data + POOL_CHUNK - pool.left);
  pool.left -= need;
  *h = cls;
  return h + 1;
}

static void pool_release(void *p) {
  if (!p)
    return;
  size_t *h = (size_t *)p - 1;
  if (*h == 0) {
    free(h);
    return;
  }
  memcpy(p, &pool.free[*h], sizeof pool.free[*h]);
  pool.free[*h] = h;
}

void json_pool_install(void) { json_set_alloc_funcs(pool_alloc, pool_release); }
#endif
