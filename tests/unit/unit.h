// SPDX-License-Identifier: MIT
// unit.h: what every unit test shares. A test prints "ok NAME" or
// "not ok NAME: why" per case (tests/run.sh counts them) and exits 1
// when any case failed.
#ifndef UNIT_H
#define UNIT_H

#include "../../compiler/hgc.h"

// Prints the case's line; why == NULL means it passed.
void unit_result(const char *name, const char *why);
// A failure text, formatted into one static buffer: valid until the next
// call, which is all a case needs.
const char *unit_fail(const char *fmt, ...) HGC_PRINTF(1, 2);
// Writes len bytes to path, making its directories; exits 2 on failure
// (the test itself is broken, not hgc).
void unit_write(const char *path, const void *data, size_t len);
// The exit status: 1 when any case failed.
int unit_status(void);

#endif
