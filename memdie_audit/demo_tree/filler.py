"""Files that never mention the flag: Kconfig, Makefiles, the thread-flag API
and generated C, so that candidates stay a small fraction of the tree.

Generated C is built from a handful of function shapes with names drawn by a
``random.Random`` seeded with the path, so every build writes the same bytes.
Some of it tests other thread flags (TIF_SIGPENDING...) on purpose: a
scanner must not confuse them with the audited one.
"""

from __future__ import annotations

import random
import re

from .layout import ArchSpec

_PREFIX = ["dev", "blk", "net", "irq", "page", "slab", "vma", "task", "timer", "fw", "pci", "tty"]
_VERB = ["get", "put", "init", "setup", "update", "flush", "scan", "sync", "check", "release"]
_NOUN = ["queue", "entry", "range", "state", "table", "buffer", "node", "ctx", "map", "desc"]
_STRUCT = ["request", "device", "zone", "rq", "inode", "sk_buff", "page", "work_struct"]
_FIELD = ["flags", "count", "state", "nr_pages", "refcnt", "len", "index"]
_OTHER_FLAGS = ["SIGPENDING", "NEED_RESCHED", "NOTIFY_RESUME", "SYSCALL_TRACE"]

_SHAPES = [
    """static int {name}(struct {s} *{x}, unsigned long flags)
{{
	int ret = 0;

	if (!{x})
		return -EINVAL;
	spin_lock(&{x}->lock);
	if ({x}->{f} & flags)
		ret = -EBUSY;
	else
		{x}->{f} |= flags;
	spin_unlock(&{x}->lock);
	return ret;
}}
""",
    """static unsigned long {name}(const struct {s} *{x}, int count)
{{
	unsigned long total = 0;
	int i;

	for (i = 0; i < count; i++)
		total += {x}[i].{f};
	return total;
}}
""",
    """int {name}(struct task_struct *tsk)
{{
	/* bail out early if the task has something better to do */
	if (test_tsk_thread_flag(tsk, TIF_{flag}))
		return -EINTR;
	return 0;
}}
""",
    """static const char *{name}(int state)
{{
	switch (state) {{
	case 0:
		return "{n}-idle";
	case 1:
		return "{n}-busy";
	default:
		return "unknown";
	}}
}}
""",
    """void {name}(struct {s} *{x})
{{
	might_sleep();
	if (test_thread_flag(TIF_{flag}))
		cond_resched();
	{x}->{f} = 0;
	wake_up(&{x}->wait);
}}
""",
    """static long {name}(struct {s} *{x}, long delta)
{{
	long old = READ_ONCE({x}->{f});

	if (delta < 0 && old < -delta) {{
		pr_warn("{n}: underflow (%ld %ld)\\n", old, delta);
		return -ERANGE;
	}}
	WRITE_ONCE({x}->{f}, old + delta);
	return old + delta;
}}
""",
]


def _ident(filename: str) -> str:
    return "f_" + re.sub(r"\W", "_", filename.split(".")[0])


def c_source(path: str, functions: int = 5) -> str:
    rng = random.Random(path)
    top = path.rsplit("/", 1)[-1]
    out = [
        "// SPDX-License-Identifier: GPL-2.0",
        "/*",
        f" * {path}: generated filler for the memdie-audit fixture.",
        " */",
        "#include <linux/kernel.h>",
        "#include <linux/sched.h>",
        "#include <linux/spinlock.h>",
        "",
        f"static unsigned int {_ident(top)}_debug;",
        "",
    ]
    seen = set()
    for _ in range(functions):
        name = random_name(rng)
        if name not in seen:
            seen.add(name)
            out.append(random_function(rng, name))
    return "\n".join(out)


def random_name(rng: random.Random) -> str:
    return f"{rng.choice(_PREFIX)}_{rng.choice(_VERB)}_{rng.choice(_NOUN)}"


def random_function(rng: random.Random, name: str) -> str:
    """One C function of a random shape; never mentions the audited flag."""
    return rng.choice(_SHAPES).format(
        name=name, s=rng.choice(_STRUCT), x="p", f=rng.choice(_FIELD),
        flag=rng.choice(_OTHER_FLAGS), n=rng.choice(_NOUN))


