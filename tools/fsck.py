#!/usr/bin/env python3
"""Check an xv6-format file system image (as built by mkfs/mkfs, or a disk a
test session wrote to).

    python3 tools/fsck.py fs.img          # problems on stderr, exit 1 if any
    python3 tools/fsck.py -l fs.img       # also list the root directory

Checks: the super block and its layout; every allocated inode reachable from
the root has a sane type, size and block addresses; no block is used twice;
the free bitmap marks exactly the meta-data blocks and the blocks files use;
each directory has "." and ".." right; link counts equal the number of
directory entries naming the inode (a directory's own "." not counted, which
is how xv6 counts them); no allocated inode is unreachable.

test.py runs it on a session's private disk after a clean shutdown, so file
system bugs that leave the disk inconsistent show up as a failed test.
"""
import struct
import sys

BSIZE = 1024
FSMAGIC = 0x10203040
ROOTINO = 1
NDIRECT = 12
NINDIRECT = BSIZE // 4
MAXFILE = NDIRECT + NINDIRECT
DINODE = struct.Struct("<hhhhI%dI" % (NDIRECT + 1))   # 64 bytes
IPB = BSIZE // DINODE.size
DIRENT = struct.Struct("<H14s")                       # 16 bytes
BPB = BSIZE * 8
T_DIR, T_FILE, T_DEVICE = 1, 2, 3


