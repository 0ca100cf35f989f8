#!/usr/bin/env python3
"""Boot cowpin headless in QEMU and drive its console.

As a module, the one driver every tool uses (test.py, lab.py, bench.py,
saga_stress.py, soak.py):

    run = run_session(Session("smoke", cpus=4, modern=True),
                      ["usertests", POWER_CYCLE, "ls"], timeout=900)
    run.steps, run.error, run.text()    # what each step printed; how it ended

boots, runs the commands, powers off; each= sees every step as it ends.
Session's own steps (boot, run, power_cycle, poweroff) remain for what a
list of commands cannot say: crashtest.py cuts the power at a random
moment in the middle of a command.

Every step has a timeout.  A kernel panic (a line starting with "panic:"), a
step that times out, or QEMU exiting early raises QemuError, whose .kind is
"panic", "timeout" or "exited", and whose .output holds what the step saw.
QEMU is always killed when the session ends.  The whole console output goes
to logs/NAME.log as it arrives, so the log is complete even after a hang.

QEMU's console is a pair of pipes (no pty): nothing here depends on, or
changes, the terminal the tests were started from.

Three ways in (mode=):
  "direct"  OpenSBI enters kernel/Image itself; the disk is a copy of fs.img.
  "uboot"   OpenSBI starts U-Boot (S-mode), whose distro boot reads
            extlinux.conf from a copy of sd.img and boots Image with fs.img
            as the initrd, the way the VisionFive 2 boots (`make
            qemu-uboot`).  The kernel's root is then a RAM disk, so the disk
            copy is not an xv6 file system afterwards.  U-Boot's 2 s
            countdown and the loading make the boot slower: BOOT_TIMEOUT_UBOOT.
  "xv6"     not cowpin: an MIT xv6-riscv kernel (its ELF kernel/kernel,
            loaded by QEMU itself with -bios none, as xv6's Makefile does)
            on a copy of its fs.img, for comparisons on the same QEMU
            (make bench XV6=...).  It has no poweroff: QEMU is killed.

As a command, for manual use:

    python3 tools/qemu.py [--cpus N] [--modern] [--extra "ARGS"] [--log F]
                          [--timeout S] [--uboot [--sd SD.IMG]] CMD...

boots, runs each CMD in turn (console output is echoed live), powers off and
exits 0, or 1 on a panic, a hang or an early exit.  --print-cmd prints the
QEMU command line (booting fs.img, or sd.img with --uboot, itself) instead
of running it; --interactive runs that command line on this terminal
(make qemu, make qemu-gdb with --gdb PORT, make qemu-uboot).
"""
import argparse
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def machine_env(path=os.path.join(ROOT, "tools", "machine.env")):
    """tools/machine.env: NAME=value lines (the firmware, QEMU)."""
    with open(path) as f:
        return dict(l.strip().split("=", 1) for l in f if "=" in l and not l.startswith("#"))


MACHINE = machine_env()
QEMU = MACHINE["QEMU"]
OPENSBI = MACHINE["OPENSBI"]
KERNEL = os.path.join(ROOT, "kernel", "Image")  # the flat image: OpenSBI enters it at 0x80200000
FSIMG = os.path.join(ROOT, "fs.img")
SDIMG = os.path.join(ROOT, "sd.img")        # make sd.img (tools/mksdimage.py)
UBOOT = MACHINE["UBOOT"]
LOGDIR = os.path.join(ROOT, "logs")

MODES = ("direct", "uboot", "xv6")
# Memory: U-Boot's kernel, fdt and ramdisk load addresses on QEMU's virt
# need 256 MiB; the direct boot keeps the smaller machine it always had,
# which is also xv6's.
MEMORY = {"direct": "128M", "uboot": "256M", "xv6": "128M"}

BOOT_TIMEOUT = 60
BOOT_TIMEOUT_UBOOT = 120    # U-Boot: countdown, virtio scan, loading Image and fs.img
COMMAND_TIMEOUT = 60
POWEROFF_TIMEOUT = 10

