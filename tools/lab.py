#!/usr/bin/env python3
"""The labs (labs/README.md): make a student's starting point, grade it.

    python3 tools/lab.py list
    python3 tools/lab.py start NAME [DIR]     # make lab LAB=NAME
    python3 tools/lab.py grade [NAME...]      # make grade
    python3 tools/lab.py check [NAME...]      # part of make test

A lab is a directory labs/NAME holding README.md (the handout),
start.patch (what the starting point lacks: the Linux fix the student
writes, taken out of kernel/, and docs/ rewritten not to tell it) and
grade.json:

    {"title": "...",
     "tests": [{"name": "...", "era": "4.9", "knobs": {"race_delay_ms": 0},
                "run": "dirtycow", "expect": "OK", "points": 20,
                "cpus": [1, 4], "start_fails": true}, ...]}

A test sets the era (`knob era ERA`) and then its knobs, runs one command
and looks for `expect` in the output: "OK" and "BUG" mean a reproducer's
verdict line (`OK: ...`, `BUG: ...`), anything else is literal text, such
as "ALL TESTS PASSED".  It runs once per CPU count in cpus (default [1]),
each run worth its points.  start_fails says whether the starting point
fails it: `check` makes sure that the reference passes every test and that
the starting point fails exactly those marked so, so a lab whose starting
point already works, or whose fix no longer passes, breaks make test.

start copies the working tree's files (tracked or not ignored) into DIR,
applies the patch, records the lab in conf/lab.mk (so `make grade` there
grades this lab) and makes DIR a git repository with the starting point as
its first commit.  grade boots one QEMU session per CPU count and prints a
line per test and the score; it exits 0 only with full marks.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu   # noqa: E402

LABS = os.path.join(qemu.ROOT, "labs")
TEST_TIMEOUT = 120


def say(*args):
    print(*args, flush=True)


def version(era):
    """"5.9-rc4" -> (5, 9, 4); a release sorts after its rcs."""
    m = re.match(r"(\d+)\.(\d+)(?:-rc(\d+))?$", era)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 99))


def lab_names():
    """The labs in the order of Linux's history: by the era of the fix
    (that of the first test the starting point fails)."""
    names = [n for n in os.listdir(LABS) if os.path.isfile(os.path.join(LABS, n, "grade.json"))]
    fix = {n: next((t["era"] for t in load(n)["tests"] if t.get("start_fails")), "0.0")
           for n in names}
    return sorted(names, key=lambda n: (version(fix[n]), n))


def current_lab():
    """The lab a starting point was made for (conf/lab.mk), or None."""
    try:
        with open(os.path.join(qemu.ROOT, "conf", "lab.mk")) as f:
            return re.search(r"^LAB\s*=\s*(\S+)", f.read(), re.M).group(1)
    except (OSError, AttributeError):
        return None


def load(name):
    """The lab's grade.json, its tests expanded per CPU count."""
    path = os.path.join(LABS, name, "grade.json")
    if not os.path.isfile(path):
        raise SystemExit("lab.py: no lab %s (there are: %s)" % (name, ", ".join(lab_names())))
    with open(path) as f:
        spec = json.load(f)
    tests = []
    for t in spec["tests"]:
        for cpus in t.get("cpus", [1]):
            tests.append(dict(t, cpus=cpus, lab=name,
                              label="%s (%d hart%s)" % (t["name"], cpus, "" if cpus == 1 else "s")))
    spec["tests"] = tests
    return spec


def passed(test, out):
    want = {"OK": r"^OK: ", "BUG": r"^BUG: "}.get(test["expect"])
    if want:
        return re.search(want, out, re.M) is not None
    return test["expect"] in out


def commands(test):
    return (["knob era " + test["era"]] +
            ["knob %s %d" % kv for kv in sorted(test.get("knobs", {}).items())] +
            [test["run"]])


