#!/usr/bin/env python3
"""Draw a cowpin trace dump (the `trace` program's output) as an SVG
sequence diagram.

    python3 tools/tracesvg.py DUMP -o OUT.svg [--title TEXT] [--va 0x...]
    python3 tools/tracesvg.py --check SVG...     the layout check of make test

One lane per thread (named comm-tid), and one for the "device" (a pin, an
O_DIRECT request, a pipe holding a vmspliced page) when the trace has
such events; time runs downwards, one row per event (the rows are in time
order; the left margin gives the time). Each event is a labelled mark in
its thread's lane; a race window is a bar beside the lane from its opening
to its closing. Right of the lanes, for each page the picture follows, the
state after each event that changed it: the PTE's bits and frame in each
process, and the frame's refcount, mapcount, pincount and AnonExclusive.

The page(s) followed: --va, else the addresses the story's events name
(GUP, pins, vmsplice, COW copies and unshares, ...): the most named, and
any other named at least half as much, at most three. Events about other pages are left out, and so are
the TLB flushes that do not cover a followed page.

--check parses each SVG as XML and checks that no two text labels overlap
(their boxes estimated from the monospace font's advance), which is what
"readable" can mean without a browser.
"""
import argparse
import re
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

LINE = re.compile(r"^\s*(?P<comm>\S.*?)-(?P<tid>\d+)\s+\(\s*(?P<pid>\d+)\)\s+\[(?P<cpu>\d+)\]\s+"
                  r"(?P<sec>\d+)\.(?P<us>\d+):\s+(?P<event>\w+):\s*(?P<fields>.*)$")
FIELD = re.compile(r"(\w+)=(0x[0-9a-f]+\{[^}]*\}|\S+)")
PAGE = re.compile(r"0x([0-9a-f]+)\{ref=(\d+) map=(\d+) pin=(\d+) (\S+)\}")

FONT = 11           # px, monospace
CHAR = 6.65         # the advance of one character at FONT (DejaVu Sans Mono: 0.6 em)
ROW = 20
LANE = 300          # a thread's lane
STATE = 420         # a followed page's state column
LEFT = 90           # the time margin
TOP = 70

DEVICE_EVENTS = {"pin", "unpin", "dio_submit", "dio_complete", "vmsplice_get", "vmsplice_put"}
# How much an event says that its page is the story's.
STORY = {"gup_slow": 10, "gup_fast": 10, "pin": 10, "vmsplice_get": 10, "cow_unshare": 6, "fork_copy": 6,
         "clear_refs_wp": 1, "cow_copy": 3, "cow_reuse": 3, "fork_share": 1}


def parse_page(text):
    m = PAGE.match(text or "")
    if not m:
        return None
    flags = [] if m.group(5) == "-" else m.group(5).split("|")
    return {"pfn": int(m.group(1), 16), "ref": int(m.group(2)), "map": int(m.group(3)),
            "pin": int(m.group(4)), "flags": flags}


def parse(text):
    """The events of a dump, in order: dicts with comm, tid, pid, cpu,
    time (seconds), event, and the fields (pages parsed)."""
    events = []
    for line in text.split("\n"):
        m = LINE.match(line)
        if not m:
            continue
        e = {"comm": m.group("comm"), "tid": int(m.group("tid")), "pid": int(m.group("pid")),
             "cpu": int(m.group("cpu")), "time": int(m.group("sec")) + int(m.group("us")) / 1e6,
             "event": m.group("event"), "f": {}}
        for name, value in FIELD.findall(m.group("fields")):
            e["f"][name] = parse_page(value) if "{" in value else value
        events.append(e)
    # The trace program prints a folded run when it ends: put it in its place.
    return sorted(events, key=lambda e: e["time"])


def num(v):
    try:
        return int(v, 0)
    except (TypeError, ValueError):
        return None


def pages_of(e):
    return [v for v in e["f"].values() if isinstance(v, dict)]