class Image:
    def __init__(self, data):
        self.data = data
        self.errors = []
        if len(data) < 2 * BSIZE:
            raise ValueError("image too small: %d bytes" % len(data))
        (self.magic, self.size, self.nblocks, self.ninodes, self.nlog,
         self.logstart, self.inodestart, self.bmapstart) = \
            struct.unpack_from("<8I", data, BSIZE)

    def err(self, msg):
        self.errors.append(msg)

    def block(self, b):
        return self.data[b * BSIZE:(b + 1) * BSIZE]

    def inode(self, inum):
        off = (self.inodestart + inum // IPB) * BSIZE + (inum % IPB) * DINODE.size
        t, major, minor, nlink, size, *addrs = DINODE.unpack_from(self.data, off)
        return t, major, minor, nlink, size, addrs

    def check_super(self):
        if self.magic != FSMAGIC:
            self.err("bad magic 0x%x" % self.magic)
            return False
        ninodeblocks = self.ninodes // IPB + 1
        nbitmap = self.size // BPB + 1
        want = {
            "logstart": 2,
            "inodestart": 2 + self.nlog,
            "bmapstart": 2 + self.nlog + ninodeblocks,
        }
        for name, value in want.items():
            if getattr(self, name) != value:
                self.err("super block: %s is %d, expected %d"
                         % (name, getattr(self, name), value))
        self.nmeta = self.bmapstart + nbitmap
        if self.nblocks != self.size - self.nmeta:
            self.err("super block: nblocks %d != size %d - meta %d"
                     % (self.nblocks, self.size, self.nmeta))
        if len(self.data) < self.size * BSIZE:
            self.err("image is %d bytes, super block says %d blocks"
                     % (len(self.data), self.size))
            return False
        return not self.errors

    def file_blocks(self, inum, size, addrs):
        """Data blocks of a file in order, plus its indirect block if any."""
        nb = (size + BSIZE - 1) // BSIZE
        if nb > MAXFILE:
            self.err("inode %d: size %d exceeds MAXFILE" % (inum, size))
            nb = MAXFILE
        blocks = list(addrs[:NDIRECT])
        meta = []
        if addrs[NDIRECT]:
            meta.append(addrs[NDIRECT])
            if self.nmeta <= addrs[NDIRECT] < self.size:   # else reported later
                blocks += struct.unpack_from("<%dI" % NINDIRECT,
                                             self.block(addrs[NDIRECT]))
        # xv6 may leave a block allocated past the end of file (writei
        # allocates before it copies, and a failed copy keeps the block);
        # such blocks are still owned by the file, so count them.
        return [b for b in blocks[:nb] if b], meta + [b for b in blocks[nb:] if b]

    def valid_block(self, inum, b):
        if b < self.nmeta or b >= self.size:
            self.err("inode %d: block address %d outside data area" % (inum, b))
            return False
        return True

    def read_file(self, blocks, size):
        out = b"".join(self.block(b) for b in blocks)
        return out[:size]

    def lookup(self, path):
        """The content of the file at path ("a/b"), or None if there is
        none (tools/crashtest.py reads files back with this)."""
        inum = ROOTINO
        for name in [n for n in path.split("/") if n]:
            t, _, _, _, size, addrs = self.inode(inum)
            if t != T_DIR:
                return None
            data = self.read_file(self.file_blocks(inum, size, addrs)[0], size)
            found = None
            for off in range(0, len(data) - DIRENT.size + 1, DIRENT.size):
                e_inum, e_name = DIRENT.unpack_from(data, off)
                if e_inum and e_name.rstrip(b"\0").decode("latin-1") == name[:14]:
                    found = e_inum
                    break
            if found is None:
                return None
            inum = found
        t, _, _, _, size, addrs = self.inode(inum)
        if t != T_FILE:
            return None
        return self.read_file(self.file_blocks(inum, size, addrs)[0], size)

    def check(self):
        if not self.check_super():
            return self.errors
        owner = {}          # block -> inode using it
        refs = {}           # inode -> number of directory entries naming it
        seen_dirs = set()
        listing = []
        todo = [(ROOTINO, ROOTINO, "/")]
        refs[ROOTINO] = 0
        while todo:
            inum, parent, path = todo.pop()
            t, _, _, nlink, size, addrs = self.inode(inum)
            data_blocks, extra = self.file_blocks(inum, size, addrs)
            for b in data_blocks + extra:
                if not self.valid_block(inum, b):
                    continue
                if b in owner:
                    self.err("block %d used by inode %d and inode %d"
                             % (b, owner[b], inum))
                owner[b] = inum
            if t != T_DIR:
                continue
            seen_dirs.add(inum)
            if size % DIRENT.size:
                self.err("directory %s: size %d not a multiple of %d"
                         % (path, size, DIRENT.size))
            content = self.read_file(
                [b for b in data_blocks if self.nmeta <= b < self.size], size)
            names = {}
            for off in range(0, len(content) - DIRENT.size + 1, DIRENT.size):
                child, raw = DIRENT.unpack_from(content, off)
                if child == 0:
                    continue
                name = raw.split(b"\0", 1)[0].decode("latin-1")
                if name in names:
                    self.err("directory %s: duplicate name %r" % (path, name))
                names[name] = child
                if name == ".":
                    if child != inum:
                        self.err("directory %s: '.' is %d" % (path, child))
                    continue
                refs[child] = refs.get(child, 0) + 1
                if name == "..":
                    if child != parent:
                        self.err("directory %s: '..' is %d, expected %d"
                                 % (path, child, parent))
                    continue
                if child >= self.ninodes:
                    self.err("%s%s: inode %d out of range" % (path, name, child))
                    continue
                ct, _, _, _, csize, _ = self.inode(child)
                if inum == ROOTINO:
                    listing.append((name, child, ct, csize))
                if ct not in (T_DIR, T_FILE, T_DEVICE):
                    self.err("%s%s: inode %d has type %d" % (path, name, child, ct))
                elif ct == T_DIR:
                    if child in seen_dirs or any(c == child for c, _, _ in todo):
                        self.err("%s%s: directory %d linked twice" % (path, name, child))
                    else:
                        todo.append((child, inum, path + name + "/"))
                elif refs[child] == 1:
                    todo.append((child, inum, path + name))
            for must in (".", ".."):
                if must not in names:
                    self.err("directory %s: no %r entry" % (path, must))

        for inum in range(1, self.ninodes):
            t, _, _, nlink, _, _ = self.inode(inum)
            if t == 0:
                if inum in refs:
                    self.err("inode %d is free but named in a directory" % inum)
                continue
            if inum not in refs:
                self.err("inode %d (type %d) allocated but unreachable" % (inum, t))
            elif nlink != refs[inum]:
                self.err("inode %d: nlink %d but %d directory entries"
                         % (inum, nlink, refs[inum]))

        for b in range(self.size):
            byte = self.data[self.bmapstart * BSIZE + b // BPB * BSIZE + (b % BPB) // 8]
            used = bool(byte >> (b % 8) & 1)
            want = b < self.nmeta or b in owner
            if used != want:
                self.err("block %d: bitmap says %s, but it is %s"
                         % (b, "used" if used else "free",
                            "in use" if want else "not used by any file"))
        self.listing = sorted(listing)
        self.used = len(owner)
        return self.errors


def check_file(path):
    """Return the list of problems found in the image at path."""
    with open(path, "rb") as f:
        img = Image(f.read())
    return img.check()


def main(argv):
    args = [a for a in argv if a != "-l"]
    if len(args) != 1:
        print("usage: fsck.py [-l] fs.img", file=sys.stderr)
        return 2
    with open(args[0], "rb") as f:
        img = Image(f.read())
    errors = img.check()
    for e in errors:
        print("fsck: %s: %s" % (args[0], e), file=sys.stderr)
    if not errors:
        if "-l" in argv:
            for name, inum, t, size in img.listing:
                print("%-14s %4d %d %8d" % (name, inum, t, size))
        print("fsck: %s: clean, %d blocks (%d meta, %d data in use of %d), %d inodes"
              % (args[0], img.size, img.nmeta, img.used, img.nblocks, img.ninodes))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
