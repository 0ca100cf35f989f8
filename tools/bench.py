#!/usr/bin/env python3
"""`make bench`: time cowpin in QEMU and print one table.

    python3 tools/bench.py [--repeat N] [--budget S] [-v]

What it measures (host wall-clock time, time.monotonic() around each
command; booting and powering off are not counted):

  forkbench 256 20 exit|write, forkbench 4096 20 exit|write   (1 CPU)
      fork with that many touched pages, the child exiting at once or
      writing every page first.  The row also shows forkbench's own loop
      time in ticks (10 a second) and the vmstat counters the loop added:
      a fork that shares leaves cow_copy at 0 in mode exit and makes it
      pages*iters in mode write; the verdict column checks exactly that.
  forkbench 16384 5 exit   (1 CPU): the same for 64 MiB
  forkbench 16384 5 exit huge   (1 CPU): the same 64 MiB in transparent
      huge pages (MADV_HUGEPAGE); under the table, with a verdict against
      issue 19's goals, how much faster the first touch of the 64 MiB is
      (forkbench's touch time) and how much cheaper fork + exit is, with
      huge pages than with small ones (want both > 1).
  forkbench 4096 20 exit, forkbench 16384 5 exit   (1 CPU, knob cow 0)
      the same forks with every page copied at once, as xv6 does.  Under
      the table, ratios of forkbench's own loop times (the time CSR, not
      the host's clock) with a verdict against issue 16's goals: fork
      with COW at least 20x cheaper than the eager copy (16 and 64 MiB),
      a COW write fault at most 1.5x the eager copy of one page, and
      exit (from the child's exit() call until the parent's wait()
      returns: forkbench's exit=) no dearer than fork (the parent's fork
      calls); the rest of the loop, each child's start, is shown too.
      The forkbench boot has 256M of RAM for the 64 MiB eager copy.
  forkbench 4096 10 exit|write, and exit with knob cow 0   (1 CPU, icount)
      the COW fault goal again in a boot under QEMU's -icount shift=0,
      whose clock counts guest instructions (one a nanosecond) instead of
      host time: the ratio of the kernel's own work per fault to the eager
      copy's, without what TCG's emulation of a trap and of sfence.vma (a
      flush of its whole software TLB) costs.  Printed under the
      wall-clock verdict, which stays the goal's.
  boot, iobench cpu 2 300   (1, 2 and 4 CPUs), iobench dio (1 CPU)
      the time from starting QEMU to the first shell prompt; two CPU-bound
      processes, for the speedup of 2 (and 4) harts over 1 (goal 1.8x);
      a MiB written and read with O_DIRECT against buffered I/O, the
      buffered reads from a cold page cache (goal: O_DIRECT 1.5x faster).
  usertests -q   at 1 CPU and at 4 CPUs
      idle harts sleep in wfi, so 4 CPUs must be no slower than 1: the
      4-CPU row's verdict is "ok" if its time is at most 1.10 x the 1-CPU
      time, else "slower".  Each configuration runs up to --repeat times
      (alternating, each in a fresh boot) and the best time counts; the
      counters are the vmstat differences around that run, and "qemu cpu
      s" is the host CPU time QEMU used in that boot (boot included):
      harts that spin instead of sleeping show there even when other
      work on the host blurs the wall times.  Each test's own time comes
      from when its lines reached the console (best of the runs): the
      slowest are listed under the table, all of them in
      logs/bench-tests.txt.
  xv6's usertests -q   (1 CPU, only with --xv6 DIR, make bench XV6=DIR)
      MIT xv6-riscv's own usertests, on its own kernel (DIR, built there)
      and on cowpin (built into fs.img as xv6usertests by make XV6=DIR),
      in turns, on the same QEMU: the totals and each test's time side
      by side, with the goal that cowpin be no slower than xv6.

Speed goals live here, not in `make test`: a slow result is a line in the
table, not a failure.  The exit status is 1 only if a run failed: a kernel
panic, a hang (every step has a timeout), QEMU exiting, usertests not
passing, or forkbench printing no result.  The whole bench stays within
--budget seconds (default 600): step timeouts are cut to what is left,
and repeats are skipped when the last run of that kind would not fit.
Console logs: logs/bench-*.log (the disk copies of clean runs are removed).
"""
import argparse
import bisect
import glob
import os
import re
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu   # noqa: E402