# The shell prints "$ " at the start of a line and then waits for input.
PROMPT = re.compile(r"(?:^|\n)\$ \Z")
# A kernel panic prints a line starting with "panic:"; during usertests it
# usually lands right after the unfinished "test NAME: " of the test that
# triggered it.
PANIC = re.compile(r"(?:^|\n)(?:test \S+: )?panic:")
# After something that looks like the prompt, wait this long for more output
# before believing it: a program may print "$ " itself.
QUIET = 0.1
# After a panic, keep reading this long so the log gets the whole message.
PANIC_GRACE = 1.0


def boot_timeout(mode):
    """The default time allowed to reach the first shell prompt."""
    return BOOT_TIMEOUT_UBOOT if mode == "uboot" else BOOT_TIMEOUT


def qemu_command(disk, cpus=1, modern=False, extra=(), kernel=KERNEL,
                 mode="direct", memory=None, interactive=False):
    """The QEMU command line (a list): the one place that says how cowpin's
    machine is run, for make qemu as for the tools.  mode "direct":
    OpenSBI enters kernel, disk is the xv6 file system.  mode "uboot":
    OpenSBI enters U-Boot (kernel is ignored), disk is an SD-card image
    (sd.img) that holds the kernel and the file system.  mode "xv6": QEMU
    loads kernel, an MIT xv6 ELF, with no firmware.  interactive: the
    console on this terminal with QEMU's monitor behind Ctrl-a (Ctrl-a x
    quits); else a plain serial line on stdio for a Session."""
    if mode not in MODES:
        raise ValueError("boot mode %r: not one of %s" % (mode, ", ".join(MODES)))
    cmd = [
        QEMU,
        "-machine", "virt",
        "-bios", "none" if mode == "xv6" else OPENSBI,
        "-kernel", UBOOT if mode == "uboot" else kernel,
        "-m", memory or MEMORY[mode],
        "-smp", str(cpus),
        "-nographic",
    ] + ([] if interactive else ["-monitor", "none", "-serial", "stdio"]) + [
        "-drive", "file=%s,if=none,format=raw,id=x0" % disk,
        "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
    ]
    if modern or mode == "xv6":   # MIT xv6 drives only the modern transport
        cmd += ["-global", "virtio-mmio.force-legacy=false"]
    return cmd + list(extra)


class QemuError(Exception):
    """A session step failed: kind is "panic", "timeout" or "exited"."""

    def __init__(self, kind, message, output=""):
        super().__init__(message)
        self.kind = kind
        self.output = output