def followed(events, want=None):
    """The virtual addresses to follow, and the frames seen at them."""
    if want:
        vas = [want]
    else:
        score = {}
        for e in events:
            va = num(e["f"].get("va", e["f"].get("start")))
            w = STORY.get(e["event"], 0)
            if va is not None and w:
                score[va & ~0xfff] = score.get(va & ~0xfff, 0) + w
        top = max(score.values(), default=0)
        vas = sorted((va for va in score if score[va] * 2 >= top), key=lambda va: -score[va])[:3]
    frames = set()
    for e in events:
        va = num(e["f"].get("va"))
        if va is not None and va & ~0xfff in vas:
            frames |= {p["pfn"] for p in pages_of(e)}
    return vas, frames


def relevant(e, vas, frames):
    ev, f = e["event"], e["f"]
    if ev in ("race_open", "race_close", "task_fork", "task_exec", "folded",
              "tlb_flush_deferred", "tlb_flush_done"):
        return True
    if ev.startswith("tlb_flush"):
        lo, hi = num(f.get("start")), num(f.get("end"))
        return ev == "tlb_flush_remote" and any(lo <= va < hi for va in vas) and hi - lo <= 0x10000
    va = num(f.get("va", f.get("start")))
    if va is not None and ev != "gup_fast":
        return va & ~0xfff in vas
    if ev == "gup_fast":
        n = num(f.get("npages")) or 1
        return any(va <= v < va + n * 4096 for v in vas)
    return any(p["pfn"] in frames for p in pages_of(e))


def short_flags(p):
    names = {"anon": "anon", "excl": "EXCL", "dirty": "dirty", "writeback": "wb", "zero": "zero",
             "locked": "locked"}
    return " ".join(names.get(x, x) for x in p["flags"]) or "file"


def label(e):
    ev, f = e["event"], e["f"]
    pg = lambda k: "0x%x" % f[k]["pfn"] if isinstance(f.get(k), dict) else "-"
    kind = lambda k: short_flags(f[k]) if isinstance(f.get(k), dict) else ""
    if ev == "mm_fault":
        return "fault %s" % {"write": "W", "unshare": "unshare", "0": "R"}.get(f.get("flags"), f.get("flags"))
    if ev == "mm_fault_error":
        return "fault fails: %s" % f.get("err")
    if ev == "map_page":
        return "map %s (%s)" % (pg("page"), "page cache" if kind("page") in ("file", "dirty") else kind("page"))
    if ev == "zero_page_map":
        return "map the zero page"
    if ev == "zap_page":
        return "zap %s" % pg("page")
    if ev in ("cow_copy", "cow_unshare", "fork_copy"):
        what = {"cow_copy": "COW copy", "cow_unshare": "unshare", "fork_copy": "fork copies"}[ev]
        return "%s %s -> %s" % (what, pg("old"), pg("new"))
    if ev == "cow_reuse":
        return "COW reuse %s%s" % (pg("page"), " (unshare)" if f.get("unshare") == "1" else "")
    if ev == "fork_share":
        return "fork shares %s" % pg("page")
    if ev == "gup_fast":
        fast, n = f.get("fast"), f.get("npages")
        return "GUP-fast %s/%s%s" % (fast, n, " -> slow path" if fast != n else "")
    if ev == "gup_slow":
        res = pg("page") if f.get("err") == "0" else "err " + f.get("err", "?")
        return "GUP %s -> %s" % (f.get("flags", "").replace("|", ","), res)
    if ev in ("pin", "unpin"):
        return "%s %s" % (ev, pg("page"))
    if ev == "clear_refs_wp":
        return "clear_refs write-protects"
    if ev == "tlb_flush_remote":
        return "TLB flush -> hart %s" % f.get("cpu")
    if ev == "tlb_flush_deferred":
        return "TLB flush deferred"
    if ev == "tlb_flush_done":
        return "deferred TLB flush done"
    if ev in ("writeback_start", "writeback_end"):
        return "writeback %s %s" % (ev.split("_")[1], pg("page"))
    if ev in ("dio_submit", "dio_complete"):
        rw = "write" if f.get("write") == "1" else "read"
        return "O_DIRECT %s %s %s" % (rw, ev.split("_")[1], pg("page"))
    if ev == "vmsplice_get":
        return "pipe takes %s" % pg("page")
    if ev == "vmsplice_put":
        return "pipe drops %s" % pg("page")
    if ev == "race_open":
        return "window %s opens (%s ms)" % (f.get("window"), f.get("ms"))
    if ev == "race_close":
        return "window %s closes" % f.get("window")
    if ev == "task_fork":
        return ("clone -> tid %s" if f.get("thread") == "1" else "fork -> pid %s") % f.get("child")
    if ev == "task_exec":
        return "exec %s" % f.get("comm")
    if ev == "folded":
        return "... %s events repeat (every %s)" % (f.get("events"), f.get("period"))
    return ev