FORKBENCH = [(256, 20), (4096, 20)]     # (pages, iterations), both modes
BIG = (16384, 5)                        # 64 MiB, mode exit only (also in huge pages)
FORK_MODES = ("exit", "write")
EAGER = [(4096, 20), BIG]               # the same forks with knob cow 0
FORK_MEMORY = "256M"                    # 64 MiB and the child's eager copy of it
FORK_SPEEDUP = 20                       # goal: COW fork this much cheaper
FAULT_RATIO = 1.5                       # goal: a COW fault at most this x a page copy
# The COW fault goal again with QEMU's clock counting guest instructions
# (one a nanosecond; the time CSR's 10 MHz: 100 a unit): the kernel's own
# work, without what TCG's emulation of a trap and of sfence.vma costs.
ICOUNT = ("-icount", "shift=0")
ICOUNT_FORKS = (4096, 10)
ICOUNT_CONFIG = "1 CPU, icount"
INSNS_PER_UNIT = 100
FORKBENCH_TIMEOUT = 60
USERTESTS_TIMEOUT = 300                 # about 45 s on a 2-core host
VMSTAT_TIMEOUT = 20
SLOWER = 1.10                           # 4 CPUs may take 10% longer at most
SLOWEST = 10                            # cowpin's slowest tests listed under the table
TEST_TIMES = "bench-tests.txt"          # every test's time, in the log directory
BUDGET = 600                            # seconds for the whole bench (--budget)
XV6_BUDGET = 300                        # and for the xv6 comparison (--xv6)
XV6_SHOWN = 0.2                         # xv6 comparison: tests that take this long (s)
XV6_UT = "xv6usertests"                 # xv6's usertests.c as make XV6=... builds it
SMP_CPUS = (1, 2, 4)
SMP_WORK = (2, 300)                     # iobench cpu: 2 processes of 300 ms each
SMP_SPEEDUP = 1.8                       # goal: 2 harts finish them this much sooner
DIO_SPEEDUP = 1.5                       # goal: O_DIRECT this much faster than buffered I/O
MODERN = True                           # virtio-mmio as `make qemu` boots it
# A command's first word -> its timeout; else VMSTAT_TIMEOUT.
STEP_TIMEOUTS = {"forkbench": FORKBENCH_TIMEOUT, "iobench": FORKBENCH_TIMEOUT,
                 "usertests": USERTESTS_TIMEOUT, XV6_UT: USERTESTS_TIMEOUT}
COUNTERS = ("cow_fault", "cow_copy", "cow_reuse")
# What ends a test's line (MIT xv6's tests may print lines before it).
VERDICT = re.compile(r"(?m)(?:OK|FAILED)\s*$")
# A run is not started with less than this left.
MIN_LEFT = 10
# Time kept back from the budget for powering off and printing.
RESERVE = 15


def say(*args):
    print(*args, file=sys.stderr, flush=True)


class Budget:
    """The bench's deadline; a step gets its own timeout or what is left."""

    def __init__(self, seconds):
        self.end = time.monotonic() + seconds - RESERVE

    def left(self):
        return self.end - time.monotonic()

    def timeout(self, wanted):
        return max(1.0, min(wanted, self.left()))


class Row:
    """One line of the table."""

    def __init__(self, bench, config):
        self.bench = bench
        self.config = config
        self.wall = None        # seconds, host side
        self.cpu = None         # QEMU's host CPU seconds, whole session
        self.ticks = None       # forkbench's own loop time
        self.time = None        # the same in time-CSR units
        self.fork = None        # the part of it in the parent's fork calls
        self.exit = None        # the part from each child's exit() to the parent's wait() return
        self.touch = None       # forkbench's first touch of its pages, time-CSR units
        self.trap = None        # one null system call (forkbench's), time-CSR units
        self.counts = {}        # counter name -> difference
        self.free = {}          # "before", "min", "after" -> free pages
        self.verdict = ""
        self.failure = None     # why the run failed, or None
        self.runs = []          # wall times of all runs (usertests)
        self.tests = {}         # test name -> its best time in s (usertests)


