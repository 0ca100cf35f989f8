#!/usr/bin/env bash
# Make sure the host tools cowpin needs are installed (Debian / Ubuntu).
#
# Silent when everything is there.  Otherwise installs the Debian packages
# with apt-get when it can do so without asking (root, or passwordless sudo),
# and else prints the command to run and exits 1.
set -euo pipefail

# shellcheck source=machine.env
. "$(dirname "$0")/machine.env"   # OPENSBI, UBOOT, QEMU
PACKAGES=(gcc-riscv64-unknown-elf qemu-system-misc opensbi u-boot-qemu
          device-tree-compiler mtools dosfstools python3 python3-yaml gdb-multiarch
          librsvg2-bin)

# Print what is missing, one item a line.
missing() {
  local cmd
  # rsvg-convert (librsvg, a small SVG renderer) renders the labs' trace
  # pictures in make test (tools/tracesvg.py --check-labs).
  for cmd in "$QEMU" riscv64-unknown-elf-gcc dtc mcopy python3 rsvg-convert; do
    command -v "$cmd" >/dev/null 2>&1 || echo "$cmd"
  done
  # mkfs.vfat lives in /sbin or /usr/sbin, which a non-root PATH may lack.
  if ! command -v mkfs.vfat >/dev/null 2>&1 &&
     [ ! -x /sbin/mkfs.vfat ] && [ ! -x /usr/sbin/mkfs.vfat ]; then
    echo mkfs.vfat
  fi
  # tools/lab.py checks the GitHub Classroom workflows it writes.
  command -v python3 >/dev/null 2>&1 && ! python3 -c 'import yaml' 2>/dev/null && echo python3-yaml
  [ -f "$OPENSBI" ] || echo "$OPENSBI"
  [ -f "$UBOOT" ] || echo "$UBOOT"
}

todo=$(missing)
[ -z "$todo" ] && exit 0

echo "deps.sh: missing: ${todo//$'\n'/ }" >&2

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  echo "deps.sh: run this, then try again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${PACKAGES[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps.sh: installing ${PACKAGES[*]}" >&2
# Send apt's chatter to stderr so that stdout stays the test report's.
"${SUDO[@]}" apt-get update -q >&2
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >&2

todo=$(missing)
if [ -n "$todo" ]; then
  echo "deps.sh: still missing after install: ${todo//$'\n'/ }" >&2
  exit 1
fi
