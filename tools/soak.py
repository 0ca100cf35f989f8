#!/usr/bin/env python3
"""`make soak`: usertests and the torture test at 4 harts, again and again.

    python3 tools/soak.py [--seconds S] [--cpus C] [--torture T]

Each round boots cowpin on a fresh disk, runs `usertests`, then `torture T
SEED` (SEED the round's number), powers off, and checks the disk with
tools/fsck.py. Stops at the first failure (a failed test, a panic, a hang,
an inconsistent disk), whose log stays in logs/soak/, or once S seconds
have passed. Prints a line per round and a closing summary.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fsck   # noqa: E402
import qemu   # noqa: E402
from test import parse_usertests   # noqa: E402


def one_round(r, args):
    """Returns (ok, detail, log path)."""
    s = qemu.Session("soak-%d" % r, cpus=args.cpus, modern=True, logdir=args.logdir)
    out = ""
    try:
        with s:
            s.boot()
            out += s.run("usertests", 1200)
            out += s.run("torture %d %d" % (args.torture, r), args.torture + 300)
            s.poweroff()
    except qemu.QemuError as e:
        return False, str(e), s.log_path
    failed = [name for name, ok, *_ in parse_usertests(out) if not ok]
    if failed:
        return False, "failed: " + ", ".join(failed), s.log_path
    if "ALL TESTS PASSED" not in out or "test torture: OK" not in out:
        return False, "no verdict", s.log_path
    errors = fsck.check_file(s.disk)
    if errors:
        return False, "fsck: " + "; ".join(errors[:3]), s.log_path
    os.remove(s.disk)   # a passing round's disk is not needed
    return True, "usertests and torture %d s passed, fsck clean" % args.torture, s.log_path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=int, default=3600)
    p.add_argument("--cpus", type=int, default=4)
    p.add_argument("--torture", type=int, default=60, help="seconds of torture per round")
    p.add_argument("--logdir", default=os.path.join(qemu.LOGDIR, "soak"))
    args = p.parse_args(argv)
    t0 = time.monotonic()
    rounds = 0
    while time.monotonic() - t0 < args.seconds:
        ok, detail, log = one_round(rounds, args)
        rounds += 1
        print("soak: round %d (%.0f s): %s: %s" % (rounds, time.monotonic() - t0,
                                                  "ok" if ok else "FAILED", detail), flush=True)
        if not ok:
            print("soak: stopped at the first failure; log %s" % log)
            print("0 passed, 1 failed")
            return 1
    print("soak: %d rounds in %.0f s at %d harts, all passed" % (rounds, time.monotonic() - t0, args.cpus))
    print("%d passed, 0 failed" % rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
