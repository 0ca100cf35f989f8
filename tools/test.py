#!/usr/bin/env python3
"""`make test`: run the host tests, boot cowpin in QEMU sessions, count results.

    python3 tools/test.py [--only NAME[,NAME...]] [--list] [-v]

SESSIONS below has two kinds of entries; the quick host ones run first
(they take seconds, and a broken parser should show before a 10-minute
boot).

A HostSpec runs a command on the host that prints one `ok NAME` or `FAIL
NAME` line per test at the start of a line (indented lines are details),
such as tests/fdt/run.sh.  Each such line is one test; a command that exits
non-zero (or times out) without a FAIL line is one failed test.  One that
boots QEMU itself (tools/lab.py check) is not quick: it runs in list order.

A SessionSpec is one QEMU boot (tools/qemu.py) that runs the commands of its
entry, then powers off (the command POWER_CYCLE instead kills QEMU and boots
again on the same disk, to test what survives a power cut).  mode "direct" lets OpenSBI enter kernel/Image with
fs.img as the disk; mode "uboot" boots sd.img through U-Boot as a board does
(fs.img becomes a RAM disk, so no fsck there).  A session's parser turns the
commands' output into (name, ok) results, each one test.  The session itself
is one more test: it fails if the kernel panicked, a command hung (timeout),
QEMU exited early, or the output lacks the entry's `finished` text.  With
`fsck` set, the session's private disk is checked after a clean run
(tools/fsck.py), one more test.

Output: the results of each session, the paths of the logs, and as the very
last line `N passed, N failed`.  Exit status 0 iff nothing failed.

To add a session, append an entry to SESSIONS; to test a new user program,
give it a parser (or reuse parse_usertests if it prints the same lines).
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fsck   # noqa: E402
import qemu   # noqa: E402
import history   # noqa: E402

# A result: (test name, passed?) or (test name, passed?, detail).
Result = Tuple


def parse_usertests(text):
    """usertests (and cowtest ...) print `PROG: running NAME` before a test and
    `test NAME: OK` or `test NAME: FAILED` after it, on a line of its own.
    A test that was started but has no verdict (a panic or a hang inside it)
    counts as failed, and so is blamed on the right test.  Several programs
    may run in one session, so a name may come more than once.
    `free pages: N` ... `free pages after: M` becomes a test of its own
    that fails if pages were lost (M < N)."""
    results = []
    pending = []    # started, no verdict yet

    def why(name):
        # A failing test says why on lines of its own starting "NAME: ".
        return " | ".join(re.findall(r"^%s: (.*\S)" % re.escape(name), text, re.M))[:300]

    for line in text.split("\n"):
        m = re.match(r"exec (\S+) failed", line)     # the shell could not run it
        if m:
            results.append((m.group(1), False, line.strip()))
            continue
        m = re.match(r"\w+: running ([\w.-]+)\s*$", line)
        if m:
            pending.append(m.group(1))
            continue
        m = re.match(r"test ([\w.-]+): (OK|FAILED)\s*$", line)
        if m:
            name, ok = m.group(1), m.group(2) == "OK"
            if name in pending:
                pending.remove(name)
            results.append((name, ok, "" if ok else why(name)))
    for name in pending:
        results.append((name, False, "no verdict (panic or hang?)"))
    before = re.search(r"free pages: (\d+)", text)
    after = re.search(r"free pages after: (\d+)", text)
    if before and after:
        n, m = int(before.group(1)), int(after.group(1))
        results.append(("free pages", m >= n, "%d before, %d after" % (n, m)))
    return results


def parse_ok_fail(text):
    """`ok NAME` / `FAIL NAME` at the start of a line, one test each.  The
    indented lines after a FAIL (the case's own log) become its detail."""
    results = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"(ok|FAIL) (\S+)", line)
        if not m:
            continue
        detail = ""
        if m.group(1) == "FAIL":
            block = []
            for more in lines[i + 1:]:
                if not more[:1].isspace():
                    break
                block.append(more.strip())
            # The case's own failure lines say most; else its first lines.
            block = [b for b in block if "FAIL" in b] or block[:3]
            detail = " | ".join(block)[:300]
        results.append((m.group(2), m.group(1) == "ok", detail))
    return results


