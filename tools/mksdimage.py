#!/usr/bin/env python3
"""Build sd.img: an MBR-partitioned disk image whose one partition (FAT,
bootable) holds extlinux/extlinux.conf, the kernel Image and fs.img as the
initrd, which U-Boot's distro boot finds and boots with no typing.

Made with mtools and mkfs.vfat on plain files: no root, no loop devices.

usage: mksdimage.py OUT IMAGE FSIMG
"""
import os
import struct
import subprocess
import sys
import tempfile

PART_START = 2048            # sectors: the partition starts at 1 MiB
PART_SIZE_KIB = 32 * 1024    # a 32 MiB FAT16 partition
SECTOR = 512

EXTLINUX = """\
# cowpin, booted by U-Boot's distro boot (extlinux).
# The file system image is loaded as the initrd; the kernel finds it in
# /chosen and uses it as a RAM disk. No fdt line: U-Boot passes its own
# device tree (on the VisionFive 2, the board's).
default cowpin
timeout 0
label cowpin
    menu label cowpin
    kernel /Image
    initrd /fs.img
    append cowpin
"""


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def mbr(start, count):
    """A master boot record with one bootable FAT16 (LBA) partition."""
    entry = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x0e,
                        b"\xfe\xff\xff", start, count)
    return bytes(446) + entry + bytes(48) + b"\x55\xaa"


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    out, image, fsimg = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        part = os.path.join(tmp, "boot.img")
        conf = os.path.join(tmp, "extlinux.conf")
        with open(conf, "w") as f:
            f.write(EXTLINUX)
        run("mkfs.vfat", "-C", "-n", "COWPIN", part, str(PART_SIZE_KIB))
        run("mmd", "-i", part, "::extlinux")
        run("mcopy", "-i", part, conf, "::extlinux/extlinux.conf")
        run("mcopy", "-i", part, image, "::Image")
        run("mcopy", "-i", part, fsimg, "::fs.img")
        with open(part, "rb") as f:
            fat = f.read()
    with open(out, "wb") as f:
        f.write(mbr(PART_START, len(fat) // SECTOR))
        f.write(bytes(PART_START * SECTOR - SECTOR))
        f.write(fat)


if __name__ == "__main__":
    main()
