#!/usr/bin/env python3
"""The saga's history (docs/history.json) and everything derived from it.

    python3 tools/history.py c FILE      # the user programs' era table (make)
    python3 tools/history.py docs        # rewrite docs/history.md's tables
    python3 tools/history.py check       # part of make test: ok/FAIL lines

docs/history.json is the one home of the eras (the knob values of each
Linux version), the knobs' ranges and modern values, and the verdict of
every reproducer in every column of the saga (the eras, and the one-knob
steps between eras that change several knobs).  From it come build/eras_table.c
(knob and saga), tools/test.py's expected saga verdicts and the tables of
docs/history.md; the kernel's knob table (kernel/history.c) and the labs'
grading (labs/*/grade.json) are checked against it.
"""
import functools
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JSON = os.path.join(ROOT, "docs", "history.json")
DOC = os.path.join(ROOT, "docs", "history.md")


def load(path=JSON):
    with open(path) as f:
        return json.load(f)


H = load()
KNOBS = [k["name"] for k in H["knobs"]]
REPROS = [r["name"] for r in H["reproducers"]]


@functools.lru_cache(maxsize=None)   # H does not change
def eras():
    """[(name, what, {knob: value})]: every era with all its knobs."""
    out, cur = [], {}
    for e in H["eras"]:
        cur = dict(cur, **e["sets"])
        missing = [k for k in KNOBS if k not in cur]
        if missing:
            raise ValueError("era %s leaves %s unset" % (e["name"], ", ".join(missing)))
        out.append((e["name"], e["what"], cur))
    return out


@functools.lru_cache(maxsize=None)   # H does not change
def columns():
    """[(name, {knob: value})]: the eras, then for each pair of eras that
    differ in several knobs one step per knob ("5.8+cow_reuse=1": 5.8 with
    that knob at the next era's value), in the order saga runs them."""
    es = eras()
    cols = [(n, v) for n, _, v in es]
    for (n, _, a), (_, _, b) in zip(es, es[1:]):
        changed = [k for k in KNOBS if a[k] != b[k]]
        if len(changed) > 1:
            cols += [("%s+%s=%d" % (n, k, b[k]), dict(a, **{k: b[k]})) for k in changed]
    return cols


@functools.lru_cache(maxsize=None)   # H does not change
def bugs():
    """{reproducer: set of columns where it shows its bug}."""
    names = {n for n, _ in columns()}
    out = {}
    for r in H["reproducers"]:
        wrong = [c for c in r["bug"] if c not in names]
        if wrong:
            raise ValueError("reproducer %s: no column %s" % (r["name"], ", ".join(wrong)))
        out[r["name"]] = set(r["bug"])
    return out


@functools.lru_cache(maxsize=None)   # H does not change
def since():
    """{reproducer: index of the first era that has what it uses}: a
    reproducer's 'since' (the era whose Linux brought the feature it needs,
    userfaultfd-wp for instance), else 0. Earlier columns are n/a."""
    names = [n for n, _, _ in eras()]
    out = {}
    for r in H["reproducers"]:
        if r.get("since", names[0]) not in names:
            raise ValueError("reproducer %s: no era %s" % (r["name"], r["since"]))
        out[r["name"]] = names.index(r.get("since", names[0]))
    return out


def verdict(repro, column):
    """BUG, ok, or n/a for a column (an era, or a step "ERA+knob=v") before
    the era the reproducer needs."""
    names = [n for n, _, _ in eras()]
    if names.index(column.split("+")[0]) < since()[repro]:
        return "n/a"
    return "BUG" if column in bugs()[repro] else "ok"


# -- build/eras_table.c ------------------------------------------------------------

def c_source():
    q = json.dumps   # a C string literal for these plain strings
    lines = ["// Made by tools/history.py from docs/history.json: edit that, not this.",
             '#include "kernel/types.h"', '#include "user/user.h"', '#include "user/eras.h"', "",
             '_Static_assert(NKNOB == %d, "user/eras.h: NKNOB must be the number of knobs '
             'in docs/history.json");' % len(KNOBS), "",
             "char *knob_names[NKNOB] = {"]
    lines += ["  %s," % q(k) for k in KNOBS] + ["};", "", "struct era eras[] = {"]
    for n, what, v in eras():
        lines.append("  { %s, %s, { %s } }," % (q(n), q(what), ", ".join(str(v[k]) for k in KNOBS)))
    lines += ["};", "int neras = sizeof(eras) / sizeof(eras[0]);", "",
              "char *repro_names[] = {"] + ["  %s," % q(r) for r in REPROS] + \
             ["};", "int nrepros = sizeof(repro_names) / sizeof(repro_names[0]);", "",
              "int repro_since[] = { %s };" % ", ".join(str(since()[r]) for r in REPROS), ""]
    return "\n".join(lines)


# -- docs/history.md ---------------------------------------------------------

def md_row(cells):
    return "| " + " | ".join(cells) + " |"


