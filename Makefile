# cowpin: build the kernel, the user programs and the file system image;
# run them in QEMU; test.
#   make            kernel/kernel (ELF), kernel/Image (booti image), fs.img
#   make qemu       boot in QEMU (CPUS=4 by default); leave with Ctrl-a x
#   make qemu-gdb   the same, waiting for gdb-multiarch (see .gdbinit)
#   make test       all automated tests; last line "N passed, N failed"
#   make lab LAB=NAME   a lab's starting point (labs/README.md); make grade,
#                       make handin, make labs-all, make autograder LAB=NAME
#   make EXTRA="a.c b.c"   also build these user programs into fs.img
#   make bench      speed against issue 16's goals; XV6=dir also compares
#                   MIT xv6-riscv's usertests on its kernel and on cowpin
#   make KCSAN=1    also the kernel with the data-race detector,
#   make LOCKDEP=1  or with the lock-order checker (docs/debugging.md);
#                   make qemu KCSAN=1 (LOCKDEP=1) boots it

K=kernel
U=user

KOBJS = \
  $K/entry.o \
  $K/main.o \
  $K/sbi.o \
  $K/fdt.o \
  $K/printf.o \
  $K/uart.o \
  $K/console.o \
  $K/plic.o \
  $K/spinlock.o \
  $K/sleeplock.o \
  $K/string.o \
  $K/race.o \
  $K/trace.o \
  $K/mm/init.o \
  $K/mm/page_alloc.o \
  $K/mm/memory.o \
  $K/mm/huge_memory.o \
  $K/mm/rmap.o \
  $K/mm/mmap.o \
  $K/mm/filemap.o \
  $K/mm/page-writeback.o \
  $K/mm/tlbflush.o \
  $K/mm/gup.o \
  $K/mm/vmstat.o \
  $K/mm/task_mmu.o \
  $K/mm/userfaultfd.o \
  $K/proc.o \
  $K/swtch.o \
  $K/kernelvec.o \
  $K/fpu.o \
  $K/trap.o \
  $K/syscall.o \
  $K/sysproc.o \
  $K/bio.o \
  $K/log.o \
  $K/fs.o \
  $K/file.o \
  $K/pipe.o \
  $K/exec.o \
  $K/pinfd.o \
  $K/direct-io.o \
  $K/history.o \
  $K/fault-inject.o \
  $K/kcheck.o \
  $K/sysfile.o \
  $K/virtio_blk.o \
  $K/ramdisk.o

# riscv64-unknown-elf- is Debian's bare-metal cross compiler.
TOOLPREFIX ?= riscv64-unknown-elf-
CC = $(TOOLPREFIX)gcc
AS = $(TOOLPREFIX)gas
LD = $(TOOLPREFIX)ld
OBJCOPY = $(TOOLPREFIX)objcopy
AR = $(TOOLPREFIX)ar
OBJDUMP = $(TOOLPREFIX)objdump

CFLAGS = -Wall -Werror -O2 -fno-omit-frame-pointer -ggdb -gdwarf-2
CFLAGS += -MD -mcmodel=medany -ffreestanding -fno-common -nostdlib
# rv64gc plus fence.i (Zifencei), which newer assemblers want named.
CFLAGS += -march=rv64gc_zifencei -mabi=lp64d
CFLAGS += -fno-builtin-strncpy -fno-builtin-strncmp -fno-builtin-strlen -fno-builtin-memset
CFLAGS += -fno-builtin-memmove -fno-builtin-memcmp -fno-builtin-log -fno-builtin-bzero
CFLAGS += -fno-builtin-strchr -fno-builtin-exit -fno-builtin-malloc -fno-builtin-putc
CFLAGS += -fno-builtin-free -fno-builtin-memcpy -Wno-main
CFLAGS += -fno-builtin-printf -fno-builtin-fprintf -fno-builtin-vprintf
CFLAGS += -I. -fno-stack-protector -fno-pie -no-pie
ASFLAGS = -I. -I$K -MD -mcmodel=medany -march=rv64gc_zifencei -mabi=lp64d
# The kernel itself uses no floating point (the FPU is off while it runs;
# kernel/fpu.S saves and restores the user's registers): build it without.
KARCH = -march=rv64imac_zicsr_zifencei -mabi=lp64
$K/%.o: CFLAGS += $(KARCH)
$K/%.o: ASFLAGS += -mabi=lp64
# The kernel runs at its link address only after entry.S turns on paging,
# and never uses gp-relative addressing: no linker relaxation against gp.
KLDFLAGS = -z max-page-size=4096 --no-relax
ULDFLAGS = -z max-page-size=4096

