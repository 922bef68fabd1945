# hgc: the HeyGen spec compiler. `make` builds ./hgc; see README.md.
#
#   make run      install what is missing, build, compile an example
#   make check    install what is missing, build, run every test
#   make asan     the whole suite under AddressSanitizer + UBSan (clang)
#   make valgrind the whole suite under valgrind's memcheck
#   make check-all  check, asan and valgrind in turn; stops at a failure
#   make fuzz     each libFuzzer harness for FUZZ_SECONDS (default 60)
#   make examples rebuild the committed example output
#   make schemas  rewrite specs/hgc-spec.schema.json from `hgc schema`
#   make demo     `hgc run` on an example against the fake HeyGen server
#   make bench    time hgc against a floor, Python and jsonnet (bench/)
#   make generated  rewrite the man pages and completions (tools/generated.sh)
#   make install  install hgc, man pages, completions (PREFIX, DESTDIR)
#   make uninstall  remove exactly what make install installed
PKGS   := yaml-0.1 jansson libpcre2-8
CC     ?= cc
CFLAGS ?= -O2 -g
WARN   := -std=c11 -Wall -Wextra -Werror -D_XOPEN_SOURCE=700
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# PCRE2 is compiled against but not linked: script.c loads it the first
# time a tag needs its patterns, which a valid spec's never do. libyaml
# and jansson are linked in whole when their archives are there (Debian's
# -dev packages ship them): two libraries fewer to map and relocate at
# every start, a tenth of a small build (docs/performance.md).
# STATIC_DEPS=0 links them as shared libraries.
STATIC_DEPS ?= 1
static_lib = $(wildcard $(shell $(CC) -print-file-name=lib$(1).a 2>/dev/null))
ifeq ($(STATIC_DEPS)$(if $(call static_lib,yaml),y)$(if $(call static_lib,jansson),y),1yy)
DEP_LIBS   = -Wl,-Bstatic -lyaml -ljansson -Wl,-Bdynamic
else
DEP_LIBS   = $(shell pkg-config --libs yaml-0.1 jansson 2>/dev/null)
endif
PKG_LIBS   = $(DEP_LIBS) -ldl

# Objects go to $(O), so a sanitizer build never mixes with the normal one.
O   ?= .build
BIN ?= hgc