def parse_vmstat(text):
    """vmstat's `name value` lines as a dict."""
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", text, re.M)}


def parse_forkbench(text):
    """forkbench's result line as a dict (numbers as int), or None."""
    m = re.search(r"^forkbench (pages=.*\S)\s*$", text, re.M)
    if not m:
        return None
    fields = dict(kv.split("=", 1) for kv in m.group(1).split() if "=" in kv)
    return {k: int(v) if v.isdigit() else v for k, v in fields.items()}


def children_cpu():
    """CPU seconds used by our finished (waited-for) children: the QEMUs."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def session(name, cpus, args, memory=None, xv6=False, stamps=None, extra=()):
    """A boot of cowpin, or with xv6 of MIT xv6 (args.xv6, built)."""
    if xv6:
        return qemu.Session("bench-" + name, cpus=cpus, mode="xv6", logdir=args.logdir,
                            kernel=os.path.join(args.xv6, "kernel", "kernel"),
                            fsimg=os.path.join(args.xv6, "fs.img"),
                            echo=args.verbose, stamps=stamps)
    return qemu.Session("bench-" + name, cpus=cpus, modern=MODERN, extra=extra,
                        kernel=args.kernel, fsimg=args.fs, logdir=args.logdir,
                        echo=args.verbose, memory=memory, stamps=stamps)


def test_times(stamps):
    """Each test's seconds, from a usertests run's console stream (a
    Session's stamps): from `PROG: running NAME` (cowpin; MIT xv6 prints
    none, so there from `test NAME: `) to the OK or FAILED that ends
    `test NAME: ...`.  {name: seconds}; the first run of a name counts."""
    text, ends = "", []
    for t, chunk in stamps:
        text += chunk
        ends.append(len(text))

    def when(pos):   # when the character at pos reached the console
        return stamps[min(bisect.bisect_right(ends, pos), len(stamps) - 1)][0]
    times, running = {}, {}
    for m in re.finditer(r"(?m)^(?:\w+: running ([\w.-]+)$|test ([\w.-]+): )", text):
        if m.group(1):
            running[m.group(1)] = m.start()
            continue
        name = m.group(2)
        verdict = VERDICT.search(text, m.end())
        if verdict and name not in times:
            times[name] = when(verdict.start()) - when(running.pop(name, m.start()))
    return times


def run(s, commands, budget):
    """Run commands in session s (qemu.run_session), each step's timeout
    cut to what the budget has left.  Returns (the steps that gave an
    output, without the boot: [(command, output, seconds)], the boot's
    seconds or None, why the run ended early or None).  A clean run's
    disk copy is of no further use: removed."""
    def limit(command):
        return budget.timeout(STEP_TIMEOUTS.get(command.split()[0], VMSTAT_TIMEOUT))
    try:
        r = qemu.run_session(s, commands, limit, budget.timeout(qemu.BOOT_TIMEOUT))
    except OSError as e:
        return [], None, str(e)
    good = r.steps[:-1] if r.error else r.steps
    boot = good[0][2] if good and good[0][0] == qemu.BOOT else None
    if r.clean:
        try:
            os.remove(s.disk)
        except OSError:
            pass
    return [st for st in good if st[0] != qemu.BOOT], boot, r.error and r.error.kind


def run_forkbench(args, budget):
    """One 1-CPU boot running every forkbench case, and one under -icount
    for the COW fault in instructions; returns their rows."""
    rows = []
    for pages, iters in FORKBENCH:
        for mode in FORK_MODES:
            rows.append(Row("forkbench %d %d %s" % (pages, iters, mode), "1 CPU"))
    rows.append(Row("forkbench %d %d exit" % BIG, "1 CPU"))
    rows.append(Row("forkbench %d %d exit huge" % BIG, "1 CPU"))
    rows += [Row("forkbench %d %d exit" % e, "1 CPU, cow 0") for e in EAGER]
    counted = [Row("forkbench %d %d %s" % (ICOUNT_FORKS + (mode,)), ICOUNT_CONFIG)
               for mode in FORK_MODES]
    counted.append(Row("forkbench %d %d exit" % ICOUNT_FORKS, ICOUNT_CONFIG + ", cow 0"))
    return run_forkbench_rows(args, budget, rows, "forkbench", ()) + \
        run_forkbench_rows(args, budget, counted, "forkbench-icount", ICOUNT)


def run_forkbench_rows(args, budget, rows, name, extra):
    """Run rows' forkbench commands (knob cow 0 before the first of those
    configured so) in one 1-CPU boot with QEMU arguments extra; fills in
    and returns the rows."""
    s = session(name, 1, args, memory=FORK_MEMORY, extra=extra)
    say("bench: %s (1 CPU), log %s" % (name, shortpath(s.log_path)))
    commands = []
    for row in rows:
        if row.config.endswith("cow 0") and "knob cow 0" not in commands:
            commands.append("knob cow 0")
        commands.append(row.bench)
    steps, _, failure = run(s, commands, budget)
    steps = [st for st in steps if not st[0].startswith("knob")]
    for row, (_, out, secs) in zip(rows, steps):
        row.wall = secs
        r = parse_forkbench(out)
        pages, iters = int(row.bench.split()[1]), int(row.bench.split()[2])
        if r is None or r.get("pages") != pages or r.get("iters") != iters:
            row.failure = "no result: " + (out.strip().split("\n") or [""])[-1][:60]
            continue
        row.ticks = r.get("ticks")
        row.time = r.get("time")
        row.fork = r.get("fork")
        row.exit = r.get("exit")
        row.touch = r.get("touch")
        row.trap = r.get("trap") / r.get("traps") if r.get("traps") else None
        row.counts = {c: r.get(c) for c in COUNTERS}
        row.free = {k: r.get("free_" + k) for k in ("before", "min", "after")}
        if row.config.endswith("cow 0"):
            # Every page copied, and the child's own few.
            want = pages * iters
            row.verdict = ("ok" if r.get("cow_copy") >= want
                           else "cow_copy should be at least %d" % want)
        else:
            want = 0 if r.get("mode") == "exit" else pages * iters
            row.verdict = ("ok" if r.get("cow_copy") == want
                           else "cow_copy should be %d" % want)
        say("  %-26s %6.2f s" % (row.bench, secs))
    # The step that failed is the first without a time; the rest never ran.
    for row in rows[len(steps):]:
        row.failure, failure = failure or "not run", "not run"
    return rows


def parse_iobench(text, kind):
    """iobench's `iobench KIND k=v...` line as a dict of ints, or None."""
    m = re.search(r"^iobench %s (.*\S)\s*$" % kind, text, re.M)
    return None if m is None else {k: int(v) for k, v in
                                   (kv.split("=", 1) for kv in m.group(1).split())}


