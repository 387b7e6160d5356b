"""Files that never mention the flag: Kconfig, Makefiles, the thread-flag API
and generated C, so that candidates stay a small fraction of the tree.

Generated C is built from the function shapes of
``data/templates/filler_functions.c`` with names drawn by a ``random.Random``
seeded with the path, so every build writes the same bytes. Some of it tests
other thread flags (TIF_SIGPENDING...) on purpose: a scanner must not confuse
them with the audited one.
"""

from __future__ import annotations

import random
import re
from functools import cache
from string import Template

from .layout import ArchSpec
from .template import fill, load

_PREFIX = ["dev", "blk", "net", "irq", "page", "slab", "vma", "task", "timer", "fw", "pci", "tty"]
_VERB = ["get", "put", "init", "setup", "update", "flush", "scan", "sync", "check", "release"]
_NOUN = ["queue", "entry", "range", "state", "table", "buffer", "node", "ctx", "map", "desc"]
_STRUCT = ["request", "device", "zone", "rq", "inode", "sk_buff", "page", "work_struct"]
_FIELD = ["flags", "count", "state", "nr_pages", "refcnt", "len", "index"]
_OTHER_FLAGS = ["SIGPENDING", "NEED_RESCHED", "NOTIFY_RESUME", "SYSCALL_TRACE"]


@cache
def _shapes() -> tuple[Template, ...]:
    """The function shapes; each ends at the first ``}`` in column 0."""
    shapes, lines = [], []
    for line in load("templates/filler_functions.c").splitlines():
        if lines or line:
            lines.append(line)
        if line == "}":
            shapes.append(Template("\n".join(lines) + "\n"))
            lines = []
    return tuple(shapes)


def _ident(filename: str) -> str:
    return "f_" + re.sub(r"\W", "_", filename.split(".")[0])


def c_source(path: str, functions: int = 5) -> str:
    rng = random.Random(path)
    head = fill(load("templates/filler.c"), path=path, ident=_ident(path.rsplit("/", 1)[-1]))
    seen, out = set(), []
    for _ in range(functions):
        name = random_name(rng)
        if name not in seen:
            seen.add(name)
            out.append(random_function(rng, name))
    return head + "\n" + "\n".join(out)  # a blank line before each function


def random_name(rng: random.Random) -> str:
    return f"{rng.choice(_PREFIX)}_{rng.choice(_VERB)}_{rng.choice(_NOUN)}"


def random_function(rng: random.Random, name: str) -> str:
    """One C function of a random shape; never mentions the audited flag."""
    return rng.choice(_shapes()).substitute(
        name=name, struct=rng.choice(_STRUCT), field=rng.choice(_FIELD),
        flag=rng.choice(_OTHER_FLAGS), noun=rng.choice(_NOUN))


def c_header(path: str) -> str:
    rng = random.Random(path)
    guard = "_" + path.replace("/", "_").replace(".", "_").replace("-", "_").upper()
    noun = rng.choice(_NOUN)
    size = rng.randrange(8, 512)
    return fill(load("templates/filler.h"), guard=guard, noun=noun, NOUN=noun.upper(),
                max=str(size))


def makefile(objs: list[str]) -> str:
    return fill(load("templates/Makefile"), objs=objs)


_KCONFIG_NAME = {"powerpc": "PPC", "um": "UML", "sh": "SUPERH"}


def kconfig(arch: ArchSpec) -> str:
    selects = ["ARCH_HAS_DEVMEM_IS_ALLOWED", "GENERIC_IRQ_SHOW", "HAVE_ARCH_TRACEHOOK"]
    if arch.generic_bits:
        selects.append("HAVE_GENERIC_TIF_BITS")
    selects += list(arch.kconfig_selects)
    return fill(load("templates/Kconfig"), arch=arch.name,
                sym=_KCONFIG_NAME.get(arch.name, arch.name.upper()), selects=sorted(selects),
                bits64_only=arch.bits64 == "only", bits64_optional=arch.bits64 == "optional",
                bits64_selected=arch.bits64 == "selected", bits64_option=arch.bits64_option)


# Copied as they are from data/fixed/.
_FIXED = ["README", "Kconfig", "include/linux/thread_info.h", "Documentation/vm/overcommit.txt",
          "Documentation/process/submitting-patches.txt"]
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


def filler_files(arches: tuple[ArchSpec, ...]) -> dict[str, str]:
    files = {path: load(f"fixed/{path}") for path in _FIXED}
    files["Makefile"] = makefile(["init/", "kernel/", "mm/", "fs/", "drivers/", "lib/"])
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