class Session:
    """One QEMU boot of cowpin on a private copy of fs.img (mode "direct")
    or of sd.img (mode "uboot"), or of MIT xv6 (mode "xv6").  stamps: if
    a list, read_some appends (time.monotonic(), text) for what it reads,
    for timing what a command prints as it runs (bench.py)."""

    def __init__(self, name, cpus=1, modern=False, extra=(), kernel=KERNEL,
                 fsimg=FSIMG, logdir=LOGDIR, log=None, echo=False,
                 mode="direct", sdimg=SDIMG, memory=None, stamps=None):
        if mode not in MODES:
            raise ValueError("boot mode %r: not one of %s" % (mode, ", ".join(MODES)))
        self.name = name
        self.cpus = cpus
        self.modern = modern
        self.extra = list(extra)
        self.kernel = kernel
        self.fsimg = fsimg
        self.mode = mode
        self.sdimg = sdimg
        self.memory = memory          # None: the mode's (MEMORY)
        self.log_path = log or os.path.join(logdir, name + ".log")
        # The private disk sits next to the log: tools/fsck.py checks it
        # after the run, and it helps when reading a failure's log.
        self.disk = os.path.splitext(self.log_path)[0] + ".img"
        self.echo = echo
        self.stamps = stamps
        self.proc = None
        self.log = None
        self.powered_off = False  # QEMU exited because we asked it to

    # -- lifetime ---------------------------------------------------------

    def start(self, fresh=True):
        """Start QEMU.  fresh: on a new copy of the image; else on the disk
        as the last run left it (see power_cycle), appending to the log."""
        if self.mode == "uboot":
            # The kernel and fs.img travel inside sd.img.
            needed = ((UBOOT, "U-Boot (apt install u-boot-qemu)"),
                      (self.sdimg, "SD-card image"))
            image = self.sdimg
        else:
            needed = ((self.kernel, "kernel"), (self.fsimg, "file system image"))
            image = self.fsimg
        for path, what in needed:
            if not os.path.isfile(path):
                raise FileNotFoundError("%s %s not found (run make first)" % (what, path))
        os.makedirs(os.path.dirname(os.path.abspath(self.log_path)), exist_ok=True)
        if fresh:
            shutil.copyfile(image, self.disk)
        cmd = qemu_command(self.disk, self.cpus, self.modern, self.extra, self.kernel,
                           self.mode, self.memory)
        self.log = open(self.log_path, "wb" if fresh else "ab")
        self.note("qemu: " + " ".join(shlex.quote(c) for c in cmd))
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, bufsize=0,
            # Own process group: a Ctrl-C meant for the tests must not reach
            # QEMU before we do, and kill() can take QEMU's threads with it.
            start_new_session=True)
        return self

    def kill(self):
        """Stop QEMU (if it still runs) and close the log.  Idempotent."""
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
            self.proc = None
        if self.log is not None:
            self.log.close()
            self.log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()
        return False

    # -- console ----------------------------------------------------------

    def note(self, text):
        """Write a line of our own into the log (marked so it stands out)."""
        line = "\n[cowpin-qemu] %s\n" % text
        if self.log:
            self.log.write(line.encode())
            self.log.flush()
        if self.echo:
            sys.stderr.write(line)
            sys.stderr.flush()

    def read_some(self, timeout):
        """Read what QEMU printed within timeout seconds.  Returns the text,
        "" if nothing came, or None at end of file (QEMU exited)."""
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], max(timeout, 0))
        if not ready:
            return ""
        data = os.read(fd, 65536)
        if not data:
            return None
        self.log.write(data)
        self.log.flush()
        if self.echo:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        # The kernel may end lines with "\r\n"; callers only want "\n".
        text = data.decode("utf-8", "replace").replace("\r", "")
        if self.stamps is not None:
            self.stamps.append((time.monotonic(), text))
        return text

    def send(self, text):
        self.log.flush()
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass   # QEMU is gone; the next read says so

    def expect_prompt(self, timeout, what):
        """Collect output until the shell prompt; return it without the
        prompt.  Raises QemuError on a panic, a timeout or QEMU's exit."""
        deadline = time.monotonic() + timeout
        out = ""
        while True:
            if PANIC.search(out):
                out += self.drain(PANIC_GRACE)
                self.note("PANIC while %s" % what)
                raise QemuError("panic", "kernel panic while %s" % what, out)
            m = PROMPT.search(out)
            if m:
                more = self.read_some(QUIET)
                if more == "":
                    return out[:m.start()] + ("\n" if m.group().startswith("\n") else "")
                if more is None:
                    return self.exited(what, out)
                out += more
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                if "panic:" in out:
                    # A hang right after "panic:" text is a panic that
                    # PANIC's line rule did not catch (interleaved harts).
                    self.note("PANIC (then no prompt for %g s) while %s" % (timeout, what))
                    raise QemuError("panic", "kernel panic while %s" % what, out)
                self.note("TIMEOUT after %g s while %s" % (timeout, what))
                raise QemuError("timeout", "timed out after %g s while %s"
                                % (timeout, what), out)
            more = self.read_some(min(left, 1.0))
            if more is None:
                return self.exited(what, out)
            out += more

    def exited(self, what, out):
        code = self.proc.wait()
        self.note("QEMU exited (status %d) while %s" % (code, what))
        raise QemuError("exited", "QEMU exited (status %d) while %s" % (code, what), out)

    def drain(self, seconds):
        """Read whatever arrives within the next few seconds."""
        out = ""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            more = self.read_some(end - time.monotonic())
            if more is None:
                break
            out += more
        return out

    # -- steps --------------------------------------------------------------

    def boot(self, timeout=None):
        """Wait for the first shell prompt; return the boot messages (in
        mode "uboot", U-Boot's too).  timeout None: the mode's default."""
        if timeout is None:
            timeout = boot_timeout(self.mode)
        return self.expect_prompt(timeout, "booting")

    def run(self, command, timeout=COMMAND_TIMEOUT):
        """Type command, return its output (without the echoed command line)
        once the next prompt appears."""
        self.note("run (timeout %g s): %s" % (timeout, command))
        self.send(command + "\n")
        out = self.expect_prompt(timeout, "running %r" % command)
        return strip_echo(out, command)

    def power_cycle(self, timeout=None):
        """Pull the plug (kill QEMU, no shutdown: what the kernel has not
        written is lost) and boot again on the same disk.  Returns the boot
        messages."""
        self.note("power cycle: QEMU killed, booting again on the same disk")
        self.kill()
        self.start(fresh=False)
        return self.boot(timeout)

    def poweroff(self, timeout=POWEROFF_TIMEOUT):
        """Ask the kernel to power off; kill QEMU if it does not stop within
        timeout seconds.  Returns True if QEMU stopped by itself.  A panic
        on the way down still raises QemuError."""
        if self.mode == "xv6":
            self.note("xv6 has no poweroff: killing QEMU")
            self.kill()
            return False
        self.note("run: poweroff")
        self.send("poweroff\n")
        out = ""
        deadline = time.monotonic() + timeout
        eof = False
        while not eof and time.monotonic() < deadline:
            more = self.read_some(deadline - time.monotonic())
            eof = more is None
            out += more or ""
        if PANIC.search(out):
            self.note("PANIC while powering off")
            self.kill()
            raise QemuError("panic", "kernel panic while powering off", out)
        try:
            # At end of file QEMU is on its way out; give it a moment.
            self.proc.wait(2 if eof else 0.01)
            self.powered_off = True
        except subprocess.TimeoutExpired:
            self.note("poweroff did not stop QEMU within %g s; killing it" % timeout)
        return self.powered_off