def run_machine(args, budget):
    """Boot at 1, 2 and 4 CPUs: the boot's time to the shell prompt, and
    two CPU-bound processes (iobench cpu); at 1 CPU also O_DIRECT against
    buffered I/O (iobench dio).  Rows, and {measure: value} for goals()."""
    rows, got = [], {}
    for cpus in SMP_CPUS:
        row = Row("iobench cpu %d %d" % SMP_WORK, "%d CPU%s" % (cpus, "" if cpus == 1 else "s"))
        boot = Row("boot to the prompt", row.config)
        rows += [boot, row]
        if budget.left() < MIN_LEFT:
            row.failure = boot.failure = "no time left (--budget)"
            continue
        s = session("machine-%dcpu" % cpus, cpus, args)
        say("bench: boot, iobench (%s), log %s" % (row.config, shortpath(s.log_path)))
        dio = Row("iobench dio", row.config) if cpus == 1 else None
        steps, boot.wall, failure = run(s, [row.bench] + ([dio.bench] if dio else []), budget)
        rows += [dio] if dio else []
        if boot.wall is not None:
            got["boot %d" % cpus] = boot.wall
        for r, kind, step in ((row, "cpu", 0), (dio, "dio", 1)):
            if r is None:
                continue
            if len(steps) <= step:
                r.failure = failure or "not run"
                continue
            r.wall = steps[step][2]
            res = parse_iobench(steps[step][1], kind)
            if res is None:
                r.failure = "no result"
            elif kind == "cpu":
                r.time = got["cpu %d" % cpus] = res["time"]
            else:
                got.update(("dio " + k, v) for k, v in res.items())
        if boot.wall is None:
            boot.failure = failure or "did not boot"
    return rows, got


