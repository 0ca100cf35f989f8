#!/bin/sh
# Host tests for kernel/fdt.c. Prints one "ok NAME" / "FAIL NAME" line per
# case and exits non-zero if any case failed. Run from anywhere:
#   sh tests/fdt/run.sh [-v]        (-v: show every checked key)
#
# Cases: every tests/fdt/NAME.expect is checked against NAME.dtb. The .dtb
# files built from .dts sources are checked in too, and rebuilt here when
# dtc is installed; the qemu-virt-*.dtb files are dumps from
#   qemu-system-riscv64 -machine virt,dumpdtb=F -smp N -m 128M
# cut to the blob's totalsize. Then each valid blob is fuzzed (truncated
# at every length, randomly corrupted) with an ASan/UBSan build when the
# compiler supports it, and fdt.c is compiled with the kernel's flags.

cd "$(dirname "$0")/../.." || exit 2
D=tests/fdt
VERBOSE=0
[ "${1:-}" = "-v" ] && VERBOSE=1
FAILS=0
TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT

pass() { echo "ok $1"; }
fail() { echo "FAIL $1"; FAILS=$((FAILS + 1)); [ -s "$TMP/log" ] && sed 's/^/    /' "$TMP/log"; }

# 1. The host test program.
if gcc -Wall -Werror -I. -o tests/fdt_host tests/fdt_host.c kernel/fdt.c >"$TMP/log" 2>&1; then
  pass build-host
else
  fail build-host
  exit 1
fi

# 2. Device tree sources -> blobs.
if command -v dtc >/dev/null 2>&1; then
  for src in $D/*.dts; do
    name=$(basename "$src" .dts)
    # Warnings fail the case too, unless the source says they are meant.
    if dtc -I dts -O dtb -o "$D/$name.dtb" "$src" >"$TMP/log" 2>&1 &&
       { [ ! -s "$TMP/log" ] || grep -q "dtc warnings expected" "$src"; }; then
      pass "dtc-$name"
    else
      fail "dtc-$name"
    fi
  done
else
  echo "note: dtc not found; using the checked-in .dtb files"
fi

# 3. Expectations.
for exp in $D/*.expect; do
  name=$(basename "$exp" .expect)
  if tests/fdt_host "$D/$name.dtb" "$exp" >"$TMP/log" 2>&1; then
    pass "$name"
    [ $VERBOSE = 1 ] && sed 's/^/    /' "$TMP/log"
  else
    fail "$name"
  fi
done

# 4. Robustness against corrupt blobs.
FUZZ=tests/fdt_host
if gcc -Wall -Werror -I. -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
     -o "$TMP/fdt_host_asan" tests/fdt_host.c kernel/fdt.c >/dev/null 2>&1; then
  FUZZ=$TMP/fdt_host_asan
else
  echo "note: no -fsanitize=address; fuzzing without it (crashes only)"
fi
for exp in $D/*.expect; do
  name=$(basename "$exp" .expect)
  grep -q '^parse *= *ok' "$exp" || continue
  if "$FUZZ" --fuzz "$D/$name.dtb" 5000 >"$TMP/log" 2>&1; then
    pass "fuzz-$name"
    [ $VERBOSE = 1 ] && sed 's/^/    /' "$TMP/log"
  else
    fail "fuzz-$name"
  fi
done

# 5. The kernel build of the same file: freestanding, and no calls to
#    library functions (memcpy/memset) that the compiler might invent.
if command -v riscv64-unknown-elf-gcc >/dev/null 2>&1; then
  if riscv64-unknown-elf-gcc -Wall -Werror -O2 -ffreestanding -fno-common -nostdlib \
       -mcmodel=medany -fno-stack-protector -fno-pie -no-pie -I. \
       -c kernel/fdt.c -o "$TMP/fdt.o" >"$TMP/log" 2>&1 &&
     riscv64-unknown-elf-nm -u "$TMP/fdt.o" >"$TMP/log" 2>&1 && [ ! -s "$TMP/log" ]; then
    pass build-kernel
  else
    fail build-kernel
  fi
else
  echo "note: riscv64-unknown-elf-gcc not found; kernel build not checked"
fi

[ $FAILS = 0 ] && echo "all fdt tests passed" || echo "$FAILS fdt test(s) FAILED"
[ $FAILS = 0 ]