all: $K/kernel $K/Image fs.img $(if $(KCSAN),build/kcsan/Image) $(if $(LOCKDEP),build/lockdep/Image)

$K/kernel: $(KOBJS) $K/kernel.ld
	$(LD) $(KLDFLAGS) -T $K/kernel.ld -o $K/kernel $(KOBJS)
	$(OBJDUMP) -S $K/kernel > $K/kernel.asm
	$(OBJDUMP) -t $K/kernel | sed '1,/SYMBOL TABLE/d; s/ .* / /; /^$$/d' > $K/kernel.sym

# The flat image U-Boot's booti loads (the Linux image header is at its start).
$K/Image: $K/kernel
	$(OBJCOPY) -O binary $K/kernel $K/Image

$K/%.o: $K/%.S
	$(CC) $(ASFLAGS) -c -o $@ $<

# The checked kernels (docs/debugging.md), each from its own objects in
# build/CHECKER, so that they never mix with the plain kernel's: make
# KCSAN=1 builds build/kcsan/Image, the data-race detector's (kcsan.c;
# GCC instruments every access), make LOCKDEP=1 build/lockdep/Image, the
# lock-order checker's (lockdep.c). Both carry the kernel's symbol table
# (ksyms.c) for their reports (build/CHECKER/kernel.elf keeps the ELF
# for gdb): a first link without it, tools/ksyms.py
# reads that, a second link with it.
CHECKERS = kcsan lockdep
CHECK_CFLAGS_kcsan = -DKCSAN $(TSAN)
CHECK_CFLAGS_lockdep = -DLOCKDEP
CHECK_KOBJS_kcsan = kcsan.o ksyms.o
CHECK_KOBJS_lockdep = lockdep.o ksyms.o
TSAN = -fsanitize=thread --param tsan-instrument-func-entry-exit=0 --param tsan-distinguish-volatile=1
# Not instrumented: the detector itself, the table its reports read, and
# string.c (memmove and memset would turn every byte copied into a call;
# whole pages go through them).
build/kcsan/$K/kcsan.o build/kcsan/$K/ksyms.o build/kcsan/$K/string.o: TSAN = -fno-optimize-sibling-calls

define checked_kernel
$(1)_KOBJS = $$(patsubst $K/%,build/$(1)/$K/%,$$(KOBJS)) $$(addprefix build/$(1)/$K/,$$(CHECK_KOBJS_$(1)))
build/$(1)/$K/%.o: $K/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(KARCH) $$(CHECK_CFLAGS_$(1)) -c -o $$@ $$<
build/$(1)/$K/%.o: $K/%.S
	@mkdir -p $$(@D)
	$$(CC) $$(ASFLAGS) -mabi=lp64 -c -o $$@ $$<
build/$(1)/kernel.elf: $$($(1)_KOBJS) $K/kernel.ld tools/ksyms.py
	$$(LD) $$(KLDFLAGS) -T $K/kernel.ld -o $$@.nosyms $$($(1)_KOBJS)
	python3 tools/ksyms.py --prefix $$(TOOLPREFIX) $$@.nosyms build/$(1)/ksyms.S
	$$(CC) $$(ASFLAGS) -mabi=lp64 -c -o build/$(1)/ksyms.o build/$(1)/ksyms.S
	$$(LD) $$(KLDFLAGS) -T $K/kernel.ld -o $$@ $$($(1)_KOBJS) build/$(1)/ksyms.o