# A report of the checked kernels (docs/debugging.md): the data-race
# detector's or the lock-order checker's first line, or the checker giving up.
CHECKER_REPORT = re.compile(r"^(KCSAN|LOCKDEP): (?!enabled).*$", re.M)
EXPECTED = re.compile(r"^kchecktest: expected reports begin$.*?"
                      r"(?:^kchecktest: expected reports end$|\Z)", re.M | re.S)


def parse_checker(text):
    """A session under a checker fails on every report that kchecktest did
    not ask for (those come between its "expected reports begin" and
    "end" lines): one test, "no reports", with the reports' first lines
    (and the first place each names) as its detail.  If kchecktest got
    reports, one more test checks that they name source lines."""
    unexpected = []
    rest = EXPECTED.sub("", text)
    for m in CHECKER_REPORT.finditer(rest):
        after = rest[m.end():].split("\n")[1:8]
        place = next((l.strip() for l in after if re.search(r"\S+\+0x", l)), "")
        unexpected.append("%s: %s" % (m.group(0), place) if place else m.group(0))
    results = [("no reports", not unexpected,
                "%d: %s" % (len(unexpected), " | ".join(unexpected[:3])) if unexpected else "")]
    # The reports kchecktest asked for name their places by function and
    # source line: the kernel's symbol table (kernel/ksyms.c) works.
    expected = "".join(m.group(0) for m in EXPECTED.finditer(text))
    if CHECKER_REPORT.search(expected):
        results.append(("reports name source lines",
                        bool(re.search(r"\w+\+0x[0-9a-f]+ \(kernel/[\w/.-]+\.c:\d+\)", expected)),
                        "no function+offset (kernel/FILE.c:LINE) in the expected reports"))
    return results


def parse_checked(text):
    return parse_usertests(text) + parse_checker(text)


POWER_CYCLE = qemu.POWER_CYCLE   # in a session's commands


# The saga's columns (the eras, then the one-knob steps between eras that
# change several knobs) and where each reproducer shows its bug (saga
# prints BUG there, n/a before the era that has what it needs, ok
# everywhere else): docs/history.json, the history's one home.
SAGA_COLUMNS = [name for name, _ in history.columns()]
SAGA_BUGS = history.bugs()


def parse_saga(text):
    """saga prints `saga NAME COLUMN BUG|ok|??` per run.  Each reproducer is
    one test: it passes if its verdicts in all columns are the history's."""
    got = {}
    for m in re.finditer(r"^saga (\w+) (\S+) (BUG|ok|n/a|\?\?)\s*$", text, re.M):
        got.setdefault(m.group(1), {})[m.group(2)] = m.group(3)
    results = []
    for name in SAGA_BUGS:
        want = {col: history.verdict(name, col) for col in SAGA_COLUMNS}
        have = got.get(name, {})
        wrong = ["%s: %s, want %s" % (col, have.get(col, "missing"), want[col])
                 for col in SAGA_COLUMNS if have.get(col) != want[col]]
        results.append(("saga " + name, not wrong, "; ".join(wrong)))
    return results


@dataclass
class SessionSpec:
    name: str
    cpus: int = 1
    modern: bool = False            # modern (non-legacy) virtio-mmio
    extra: List[str] = field(default_factory=list)   # more QEMU args
    commands: List[str] = field(default_factory=list)
    timeout: float = 60             # seconds for each command
    parser: Callable[[str], List[Result]] = parse_usertests
    finished: Optional[str] = None  # text the output must contain
    fsck: bool = True               # check the disk after a clean run
    mode: str = "direct"            # "direct" (OpenSBI -> Image) or "uboot"
    boot_timeout: Optional[float] = None   # None: the mode's default
    checker: Optional[str] = None   # boot the kernel built with it (qemu.CHECKERS)


@dataclass
class HostSpec:
    """A test command run on the host, from the repository root."""
    name: str
    command: List[str]
    timeout: float = 300
    parser: Callable[[str], List[Result]] = parse_ok_fail
    quick: bool = True              # run before the QEMU sessions


