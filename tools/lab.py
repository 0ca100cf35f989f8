#!/usr/bin/env python3
"""The labs (labs/README.md): make a student's starting point, grade it,
hand it in, and package it for Gradescope.

    python3 tools/lab.py list                 # make lab
    python3 tools/lab.py start NAME [DIR]     # make lab LAB=NAME
    python3 tools/lab.py start-all [DIR]      # make labs-all
    python3 tools/lab.py grade [--test T] [--results FILE] [NAME...]   # make grade
    python3 tools/lab.py handin               # make handin, in a starting point
    python3 tools/lab.py autograder NAME [ZIP]      # make autograder LAB=NAME
    python3 tools/lab.py autograde [ROOT]     # what the package's run_autograder runs
    python3 tools/lab.py check [NAME...]      # part of make test
    python3 tools/lab.py check-autograder NAME      # part of make test

A lab is a directory labs/NAME holding README.md (the handout),
start.patch (what the starting point lacks: the Linux fix the student
writes, taken out of kernel/, with the comments and docs that would give
it away), grade.json, and mutants/*.patch:

    {"title": "...",
     "tests": [{"name": "...", "era": "4.9", "knobs": {"race_delay_ms": 0},
                "run": "dirtycow", "expect": "OK", "points": 20,
                "cpus": [1, 4], "start_fails": true}, ...]}

A test sets the era (`knob era ERA`) and then its knobs, runs one command
and looks for `expect` in the output: "OK" and "BUG" mean a reproducer's
verdict line (`OK: ...`, `BUG: ...`), anything else is literal text, such
as "ALL TESTS PASSED".  It runs once per CPU count in cpus (default [1]),
each run worth its points.  start_fails says whether the starting point
fails it.

A mutant is a wrong solution: a patch of the reference (the text before
its first `diff --git` says what is wrong with it).  `check` makes sure
that the reference passes every test, that the starting point fails
exactly those marked start_fails, and that the grader gives every mutant
less than full marks; so a lab whose starting point already works, whose
fix no longer passes, or whose grader a plausible wrong fix fools, breaks
make test.

start copies the working tree's files (tracked or not ignored) into DIR,
applies the patch, records the lab in conf/lab.mk (so `make grade` there
grades this lab), adds the GitHub Classroom workflow, and makes DIR a git
repository with the starting point as its first commit.  grade boots one
QEMU session per CPU count, prints a line per test and the score, and
writes Gradescope's results.json; it exits 0 only with full marks.
"""
import argparse
import difflib
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu   # noqa: E402

LABS = os.path.join(qemu.ROOT, "labs")
RESULTS = os.path.join(qemu.LOGDIR, "results.json")
TEST_TIMEOUT = 120
# What a submission may change: the grader takes kernel/ only, so that a
# submission cannot change the tests, the tools or the grading.
GRADED = "kernel/"


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


def current_lab(root=qemu.ROOT):
    """The lab a starting point was made for (conf/lab.mk), or None."""
    try:
        with open(os.path.join(root, "conf", "lab.mk")) as f:
            return re.search(r"^LAB\s*=\s*(\S+)", f.read(), re.M).group(1)
    except (OSError, AttributeError):
        return None


def load(name):
    """The lab's grade.json, its tests expanded per CPU count and numbered."""
    path = os.path.join(LABS, name, "grade.json")
    if not os.path.isfile(path):
        raise SystemExit("lab.py: no lab %s (there are: %s)" % (name, ", ".join(lab_names())))
    with open(path) as f:
        spec = json.load(f)
    tests = []
    for t in spec["tests"]:
        for cpus in t.get("cpus", [1]):
            tests.append(dict(t, cpus=cpus, lab=name, number=len(tests) + 1,
                              label="%s (%d hart%s)" % (t["name"], cpus, "" if cpus == 1 else "s")))
    spec["tests"] = tests
    return spec


def select(tests, which):
    """make grade TEST=...: a test's number, or words of its name."""
    if which is None:
        return tests
    got = [t for t in tests if (str(t["number"]) == which if which.isdigit()
                                else which.lower() in t["label"].lower())]
    if not got:
        raise SystemExit("lab.py: no test %r; the tests are:\n%s" % (
            which, "\n".join("  %d  %s" % (t["number"], t["label"]) for t in tests)))
    return got


def mutants(name):
    d = os.path.join(LABS, name, "mutants")
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".patch")) \
        if os.path.isdir(d) else []


def passed(test, out):
    want = {"OK": r"^OK: ", "BUG": r"^BUG: "}.get(test["expect"])
    if want:
        return re.search(want, out, re.M) is not None
    return test["expect"] in out


