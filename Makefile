# hgc: the HeyGen spec compiler. `make` builds ./hgc; see README.md.
#
#   make run      install what is missing, build, compile an example
#   make check    install what is missing, build, run every test
#   make asan     the whole suite under AddressSanitizer + UBSan (clang)
#   make valgrind the whole suite under valgrind's memcheck
#   make examples rebuild the committed example output
#   make demo     `hgc run` on an example against the fake HeyGen server
PKGS   := yaml-0.1 jansson libpcre2-8
CC     ?= cc
CFLAGS ?= -O2 -g
WARN   := -std=c11 -Wall -Wextra -Werror -D_XOPEN_SOURCE=700
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# Objects go to $(O), so a sanitizer build never mixes with the normal one.
O   ?= .build
BIN ?= hgc

COMPILER_SRC := $(sort $(wildcard compiler/*.c))
COMPILER_OBJ := $(patsubst compiler/%.c,$(O)/%.o,$(COMPILER_SRC))
LIB_OBJ      := $(filter-out $(O)/main.o,$(COMPILER_OBJ))

# The runtime (submit, wait, download...) needs libcurl; without it hgc
# still builds, and those commands say they are unavailable.
ifeq ($(shell pkg-config --exists libcurl && echo yes),yes)
RT_OBJ     := $(patsubst runtime/%.c,$(O)/rt/%.o,$(sort $(wildcard runtime/*.c)))
RT_CFLAGS   = $(shell pkg-config --cflags libcurl)
RT_LIBS     = $(shell pkg-config --libs libcurl)
MAIN_FLAGS := -DHGC_HAVE_RUNTIME
endif
UNIT_TESTS   := $(patsubst tests/unit/%.c,$(O)/%,$(wildcard tests/unit/test_*.c))

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
VALGRIND   := valgrind -q --error-exitcode=99 --leak-check=full \
              --errors-for-leak-kinds=definite,indirect

.PHONY: all deps run check asan valgrind examples units demo clean
all: $(BIN)

deps:
	@tools/deps.sh

$(BIN): $(COMPILER_OBJ) $(RT_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(RT_LIBS) -lm

$(O)/%.o: compiler/%.c compiler/hgc.h
	@mkdir -p $(O)
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) $(EXTRA_FLAGS) -c -o $@ $<

$(O)/main.o: runtime/hgc_rt.h
$(O)/main.o: EXTRA_FLAGS = $(MAIN_FLAGS)

$(O)/rt/%.o: runtime/%.c runtime/hgc_rt.h compiler/hgc.h
	@mkdir -p $(O)/rt
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) $(RT_CFLAGS) -c -o $@ $<

# Unit tests link every compiler stage but main.o.
$(O)/test_%: tests/unit/test_%.c $(LIB_OBJ) compiler/hgc.h
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Icompiler $(LDFLAGS) -o $@ $< \
	  $(LIB_OBJ) $(PKG_LIBS) -lm

units: $(UNIT_TESTS)

run: deps
	@$(MAKE) --no-print-directory $(BIN)
	./$(BIN) build -o - examples/product-demo.yaml

check: deps
	@$(MAKE) --no-print-directory $(BIN) units
	@HGC=./$(BIN) UNIT_DIR=$(O) tests/run.sh

asan: deps
	@$(MAKE) --no-print-directory O=.build-asan BIN=.build-asan/hgc CC=clang \
	  CFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
	  .build-asan/hgc units
	@HGC=.build-asan/hgc UNIT_DIR=.build-asan tests/run.sh

valgrind: deps
	@$(MAKE) --no-print-directory $(BIN) units
	@HGC=./$(BIN) UNIT_DIR=$(O) HGC_WRAP="$(VALGRIND)" tests/run.sh

# Starts tests/fake_heygen.py and runs `hgc run` on an example against it.
demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@HGC=./$(BIN) tests/runtime.sh --demo

# Rebuilds the committed example output; review `git diff examples/`.
# examples/build-v3/ holds the v3 build of the specs listed there.
examples: $(BIN)
	./$(BIN) build -o examples/build examples/*.yaml
	./$(BIN) build --api v3 -o examples/build-v3 \
	  $(patsubst examples/build-v3/%.json,examples/%.yaml,$(wildcard examples/build-v3/*.json))

clean:
	rm -rf $(BIN) .build .build-asan compiler/*.o