# What the VisionFive 2's U74 cores lack compared with QEMU's default CPU:
# no Sstc (the timer goes through SBI) and privilege spec 1.11.
U74_CPU = ["-cpu", "rv64,sstc=off,priv_spec=v1.11.0"]

SESSIONS = [
    HostSpec("fdt-host", ["sh", "tests/fdt/run.sh"]),
    # The history's one home against the kernel's knobs, the docs, the labs.
    HostSpec("history", ["python3", "tools/history.py", "check"]),
    # make EXTRA= with a program written MIT xv6's way (warnings, not errors).
    HostSpec("extra", ["sh", "tests/extra/run.sh"]),
    # The labs' trace pictures: drawn from their committed dumps by today's
    # tools/tracesvg.py, in today's trace format, with the verdicts the
    # labs expect, labels apart, renderable (docs/trace.md).
    HostSpec("trace-pictures", ["python3", "tools/tracesvg.py", "--check-labs"]),
    SessionSpec("usertests-1cpu", cpus=1, modern=False,
                commands=["usertests", "torture 10 2"], timeout=900,
                parser=parse_usertests, finished="ALL TESTS PASSED"),
    # The checked kernels (docs/debugging.md) under the busiest workloads
    # at 4 harts: usertests, the mm torture, the fuzzer; a report fails
    # the session, unless kchecktest's own test of the checker asked for
    # it. The lock-order checker's run is also the 4-hart usertests.
    SessionSpec("lockdep-4cpu", cpus=4, modern=True, checker="lockdep",
                commands=["usertests", "torture 10 3", "fuzz 3 5000",
                          "kchecktest lock_inversion", "kchecktest bad_release",
                          "kchecktest irq_unsafe"], timeout=900,
                parser=parse_checked, finished="ALL TESTS PASSED"),
    SessionSpec("kcsan-4cpu", cpus=4, modern=True, checker="kcsan",
                commands=["usertests -q", "torture 10 3", "fuzz 3 5000",
                          "kchecktest fpos_race"], timeout=900,
                parser=parse_checked, finished="ALL TESTS PASSED"),
    SessionSpec("mm-4cpu", cpus=4, modern=True,
                commands=["cowtest", "threadtest", "pintest", "softdirtytest", "splicetest",
                          "uffdtest", "vmmap", "thptest"], timeout=600,
                parser=parse_usertests, finished="ALL TESTS PASSED"),
    # mmaptest, then data written through a shared mapping and msync'd must
    # survive pulling the plug; O_DIRECT; fsck checks the disk after.
    SessionSpec("files-2cpu", cpus=2, modern=True,
                commands=["mmaptest", "diotest", "mmaptest persist-write", POWER_CYCLE,
                          "mmaptest persist-check"], timeout=600,
                parser=parse_usertests, finished="ALL TESTS PASSED"),
    # Bad input, load and failure: 20,000 random system calls (a fixed
    # seed: a failure here repeats with the same command), 20 s of mm
    # torture (and 10 s at 1 hart above), 10 s of it on transparent huge
    # pages, then the workload
    # under page allocations and disk requests that fail; a failed disk
    # write aborts the journal until reboot, so the disk is checked after
    # the next boot (and by fsck).
    SessionSpec("robust-4cpu", cpus=4, modern=True,
                commands=["fuzz 1 20000", "torture 20 1", "torture 10 3 huge", "failtest",
                          "failtest make_request",
                          POWER_CYCLE, "failtest after_requests"], timeout=600,
                parser=parse_usertests, finished="ALL TESTS PASSED"),
    # The mm tracepoints: each event where it is documented, the buffers
    # wrapping at 4 harts, the trace program's dump (user/tracetest.c).
    SessionSpec("trace-4cpu", cpus=4, modern=True, commands=["tracetest"], timeout=300,
                parser=parse_usertests, finished="ALL TESTS PASSED"),
    # The history engine: every reproducer in every era, at 1 and 4 harts.
    SessionSpec("saga-1cpu", cpus=1, modern=False, commands=["historytest", "saga"],
                timeout=600, parser=lambda t: parse_usertests(t) + parse_saga(t),
                finished="ALL TESTS PASSED"),
    SessionSpec("saga-4cpu", cpus=4, modern=True, commands=["saga"], timeout=600,
                parser=parse_saga, finished="saga: done"),
    # The labs: the reference passes every lab's grading, each lab's
    # starting point builds and fails exactly what it should, and the
    # grader rejects each lab's wrong solutions (tools/lab.py).
    HostSpec("labs", ["python3", "tools/lab.py", "check"], timeout=1500, quick=False),
    # make handin in a starting point, and the Gradescope package graded
    # here as Gradescope would run it, for one lab (the same code for all).
    HostSpec("autograder", ["python3", "tools/lab.py", "check-autograder", "dirtycow"],
             timeout=600, quick=False),
    # Power cuts during a file-system workload: a few here, make crashtest
    # for many. Fixed seeds: a failure repeats.
    HostSpec("crashtest", ["python3", "tools/crashtest.py", "--cuts", "4", "--seed", "1",
                           "--logdir", os.path.join(qemu.LOGDIR, "crashtest")],
             timeout=600, quick=False),
    # The board's boot path (OpenSBI, U-Boot, extlinux, initrd as RAM disk)
    # on a CPU like the board's.  The disk holds sd.img, not an xv6 fs.
    SessionSpec("usertests-board", cpus=2, modern=False, mode="uboot",
                extra=U74_CPU, commands=["usertests", "diotest"], timeout=900,
                parser=parse_usertests, finished="ALL TESTS PASSED", fsck=False),
]