# A check's own words: testlib prints "NAME: what went wrong" and then
# "test NAME: FAILED"; a reproducer prints its verdict.
VERDICT = re.compile(r"^(OK|BUG|SKIP|ERROR): ")
FAILED = re.compile(r"^test (\S+): FAILED$")


def why_failed(test, out):
    """The reason a test failed, in the words of the check that failed."""
    lines = [l.rstrip() for l in out.splitlines() if l.strip()]
    verdicts = [l for l in lines if VERDICT.match(l)]
    if test["expect"] in ("OK", "BUG") and verdicts:
        return "expected %s, got: %s" % (test["expect"], verdicts[0])
    reasons = []
    for i, l in enumerate(lines):
        m = FAILED.match(l)
        if m:
            # The check's messages: the lines since "...: running NAME".
            running = ": running " + m.group(1)
            start = max((j for j in range(i) if lines[j].endswith(running)), default=i - 1)
            reasons.append("; ".join(lines[start + 1:i][:3]) or l)
    if reasons:
        return " / ".join(reasons[:3])
    return "expected %r, got: %s" % (test["expect"], " / ".join(lines[-3:]) or "nothing")


def commands(test):
    return (["knob era " + test["era"]] +
            ["knob %s %d" % kv for kv in sorted(test.get("knobs", {}).items())] +
            [test["run"]])


def run_tests(tests, kernel, fsimg, logname, quiet=False, stop_first=False):
    """Run tests (from load()) on kernel, one QEMU session per CPU count (a
    new one after a panic or a hang; none more if the kernel cannot boot);
    stop_first: stop at the first failure.  Returns {(lab, label): (ok,
    why, seconds)}."""
    results = {}

    def record(t, ok, why, secs):
        results[(t["lab"], t["label"])] = (ok, why, secs)
        if not quiet:
            say("%s: %d. %s: %s (%.1fs)" % (t["lab"], t["number"], t["label"],
                                            "OK" if ok else "FAIL", secs))
            if why:
                say("    " + why)

    def failed():
        return stop_first and not all(r[0] for r in results.values())

    for cpus in sorted({t["cpus"] for t in tests}):
        todo, boots = [t for t in tests if t["cpus"] == cpus], 0
        while todo and not failed():
            # A new log per boot: the one that saw the panic stays.
            boots += 1
            session = qemu.Session("%s-%dcpu%s" % (logname, cpus, "-%d" % boots if boots > 1 else ""),
                                   cpus, modern=cpus > 1, kernel=kernel, fsimg=fsimg)
            log = os.path.relpath(session.log_path)
            # Each command with its test; a test's last command is its run.
            plan = [(t, c, k == len(commands(t)) - 1) for t in todo for k, c in enumerate(commands(t))]
            at, setup_error, t0 = [0], {}, [time.monotonic()]

            def each(command, out, secs):
                if command == qemu.BOOT:
                    t0[0] = time.monotonic()
                    return None
                t, c, last = plan[at[0]]
                at[0] += 1
                if not last:
                    if "knob: " in out:   # knob's error messages
                        setup_error[t["number"]] = "%s: %s" % (c, out.strip())
                    return None
                if t["number"] in setup_error:
                    ok, why = False, "the test's setup failed: " + setup_error[t["number"]]
                else:
                    ok = passed(t, out)
                    why = "" if ok else "%s (console log %s)" % (why_failed(t, out), log)
                record(t, ok, why, time.monotonic() - t0[0])
                todo.remove(t)
                t0[0] = time.monotonic()
                return not (stop_first and not ok)

            run = qemu.run_session(session, [c for _, c, _ in plan], TEST_TIMEOUT, each=each)
            if run.error is None or run.steps[-1][0] == qemu.POWEROFF:
                continue   # every test ran (a panic on the way down is in the log)
            said = [l for l in run.error.output.splitlines() if qemu.PANIC.search("\n" + l)]
            why = "%s%s (console log %s)" % (run.error, ": " + said[0] if said else "", log)
            if run.steps[-1][0] == qemu.BOOT:
                # A kernel that cannot boot fails the rest at once, not
                # after a boot timeout each.
                for t in list(todo):
                    record(t, False, "the kernel did not boot: " + why, 0)
                todo = []
            else:
                t = plan[at[0]][0]
                record(t, False, why, time.monotonic() - t0[0])
                todo.remove(t)
    return results