def sources_cell(sources):
    links = [s for s in sources if s.startswith("http")]
    ids = [s for s in sources if not s.startswith("http")]
    return ", ".join(ids + ["<%s>" % l for l in links]) or "—"


def era_table():
    out = [md_row(["era", "what changed", "sources"]), md_row(["---"] * 3)]
    out += [md_row([e["name"], e["what"], sources_cell(e["sources"])]) for e in H["eras"]]
    return out


def repro_table():
    out = [md_row(["reproducer", "what it shows", "sources"]), md_row(["---"] * 3)]
    out += [md_row(["**%s**" % r["name"], r["shows"], sources_cell(r["sources"])])
            for r in H["reproducers"]]
    return out


def saga_table(cols):
    out = [md_row(["reproducer"] + [c.replace("+", " +") for c in cols]),
           md_row(["---"] * (len(cols) + 1))]
    out += [md_row([r] + [verdict(r, c) for c in cols]) for r in REPROS]
    return out


TABLES = {
    "eras": lambda: era_table(),
    "reproducers": lambda: repro_table(),
    "saga": lambda: saga_table([n for n, _, _ in eras()]),
    "steps": lambda: saga_table([n for n, _ in columns()][len(eras()):]),
}
MARK = re.compile(r"(<!-- history\.json: (\w+) -->\n)(.*?)(<!-- end -->)", re.S)


def doc_with_tables(text):
    def fill(m):
        return m.group(1) + "\n".join(TABLES[m.group(2)]()) + "\n" + m.group(4)
    return MARK.sub(fill, text)


# -- checks ------------------------------------------------------------------

def kernel_knobs():
    """kernel/history.c's table: {name: (max, modern)}."""
    with open(os.path.join(ROOT, "kernel", "history.c")) as f:
        src = f.read()
    return {n: (int(m), int(d)) for n, m, d in
            re.findall(r'\[K_\w+\]\s*=\s*\{\s*"(\w+)",\s*(\d+),\s*(\d+)\s*\}', src)}


def lab_checks():
    """(ok, what, why) for each lab test that runs a reproducer in a
    column of the saga: its expected verdict must be the history's."""
    labs = os.path.join(ROOT, "labs")
    cols = columns()
    for name in sorted(os.listdir(labs)):
        path = os.path.join(labs, name, "grade.json")
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            tests = json.load(f)["tests"]
        era = {n: v for n, _, v in eras()}
        for t in tests:
            if t["run"] not in REPROS or t["expect"] not in ("OK", "BUG"):
                continue
            if t["era"] not in era:
                yield False, "lab %s: %r" % (name, t["name"]), "no era %s" % t["era"]
                continue
            knobs = dict(era[t["era"]], **{k: v for k, v in t.get("knobs", {}).items()
                                           if k in KNOBS})
            col = next((c for c, v in cols if v == knobs), None)
            if col is None:
                continue   # knobs no column of the saga has: the lab's own case
            want = verdict(t["run"], col).upper()
            yield (want == t["expect"], "lab %s: %r expects what history says (%s in %s)"
                   % (name, t["name"], want, col), "grade.json says %s" % t["expect"])


def check():
    results = []
    kk = kernel_knobs()
    mine = {k["name"]: (k["max"], k["modern"]) for k in H["knobs"]}
    extra = sorted(set(kk) - set(mine) - {"race_delay_ms", "transparent_hugepage"})
    results.append((all(kk.get(n) == v for n, v in mine.items()) and not extra,
                    "history: kernel/history.c's knobs are docs/history.json's",
                    "kernel %s, json %s" % ({n: kk.get(n) for n in mine if kk.get(n) != mine[n]},
                                            extra)))
    last = eras()[-1][2]
    results.append((all(last[k["name"]] == k["modern"] for k in H["knobs"]),
                    "history: the last era is the modern one (every knob's default)",
                    "last era: %s" % last))
    try:
        bugs()
        since()
        results.append((True, "history: every bug column and since era exists", ""))
    except ValueError as e:
        results.append((False, "history: every bug column and since era exists", str(e)))
    unsourced = [x["name"] for x in H["eras"] + H["reproducers"]
                 if not any(s.startswith("http") for s in x.get("sources", []))]
    results.append((not unsourced, "history: every era and reproducer has a public source",
                    "no address for %s" % unsourced))
    with open(DOC) as f:
        text = f.read()
    results.append((doc_with_tables(text) == text and len(MARK.findall(text)) == len(TABLES),
                    "history: docs/history.md's tables are current",
                    "run python3 tools/history.py docs"))
    results += list(lab_checks())
    for ok, what, why in results:
        print("%s %s%s" % ("ok" if ok else "FAIL", what, "" if ok or not why else "\n    " + why))
    return all(r[0] for r in results)


def main(argv):
    if len(argv) == 2 and argv[0] == "c":
        with open(argv[1], "w") as f:
            f.write(c_source())
        return 0
    if argv == ["docs"]:
        with open(DOC) as f:
            text = f.read()
        with open(DOC, "w") as f:
            f.write(doc_with_tables(text))
        return 0
    if argv == ["check"]:
        return 0 if check() else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