def run_tests(tests, kernel, fsimg, logname, quiet=False):
    """Run tests (from load()) on kernel, one QEMU session per CPU count (a
    new one after a panic or a hang).  Returns {(lab, label): (ok, why)}."""
    results = {}
    for cpus in sorted({t["cpus"] for t in tests}):
        session, boots = None, 0
        for t in [t for t in tests if t["cpus"] == cpus]:
            t0 = time.monotonic()
            why = ""
            try:
                if session is None:
                    # A new log per boot: the one that saw the panic stays.
                    boots += 1
                    session = qemu.Session("%s-%dcpu%s" % (logname, cpus, "-%d" % boots if boots > 1 else ""),
                                           cpus, modern=cpus > 1, kernel=kernel, fsimg=fsimg)
                    session.start()
                    session.boot()
                *setup, run = commands(t)
                for c in setup:
                    out = session.run(c, TEST_TIMEOUT)
                    if "knob: " in out:   # knob's error messages
                        raise ValueError("%s: %s" % (c, out.strip()))
                out = session.run(run, TEST_TIMEOUT)
                ok = passed(t, out)
                if not ok:
                    lines = [l for l in out.splitlines() if l.strip()]
                    why = "expected %r, got: %s" % (t["expect"], " / ".join(lines[-3:]) or "nothing")
            except ValueError as e:
                ok, why = False, "the test's setup failed: %s" % e
            except qemu.QemuError as e:
                ok, why = False, "%s (log %s)" % (e, os.path.relpath(session.log_path))
                session.kill()
                session = None
            results[(t["lab"], t["label"])] = (ok, why)
            if not quiet:
                say("%s: %s: %s (%.1fs)" % (t["lab"], t["label"], "OK" if ok else "FAIL",
                                            time.monotonic() - t0))
                if why:
                    say("    " + why)
        if session is not None:
            try:
                session.poweroff()
            except qemu.QemuError:
                pass   # every test has its result; the log keeps the panic
            session.kill()
    return results


def grade(names):
    labs = {n: load(n) for n in names}
    tests = [t for n in names for t in labs[n]["tests"]]
    results = run_tests(tests, qemu.KERNEL, qemu.FSIMG, "grade")
    full = True
    for n in names:
        score = sum(t["points"] for t in labs[n]["tests"] if results[(n, t["label"])][0])
        total = sum(t["points"] for t in labs[n]["tests"])
        full = full and score == total
        say("Score for lab %s (%s): %d/%d" % (n, labs[n]["title"], score, total))
    return 0 if full else 1