def write_results(path, tests, results, output=""):
    """Gradescope's results.json (its autograder specification): the score
    and one entry per test.  results as run_tests returns them; a test not
    in it did not run (it gets no points)."""
    entries, score = [], 0
    for t in tests:
        ok, why, secs = results.get((t["lab"], t["label"]), (False, "not run", 0))
        score += t["points"] if ok else 0
        entries.append({"name": "%s: %s" % (t["lab"], t["label"]), "number": str(t["number"]),
                        "score": t["points"] if ok else 0, "max_score": t["points"],
                        "status": "passed" if ok else "failed", "output": why,
                        "execution_time": round(secs, 1)})
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"score": score, "max_score": sum(t["points"] for t in tests),
                   "output": output, "tests": entries}, f, indent=2)
        f.write("\n")
    return score


def grade(names, which=None, results_path=RESULTS, kernel=qemu.KERNEL, fsimg=qemu.FSIMG):
    labs = {n: load(n) for n in names}
    tests = select([t for n in names for t in labs[n]["tests"]], which)
    results = run_tests(tests, kernel, fsimg, "grade")
    full = True
    for n in names:
        mine = [t for t in tests if t["lab"] == n]
        score = sum(t["points"] for t in mine if results[(n, t["label"])][0])
        total = sum(t["points"] for t in mine)
        full = full and score == total
        say("Score for lab %s (%s): %d/%d%s" % (n, labs[n]["title"], score, total,
                                                "" if which is None else " (of the tests chosen)"))
    write_results(results_path, tests, results)
    say("(results for Gradescope: %s)" % os.path.relpath(results_path))
    return 0 if full else 1


# -- starting points -------------------------------------------------------

def ignored_by(root):
    """A test for paths .gitignore leaves out (its simple patterns, which
    are all cowpin's): for trees without .git, such as a tarball."""
    try:
        with open(os.path.join(root, ".gitignore")) as f:
            pats = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    except OSError:
        pats = []

    def ignored(rel, isdir):
        for p in pats:
            if p.endswith("/") and not isdir:
                continue
            p = p.rstrip("/")
            if fnmatch.fnmatch(rel if "/" in p else os.path.basename(rel), p):
                return True
        return False
    return ignored


def source_files(root=qemu.ROOT):
    """The tree's files (tracked, or not ignored), relative to root."""
    if os.path.exists(os.path.join(root, ".git")):   # a directory, or a worktree's file
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=root, check=True, capture_output=True).stdout
        return [f for f in out.decode().split("\0") if f and os.path.isfile(os.path.join(root, f))]
    ignored, files = ignored_by(root), []
    for d, dirs, fs in os.walk(root):
        rel = os.path.relpath(d, root)
        rel = "" if rel == "." else rel + "/"
        dirs[:] = [x for x in dirs if x != ".git" and not ignored(rel + x, True)]
        files += [rel + f for f in fs if f != ".git" and not ignored(rel + f, False)]
    return files


def export_tree(dst):
    """The working tree's files into dst, but for the labs' patches: read
    backwards, start.patch is its lab's solution, and mutants are hints."""
    for f in source_files():
        if not (f.startswith("labs/") and f.endswith(".patch")):
            os.makedirs(os.path.join(dst, os.path.dirname(f)), exist_ok=True)
            shutil.copy2(os.path.join(qemu.ROOT, f), os.path.join(dst, f))


