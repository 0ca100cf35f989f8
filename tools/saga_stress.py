#!/usr/bin/env python3
"""make saga-stress: run `saga` many times (default 100) at 1 and at 4 harts
and check that every reproducer gives the history's verdict every time:
the reproducers must be deterministic, never flaky.  Prints a line per
run of saga, one per CPU count and, last, `N passed, N failed` (one test
per reproducer and CPU count)."""
import argparse
import concurrent.futures
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu   # noqa: E402
import test   # noqa: E402

print_lock = threading.Lock()   # the sessions' threads print whole lines


def stress(cpus, runs, only, job):
    """One QEMU session that runs saga `runs` times: ({test: its first
    wrong run}, the log's path)."""
    bad = {}
    s = qemu.Session("saga-stress-%dcpu%s" % (cpus, "-%d" % job if job else ""), cpus,
                     modern=cpus > 1)
    done = [0]

    def each(command, out, seconds):
        if command == qemu.BOOT:
            return
        done[0] += 1
        wrong = 0
        for name, ok, detail in test.parse_saga(out):
            if not ok and (not only or name.split()[1] in only):
                wrong += 1
                bad.setdefault(name, "session %d, run %d: %s" % (job, done[0], detail))
        with print_lock:
            print("  %d CPU%s, session %d: run %d of %d, %s" % (
                  cpus, "" if cpus == 1 else "s", job, done[0], runs,
                  "%d wrong" % wrong if wrong else "as history says"), flush=True)
    run = qemu.run_session(s, [" ".join(["saga"] + only)] * runs, 600, each=each)
    if run.error:
        bad["session"] = "session %d: %s" % (job, run.error)
    return bad, s.log_path


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--cpus", default="1,4")
    ap.add_argument("--only", default="", help="comma-separated reproducers (default: all)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="QEMU sessions at once, sharing the runs (one per host core at 1 hart)")
    args = ap.parse_args()
    only = [r for r in args.only.split(",") if r]
    unknown = [r for r in only if r not in test.SAGA_BUGS]
    if unknown:
        ap.error("no such reproducer: %s (there are: %s)" % (", ".join(unknown), ", ".join(test.SAGA_BUGS)))
    if not 1 <= args.jobs <= args.runs:
        ap.error("--jobs must be between 1 and --runs")
    passed = failed = 0
    for cpus in [int(c) for c in args.cpus.split(",")]:
        shares = [args.runs // args.jobs + (j < args.runs % args.jobs) for j in range(args.jobs)]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
            done = list(ex.map(lambda j: stress(cpus, shares[j], only, j), range(args.jobs)))
        bad = {}
        for b, _ in done:
            for k, v in b.items():
                bad.setdefault(k, v)
        for name in (only or list(test.SAGA_BUGS)) + (["session"] if "session" in bad else []):
            key = name if name == "session" else "saga " + name
            ok = key not in bad
            passed += ok
            failed += not ok
            if not ok:
                print("  FAIL %d CPU: %s -- %s" % (cpus, key, bad[key]))
        print("%d CPU%s: %d runs of saga, %s (log %s)" % (cpus, "" if cpus == 1 else "s", args.runs,
              "all as history says" if not bad else "%d reproducers wrong" % len(bad),
              ", ".join(log for _, log in done)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