COMPILER_SRC := $(sort $(wildcard compiler/*.c))
COMPILER_OBJ := $(patsubst compiler/%.c,$(O)/%.o,$(COMPILER_SRC))
LIB_OBJ      := $(filter-out $(O)/main.o,$(COMPILER_OBJ))

# The runtime (submit, wait, download...) needs libcurl; without it (or
# with NO_CURL=1) hgc still builds, and those commands say they are
# unavailable. The catalogue's cache reader is built either way. hgc
# compiles against libcurl's headers but does not link it: rt_http.c loads
# it when a runtime command runs, so other commands start without it.
ifeq ($(if $(NO_CURL),,$(shell pkg-config --exists libcurl && echo yes)),yes)
RT_OBJ     := $(patsubst runtime/%.c,$(O)/rt/%.o,$(sort $(wildcard runtime/*.c)))
RT_CFLAGS   = $(shell pkg-config --cflags libcurl)
MAIN_FLAGS := -DHGC_HAVE_RUNTIME
else
RT_OBJ     := $(O)/rt/rt_catalogue.o
endif
UNIT_TESTS   := $(patsubst tests/unit/%.c,$(O)/%,$(wildcard tests/unit/test_*.c))
# Programs the tests use that are not tests themselves (tests/schemas.sh).
TEST_TOOLS   := $(O)/yaml2json

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
VALGRIND   := valgrind -q --error-exitcode=99 --leak-check=full \
              --errors-for-leak-kinds=definite,indirect

.PHONY: all deps run check asan valgrind examples schemas units demo clean \
        generated install uninstall check-all fuzz bench
all: $(BIN)

deps:
	@tools/deps.sh

$(BIN): $(COMPILER_OBJ) $(RT_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/%.o: compiler/%.c compiler/hgc.h
	@mkdir -p $(O)
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) $(EXTRA_FLAGS) -c -o $@ $<

$(O)/main.o: runtime/hgc_rt.h
$(O)/main.o: EXTRA_FLAGS = $(MAIN_FLAGS)

$(O)/rt/%.o: runtime/%.c runtime/hgc_rt.h compiler/hgc.h
	@mkdir -p $(O)/rt
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) $(RT_CFLAGS) $(MAIN_FLAGS) -c -o $@ $<

# Unit tests and test tools link every compiler stage but main.o; the
# tests also share tests/unit/unit.c.
$(UNIT_TESTS): $(O)/%: tests/unit/%.c tests/unit/unit.c tests/unit/unit.h \
                       $(LIB_OBJ) compiler/hgc.h
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Icompiler $(LDFLAGS) -o $@ $< \
	  tests/unit/unit.c $(LIB_OBJ) $(PKG_LIBS)
$(TEST_TOOLS): $(O)/%: tests/unit/%.c $(LIB_OBJ) compiler/hgc.h
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Icompiler $(LDFLAGS) -o $@ $< \
	  $(LIB_OBJ) $(PKG_LIBS)

units: $(UNIT_TESTS) $(TEST_TOOLS)

# Docs' Markdown -> hgc-spec(5); tools/generated.sh runs it.
$(O)/md2man: tools/md2man.c
	@mkdir -p $(O)
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $<
units: $(O)/md2man

# The fuzz harnesses, compiled but not linked (that takes clang's
# libFuzzer), so that `make check` sees them fall behind the code.
FUZZ_OBJ := $(patsubst tests/fuzz/%.c,$(O)/%.o,$(wildcard tests/fuzz/fuzz_*.c))
$(FUZZ_OBJ): $(O)/%.o: tests/fuzz/%.c compiler/hgc.h
	@mkdir -p $(O)
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Icompiler -c -o $@ $<
units: $(FUZZ_OBJ)

run: deps
	@$(MAKE) --no-print-directory $(BIN)
	./$(BIN) build -o - examples/product-demo.yaml

check: deps
	@tools/deps.sh check
	@$(MAKE) --no-print-directory $(BIN) units
	@HGC=./$(BIN) UNIT_DIR=$(O) tests/run.sh

asan: deps
	@tools/deps.sh clang
	@$(MAKE) --no-print-directory O=.build-asan BIN=.build-asan/hgc CC=clang \
	  CFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
	  .build-asan/hgc units
	@HGC=.build-asan/hgc UNIT_DIR=.build-asan tests/run.sh

valgrind: deps
	@$(MAKE) --no-print-directory $(BIN) units
	@HGC=./$(BIN) UNIT_DIR=$(O) HGC_WRAP="$(VALGRIND)" tests/run.sh

check-all:
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory valgrind

# libFuzzer (clang) harnesses in tests/fuzz/, objects in .build-fuzz/;
# tests/fuzz/run.sh runs each on a copy of its seed corpus and keeps any
# crash input in .build-fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZERS    := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

$(addprefix $(O)/,$(FUZZERS)): $(O)/%: tests/fuzz/%.c $(LIB_OBJ) compiler/hgc.h
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Icompiler -fsanitize=fuzzer \
	  -o $@ $< $(LIB_OBJ) $(PKG_LIBS)

fuzz: deps
	@tools/deps.sh clang
	@$(MAKE) --no-print-directory O=.build-fuzz CC=clang \
	  CFLAGS="$(FUZZ_FLAGS)" $(addprefix .build-fuzz/,$(FUZZERS))
	@tests/fuzz/run.sh .build-fuzz $(FUZZ_SECONDS)

# Starts tests/fake_heygen.py and runs `hgc run` on an example against it.
demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@HGC=./$(BIN) tests/runtime.sh --demo

# Times hgc, a libyaml + jansson floor, Python and jsonnet on generated
# inputs, and the runtime against the fake server (docs/performance.md).
# It prints targets met or not; it never fails on a timing.
bench: $(BIN)
	@HGC=./$(BIN) bench/run.sh

# Rebuilds the committed example output; review `git diff examples/`.
# examples/build-v3/ holds the v3 build of the specs listed there.
examples: $(BIN)
	./$(BIN) build -o examples/build examples/*.yaml
	./$(BIN) build --api v3 -o examples/build-v3 \
	  $(patsubst examples/build-v3/%.json,examples/%.yaml,$(wildcard examples/build-v3/*.json))

# The spec format's JSON Schema, for editors; review `git diff specs/`.
schemas: $(BIN)
	./$(BIN) schema >specs/hgc-spec.schema.json.tmp
	mv specs/hgc-spec.schema.json.tmp specs/hgc-spec.schema.json

# The man pages and completions, made from hgc's own tables and docs/;
# tests/review.sh fails when they are not current. Review `git diff`.
generated: $(BIN) $(O)/md2man
	tools/generated.sh ./$(BIN) $(O)/md2man

PREFIX  ?= /usr/local
DEST     = $(DESTDIR)$(PREFIX)
INSTALLED := bin/hgc share/man/man1/hgc.1 share/man/man5/hgc-spec.5 \
             share/bash-completion/completions/hgc \
             share/zsh/site-functions/_hgc

install: $(BIN)
	install -d $(DEST)/bin $(DEST)/share/man/man1 $(DEST)/share/man/man5 \
	  $(DEST)/share/bash-completion/completions \
	  $(DEST)/share/zsh/site-functions
	install -m 755 $(BIN) $(DEST)/bin/hgc
	install -m 644 docs/man/hgc.1 $(DEST)/share/man/man1/hgc.1
	install -m 644 docs/man/hgc-spec.5 $(DEST)/share/man/man5/hgc-spec.5
	install -m 644 contrib/completion/hgc.bash \
	  $(DEST)/share/bash-completion/completions/hgc
	install -m 644 contrib/completion/_hgc $(DEST)/share/zsh/site-functions/_hgc

# Removes the files, never the directories (others may use them).
uninstall:
	rm -f $(addprefix $(DEST)/,$(INSTALLED))

clean:
	rm -rf $(BIN) .build .build-asan .build-fuzz compiler/*.o