def apply_patch(patch, tree, reverse=False, include=None):
    if not os.path.isfile(patch):
        raise RuntimeError("no %s: make labs from the reference tree, not from a starting point"
                           % os.path.relpath(patch, qemu.ROOT))
    r = subprocess.run(["git", "apply", "--whitespace=nowarn"] + (["-R"] if reverse else []) +
                       (["--include=%s*" % include] if include else []) + [os.path.abspath(patch)],
                       cwd=tree, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s does not apply: %s" % (os.path.basename(patch), r.stderr.strip()[-800:]))


def start_patch(name):
    return os.path.join(LABS, name, "start.patch")


def classroom_workflow(name):
    """GitHub Classroom's autograding workflow for the lab: one step per
    test (make grade TEST=N exits 0 when it passes), and the reporter that
    sends the points to Classroom."""
    tests = load(name)["tests"]
    ids = ["test-%d" % t["number"] for t in tests]
    lines = ["# GitHub Classroom autograding for lab %s (made by tools/lab.py from" % name,
             "# labs/%s/grade.json; make grade runs the same tests locally)." % name,
             "name: Autograding Tests",
             "'on': [push, repository_dispatch, workflow_dispatch]",
             "permissions:", "  checks: write", "  actions: read", "  contents: read",
             "jobs:", "  run-autograding-tests:", "    runs-on: ubuntu-latest",
             "    if: github.actor != 'github-classroom[bot]'", "    steps:",
             "    - name: Checkout code", "      uses: actions/checkout@v4",
             "    - name: Install the tools and build",
             "      run: bash tools/deps.sh && make -j2 kernel/Image fs.img"]
    for t, i in zip(tests, ids):
        lines += ["    - name: %s" % json.dumps(t["label"]), "      id: %s" % i,
                  "      uses: classroom-resources/autograding-command-grader@v1", "      with:",
                  "        test-name: %s" % json.dumps(t["label"]),
                  "        command: make grade TEST=%d" % t["number"],
                  "        timeout: 10", "        max-score: %d" % t["points"]]
    lines += ["    - name: Autograding Reporter",
              "      uses: classroom-resources/autograding-grading-reporter@v1", "      env:"]
    lines += ["        %s_RESULTS: \"${{steps.%s.outputs.result}}\"" % (i.upper(), i) for i in ids]
    lines += ["      with:", "        runners: %s" % ",".join(ids)]
    return "\n".join(lines) + "\n"


def make_start(name, dst):
    """The starting point's files in dst (which must not exist)."""
    export_tree(dst)
    try:
        apply_patch(start_patch(name), dst)
    except RuntimeError as e:
        shutil.rmtree(dst)
        raise SystemExit("lab.py: %s" % e)
    os.makedirs(os.path.join(dst, "conf"), exist_ok=True)
    with open(os.path.join(dst, "conf", "lab.mk"), "w") as f:
        f.write("# make grade grades this lab (tools/lab.py)\nLAB = %s\n" % name)
    os.makedirs(os.path.join(dst, ".github", "workflows"), exist_ok=True)
    with open(os.path.join(dst, ".github", "workflows", "classroom.yml"), "w") as f:
        f.write(classroom_workflow(name))


GIT = ["git", "-c", "user.name=cowpin", "-c", "user.email=cowpin@localhost"]


def start(name, dst, quiet=False):
    load(name)
    if os.path.exists(dst):
        raise SystemExit("lab.py: %s exists; give another directory" % dst)
    if shutil.which("git") is None:
        raise SystemExit("lab.py: make lab needs git (apt-get install git)")
    make_start(name, dst)
    subprocess.run(["git", "init", "-q"], cwd=dst, check=True)
    subprocess.run(GIT + ["add", "-A"], cwd=dst, check=True)
    subprocess.run(GIT + ["commit", "-q", "-m", "lab %s: the starting point" % name],
                   cwd=dst, check=True)
    if not quiet:
        say("lab %s: starting point in %s; the handout is labs/%s/README.md there.\n"
            "Build and run it with make qemu, grade it with make grade, hand it in with make handin."
            % (name, dst, name))


def default_dir(name):
    return os.path.join(os.path.dirname(qemu.ROOT), "cowpin-lab-" + name)


# -- handing in ------------------------------------------------------------

def handin():
    """handin-LAB.tar.gz: handin.patch, the student's changes since the
    starting point's first commit (committed or not, new files too)."""
    lab = current_lab()
    if lab is None:
        raise SystemExit("lab.py: make handin works in a lab's starting point (make lab LAB=NAME)")
    if not os.path.exists(os.path.join(qemu.ROOT, ".git")):
        raise SystemExit("lab.py: make handin needs the starting point's git history; "
                         "make the starting point with make lab")
    git = lambda *a, **kw: subprocess.run(["git"] + list(a), cwd=qemu.ROOT, check=True,
                                          capture_output=True, **kw).stdout
    base = git("rev-list", "--max-parents=0", "HEAD").split()[0].decode()
    with tempfile.TemporaryDirectory() as tmp:
        # A private index: the student's own stays as it is.
        env = dict(os.environ, GIT_INDEX_FILE=os.path.join(tmp, "index"))
        git("read-tree", "HEAD", env=env)
        git("add", "-A", env=env)
        diff = git("diff", "--cached", "--binary", base, env=env)
        patch = os.path.join(tmp, "handin.patch")
        with open(patch, "wb") as f:
            f.write(diff)
        out = os.path.join(qemu.ROOT, "handin-%s.tar.gz" % lab)
        with tarfile.open(out, "w:gz") as tar:
            tar.add(patch, "handin.patch")
    touched = re.findall(r"^diff --git a/(\S+)", diff.decode(errors="replace"), re.M)
    graded = [f for f in touched if f.startswith(GRADED)]
    say("%s: your changes to %d file%s since the starting point (%s)." % (
        os.path.relpath(out), len(touched), "" if len(touched) == 1 else "s",
        ", ".join(touched) or "none"))
    if touched != graded:
        say("Note: the grader takes only your changes under %s." % GRADED)


# -- Gradescope -------------------------------------------------------------

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder's image.
set -euo pipefail
cd /autograder/source
bash tools/deps.sh
make -j2 kernel/Image fs.img
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: apply it to the starting
# point, build, grade, write /autograder/results/results.json.
exec python3 "$(dirname "$0")/tools/lab.py" autograde "${AUTOGRADER_ROOT:-/autograder}"
"""


def autograder(name, out):
    """The Gradescope autograder package: the lab's starting point with
    setup.sh and run_autograder at its top."""
    load(name)
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "source")
        make_start(name, tree)
        for fname, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
            with open(os.path.join(tree, fname), "w") as f:
                f.write(text)
            os.chmod(os.path.join(tree, fname), 0o755)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for d, _, fs in os.walk(tree):
                for f in fs:
                    path = os.path.join(d, f)
                    info = zipfile.ZipInfo.from_file(path, os.path.relpath(path, tree))
                    with open(path, "rb") as src:
                        z.writestr(info, src.read())
    say("%s: the Gradescope autograder for lab %s (upload it as the assignment's "
        "autograder, Ubuntu base image)" % (os.path.relpath(out), name))


def submission_patch(sub):
    """The submission's changes as a patch file: handin-*.tar.gz (make
    handin), a bare .patch/.diff, or a whole tree (a repository).  Returns
    (path, None) or (None, a reason to give the student)."""
    files = [os.path.join(d, f) for d, _, fs in os.walk(sub) for f in fs]
    if not files:
        return None, "the submission is empty: upload the handin-LAB.tar.gz that make handin writes"
    for f in files:
        if f.endswith((".tar.gz", ".tgz")):
            try:
                with tarfile.open(f) as tar:
                    member = tar.getmember("handin.patch")
                    dst = os.path.join(os.path.dirname(f), ".handin.patch")
                    with open(dst, "wb") as out:
                        out.write(tar.extractfile(member).read())
                    return dst, None
            except (tarfile.TarError, KeyError, OSError) as e:
                return None, "%s is not an archive make handin wrote (%s)" % (os.path.basename(f), e)
    for f in files:
        if f.endswith((".patch", ".diff")):
            return f, None
    kernels = [d for d, dirs, _ in os.walk(sub) if os.path.isdir(os.path.join(d, "kernel")) and
               os.path.isfile(os.path.join(d, "Makefile"))]
    if kernels:
        return "tree:" + kernels[0], None
    return None, ("no handin archive, patch or cowpin tree among the files submitted (%s)" %
                  ", ".join(os.path.relpath(f, sub) for f in files[:5]))


def autograde(root):
    """Gradescope's run_autograder: never crashes, always writes results."""
    src = qemu.ROOT
    name = current_lab(src)
    results = os.path.join(root, "results", "results.json")
    tests = load(name)["tests"]

    def zero(reason):
        say("score 0: " + reason)
        write_results(results, tests, {}, output="Score 0: " + reason)
        return 0

    try:
        patch, reason = submission_patch(os.path.join(root, "submission"))
        if patch is None:
            return zero(reason)
        with tempfile.TemporaryDirectory(prefix="cowpin-grade-") as tmp:
            work = os.path.join(tmp, "lab")
            shutil.copytree(src, work, symlinks=True, ignore=shutil.ignore_patterns("logs", ".git"))
            if patch.startswith("tree:"):
                # A repository: its kernel/, in place of the starting point's.
                shutil.rmtree(os.path.join(work, "kernel"))
                shutil.copytree(os.path.join(patch[5:], "kernel"), os.path.join(work, "kernel"),
                                ignore=shutil.ignore_patterns("*.o", "*.d", "Image", "kernel"))
            elif open(patch, "rb").read().strip():   # empty: no changes made
                try:
                    apply_patch(patch, work, include=GRADED)
                except RuntimeError as e:
                    return zero("your patch does not apply to the lab's starting point: %s" % e)
            make = subprocess.run(["make", "-j2", "kernel/Image", "fs.img"], cwd=work,
                                  capture_output=True, text=True)
            if make.returncode != 0:
                errs = [l for l in (make.stdout + make.stderr).splitlines() if "error" in l]
                return zero("the kernel does not build:\n" + "\n".join(errs[:10] or
                                                                      make.stderr.splitlines()[-10:]))
            r = run_tests(tests, os.path.join(work, "kernel", "Image"), os.path.join(work, "fs.img"),
                          "autograde")
            boot = [why for ok, why, _ in r.values() if "did not boot" in why]
            score = write_results(results, tests, r, output=boot[0] if boot else "")
            say("score %d/%d" % (score, sum(t["points"] for t in tests)))
    except Exception as e:   # noqa: BLE001 -- a grader must answer, whatever happens
        return zero("the grader failed (tell the course staff): %r" % e)
    return 0