def say(*args):
    print(*args, flush=True)


def describe(spec):
    if isinstance(spec, HostSpec):
        return "host"
    return "%s%s%d CPU%s, %s virtio%s" % (
        "U-Boot, " if spec.mode == "uboot" else "",
        spec.checker.upper() + ", " if spec.checker else "",
        spec.cpus, "" if spec.cpus == 1 else "s",
        "modern" if spec.modern else "legacy",
        (", " + " ".join(spec.extra)) if spec.extra else "")


def commands(spec):
    if isinstance(spec, HostSpec):
        return " ".join(spec.command)
    return "; ".join(spec.commands)


def run_host(spec, args):
    """Run a host command; its whole output goes to logs/NAME.log.
    Returns (results, log path, crashed) like run_session."""
    log_path = os.path.join(args.logdir, spec.name + ".log")
    os.makedirs(args.logdir, exist_ok=True)
    problem = None
    with open(log_path, "wb") as log:
        try:
            # Own process group, so a timeout (or Ctrl-C) stops the
            # command's children (compilers, test programs) as well.
            proc = subprocess.Popen(spec.command, cwd=qemu.ROOT, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        except OSError as e:
            problem = str(e)
        else:
            try:
                code = proc.wait(spec.timeout)
                if code != 0:
                    problem = "%s exited with status %d" % (commands(spec), code)
            except subprocess.TimeoutExpired:
                problem = "%s timed out after %g s" % (commands(spec), spec.timeout)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    with open(log_path, "rb") as f:
        text = f.read().decode("utf-8", "replace").replace("\r", "")
    if args.verbose > 1:
        sys.stdout.write(text)
    try:
        results = [tuple(r) + ("",) * (3 - len(r)) for r in spec.parser(text)]
    except Exception as e:      # a broken parser must not hide the others
        results = [("parser", False, "%s: %s" % (type(e).__name__, e))]
    failed = any(not r[1] for r in results)
    crashed = problem is not None and not failed
    if crashed:
        results.append(("exit", False, problem))
    elif not results:
        results.append(("output", False, "no ok/FAIL lines"))
        crashed = True
    return results, log_path, crashed


def run_session(spec, args):
    """Boot, run the commands, parse.  Returns a list of (name, ok, detail)."""
    if isinstance(spec, HostSpec):
        return run_host(spec, args)
    kernel = qemu.checked_kernel(spec.checker) if spec.checker else args.kernel
    s = qemu.Session(spec.name, spec.cpus, spec.modern, spec.extra,
                     kernel=kernel, fsimg=args.fs, logdir=args.logdir,
                     echo=args.verbose > 1, mode=spec.mode, sdimg=args.sd)
    problem, clean, crashed, text = None, False, False, ""
    try:
        run = qemu.run_session(s, spec.commands, spec.timeout, spec.boot_timeout)
        text, clean = run.text(), run.clean
        if run.error:
            problem, crashed = str(run.error), True
        elif not run.stopped:
            say("  note: poweroff did not stop QEMU; killed it")
    except OSError as e:        # no kernel, no fs.img, no QEMU ...
        problem = str(e)

    try:
        results = [tuple(r) + ("",) * (3 - len(r)) for r in spec.parser(text)]
    except Exception as e:      # a broken parser must not hide the others
        results = [("parser", False, "%s: %s" % (type(e).__name__, e))]
    if problem is None and spec.finished and spec.finished not in text:
        problem = "output lacks %r" % spec.finished
    results.append(("session", problem is None, problem or "clean run"))
    if spec.fsck and clean and os.path.exists(s.disk):
        errors = fsck.check_file(s.disk)
        results.append(("fsck", not errors, "; ".join(errors[:5])
                        + (" ..." if len(errors) > 5 else "")))
    return results, s.log_path, crashed


def shortpath(path):
    """path relative to the current directory if it lies below it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def log_tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace").replace("\r", "")
    except OSError:
        return []
    text = text.rstrip("\n")
    return text.split("\n")[-lines:] if text else []


def run_order(specs):
    """Quick host tests first, then the rest, each in list order."""
    return sorted(specs, key=lambda spec: not (isinstance(spec, HostSpec) and spec.quick))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", action="append", default=[],
                   help="run only these sessions (comma-separated or repeated)")
    p.add_argument("--list", action="store_true", help="list the sessions")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="-v: print every result; -vv: also echo the console")
    p.add_argument("--kernel", default=qemu.KERNEL)
    p.add_argument("--fs", default=qemu.FSIMG)
    p.add_argument("--sd", default=qemu.SDIMG, help="SD-card image for U-Boot sessions")
    p.add_argument("--logdir", default=qemu.LOGDIR)
    args = p.parse_args(argv)

    if args.list:
        for spec in run_order(SESSIONS):
            say("%-24s %s: %s" % (spec.name, describe(spec), commands(spec)))
        return 0
    only = [n for o in args.only for n in o.split(",") if n]
    unknown = [n for n in only if n not in {s.name for s in SESSIONS}]
    if unknown:
        say("test.py: no session named %s; sessions: %s"
            % (", ".join(unknown), ", ".join(s.name for s in SESSIONS)))
        return 2
    chosen = run_order([s for s in SESSIONS if not only or s.name in only])

    summary = []
    for spec in chosen:
        say("== %s (%s): %s" % (spec.name, describe(spec), commands(spec)))
        t0 = time.monotonic()
        results, log, crashed = run_session(spec, args)
        secs = time.monotonic() - t0
        npass = sum(1 for r in results if r[1])
        nfail = len(results) - npass
        for name, ok, detail in results:
            if not ok or args.verbose:
                say("  %s %s: %s%s" % ("PASS" if ok else "FAIL", spec.name, name,
                                       (" -- " + detail) if detail and not ok else ""))
        if crashed:
            # CI shows only this output: give the crash's context here.
            say("  --- last lines of %s ---" % shortpath(log))
            for line in log_tail(log):
                say("  | " + line)
        say("  %s: %d passed, %d failed in %.0f s; log %s"
            % (spec.name, npass, nfail, secs, shortpath(log)))
        summary.append((spec.name, npass, nfail, log))

    say("== summary")
    for name, npass, nfail, log in summary:
        say("  %-24s %4d passed %4d failed   %s"
            % (name, npass, nfail, shortpath(log)))
    total_pass = sum(s[1] for s in summary)
    total_fail = sum(s[2] for s in summary)
    say("%d passed, %d failed" % (total_pass, total_fail))
    return 0 if total_fail == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # Sessions have killed their QEMU on the way out.
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