def machine_goals(got):
    """Issue 16's goals for O_DIRECT and SMP, and the boot times."""
    out = []

    def verdict(good):
        return "ok" if good else "MISSED"
    if "dio direct_read" in got:
        for what in ("write", "read"):
            ratio = got["dio buffered_" + what] / got["dio direct_" + what]
            out.append("goal: O_DIRECT %ss of %d KiB files (a MiB in all), %.2fx the speed of "
                       "buffered ones (want >= %.1fx): %s" % (what, got["dio bytes"] // 4096,
                       ratio, DIO_SPEEDUP, verdict(ratio >= DIO_SPEEDUP)))
    else:
        out.append("goal: O_DIRECT against buffered I/O: not measured (a run failed)")
    if "cpu 1" in got and "cpu 2" in got:
        two = got["cpu 1"] / got["cpu 2"]
        four = " (4 harts: %.2fx)" % (got["cpu 1"] / got["cpu 4"]) if "cpu 4" in got else ""
        out.append("goal: two CPU-bound processes %.2fx sooner on 2 harts than on 1%s "
                   "(want >= %.1fx; this host has %d cores): %s"
                   % (two, four, SMP_SPEEDUP, os.cpu_count() or 0, verdict(two >= SMP_SPEEDUP)))
    else:
        out.append("goal: SMP speedup: not measured (a run failed)")
    boots = ", ".join("%s: %.2f s" % (k.split()[1] + " CPU" + ("" if k.endswith(" 1") else "s"), v)
                      for k, v in got.items() if k.startswith("boot "))
    out.append("boot to the shell prompt (QEMU started to the first \"$ \"): %s" % (boots or "-"))
    return out


def passed(row, out, secs, n, stamps):
    """Did run n of usertests (its output out, secs long) pass?  If so,
    count its time and its tests' times in row, else say why in row."""
    if "ALL TESTS PASSED" not in out:
        failed = re.findall(r"^test ([\w.-]+): FAILED", out, re.M)
        row.failure = "tests failed (run %d%s)" % (n, ": " + " ".join(failed[:3]) if failed else "")
        return False
    say("  %s %-12s %6.2f s" % (row.bench, row.config, secs))
    row.runs.append(secs)
    for name, t in test_times(stamps).items():
        row.tests[name] = min(t, row.tests.get(name, t))
    return True


def run_usertests(row, cpus, n, args, budget):
    """One boot: vmstat, usertests -q (timed), vmstat.  Fills row if this
    run is the best so far.  Returns the session's whole duration, or None
    if the run failed (row.failure says why)."""
    t_start = time.monotonic()
    cpu0 = children_cpu()
    stamps = []
    s = session("usertests-%dcpu-%d" % (cpus, n), cpus, args, stamps=stamps)
    say("bench: usertests -q (%s) run %d, log %s" % (row.config, n, shortpath(s.log_path)))
    steps, _, failure = run(s, ["vmstat", "usertests -q", "vmstat"], budget)
    if len(steps) < 3:
        row.failure = "%s (run %d)" % (failure, n)
        return None
    before, (_, out, secs), after = parse_vmstat(steps[0][1]), steps[1], parse_vmstat(steps[2][1])
    if not passed(row, out, secs, n, stamps):
        return None
    if row.wall is None or secs < row.wall:
        row.wall = secs
        row.cpu = children_cpu() - cpu0
        row.counts = {c: after.get(c, 0) - before.get(c, 0) for c in COUNTERS}
        row.free = {"before": before.get("nr_free_pages"), "after": after.get("nr_free_pages")}
    return time.monotonic() - t_start