def check_autograder(name):
    """Run the Gradescope package here, as Gradescope would, with its paths
    under a temporary directory: the solution gets full marks, the starting
    point fails its start_fails tests, a broken or empty submission 0."""
    tests = load(name)["tests"]
    total = sum(t["points"] for t in tests)
    start_fails = {"%s: %s" % (name, t["label"]) for t in tests if t.get("start_fails")}
    with tempfile.TemporaryDirectory(prefix="cowpin-autograder-") as tmp:
        autograder(name, os.path.join(tmp, "autograder.zip"))
        root = os.path.join(tmp, "autograder")
        with zipfile.ZipFile(os.path.join(tmp, "autograder.zip")) as z:
            z.extractall(os.path.join(root, "source"))
        for f in ("run_autograder", "setup.sh"):
            os.chmod(os.path.join(root, "source", f), 0o755)
        subprocess.run(["make", "-s", "-j2", "kernel/Image", "fs.img"], cwd=os.path.join(root, "source"),
                       check=True, capture_output=True)
        main_c = "kernel/main.c"   # the same in every starting point
        broken = edit_patch(main_c, "kmain(uint64 hartid, uint64 dtb_pa)\n{\n",
                            "kmain(uint64 hartid, uint64 dtb_pa)\n{\n  this does not compile;\n")
        panics = edit_patch(main_c, "  printfinit();\n",
                            "  printfinit();\n  panic(\"a submission that panics\");\n")
        # The solution (start.patch backwards) written into a starting
        # point, handed in with make handin.
        student = os.path.join(tmp, "student")
        start(name, student, quiet=True)
        subprocess.run(["git", "apply", "-"], cwd=student, check=True,
                       input=reverse_patch(start_patch(name)).encode())
        subprocess.run(["python3", "tools/lab.py", "handin"], cwd=student, check=True,
                       capture_output=True)
        with open(os.path.join(student, "handin-%s.tar.gz" % name), "rb") as f:
            handed_in = f.read()
        check_classroom(name, student)
        cases = [("the solution handed in", ("handin-%s.tar.gz" % name, handed_in),
                  lambda r: r["score"] == total),
                 ("the starting point", ("handin.patch", b""),
                  lambda r: {t["name"] for t in r["tests"] if t["status"] == "failed"} == start_fails),
                 ("a submission that does not build", ("handin.patch", broken.encode()),
                  lambda r: r["score"] == 0 and "does not build" in r["output"]),
                 ("a submission that panics at boot", ("handin.patch", panics.encode()),
                  lambda r: r["score"] == 0 and "did not boot" in r["output"]),
                 ("an empty submission", None, lambda r: r["score"] == 0 and "empty" in r["output"])]
        for what, upload, good in cases:
            sub = os.path.join(root, "submission")
            shutil.rmtree(sub, ignore_errors=True)
            shutil.rmtree(os.path.join(root, "results"), ignore_errors=True)
            os.makedirs(sub)
            os.makedirs(os.path.join(root, "results"))
            if upload is not None:
                with open(os.path.join(sub, upload[0]), "wb") as f:
                    f.write(upload[1])
            run = subprocess.run([os.path.join(root, "source", "run_autograder")],
                                 env=dict(os.environ, AUTOGRADER_ROOT=root),
                                 capture_output=True, text=True, timeout=1200)
            try:
                with open(os.path.join(root, "results", "results.json")) as f:
                    res = json.load(f)
                ok, why = good(res), "score %d: %s" % (res["score"], res.get("output") or
                                                        [t["output"] for t in res["tests"]
                                                         if t["status"] == "failed"][:2])
            except (OSError, ValueError) as e:
                ok, why = False, "no results.json (%s); run_autograder said: %s" % (
                    e, (run.stdout + run.stderr)[-500:])
            say("%s lab %s: the Gradescope autograder grades %s right%s" % (
                "ok" if ok else "FAIL", name, what, "" if ok else "\n    " + why))