def fit(text, width):
    n = int(width / CHAR)
    return text if len(text) <= n else text[:n - 3] + "..."


class Picture:
    """An SVG built line by line; every label goes through text()."""

    def __init__(self):
        self.out = []

    def text(self, x, y, s, width, cls=""):
        self.out.append('<text x="%.1f" y="%.1f"%s>%s</text>'
                        % (x, y, ' class="%s"' % cls if cls else "", escape(fit(s, width))))

    def add(self, s):
        self.out.append(s)


def pte_text(pte, pfn):
    return "none" if pte in (None, "none") else "%s 0x%x" % (pte, pfn) if pfn else pte


def page_text(p):
    return "ref %d map %d pin %d %s" % (p["ref"], p["map"], p["pin"], short_flags(p))


def draw(events, title, want=None, note=""):
    vas, frames = followed(events, want)
    shown = [e for e in events if relevant(e, vas, frames)]
    threads = []
    for e in shown:
        if e["tid"] not in [t for t, _ in threads]:
            threads.append((e["tid"], "%s-%d" % (e["comm"], e["tid"])))
    device = any(e["event"] in DEVICE_EVENTS for e in shown)
    lanes = {tid: LEFT + i * LANE for i, (tid, _) in enumerate(threads)}
    dev_x = LEFT + len(threads) * LANE
    state_x = dev_x + (LANE if device else 0)
    # A column for each process that maps a followed page.
    maps = {(e["pid"], num(e["f"]["va"]) & ~0xfff) for e in shown
            if "pte" in e["f"] and num(e["f"].get("va")) is not None}
    forked = {num(e["f"]["child"]) for e in shown if e["event"] == "task_fork" and e["f"].get("thread") == "0"}
    shares = {num(e["f"]["va"]) & ~0xfff for e in shown if e["event"] in ("fork_share", "fork_copy")}
    cols = sorted(maps | {(pid, va) for pid in forked for va in shares}, key=lambda k: (vas.index(k[1]), k[0]))
    width = state_x + len(cols) * STATE + 20
    height = TOP + 40 + len(shown) * ROW + 30
    pic = Picture()
    pic.add('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">'
            % (width, height, width, height))
    pic.add('<style>text{font-family:"DejaVu Sans Mono",monospace;font-size:%dpx;fill:#222}'
            '.h{font-weight:bold}.t{fill:#777}.s{fill:#036}.w{fill:#a00}</style>' % FONT)
    pic.add('<rect width="100%" height="100%" fill="white"/>')
    pic.text(10, 20, title, width - 20, "h")
    pic.text(10, 38, note, width - 20, "t")
    y0 = TOP
    heads = [(lanes[tid], name) for tid, name in threads] + ([(dev_x, "device / pipe")] if device else [])
    for x, name in heads:
        pic.add('<rect x="%d" y="%d" width="%d" height="22" fill="#eef" stroke="#99b"/>' % (x + 4, y0, LANE - 8))
        pic.text(x + 10, y0 + 15, name, LANE - 20, "h")
        pic.add('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#bbb" stroke-dasharray="4 3"/>'
                % (x + 14, y0 + 22, x + 14, height - 20))
    for i, (pid, va) in enumerate(cols):
        x = state_x + i * STATE
        pic.add('<rect x="%d" y="%d" width="%d" height="22" fill="#efe" stroke="#9b9"/>' % (x + 4, y0, STATE - 8))
        pic.text(x + 10, y0 + 15, "pid %d, va 0x%x" % (pid, va), STATE - 20, "h")
    children = {}  # va -> (pte, pfn) the next child gets (fork_share, fork_copy)
    pte = {}      # (pid, va) -> (pte, pfn)
    frame = {}    # pfn -> page dict
    where = {}    # (pid, va) -> pfn, to show the frame's counts
    opened = {}   # (tid, window) -> row y
    t0 = events[0]["time"] if events else 0
    for row, e in enumerate(shown):
        y = TOP + 40 + row * ROW
        dev = e["event"] in DEVICE_EVENTS and device
        x = dev_x if dev else lanes[e["tid"]]
        pic.text(8, y + 4, "+%.6f" % (e["time"] - t0), LEFT - 12, "t")
        if dev:   # a connector from the thread to the device
            pic.add('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#c96"/>' % (lanes[e["tid"]] + 14, y, x + 14, y))
        if e["event"] == "race_open":
            opened[(e["tid"], e["f"].get("window"))] = y
        if e["event"] == "race_close":
            top = opened.pop((e["tid"], e["f"].get("window")), y)
            pic.add('<rect x="%d" y="%d" width="5" height="%d" fill="#f99"/>' % (x + 3, top, y - top))
        color = "#c00" if e["event"].startswith("race") else "#36c"
        pic.add('<circle cx="%d" cy="%d" r="4" fill="%s"/>' % (x + 14, y, color))
        cls = "w" if e["event"] in ("race_open", "race_close") else ""
        pic.text(x + 24, y + 4, label(e), LANE - 30, cls)
        # The followed pages' state after this event.
        changed = set()
        for p in pages_of(e):
            if frame.get(p["pfn"]) != p:
                frame[p["pfn"]] = p
                changed |= {k for k, v in where.items() if v == p["pfn"]}
        va = num(e["f"].get("va"))
        if va is not None and e["event"] != "mm_fault" and "pte" in e["f"]:
            key = (e["pid"], va & ~0xfff)
            new = e["f"].get("new") or e["f"].get("page")
            pfn = new["pfn"] if isinstance(new, dict) else None
            if e["event"] == "zap_page":
                pte[key], pfn = ("none", None), None
            else:
                pte[key] = (e["f"]["pte"], pfn)
            children[key[1]] = pte[key]
            if e["event"] == "fork_copy":   # the PTE is the child's: the parent keeps its page
                pte.pop(key)
            elif pfn:
                where[key] = pfn
            else:
                where.pop(key, None)
            changed.add(key)
        if e["event"] == "task_fork" and e["f"].get("thread") == "0":
            for cva, state in children.items():
                key = (num(e["f"]["child"]), cva)
                pte[key] = state
                if state[1]:
                    where[key] = state[1]
                changed.add(key)
            children = {}
        for i, key in enumerate(cols):
            if key not in changed:
                continue
            cx = state_x + i * STATE + 10
            p = pte.get(key, ("none", None))
            counts = page_text(frame[where[key]]) if key in where and where[key] in frame else ""
            pic.text(cx, y + 4, pte_text(*p) + ("  " + counts if counts else ""), STATE - 20, "s")
    for (tid, _), top in opened.items():   # windows still open at the end
        pic.add('<rect x="%d" y="%d" width="5" height="%d" fill="#f99"/>' % (lanes[tid] + 3, top, height - 20 - top))
    pic.add("</svg>")
    return "\n".join(pic.out) + "\n"