# In a list of commands: kill QEMU and boot again on the same disk.
POWER_CYCLE = "<power cycle>"
# The first step of every run: QEMU started to the first prompt.
BOOT = "<boot>"
POWEROFF = "<poweroff>"


class Run:
    """What run_session did.  steps: [(command, output, seconds)], BOOT
    first; error: the QemuError that ended the session early (its output
    is the last step's), or None; clean: every step ran and poweroff was
    asked for; stopped: QEMU then stopped by itself (else it was killed)."""

    def __init__(self):
        self.steps, self.error, self.clean, self.stopped = [], None, False, False

    def text(self):
        """Every command's output, in order: not the boot messages, unless
        the run ended there."""
        last = len(self.steps) - 1
        return "\n".join(out for i, (c, out, _) in enumerate(self.steps)
                         if c not in (BOOT, POWER_CYCLE) or (self.error and i == last))


def run_session(session, commands, timeout=COMMAND_TIMEOUT, boot_timeout=None, each=None):
    """The one way the tools drive cowpin: start session, boot, run commands
    in order (POWER_CYCLE pulls the plug and boots again), power off.
    timeout: seconds per command, or a function of the command that gives
    them (a budget).  each(command, output, seconds), called after every
    step, may return False to end the run there.  A panic, a hang or QEMU's
    exit ends the run and is in the result; it never raises QemuError (a
    missing kernel or QEMU still raises OSError)."""
    limit = timeout if callable(timeout) else (lambda c: timeout)
    run = Run()
    command, t0 = BOOT, time.monotonic()
    try:
        with session:
            out = session.boot(boot_timeout)
            for command in [BOOT] + list(commands):
                if command == POWER_CYCLE:
                    out = session.power_cycle(boot_timeout)
                elif command != BOOT:
                    out = session.run(command, limit(command))
                run.steps.append((command, out, time.monotonic() - t0))
                if each and each(*run.steps[-1]) is False:
                    break
                t0 = time.monotonic()
            command = POWEROFF
            run.stopped = session.poweroff()
            run.clean = True
    except QemuError as e:
        run.error = e
        run.steps.append((command, e.output, time.monotonic() - t0))
    return run