def check_classroom(name, tree):
    """The starting point's GitHub Classroom workflow: valid YAML, one
    grader step per test worth its points, the reporter reading them all,
    and a step's command passing in tree (which holds the solution)."""
    import yaml   # python3-yaml (tools/deps.sh)
    tests = load(name)["tests"]
    try:
        with open(os.path.join(tree, ".github", "workflows", "classroom.yml")) as f:
            steps = yaml.safe_load(f)["jobs"]["run-autograding-tests"]["steps"]
        graders = [s for s in steps if "autograding-command-grader" in s.get("uses", "")]
        reporter = [s for s in steps if "autograding-grading-reporter" in s.get("uses", "")][0]
        runners = reporter["with"]["runners"].split(",")
        ok = ([g["with"]["max-score"] for g in graders] == [t["points"] for t in tests] and
              runners == [g["id"] for g in graders] and
              sorted(reporter["env"]) == sorted(i.upper() + "_RESULTS" for i in runners))
        why = "its steps do not match grade.json"
    except (OSError, KeyError, IndexError, TypeError, yaml.YAMLError) as e:
        ok, graders, why = False, [], "unreadable: %r" % e
    say("%s lab %s: the GitHub Classroom workflow has a step per test%s" % (
        "ok" if ok else "FAIL", name, "" if ok else "\n    " + why))
    if graders:
        # The solution passes a test the starting point fails.
        t = next(t for t in tests if t.get("start_fails"))
        cmd = next(g["with"]["command"] for g in graders if g["with"]["max-score"] == t["points"]
                   and g["with"]["test-name"] == t["label"])
        r = subprocess.run(cmd, shell=True, cwd=tree, capture_output=True, text=True, timeout=600)
        say("%s lab %s: the workflow's %r passes on the solution%s" % (
            "ok" if r.returncode == 0 else "FAIL", name, cmd,
            "" if r.returncode == 0 else "\n    " + (r.stdout + r.stderr)[-400:]))


