# hgc: the HeyGen spec compiler. `make` builds ./hgc; see README.md.
PKGS      := yaml-0.1 jansson libpcre2-8
CC        ?= cc
CFLAGS    ?= -O2 -g
WARN      := -std=c11 -Wall -Wextra -Werror -D_XOPEN_SOURCE=700
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

COMPILER_SRC := $(sort $(wildcard compiler/*.c))
COMPILER_OBJ := $(COMPILER_SRC:.c=.o)
LIB_OBJ      := $(filter-out compiler/main.o,$(COMPILER_OBJ))
UNIT_TESTS   := $(patsubst %.c,%,$(wildcard tests/unit/test_*.c))

.PHONY: all deps run check asan examples clean
all: hgc

deps:
	@tools/deps.sh

hgc: $(COMPILER_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

compiler/%.o: compiler/%.c compiler/hgc.h
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# Unit tests link every compiler stage but main.o.
tests/unit/%: tests/unit/%.c $(LIB_OBJ) compiler/hgc.h
	$(CC) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Icompiler $(LDFLAGS) -o $@ $< \
	  $(LIB_OBJ) $(PKG_LIBS) -lm

# Rebuilds the committed example output; review `git diff examples/`.
examples: hgc
	./hgc build -o examples/build examples/*.yaml

run: deps
	@$(MAKE) --no-print-directory hgc
	./hgc build -o - examples/product-demo.yaml

check: deps
	@$(MAKE) --no-print-directory hgc
	@tests/run.sh

asan: deps
	@$(MAKE) --no-print-directory clean
	@$(MAKE) --no-print-directory hgc CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined"
	@tests/run.sh
	@$(MAKE) --no-print-directory clean

clean:
	rm -f hgc compiler/*.o $(UNIT_TESTS)
