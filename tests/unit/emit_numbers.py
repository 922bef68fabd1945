#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cross-checks emit.c's reals against Python's own json.dumps.

Usage: emit_numbers.py TEST_EMIT

Generates a fixed set of doubles (random bit patterns, short decimals
such as specs hold, every power of two, and edge cases), writes them as
hex floats so the C side reads them exactly, runs `TEST_EMIT --numbers
FILE`, and compares each output line with json.dumps(x). Prints
"ok emit-numbers" or "not ok emit-numbers: N mismatches, first: ...".
"""
import json
import math
import random
import struct
import subprocess
import sys
import tempfile

EDGES = [0.0, -0.0, 1e16, 1e-5, 9.999999999999999e15, 5e-324,
         1.7976931348623157e308, 0.1, 1.1, 100.0, 123456789.123,
         1e-4, 0.00011, 1e15, 123456789012345678.0, 2.2250738585072014e-308,
         2.225073858507201e-308, 0.3, 2.0 / 3.0, 1e22, 1e23]


def numbers():
    rng = random.Random(20240601)  # fixed: the same numbers every run
    out = []
    while len(out) < 20000:
        # Every bit pattern is a double; the all-ones exponent is inf/NaN.
        x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if math.isfinite(x):
            out.append(x)
    # Short decimals (1.5, 0.25, 3e-7): their digit search stops early.
    for _ in range(5000):
        digits = rng.randrange(1, 10 ** rng.randrange(1, 8))
        out.append(float(f"{digits}e{rng.randrange(-30, 30)}"))
    # Powers of two have a narrower gap below them than above.
    out += [math.ldexp(1.0, e) for e in range(-1074, 1024)]
    out += EDGES
    return out + [-x for x in out]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: emit_numbers.py TEST_EMIT")
    xs = numbers()
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
        f.write("".join(x.hex() + "\n" for x in xs))
        f.flush()
        try:
            run = subprocess.run([sys.argv[1], "--numbers", f.name],
                                 capture_output=True, text=True)
        except OSError as e:
            print(f"not ok emit-numbers: {e}")
            sys.exit(1)
    got = run.stdout.split("\n")[:-1]
    if run.returncode != 0 or len(got) != len(xs):
        print(f"not ok emit-numbers: exit {run.returncode}, {len(got)} of "
              f"{len(xs)} lines: {run.stderr.strip()}")
        sys.exit(1)
    bad = [(x, g) for x, g in zip(xs, got) if g != json.dumps(x)]
    if bad:
        x, g = bad[0]
        print(f"not ok emit-numbers: {len(bad)} mismatches, first: "
              f"{x.hex()} gave '{g}', expected '{json.dumps(x)}'")
        sys.exit(1)
    print("ok emit-numbers")


if __name__ == "__main__":
    main()