def edit_patch(path, old, new):
    """A patch that replaces old by new in this tree's file path."""
    with open(os.path.join(qemu.ROOT, path)) as f:
        text = f.read()
    if text.count(old) != 1:
        raise RuntimeError("%s: the text to change is not there once" % path)
    return "".join(difflib.unified_diff(text.splitlines(True), text.replace(old, new).splitlines(True),
                                        "a/" + path, "b/" + path))


def reverse_patch(patch):
    """A patch's reverse, as text (what a student's handin.patch of the
    solution looks like)."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "t")
        touched = re.findall(r"^\+\+\+ b/(\S+)", open(patch).read(), re.M)
        for f in touched:
            os.makedirs(os.path.join(tree, os.path.dirname(f)), exist_ok=True)
            shutil.copy2(os.path.join(qemu.ROOT, f), os.path.join(tree, f))
        subprocess.run(GIT[:1] + ["init", "-q"], cwd=tree, check=True)
        subprocess.run(GIT + ["add", "-A"], cwd=tree, check=True)
        apply_patch(patch, tree)
        subprocess.run(GIT + ["commit", "-qam", "the starting point"], cwd=tree, check=True)
        apply_patch(patch, tree, reverse=True)
        return subprocess.run(["git", "diff"], cwd=tree, check=True,
                              capture_output=True, text=True).stdout


# -- make test --------------------------------------------------------------

def build_variant(tree, patch, reverse=False):
    """Apply patch to tree (a copy of this one, with its build outputs) and
    rebuild the kernel; make rebuilds only what the patch changes."""
    apply_patch(patch, tree, reverse)
    if reverse:
        return
    make = subprocess.run(["make", "-s", "-j2", "kernel/Image"], cwd=tree,
                          capture_output=True, text=True)
    if make.returncode != 0:
        raise RuntimeError("does not build: " + make.stderr.strip()[-500:])


def check(names):
    """For make test: `ok NAME`/`FAIL NAME` lines (tools/test.py).  In a
    starting point (no patches there), only that this tree passes its tests."""
    def report(ok, what, why=""):
        say("%s lab %s%s" % ("ok" if ok else "FAIL", what, "" if ok or not why else "\n    " + why))

    in_lab = current_lab() is not None
    labs = {n: load(n) for n in names}
    for n in [] if in_lab else names:
        patch = open(start_patch(n)).read()
        touched = re.findall(r"^\+\+\+ b/(\S+)", patch, re.M)
        outside = [p for p in touched if not p.startswith((GRADED, "docs/"))]
        total = sum(t["points"] for t in labs[n]["tests"])
        report(total == 100, "%s: the points add up to 100" % n, "they add up to %d" % total)
        report(any(t.get("start_fails") for t in labs[n]["tests"]),
               "%s: the starting point has a test to fail" % n, "no test has start_fails")
        handout = os.path.isfile(os.path.join(LABS, n, "README.md"))
        report(handout and any(p.startswith(GRADED) for p in touched) and not outside,
               "%s: a handout, and a patch of kernel/ (and docs/) only" % n,
               "no README.md" if not handout else
               "the patch changes %s" % (", ".join(outside) if outside else "nothing in kernel/"))
        report(len(mutants(n)) >= 2, "%s: wrong solutions to try the grader on" % n,
               "labs/%s/mutants/ holds %d patches; keep at least two" % (n, len(mutants(n))))
    ref = run_tests([t for n in names for t in labs[n]["tests"]], qemu.KERNEL, qemu.FSIMG,
                    "lab-reference", quiet=True)
    for (lab, label), (ok, why, _) in ref.items():
        report(ok, "%s: this tree passes %r" % (lab, label), why)
    for n in [] if in_lab else names:
        with tempfile.TemporaryDirectory(prefix="cowpin-lab-") as tmp:
            # With the build's outputs and their times: make rebuilds only
            # what a patch changes.
            tree = os.path.join(tmp, n)
            shutil.copytree(qemu.ROOT, tree, symlinks=True,
                            ignore=shutil.ignore_patterns(".git", "logs", "sd.img"))
            kernel = os.path.join(tree, "kernel", "Image")
            try:
                build_variant(tree, start_patch(n))
            except RuntimeError as e:
                report(False, "%s: the starting point" % n, str(e))
                continue
            got = run_tests(labs[n]["tests"], kernel, qemu.FSIMG, "lab-start-" + n, quiet=True)
            for t in labs[n]["tests"]:
                ok, why, _ = got[(n, t["label"])]
                fails = t.get("start_fails", False)
                report(ok != fails, "%s: the starting point %s %r" % (
                    n, "fails" if fails else "passes", t["label"]), why or "it passes")
            build_variant(tree, start_patch(n), reverse=True)
            for m in mutants(n):
                what = "%s: the grader rejects mutant %s" % (n, os.path.basename(m)[:-6])
                try:
                    build_variant(tree, m)
                except RuntimeError as e:
                    report(False, what, str(e))
                    continue
                t0 = time.monotonic()
                got = run_tests(labs[n]["tests"], kernel, qemu.FSIMG,
                                "lab-mutant-%s-%s" % (n, os.path.basename(m)[:-6]),
                                quiet=True, stop_first=True)
                failed = [label for (_, label), (ok, _, _) in got.items() if not ok]
                report(bool(failed), what + (" (%s fails it in %.0f s)" % (
                    failed[0], time.monotonic() - t0) if failed else ""), "it gets full marks")
                build_variant(tree, m, reverse=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    sub.add_parser("handin")
    p = sub.add_parser("start")
    p.add_argument("name")
    p.add_argument("dir", nargs="?")
    p = sub.add_parser("start-all")
    p.add_argument("dir", nargs="?")
    p = sub.add_parser("grade")
    p.add_argument("--test", help="one test: its number or words of its name")
    p.add_argument("--results", default=RESULTS, help="where to write results.json")
    p.add_argument("names", nargs="*", metavar="NAME")
    p = sub.add_parser("check")
    p.add_argument("names", nargs="*", metavar="NAME")
    p = sub.add_parser("autograder")
    p.add_argument("name")
    p.add_argument("zip", nargs="?")
    p = sub.add_parser("autograde")
    p.add_argument("root", nargs="?", default="/autograder")
    p = sub.add_parser("check-autograder")
    p.add_argument("name")
    a = ap.parse_args()
    if a.cmd == "list":
        say("The labs (make lab LAB=NAME makes one's starting point):")
        for n in lab_names():
            say("  %-16s %s" % (n, load(n)["title"]))
        return 0
    if a.cmd == "start":
        start(a.name, a.dir or default_dir(a.name))
        return 0
    if a.cmd == "start-all":
        for n in lab_names():
            start(n, os.path.join(a.dir, "cowpin-lab-" + n) if a.dir else default_dir(n))
        return 0
    if a.cmd == "handin":
        handin()
        return 0
    if a.cmd == "autograder":
        autograder(a.name, a.zip or os.path.join(qemu.ROOT, "autograder-%s.zip" % a.name))
        return 0
    if a.cmd == "autograde":
        return autograde(a.root)
    if a.cmd == "check-autograder":
        check_autograder(a.name)
        return 0
    lab = current_lab()
    names = a.names or ([lab] if lab else lab_names())
    if a.cmd == "grade":
        return grade(names, a.test, a.results)
    check(names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