def in_turns(kinds, args, budget):
    """kinds: [(row, go)], go(n) does run n of row's kind and returns how
    long it took, or None if it failed (row.failure says why).  Up to
    --repeat runs of each kind, in turns, while the budget lasts."""
    last = {}           # row -> how long its kind of run took
    for n in range(1, args.repeat + 1):
        for row, go in kinds:
            if row.failure:
                continue
            if n > 1 and last[row] * 1.25 > budget.left():
                say("bench: no time left for run %d of %s (%s)" % (n, row.bench, row.config))
                continue
            if budget.left() < MIN_LEFT:
                row.failure = "no time left (--budget)"
                continue
            took = go(n)
            if took is not None:
                last[row] = took


def run_usertests_all(args, budget):
    """usertests -q at 1 and at 4 CPUs, alternating, up to --repeat each."""
    one, four = Row("usertests -q", "1 CPU"), Row("usertests -q", "4 CPUs")
    in_turns([(one, lambda n: run_usertests(one, 1, n, args, budget)),
              (four, lambda n: run_usertests(four, 4, n, args, budget))], args, budget)
    if not one.failure and not four.failure:
        ratio = four.wall / one.wall
        four.verdict = "%s (%.2fx)" % ("ok" if ratio <= SLOWER else "slower", ratio)
    return [one, four]


def run_xv6_usertests(row, xv6, n, args, budget):
    """One boot running MIT xv6's usertests -q, on xv6's kernel (xv6) or on
    cowpin.  Returns the session's whole duration, or None if it failed."""
    t_start = time.monotonic()
    stamps = []
    s = session("xv6-usertests-%s-%d" % ("xv6" if xv6 else "cowpin", n), 1, args,
                xv6=xv6, stamps=stamps)
    say("bench: xv6's usertests -q (%s) run %d, log %s" % (row.config, n, shortpath(s.log_path)))
    steps, _, failure = run(s, ["usertests -q" if xv6 else XV6_UT + " -q"], budget)
    if not steps:
        row.failure = "%s (run %d)" % (failure, n)
        return None
    _, out, secs = steps[0]
    if not passed(row, out, secs, n, stamps):
        return None
    row.wall = min(row.runs)
    return time.monotonic() - t_start


def run_xv6_all(args, budget):
    """xv6's usertests -q on xv6 and on cowpin (1 CPU), in turns."""
    xv6 = Row("xv6's usertests -q", "1 CPU, on xv6")
    cow = Row("xv6's usertests -q", "1 CPU, on cowpin")
    in_turns([(xv6, lambda n: run_xv6_usertests(xv6, True, n, args, budget)),
              (cow, lambda n: run_xv6_usertests(cow, False, n, args, budget))], args, budget)
    if not xv6.failure and not cow.failure:
        ratio = cow.wall / xv6.wall
        cow.verdict = "%s (%.2fx xv6's)" % ("ok" if ratio <= 1 else "slower", ratio)
    return [xv6, cow]


def xv6_table(xv6, cow):
    """Each test of xv6's usertests that takes XV6_SHOWN s or more on
    either kernel: its best time on both, slowest on cowpin (by ratio)
    first."""
    names = [t for t in xv6.tests if t in cow.tests and
             max(xv6.tests[t], cow.tests[t]) >= XV6_SHOWN]
    names.sort(key=lambda t: -cow.tests[t] / max(xv6.tests[t], 1e-3))
    lines = ["xv6's usertests -q at 1 CPU, each test's best time (s) on xv6 and on cowpin"
             " (tests under %.1f s on both left out):" % XV6_SHOWN,
             "  %-16s %8s %8s %8s" % ("test", "xv6", "cowpin", "ratio")]
    lines += ["  %-16s %8.2f %8.2f %7.2fx" % (t, xv6.tests[t], cow.tests[t],
                                             cow.tests[t] / max(xv6.tests[t], 1e-3))
              for t in names]
    return lines


def test_lists(rows):
    """Every per-test time, for logs/bench-tests.txt."""
    out = []
    for r in rows:
        if r.tests:
            out.append("%s (%s), best of %d runs:" % (r.bench, r.config, len(r.runs)))
            out += ["  %-24s %7.3f" % (t, secs) for t, secs in r.tests.items()]
    return out