def check(paths):
    """Each SVG: valid XML, and no two labels' boxes overlap."""
    bad = 0
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except (ET.ParseError, OSError) as e:
            print("FAIL %s: %s" % (path, e))
            bad += 1
            continue
        boxes = []
        for t in root.iter("{http://www.w3.org/2000/svg}text"):
            x, y, s = float(t.get("x")), float(t.get("y")), t.text or ""
            boxes.append((x, y - FONT * 0.8, x + len(s) * CHAR, y + FONT * 0.2, s))
        boxes.sort(key=lambda b: b[1])
        overlaps = []
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                if b[1] >= a[3]:
                    break
                if a[0] < b[2] and b[0] < a[2]:
                    overlaps.append("%r and %r" % (a[4], b[4]))
        width = float(root.get("width"))
        outside = [b[4] for b in boxes if b[2] > width]
        if overlaps or outside:
            print("FAIL %s: %d labels overlap (%s), %d outside (%s)"
                  % (path, len(overlaps), "; ".join(overlaps[:3]), len(outside), "; ".join(outside[:3])))
            bad += 1
    return bad


def dump_of(text):
    """The trace dump in a console log: from its header to its lost counts."""
    start = text.find("# trace of ")
    end = text.find("# lost events:", start)
    if start < 0 or end < 0:
        return None
    return text[start:text.find("\n", end) + 1]