def c_header(path: str) -> str:
    rng = random.Random(path)
    guard = "_" + path.replace("/", "_").replace(".", "_").replace("-", "_").upper()
    noun = rng.choice(_NOUN)
    return "\n".join([
        "/* SPDX-License-Identifier: GPL-2.0 */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        f"#define {noun.upper()}_MAX\t{rng.randrange(8, 512)}",
        "",
        f"struct {noun}_info {{",
        "\tunsigned long\t\tflags;",
        "\tunsigned int\t\tcount;",
        "\tvoid\t\t\t*priv;",
        "};",
        "",
        f"enum {noun}_state {{",
        f"\t{noun.upper()}_IDLE,",
        f"\t{noun.upper()}_BUSY,",
        f"\t{noun.upper()}_DEAD,",
        "};",
        "",
        f"int {noun}_info_init(struct {noun}_info *info);",
        f"void {noun}_info_release(struct {noun}_info *info);",
        "",
        f"static inline bool {noun}_info_busy(const struct {noun}_info *info)",
        "{",
        f"\treturn info->count >= {noun.upper()}_MAX;",
        "}",
        "",
        f"static inline void {noun}_info_get(struct {noun}_info *info)",
        "{",
        "\tinfo->count++;",
        "}",
        "",
        f"#endif /* {guard} */",
        "",
    ])


def makefile(objs: list[str]) -> str:
    lines = ["# SPDX-License-Identifier: GPL-2.0", "#", "# Makefile (memdie-audit fixture)", "#"]
    lines += [f"obj-y += {o}" for o in objs]
    return "\n".join(lines) + "\n"


_KCONFIG_NAME = {"powerpc": "PPC", "um": "UML", "sh": "SUPERH"}


def kconfig(arch: ArchSpec) -> str:
    sym = _KCONFIG_NAME.get(arch.name, arch.name.upper())
    selects = ["ARCH_HAS_DEVMEM_IS_ALLOWED", "GENERIC_IRQ_SHOW", "HAVE_ARCH_TRACEHOOK"]
    if arch.generic_bits:
        selects.append("HAVE_GENERIC_TIF_BITS")
    selects += list(arch.kconfig_selects)
    lines = ["# SPDX-License-Identifier: GPL-2.0", f"config {sym}", "\tdef_bool y"]
    lines += [f"\tselect {s}" for s in sorted(selects)]
    lines += ["\thelp", f"\t  The {arch.name} architecture (memdie-audit fixture).", ""]
    if arch.bits64 == "only":
        lines += ["config 64BIT", "\tdef_bool y", ""]
    elif arch.bits64 == "optional":
        lines += ["config 64BIT", '\tbool "64-bit kernel"', "\tdefault y", "\thelp",
                  "\t  Build a 64-bit kernel; say N for a 32-bit one.", ""]
    lines += ['source "kernel/Kconfig.freezer"', 'source "mm/Kconfig"']
    return "\n".join(lines) + "\n"


THREAD_INFO_API = r"""/* SPDX-License-Identifier: GPL-2.0 */
/*
 * include/linux/thread_info.h: accessors for the TIF_* bits of any arch.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#ifndef _LINUX_THREAD_INFO_H
#define _LINUX_THREAD_INFO_H

#include <linux/bitops.h>
#include <asm/thread_info.h>

static inline void set_ti_thread_flag(struct thread_info *ti, int flag)
{
	set_bit(flag, (unsigned long *)&ti->flags);
}

static inline void clear_ti_thread_flag(struct thread_info *ti, int flag)
{
	clear_bit(flag, (unsigned long *)&ti->flags);
}

static inline int test_and_set_ti_thread_flag(struct thread_info *ti, int flag)
{
	return test_and_set_bit(flag, (unsigned long *)&ti->flags);
}

static inline int test_and_clear_ti_thread_flag(struct thread_info *ti, int flag)
{
	return test_and_clear_bit(flag, (unsigned long *)&ti->flags);
}

static inline int test_ti_thread_flag(struct thread_info *ti, int flag)
{
	return test_bit(flag, (unsigned long *)&ti->flags);
}

#define set_thread_flag(flag)	set_ti_thread_flag(current_thread_info(), flag)
#define clear_thread_flag(flag)	clear_ti_thread_flag(current_thread_info(), flag)
#define test_and_set_thread_flag(flag) \
	test_and_set_ti_thread_flag(current_thread_info(), flag)
#define test_and_clear_thread_flag(flag) \
	test_and_clear_ti_thread_flag(current_thread_info(), flag)
#define test_thread_flag(flag)	test_ti_thread_flag(current_thread_info(), flag)

#define set_tsk_thread_flag(tsk, flag)	set_ti_thread_flag(task_thread_info(tsk), flag)
#define clear_tsk_thread_flag(tsk, flag) clear_ti_thread_flag(task_thread_info(tsk), flag)
#define test_and_set_tsk_thread_flag(tsk, flag) \
	test_and_set_ti_thread_flag(task_thread_info(tsk), flag)
#define test_and_clear_tsk_thread_flag(tsk, flag) \
	test_and_clear_ti_thread_flag(task_thread_info(tsk), flag)
#define test_tsk_thread_flag(tsk, flag)	test_ti_thread_flag(task_thread_info(tsk), flag)

#endif /* _LINUX_THREAD_INFO_H */
"""