def fault_and_copy(row, forks, config):
    """A COW fault's cost per page, the eager copy's, and a null system
    call's (the floor under any fault: a trap in and back, measured in the
    same boot as the faults), in time-CSR units, from the rows of forks
    (pages, iterations) in config; None if a run failed.  A child's COW
    faults: what writing every page adds to fork + exit; the eager copy
    of a page: what cow 0's fork + exit costs a page."""
    pages, iters = forks
    cow, write = row(pages, iters, config=config), row(pages, iters, "write", config)
    eager = row(pages, iters, config=config + ", cow 0")
    if None in (cow, write, eager) or write.trap is None:
        return None
    n = pages * iters
    return (write.time - cow.time) / n, eager.time / n, write.trap


def goals(rows):
    """Issue 16's fork goals, from forkbench's loop times (ratios of one
    boot's time-CSR counts: the host's noise and the clock rate cancel)."""
    def row(pages, iters, mode="exit", config="1 CPU"):
        for r in rows:
            if r.bench == "forkbench %d %d %s" % (pages, iters, mode) and r.config == config \
                    and r.time and not r.failure:
                return r
        return None

    def verdict(good):
        return "ok" if good else "MISSED"
    out = []
    for pages, iters in EAGER:
        cow, eager = row(pages, iters), row(pages, iters, config="1 CPU, cow 0")
        if None in (cow, eager):
            out.append("goal: fork + exit of %d MiB: not measured (a run failed)" % (pages // 256))
            continue
        speedup = eager.time / cow.time
        out.append("goal: fork + exit of %d MiB, COW %.1fx cheaper than copying every page "
                   "(want >= %dx): %s" % (pages // 256, speedup, FORK_SPEEDUP,
                                          verdict(speedup >= FORK_SPEEDUP)))
    small, huge = row(*BIG), row(BIG[0], BIG[1], "exit huge")
    if None in (small, huge) or not small.touch or not huge.touch:
        out.append("goal: 64 MiB in huge pages: not measured (a run failed)")
    else:
        t, f = small.touch / huge.touch, small.time / huge.time
        out.append("goal: touching 64 MiB, huge pages %.1fx faster than small ones (want > 1): %s"
                   % (t, verdict(t > 1)))
        out.append("goal: fork + exit of 64 MiB, huge pages %.1fx cheaper than small ones "
                   "(want > 1): %s" % (f, verdict(f > 1)))
    timed = fault_and_copy(row, EAGER[0], "1 CPU")
    if timed is None:
        out.append("goal: COW faults: not measured (a run failed)")
    else:
        fault, copy, trap = timed
        out += ["goal: a COW write fault costs %.2fx the eager copy of a page (want <= %.1fx): %s"
                % (fault / copy, FAULT_RATIO, verdict(fault / copy <= FAULT_RATIO)),
                "  a COW fault %.2f us, the eager copy of a page %.2f us, a null system call "
                "%.2f us (%.2fx the copy: the floor under any fault)"
                % (fault / 10, copy / 10, trap / 10, trap / copy)]
    counted = fault_and_copy(row, ICOUNT_FORKS, ICOUNT_CONFIG)
    if counted is None:
        out.append("  in instructions: not measured (a run failed)")
    else:
        fault, copy, trap = (x * INSNS_PER_UNIT for x in counted)
        out.append("  in guest instructions (QEMU -icount: without the cost of TCG's trap and "
                   "sfence.vma): a COW fault %.0f, the eager copy of a page %.0f (%.2fx: %s), "
                   "a null system call %.0f" % (fault, copy, fault / copy,
                                                verdict(fault / copy <= FAULT_RATIO), trap))
    pages, iters = EAGER[0]
    cow = row(pages, iters)
    if cow is None:
        return out + ["goal: exit: not measured (a run failed)"]
    # exit: from the child's exit() call until the parent's wait() returns;
    # the rest of the loop is the child's start (none of its own run: it
    # exits at once) and the parent's way into wait.
    fork, exit_ = cow.fork / iters, cow.exit / iters
    start = (cow.time - cow.fork - cow.exit) / iters
    return out + [
        "goal: exit + wait of %d MiB %.3f ms, fork %.3f ms (want exit no dearer): %s"
        % (pages // 256, exit_ / 1e4, fork / 1e4, verdict(exit_ <= fork)),
        "  the child's start between them (scheduled, back from fork) %.3f ms" % (start / 1e4),
    ]


def cell(value, fmt="%d"):
    return "-" if value is None else fmt % value


def table(rows):
    head = ["benchmark", "config", "wall s", "qemu cpu s", "ticks"] + list(COUNTERS) + \
        ["free_before", "free_min", "free_after", "verdict"]
    lines = []
    for r in rows:
        lines.append([r.bench, r.config, cell(r.wall, "%.2f"), cell(r.cpu, "%.1f"),
                     cell(r.ticks)] +
                     [cell(r.counts.get(c)) for c in COUNTERS] +
                     [cell(r.free.get(k)) for k in ("before", "min", "after")] +
                     ["FAILED: " + r.failure if r.failure else r.verdict])
    widths = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
    # Text columns to the left, numbers to the right, the verdict as it is.
    left = {0, 1, len(head) - 1}

    def fmt(cols):
        return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cols, widths))).rstrip()
    out = [fmt(head), fmt(["-" * w for w in widths])]
    out += [fmt(x) for x in lines]
    return "\n".join(out)