ROOT = __import__("os").path.dirname(__import__("os").path.dirname(__import__("os").path.abspath(__file__)))


def record(run, era, knobs=None, cpus=4):
    """Boot cowpin (tools/qemu.py), run `run` traced in era with knobs:
    the saved dump's text (a header, the verdict, the trace dump)."""
    import os
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import qemu
    knobs = knobs or {}
    cmds = ["knob era %s" % era] + ["knob %s %d" % kv for kv in sorted(knobs.items())] + ["trace %s" % run]
    s = qemu.Session("trace-" + run.split()[0], cpus, True, logdir=os.path.join(ROOT, "build", "trace"))
    result = qemu.run_session(s, cmds, 300)
    text = result.text()
    if result.error:
        raise RuntimeError("%s in era %s: %s" % (run, era, result.error))
    dump = dump_of(text)
    verdict = re.search(r"^((?:BUG|OK|ERROR): .*?)\s*$", text, re.M)
    if dump is None:
        raise RuntimeError("%s in era %s: no trace dump (log %s)" % (run, era, s.log_path))
    head = "# cowpin trace: %s, era %s%s, %d harts\n# verdict: %s\n" % (
        run, era, "".join(", %s %d" % kv for kv in sorted(knobs.items())), cpus,
        verdict.group(1) if verdict else "none")
    return head + dump


def title_of(saved):
    head = saved.split("\n", 2)
    return head[0][len("# cowpin trace: "):], head[1][len("# "):]


def lab_specs(lab):
    """The pictures of lab: its bug before the fix and after (grade.json:
    the first test that expects BUG, the first that the start fails)."""
    import json, os
    with open(os.path.join(ROOT, "labs", lab, "grade.json")) as f:
        tests = json.load(f)["tests"]
    before = [t for t in tests if t.get("expect") == "BUG"][:1]
    after = [t for t in tests if t.get("start_fails")][:1]
    specs = []
    for t in before + after:
        name = "%s-%s%s" % (t["run"].replace(" ", "_"), t["era"],
                            "".join("-%s%d" % kv for kv in sorted(t.get("knobs", {}).items())))
        specs.append({"run": t["run"], "era": t["era"], "knobs": t.get("knobs", {}),
                      "expect": t["expect"], "base": os.path.join(ROOT, "labs", lab, "trace", name)})
    return specs


def labs_with_pictures():
    import os
    return sorted(d for d in os.listdir(os.path.join(ROOT, "labs"))
                  if os.path.exists(os.path.join(ROOT, "labs", d, "grade.json")))


def render(saved):
    title, note = title_of(saved)
    return draw(parse(dump_of(saved) or ""), title, None, note)


def redraw_lab_pictures(labs):
    """Draw the labs' pictures again from their recorded dumps."""
    for lab in labs:
        for spec in lab_specs(lab):
            with open(spec["base"] + ".txt") as f:
                saved = f.read()
            with open(spec["base"] + ".svg", "w") as f:
                f.write(render(saved))


def make_lab_pictures(labs):
    import os
    for lab in labs:
        for spec in lab_specs(lab):
            os.makedirs(os.path.dirname(spec["base"]), exist_ok=True)
            saved = record(spec["run"], spec["era"], spec["knobs"])
            with open(spec["base"] + ".txt", "w") as f:
                f.write(saved)
            with open(spec["base"] + ".svg", "w") as f:
                f.write(render(saved))
            print("wrote %s.svg (%s)" % (os.path.relpath(spec["base"]), title_of(saved)[1]))


def event_layouts():
    """kernel/trace.h's events: name -> its fields' names."""
    import os
    with open(os.path.join(ROOT, "kernel", "trace.h")) as f:
        text = f.read()
    return {m.group(1): [x.split(":")[0] for x in m.group(2).split()]
            for m in re.finditer(r'E\(\w+,\s*"(\w+)",\s*"([^"]*)"\)', text)}