def export_tree(dst):
    """The working tree's files (tracked, or not ignored) into dst, but for
    the labs' start.patch files: read backwards, each is its lab's solution."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=qemu.ROOT, check=True, capture_output=True).stdout
    for f in files.decode().split("\0"):
        if f and os.path.isfile(os.path.join(qemu.ROOT, f)) and not f.endswith("/start.patch"):
            os.makedirs(os.path.join(dst, os.path.dirname(f)), exist_ok=True)
            shutil.copy2(os.path.join(qemu.ROOT, f), os.path.join(dst, f))


def apply_patch(name, tree):
    patch = os.path.join(LABS, name, "start.patch")
    if not os.path.isfile(patch):
        raise RuntimeError("no labs/%s/start.patch: make labs from the reference tree, "
                           "not from a starting point" % name)
    r = subprocess.run(["git", "apply", "--whitespace=nowarn", patch], cwd=tree,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("labs/%s/start.patch does not apply: %s" % (name, r.stderr.strip()))


def start(name, dst):
    load(name)
    if os.path.exists(dst):
        raise SystemExit("lab.py: %s exists; give another directory" % dst)
    export_tree(dst)
    try:
        apply_patch(name, dst)
    except RuntimeError as e:
        shutil.rmtree(dst)
        raise SystemExit("lab.py: %s" % e)
    os.makedirs(os.path.join(dst, "conf"), exist_ok=True)
    with open(os.path.join(dst, "conf", "lab.mk"), "w") as f:
        f.write("# make grade grades this lab (tools/lab.py)\nLAB = %s\n" % name)
    git = ["git", "-c", "user.name=cowpin", "-c", "user.email=cowpin@localhost"]
    subprocess.run(["git", "init", "-q"], cwd=dst, check=True)
    subprocess.run(git + ["add", "-A"], cwd=dst, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "lab %s: the starting point" % name],
                   cwd=dst, check=True)
    say("lab %s: starting point in %s; the handout is labs/%s/README.md there.\n"
        "Build and run it with make qemu, grade it with make grade." % (name, dst, name))


def check(names):
    """For make test: `ok NAME`/`FAIL NAME` lines (tools/test.py).  In a
    starting point (no patches there), only that this tree passes its tests."""
    def report(ok, what, why=""):
        say("%s lab %s%s" % ("ok" if ok else "FAIL", what, "" if ok or not why else "\n    " + why))

    in_lab = current_lab() is not None
    labs = {n: load(n) for n in names}
    for n in [] if in_lab else names:
        patch = open(os.path.join(LABS, n, "start.patch")).read()
        touched = re.findall(r"^\+\+\+ b/(\S+)", patch, re.M)
        outside = [p for p in touched if not p.startswith(("kernel/", "docs/"))]
        total = sum(t["points"] for t in labs[n]["tests"])
        report(total == 100, "%s: the points add up to 100" % n, "they add up to %d" % total)
        report(any(t.get("start_fails") for t in labs[n]["tests"]),
               "%s: the starting point has a test to fail" % n, "no test has start_fails")
        handout = os.path.isfile(os.path.join(LABS, n, "README.md"))
        report(handout and touched and not outside, "%s: a handout, and a patch of kernel/ and docs/ only" % n,
               "no README.md" if not handout else
               "the patch changes %s" % (", ".join(outside) if outside else "nothing"))
    ref = run_tests([t for n in names for t in labs[n]["tests"]], qemu.KERNEL, qemu.FSIMG,
                    "lab-reference", quiet=True)
    for (lab, label), (ok, why) in ref.items():
        report(ok, "%s: this tree passes %r" % (lab, label), why)
    for n in [] if in_lab else names:
        with tempfile.TemporaryDirectory(prefix="cowpin-lab-") as tmp:
            tree = os.path.join(tmp, n)
            try:
                # With the build's outputs and their times: make rebuilds
                # only what the patch changes.
                shutil.copytree(qemu.ROOT, tree, symlinks=True,
                                ignore=shutil.ignore_patterns(".git", "logs", "sd.img"))
                apply_patch(n, tree)
                make = subprocess.run(["make", "-s", "-j2", "kernel/Image"], cwd=tree,
                                      capture_output=True, text=True)
                if make.returncode != 0:
                    raise RuntimeError("the starting point does not build: " +
                                       make.stderr.strip()[-500:])
            except RuntimeError as e:
                report(False, "%s: the starting point" % n, str(e))
                continue
            got = run_tests(labs[n]["tests"], os.path.join(tree, "kernel", "Image"), qemu.FSIMG,
                            "lab-start-" + n, quiet=True)
        for t in labs[n]["tests"]:
            ok, why = got[(n, t["label"])]
            fails = t.get("start_fails", False)
            report(ok != fails, "%s: the starting point %s %r" % (n, "fails" if fails else "passes",
                                                                   t["label"]),
                   why or "it passes")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    p = sub.add_parser("start")
    p.add_argument("name")
    p.add_argument("dir", nargs="?")
    for c in ("grade", "check"):
        p = sub.add_parser(c)
        p.add_argument("names", nargs="*", metavar="NAME")
    a = ap.parse_args()
    if a.cmd == "list":
        for n in lab_names():
            say("%-16s %s" % (n, load(n)["title"]))
        return 0
    if a.cmd == "start":
        start(a.name, a.dir or os.path.join(os.path.dirname(qemu.ROOT), "cowpin-lab-" + a.name))
        return 0
    lab = current_lab()
    names = a.names or ([lab] if lab else lab_names())
    if a.cmd == "grade":
        return grade(names)
    check(names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
