#!/usr/bin/env python3
"""Power cuts during a file-system workload (`make crashtest`).

    python3 tools/crashtest.py [--cuts N] [--seed S] [--cpus C]

Each cut: boot cowpin on a fresh copy of fs.img, run `crashwork SEED`
(user/crashwork.c), kill QEMU at a moment drawn from the seed (no
shutdown: what the kernel has not written is lost), boot again on the same
disk (the log is recovered), power off cleanly, and check the disk on the
host: tools/fsck.py finds it consistent, and every file that crashwork
reported as synced (fsync, msync, O_DIRECT, link) before the cut holds
exactly its content. Cut k uses seed S + k; the seed of a failing cut is
printed, and --seed S --cuts 1 repeats it.

Prints `ok cut-K` or `FAIL cut-K` per cut (tools/test.py's host format),
with a line of detail, and exits 1 if any cut failed.
"""
import argparse
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fsck   # noqa: E402
import qemu   # noqa: E402

SYNCED = re.compile(r"^synced (\S+) (\d+) (\d+)\s*$", re.M)


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def one_cut(k, seed, cpus, logdir):
    """Run cut k; returns (ok, detail)."""
    rng = random.Random(seed)
    # Early cuts catch the first commits, later ones a long history; the
    # workload takes 5-10 s under emulation.
    delay = rng.uniform(0.3, 6.0)
    s = qemu.Session("crash-%d" % k, cpus=cpus, modern=True, logdir=logdir)
    try:
        with s:
            s.boot()
            s.note("run crashwork %d, power cut after %.2f s" % (seed, delay))
            s.send("crashwork %d\n" % seed)
            out = s.drain(delay)
            if qemu.PANIC.search(out):
                return False, "panic before the cut (log %s)" % s.log_path
            s.power_cycle()
            if not s.poweroff():
                return False, "poweroff after the cut did not stop QEMU (log %s)" % s.log_path
    except qemu.QemuError as e:
        return False, "%s (log %s)" % (e, s.log_path)
    with open(s.disk, "rb") as f:
        img = fsck.Image(f.read())
    errors = img.check()
    if errors:
        return False, "fsck: " + "; ".join(errors[:3])
    # The last line may have been cut in the middle: only whole lines count.
    complete = out[:out.rfind("\n") + 1]
    synced = SYNCED.findall(complete)
    for path, length, checksum in synced:
        data = img.lookup("cw/" + path)
        if data is None:
            return False, "cw/%s was synced but is gone" % path
        if len(data) != int(length) or fnv1a(data) != int(checksum):
            return False, ("cw/%s: %d bytes (checksum %d), synced as %s bytes (checksum %s)"
                           % (path, len(data), fnv1a(data), length, checksum))
    return True, "cut after %.1f s: %d synced files intact, fsck clean" % (delay, len(synced))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cuts", type=int, default=10)
    p.add_argument("--seed", type=int, default=None, help="default: from the time")
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--logdir", default=os.path.join(qemu.LOGDIR, "crashtest"))
    args = p.parse_args(argv)
    if args.cuts < 1 or args.cpus < 1:
        p.error("--cuts and --cpus must be at least 1")
    seed = args.seed if args.seed is not None else random.randrange(1, 1 << 30)
    print("crashtest: %d cuts from seed %d (--seed %d --cuts 1 repeats the first)"
          % (args.cuts, seed, seed), flush=True)
    failed = 0
    for k in range(args.cuts):
        ok, detail = one_cut(k, seed + k, args.cpus, args.logdir)
        failed += not ok
        print("%s cut-%d" % ("ok" if ok else "FAIL", k), flush=True)
        print("    seed %d: %s" % (seed + k, detail), flush=True)
    print("crashtest: %d of %d cuts failed" % (failed, args.cuts), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