def strip_echo(out, command):
    """Drop the console's echo of the command we typed."""
    first, sep, rest = out.partition("\n")
    if sep and first.strip() == command.strip():
        return rest
    return out


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Boot cowpin in QEMU, run shell commands, power off.")
    p.add_argument("--cpus", type=int, default=1)
    p.add_argument("--modern", action="store_true",
                   help="modern (non-legacy) virtio-mmio transport")
    p.add_argument("--extra", default="",
                   help="extra QEMU arguments, e.g. \"-cpu rv64,sstc=off\"")
    p.add_argument("--log", help="console log file (default logs/manual.log)")
    p.add_argument("--kernel", default=KERNEL)
    p.add_argument("--fs", default=FSIMG, help="file system image (copied)")
    p.add_argument("--uboot", action="store_true",
                   help="boot through U-Boot from an SD-card image, as a board does")
    p.add_argument("--sd", default=SDIMG,
                   help="SD-card image for --uboot (copied; default sd.img)")
    p.add_argument("--timeout", type=float, default=COMMAND_TIMEOUT,
                   help="seconds allowed for each command")
    p.add_argument("--boot-timeout", type=float, default=None,
                   help="seconds allowed to boot (default %d, with --uboot %d)"
                   % (BOOT_TIMEOUT, BOOT_TIMEOUT_UBOOT))
    p.add_argument("--print-cmd", action="store_true",
                   help="print the QEMU command line for --fs (--sd) and exit")
    p.add_argument("--interactive", action="store_true",
                   help="run QEMU on this terminal on --fs (--sd) itself, not a copy "
                   "(make qemu); Ctrl-a x quits")
    p.add_argument("--gdb", type=int, metavar="PORT",
                   help="with --interactive: wait for gdb on PORT (make qemu-gdb)")
    p.add_argument("--mem", help="RAM size (default %s, with --uboot %s)"
                   % (MEMORY["direct"], MEMORY["uboot"]))
    p.add_argument("commands", nargs="*", metavar="CMD")
    a = p.parse_args(argv)
    extra = shlex.split(a.extra)
    mode = "uboot" if a.uboot else "direct"

    if a.gdb:
        extra += ["-S", "-gdb", "tcp::%d" % a.gdb]
    if a.print_cmd or a.interactive:
        cmd = qemu_command(a.sd if a.uboot else a.fs, a.cpus, a.modern, extra, a.kernel, mode,
                           a.mem, a.interactive)
        print(" ".join(shlex.quote(c) for c in cmd), flush=True)
        if a.interactive:
            os.execvp(cmd[0], cmd)
        return 0

    s = Session("manual", a.cpus, a.modern, extra, kernel=a.kernel,
                fsimg=a.fs, log=a.log, echo=True, mode=mode, sdimg=a.sd)
    try:
        with s:
            s.boot(a.boot_timeout)
            for c in a.commands:
                s.run(c, a.timeout)
            if not s.poweroff():
                print("\nqemu.py: poweroff did not stop QEMU; killed it",
                      file=sys.stderr)
    except QemuError as e:
        print("\nqemu.py: %s (log: %s)" % (e, s.log_path), file=sys.stderr)
        return 1
    except FileNotFoundError as e:
        print("qemu.py: %s" % e, file=sys.stderr)
        return 1
    print("\nqemu.py: log in %s" % s.log_path, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