build/$(1)/Image: build/$(1)/kernel.elf
	$$(OBJCOPY) -O binary $$< $$@
endef
$(foreach c,$(CHECKERS),$(eval $(call checked_kernel,$(c))))

ULIB = $U/ulib.o $U/usys.o $U/printf.o $U/umalloc.o $U/errno.o
# cowpin's additions, in an archive: a program gets only what it calls,
# so xv6 programs (and lab code) keep their own names free.
ULIBA = $U/libcowpin.a

$U/libcowpin.a: $U/thread.o $U/testlib.o $U/eras.o build/eras_table.o
	$(AR) rcs $@ $^

# The eras and reproducers of the saga, from their one home
# (docs/history.json) by tools/history.py.
build/eras_table.c: docs/history.json tools/history.py
	@mkdir -p build
	python3 tools/history.py c $@

build/eras_table.o: build/eras_table.c
	$(CC) $(CFLAGS) -c -o $@ $<

$U/usys.S: $U/usys.py $K/syscall.h
	python3 $U/usys.py > $U/usys.S

$U/usys.o: $U/usys.S
	$(CC) $(ASFLAGS) -c -o $@ $<

# user/prog.debug keeps the symbols for gdb (add-symbol-file); the copy in
# fs.img (user/_prog) is stripped, since an xv6 file holds at most 268 KiB.
_%: %.o $(ULIB) $(ULIBA) $U/user.ld
	$(LD) $(ULDFLAGS) -T $U/user.ld -o $*.debug $< $(ULIB) $(ULIBA)
	$(OBJDUMP) -S $*.debug > $*.asm
	$(OBJCOPY) --strip-debug $*.debug $@

# stale_tlb under another name shows the race through userfaultfd.
$U/_uffd_wp_tlb: $U/_stale_tlb
	cp $< $@

UPROGS = \
  $U/_cat \
  $U/_echo \
  $U/_forktest \
  $U/_grep \
  $U/_init \
  $U/_kill \
  $U/_ln \
  $U/_ls \
  $U/_mkdir \
  $U/_rm \
  $U/_sh \
  $U/_stressfs \
  $U/_usertests \
  $U/_grind \
  $U/_wc \
  $U/_zombie \
  $U/_poweroff \
  $U/_vmstat \
  $U/_cowtest \
  $U/_vmmap \
  $U/_forkbench \
  $U/_iobench \
  $U/_mmaptest \
  $U/_threadtest \
  $U/_pintest \
  $U/_softdirty \
  $U/_softdirtytest \
  $U/_splicetest \
  $U/_diotest \
  $U/_knob \
  $U/_vmsplice_leak \
  $U/_rdma_fork \
  $U/_ro_pin_fork \
  $U/_longterm_pin \
  $U/_gup_softdirty \
  $U/_dirtycow \
  $U/_clear_refs_dio \
  $U/_stale_tlb \
  $U/_gup_fast_fork \
  $U/_ro_pin_gupfast \
  $U/_ro_pin_file \
  $U/_saga \
  $U/_historytest \
  $U/_fuzz \
  $U/_failtest \
  $U/_torture \
  $U/_crashwork \
  $U/_trace \
  $U/_tracetest \
  $U/_kchecktest \
  $U/_uffdtest \
  $U/_uffd_wp_gup \
  $U/_uffd_wp_tlb \
  $U/_thptest \
  $U/_huge_dirtycow \
  $U/_thp_vmsplice

# An instructor's own programs: make EXTRA="path/a.c path/b.c". Programs
# from elsewhere (MIT xv6's usertests.c, 6.1810's mmaptest.c) were not
# written against cowpin's headers: their warnings stay warnings.
EXTRA ?=
# make bench XV6=path/to/xv6-riscv (MIT's, built there): the bench also
# runs xv6's own usertests on xv6's kernel and on cowpin, where it is the
# program xv6usertests (a copy, named apart from cowpin's usertests).
XV6 ?=
ifneq ($(XV6),)
override EXTRA += build/xv6/xv6usertests.c
endif
EXTRAPROGS = $(foreach f,$(EXTRA),build/extra/_$(basename $(notdir $(f))))
build/extra/%.o: $(EXTRA)
	@mkdir -p build/extra
	$(CC) $(filter-out -Werror,$(CFLAGS)) -c -o $@ $(filter %/$*.c $*.c,$(EXTRA))