def shortpath(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=3,
                   help="runs of usertests -q per CPU count; the best counts (default 3)")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds the whole bench may take (default %d, with --xv6 %d)"
                   % (BUDGET, BUDGET + XV6_BUDGET))
    p.add_argument("--xv6", metavar="DIR",
                   help="an MIT xv6-riscv tree, built: compare its usertests on both kernels "
                   "(fs.img needs %s: make XV6=DIR)" % XV6_UT)
    p.add_argument("-v", "--verbose", action="store_true", help="echo the consoles")
    p.add_argument("--kernel", default=qemu.KERNEL)
    p.add_argument("--fs", default=qemu.FSIMG)
    p.add_argument("--logdir", default=qemu.LOGDIR)
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    if args.budget is None:
        args.budget = BUDGET + (XV6_BUDGET if args.xv6 else 0)

    # Logs of an earlier bench would pass for this one's.
    for old in glob.glob(os.path.join(args.logdir, "bench-*.log")) + \
            glob.glob(os.path.join(args.logdir, "bench-*.img")) + \
            [os.path.join(args.logdir, TEST_TIMES)]:
        if os.path.exists(old):
            os.remove(old)
    t0 = time.monotonic()
    load0 = os.getloadavg()[0]
    budget = Budget(args.budget)
    rows = run_forkbench(args, budget)
    more, got = run_machine(args, budget)
    rows += more
    usertests = run_usertests_all(args, budget)
    rows += usertests
    xv6 = run_xv6_all(args, budget) if args.xv6 else []
    rows += xv6

    print(table(rows))
    for line in goals(rows) + machine_goals(got):
        print(line)
    runs = ["%s (%s): %s" % (r.bench, r.config, ", ".join("%.2f" % t for t in r.runs))
            for r in rows if len(r.runs) > 1]
    if runs:
        print("usertests runs (the best counts): %s" % "; ".join(runs))
    slow = sorted(usertests[0].tests.items(), key=lambda x: -x[1])[:SLOWEST]
    if slow:
        print("usertests -q at 1 CPU, the slowest tests (s): %s"
              % ", ".join("%s %.2f" % x for x in slow))
    if xv6 and xv6[0].tests and xv6[1].tests:
        print("\n".join(xv6_table(*xv6)))
    if any(r.tests for r in rows):
        os.makedirs(args.logdir, exist_ok=True)
        with open(os.path.join(args.logdir, TEST_TIMES), "w") as f:
            f.write("\n".join(test_lists(rows)) + "\n")
    # Other QEMUs on the host slow the runs down: say how busy it was.
    print("QEMU virt, %s, %s virtio-mmio; host: %d CPUs, load %.1f at start, %.1f at end;"
          " %.0f s in all; logs %s"
          % (qemu.MEMORY["direct"], "modern" if MODERN else "legacy",
             os.cpu_count() or 0, load0, os.getloadavg()[0], time.monotonic() - t0,
             shortpath(os.path.join(args.logdir, "bench-*"))), flush=True)
    return 1 if any(r.failure for r in rows) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # Each Session kills its QEMU on the way out.
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
