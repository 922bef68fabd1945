// SPDX-License-Identifier: MIT
// fuzz_scan.c: libFuzzer harness for compiler/scan.c against libyaml.
//
// Each input is read by both YAML readers (tests/unit/scan_check.h):
// whatever scan_yaml accepts must give exactly libyaml's events, or the
// harness aborts with the first difference. Inputs that are not UTF-8
// are skipped, as diag.c rejects them before any reader sees them.
#include "../unit/scan_check.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char why[1024];
  bool took;
  if (scan_compare((const char *)data, size, &took, why, sizeof why)) {
    fprintf(stderr, "fuzz_scan: %s\n", why);
    abort();
  }
  return 0;
}