_COMMON_C = [
    "mm/mmap.c", "mm/rmap.c", "mm/swap.c", "mm/filemap.c", "mm/vmstat.c", "mm/compaction.c",
    "mm/slab_common.c", "mm/memory.c", "kernel/fork.c", "kernel/signal.c", "kernel/sys.c",
    "kernel/sched/core.c", "kernel/sched/fair.c", "kernel/irq/manage.c", "kernel/time/timer.c",
    "kernel/workqueue.c", "fs/namei.c", "fs/open.c", "fs/read_write.c", "fs/ext4/inode.c",
    "fs/ext4/namei.c", "lib/bitmap.c", "lib/string.c", "lib/sort.c", "init/main.c",
    "ipc/msg.c", "block/blk-core.c", "net/core/dev.c", "security/commoncap.c", "crypto/api.c",
]
_DRIVERS = ["char", "block", "net/ethernet", "gpu/drm", "usb/core", "tty/serial", "i2c", "spi",
            "mmc/core", "input", "hwmon", "watchdog", "rtc", "dma", "gpio"]
_HEADERS = ["include/linux/mm.h", "include/linux/gfp.h", "include/linux/freezer.h",
            "include/linux/cpuset.h", "include/linux/memcontrol.h", "include/linux/swap.h"]

_DOCS = {
    "README": "Synthetic kernel-like tree for memdie-audit.\n\nNothing here builds.\n",
    "Documentation/vm/overcommit.txt": (
        "Overcommit accounting\n=====================\n\n"
        "The kernel may promise more memory than it has.  Mode 2 refuses\n"
        "allocations beyond swap plus a ratio of RAM.\n"),
    "Documentation/process/submitting-patches.txt": (
        "Submitting patches\n==================\n\n"
        "Send one logical change per patch, each one building on its own, so\n"
        "that git bisect can land on any of them.\n"),
}


def filler_files(arches: tuple[ArchSpec, ...]) -> dict[str, str]:
    files: dict[str, str] = {"include/linux/thread_info.h": THREAD_INFO_API}
    files["Makefile"] = makefile(["init/", "kernel/", "mm/", "fs/", "drivers/", "lib/"])
    files["Kconfig"] = 'mainmenu "memdie-audit fixture"\n\nsource "arch/$(SRCARCH)/Kconfig"\n'
    files.update(_DOCS)
    for arch in arches:
        a = arch.name
        files[f"arch/{a}/Kconfig"] = kconfig(arch)
        files[f"arch/{a}/Makefile"] = makefile(["kernel/", "mm/"])
        files[f"arch/{a}/kernel/Makefile"] = makefile(["process.o", "signal.o", "setup.o"])
        for name in ("process.c", "signal.c", "setup.c"):
            files[f"arch/{a}/kernel/{name}"] = c_source(f"arch/{a}/kernel/{name}", 4)
        files[f"arch/{a}/mm/fault.c"] = c_source(f"arch/{a}/mm/fault.c", 3)
        files[f"arch/{a}/include/asm/processor.h"] = c_header(f"arch/{a}/include/asm/processor.h")
    for path in _COMMON_C:
        files[path] = c_source(path, 6)
    for d in ("mm", "kernel", "fs", "lib"):
        files[f"{d}/Makefile"] = makefile(
            sorted(p.rsplit("/", 1)[1].replace(".c", ".o") for p in _COMMON_C
                   if p.startswith(d + "/") and p.count("/") == 1)
            + ["oom_kill.o", "page_alloc.o"] * (d == "mm"))
    for path in _HEADERS:
        files[path] = c_header(path)
    for i, sub in enumerate(_DRIVERS):
        for j in range(8):
            path = f"drivers/{sub}/{sub.split('/')[-1]}-{i}{j}.c"
            files[path] = c_source(path, 5)
    return files