build/xv6/xv6usertests.c: $(XV6)/user/usertests.c
	@mkdir -p build/xv6
	cp $< $@

mkfs/mkfs: mkfs/mkfs.c $K/fs.h $K/param.h $K/types.h $K/stat.h
	gcc -Wall -Werror -O2 -I. -o mkfs/mkfs mkfs/mkfs.c

# The image is rebuilt whenever EXTRA changes, as well as when a program does.
build/extra.list: FORCE
	@mkdir -p build
	@echo "$(EXTRA)" | cmp -s - $@ || echo "$(EXTRA)" > $@

# xv6 programs (usertests among them) expect a file named README.
build/README: README.md
	@mkdir -p build
	cp README.md build/README

fs.img: mkfs/mkfs build/README $(UPROGS) $(EXTRAPROGS) build/extra.list
	mkfs/mkfs fs.img build/README $(UPROGS) $(EXTRAPROGS)

FORCE:

# A new EXTRA starts build/extra afresh: the dependency files of an
# earlier one name sources that may be gone (a program of the same name
# from another directory, say), which make would then look for.
ifneq ($(EXTRA),$(shell cat build/extra.list 2>/dev/null))
$(shell rm -rf build/extra)
endif
-include $(wildcard $K/*.d $K/mm/*.d $U/*.d build/*.d build/extra/*.d build/*/$K/*.d build/*/$K/mm/*.d)

# Keep the intermediate objects of user programs.
.PRECIOUS: %.o

clean:
	rm -f $K/*.o $K/*.d $K/mm/*.o $K/mm/*.d $K/kernel $K/Image $K/kernel.asm $K/kernel.sym \
	  $U/*.o $U/*.d $U/*.a $U/*.asm $U/*.debug $U/usys.S $U/_* mkfs/mkfs fs.img sd.img .gdbinit \
	  tests/fdt_host autograder-*.zip
	rm -rf build logs
	# conf/ holds a starting point's lab (it has no labs/*/start.patch): keep that.
	$(if $(wildcard labs/*/start.patch),rm -rf conf)

deps:
	@tools/deps.sh

# QEMU's virt machine with OpenSBI, the way a board boots: the firmware
# enters our Image at 0x80200000 with a0 = hart id, a1 = device tree.
# tools/qemu.py builds the command line (the tools boot the same machine);
# tools/machine.env names the firmware.
CPUS ?= 4
MEM ?= 128M
# make qemu KCSAN=1 (LOCKDEP=1): the checked kernel.
CHECKER = $(if $(KCSAN),--checker kcsan,$(if $(LOCKDEP),--checker lockdep))
QEMUPY = python3 tools/qemu.py --interactive --cpus $(CPUS) $(CHECKER)

qemu: deps all
	@$(QEMUPY) --modern --mem $(MEM)

GDBPORT = $(shell expr `id -u` % 5000 + 25000)

.gdbinit: tools/gdbinit.tmpl Makefile
	sed "s/:1234/:$(GDBPORT)/" < $< > $@

qemu-gdb: deps all .gdbinit
	@echo "*** Now run 'gdb-multiarch' in this directory (port $(GDBPORT))." 1>&2
	@$(QEMUPY) --modern --mem $(MEM) --gdb $(GDBPORT)

# The board's way in: OpenSBI, then U-Boot (S-mode), whose distro boot
# reads extlinux.conf from sd.img and starts our Image with booti.
sd.img: $K/Image fs.img tools/mksdimage.py
	python3 tools/mksdimage.py sd.img $K/Image fs.img

sdimage: sd.img

# U-Boot's kernel, fdt and ramdisk load addresses on QEMU need 256 MiB
# (qemu.py's default for --uboot).
qemu-uboot: deps sd.img
	@$(QEMUPY) --uboot

# Benchmarks print a table; speed goals live here, never in tests.
bench: deps all
	@python3 tools/bench.py $(if $(XV6),--xv6 $(XV6))

# A million random system calls at 4 harts: make fuzz [SEED=n] [CALLS=n].
# The seed (the time by default) is printed: the same seed, the same run.
SEED ?= $(shell date +%s)
CALLS ?= 1000000
fuzz: deps all
	@python3 tools/qemu.py --cpus 4 --modern $(CHECKER) --timeout 36000 --log logs/fuzz.log "fuzz $(SEED) $(CALLS)"

# The mm torture test (user/torture.c) at 4 harts for TORTURE seconds.
TORTURE ?= 600
torture: deps all
	@python3 tools/qemu.py --cpus 4 --modern $(CHECKER) --timeout $$(($(TORTURE) + 300)) --log logs/torture.log "torture $(TORTURE) $(SEED)"

# Power cuts during a file-system workload: CUTS of them (tools/crashtest.py).
CUTS ?= 100
crashtest: deps all
	@python3 tools/crashtest.py --cuts $(CUTS) --seed $(SEED)

# usertests and torture at 4 harts, round after round, until the first
# failure (its log stays) or SOAK seconds (tools/soak.py).
SOAK ?= 3600
soak: deps all
	@python3 tools/soak.py --seconds $(SOAK)

# The mm tracepoints drawn (docs/trace.md): make trace-svg REPRO=dirtycow
# ERA=4.8 [KNOBS=name=value,...] runs the reproducer traced in that era
# (knob era, then the knobs) at CPUS harts and writes
# build/trace/REPRO-ERA.svg and the trace dump it draws (.txt).
# make lab-pictures [LAB=NAME] records the pictures of the lab handouts,
# the bug before and after its fix (labs/NAME/trace/); make test checks
# that they are current.
REPRO ?= dirtycow
ERA ?= 6.5
KNOBS ?=
trace-svg: deps all
	@mkdir -p build/trace
	@python3 tools/tracesvg.py --run "$(REPRO)" --era $(ERA) --knobs "$(KNOBS)" --cpus $(CPUS) -o "build/trace/$(REPRO)-$(ERA).svg"

lab-pictures: deps all
	@python3 tools/tracesvg.py --lab-pictures $(LAB)

# Every reproducer of docs/history.md, 100 times at 1 and 4 harts.
saga-stress: deps all
	@python3 tools/saga_stress.py $(STRESSFLAGS)

test: deps all sd.img build/kcsan/Image build/lockdep/Image
	@python3 tools/test.py $(TESTFLAGS)

# The labs (labs/README.md). make lab LAB=NAME: a student's starting
# point in ../cowpin-lab-NAME (or LABDIR=...); without LAB, the list.
# make labs-all: every lab's starting point (in LABDIR, else next to this
# tree). make grade [TEST=N|words]: the lab that conf/lab.mk names (a
# starting point has it), else every lab against this tree; writes
# Gradescope's logs/results.json. make handin: handin-LAB.tar.gz, the
# student's changes. make autograder LAB=NAME: Gradescope's package.
-include conf/lab.mk
lab:
	@python3 tools/lab.py $(if $(LAB),start $(LAB) $(LABDIR),list)

labs-all:
	@python3 tools/lab.py start-all $(LABDIR)

grade: deps all
	@python3 tools/lab.py grade $(if $(TEST),--test "$(TEST)") $(LAB)

handin:
	@python3 tools/lab.py handin

autograder:
	@python3 tools/lab.py autograder $(or $(LAB),$(error make autograder LAB=NAME: which lab? make lab lists them))

.PHONY: trace-svg lab-pictures
.PHONY: all clean deps qemu qemu-gdb qemu-uboot sdimage test bench saga-stress fuzz torture crashtest soak lab labs-all grade handin autograder FORCE
