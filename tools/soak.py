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
import qemu   # noqa: E402
import test   # noqa: E402


def one_round(r, args):
    """One boot through test.py's session driver. Returns (ok, detail)."""
    spec = test.SessionSpec("soak-%d" % r, cpus=args.cpus, modern=True,
                            commands=["usertests", "torture %d %d" % (args.torture, r)],
                            timeout=1200 + args.torture, parser=test.parse_usertests,
                            finished="test torture: OK")
    results, log, _ = test.run_session(spec, args)
    failed = ["%s%s" % (name, " (%s)" % detail if detail else "")
              for name, ok, detail in results if not ok]
    if failed:
        return False, "failed: %s; log %s" % ("; ".join(failed)[:300], log)
    disk = os.path.splitext(log)[0] + ".img"
    if os.path.exists(disk):
        os.remove(disk)   # a passing round's disk is not needed
    return True, "usertests and torture %d s passed, fsck clean" % args.torture


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=int, default=3600)
    p.add_argument("--cpus", type=int, default=4)
    p.add_argument("--torture", type=int, default=60, help="seconds of torture per round")
    p.add_argument("--logdir", default=os.path.join(qemu.LOGDIR, "soak"))
    args = p.parse_args(argv)
    # What test.run_session reads besides the log directory.
    args.kernel, args.fs, args.sd, args.verbose = qemu.KERNEL, qemu.FSIMG, qemu.SDIMG, 0
    t0 = time.monotonic()
    rounds = 0
    while time.monotonic() - t0 < args.seconds:
        ok, detail = one_round(rounds, args)
        rounds += 1
        print("soak: round %d (%.0f s): %s: %s" % (rounds, time.monotonic() - t0,
                                                  "ok" if ok else "FAILED", detail), flush=True)
        if not ok:
            print("soak: stopped at the first failure")
            print("0 passed, 1 failed")
            return 1
    print("soak: %d rounds in %.0f s at %d harts, all passed" % (rounds, time.monotonic() - t0, args.cpus))
    print("%d passed, 0 failed" % rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