def check_labs(labs):
    """Each lab's pictures are current: see docs/trace.md. Prints ok/FAIL lines."""
    import os, shutil, subprocess, tempfile
    layouts = event_layouts()
    layouts["folded"] = ["events", "period"]
    rsvg = shutil.which("rsvg-convert")
    bad = 0
    for lab in labs:
        for spec in lab_specs(lab):
            name = "trace %s %s" % (lab, os.path.basename(spec["base"]))
            problems = []
            try:
                with open(spec["base"] + ".txt") as f:
                    saved = f.read()
                with open(spec["base"] + ".svg") as f:
                    svg = f.read()
            except OSError as e:
                print("FAIL %s\n    %s (make lab-pictures LAB=%s)" % (name, e, lab))
                bad += 1
                continue
            if not title_of(saved)[1].startswith("verdict: %s:" % spec["expect"]):
                problems.append("the recorded %s, want %s" % (title_of(saved)[1], spec["expect"]))
            for line in (dump_of(saved) or "").split("\n"):
                m = LINE.match(line)
                if m and (m.group("event") not in layouts or
                          [k for k, _ in FIELD.findall(m.group("fields"))] != layouts[m.group("event")]):
                    problems.append("not kernel/trace.h's %s: %s" % (m.group("event"), line.strip()[:80]))
                    break
            if render(saved) != svg:
                problems.append("the SVG is not what tools/tracesvg.py draws from the dump "
                                "(tools/tracesvg.py --redraw-labs)")
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "p.svg")
                with open(path, "w") as f:
                    f.write(svg)
                if check([path]):
                    problems.append("labels overlap (tools/tracesvg.py --check)")
                if rsvg and subprocess.run([rsvg, path, "-o", os.path.join(tmp, "p.png")],
                                           capture_output=True).returncode != 0:
                    problems.append("rsvg-convert cannot render it")
            print("%s %s" % ("FAIL" if problems else "ok", name))
            for p in problems:
                print("    " + p)
            bad += bool(problems)
    return bad


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dump", nargs="*")
    p.add_argument("-o", "--output")
    p.add_argument("--title", default="")
    p.add_argument("--note", default="")
    p.add_argument("--va", type=lambda s: int(s, 0))
    p.add_argument("--check", action="store_true")
    p.add_argument("--run", help="record: boot cowpin and run this command traced")
    p.add_argument("--era", default="6.5")
    p.add_argument("--cpus", type=int, default=4)
    p.add_argument("--knobs", default="", help="NAME=VALUE,... set after the era")
    p.add_argument("--lab-pictures", nargs="?", const="", metavar="LAB",
                   help="record every lab's pictures (or LAB's) into labs/NAME/trace/")
    p.add_argument("--check-labs", action="store_true", help="check the labs' pictures (make test)")
    p.add_argument("--redraw-labs", action="store_true", help="draw the labs' pictures from their dumps")
    args = p.parse_args(argv)
    if args.check:
        return 1 if check(args.dump) else 0
    if args.check_labs:
        return 1 if check_labs(labs_with_pictures()) else 0
    if args.redraw_labs:
        redraw_lab_pictures(labs_with_pictures())
        return 0
    if args.lab_pictures is not None:
        make_lab_pictures([args.lab_pictures] if args.lab_pictures else labs_with_pictures())
        return 0
    if args.run:
        knobs = {k: int(v) for k, v in (kv.split("=") for kv in args.knobs.split(",") if kv)}
        saved = record(args.run, args.era, knobs, args.cpus)
        base = args.output[:-4] if args.output.endswith(".svg") else args.output
        with open(base + ".txt", "w") as f:
            f.write(saved)
        with open(base + ".svg", "w") as f:
            f.write(render(saved))
        print("wrote %s.svg and %s.txt (%s)" % (base, base, title_of(saved)[1]))
        return 0
    if len(args.dump) != 1 or not args.output:
        p.error("one DUMP and -o OUT.svg")
    with open(args.dump[0]) as f:
        text = dump_of(f.read()) or ""
    events = parse(text)
    if not events:
        print("tracesvg: no trace dump in %s" % args.dump[0], file=sys.stderr)
        return 1
    with open(args.output, "w") as f:
        f.write(draw(events, args.title, args.va, args.note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
