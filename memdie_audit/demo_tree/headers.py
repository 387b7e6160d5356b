"""Render flag headers from the arch table.

Everything here is generated from ``layout.HeaderSpec`` data, so a series step
that deletes a definition, renumbers a flag or botches a mask is a change to
``HeaderEdits``, and the rest of the header stays byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass

from .layout import Bit, HeaderSpec, Raw, parse_layout

SYMBOL = "MEMDIE"  # the flag the series removes, without TIF_

MASK_STYLES = {
    "tight": "(1<<{})",
    "spaced": "(1 << {})",
    "plus": "+(1 << {})",
    "ul": "(1UL << {})",
    "bit": "BIT({})",
    "bitul": "_BITUL({})",
    "ac": "(_AC(1,UL) << {})",
}
# What each idiom needs included before it can be used.
STYLE_INCLUDES = {"bit": "<linux/bits.h>", "bitul": "<linux/const.h>", "ac": "<linux/const.h>"}

GENERIC_PATH = "include/asm-generic/thread_info_tif.h"

# Bits 0-15 of the generic header (facts of newer trees; our wording).
GENERIC_LAYOUT = parse_layout("""
NOTIFY_RESUME 0 =
SIGPENDING 1 =
NOTIFY_SIGNAL 2 task_work wants to run like a signal
MEMDIE 3 =
NEED_RESCHED 4 =
#ifdef HAVE_TIF_NEED_RESCHED_LAZY
NEED_RESCHED_LAZY 5 reschedule at the next tick or exit
#endif
#ifdef HAVE_TIF_POLLING_NRFLAG
POLLING_NRFLAG 6 =
#endif
USER_RETURN_NOTIFY 7 notifiers run on the way to user mode
UPROBE 8 =
PATCH_PENDING 9 livepatch transition pending
#ifdef HAVE_TIF_RESTORE_SIGMASK
RESTORE_SIGMASK 10 =
#endif
#ifdef HAVE_TIF_RSEQ
RSEQ 11 rseq critical section needs fixing up
#endif
""")


@dataclass(frozen=True)
class HeaderEdits:
    """How one header differs from the base tree."""

    memdie: bool = True  # keep ``#define TIF_MEMDIE``
    memdie_mask: bool = True  # keep ``#define _TIF_MEMDIE``
    renumber: tuple[tuple[str, int], ...] = ()  # (flag, new bit)
    shifts: tuple[tuple[str, str], ...] = ()  # (mask's flag, flag it shifts instead)


def visual_width(text: str) -> int:
    col = 0
    for ch in text:
        col = (col // 8 + 1) * 8 if ch == "\t" else col + 1
    return col


def pad_to(text: str, column: int, spaces: bool) -> str:
    """Pad with tabs (or spaces) to ``column``; always at least one."""
    width = visual_width(text)
    if spaces:
        return text + " " * max(1, column - width)
    tabs = max(1, -(-(column - width) // 8))
    return text + "\t" * tabs


def define(name: str, value: str, note: str, more: str, spaces: bool, slashes: bool = False) -> str:
    line = pad_to(f"#define {name}", 32, spaces) + value
    if not note:
        return line
    if slashes:
        return pad_to(line, 40, spaces) + f"// {note}"
    line = pad_to(line, 40, spaces)
    if not more:
        return line + f"/* {note} */"
    indent = pad_to("", visual_width(line), spaces)
    return f"{line}/* {note}\n{indent} * {more} */"


def _is_cond(text: str) -> bool:
    return text.startswith(("#if", "#else", "#elif", "#endif"))


def _drop_empty_blocks(lines: list[str]) -> list[str]:
    """Remove ``#if``/``#else`` arms that ended up holding no line."""
    changed = True
    while changed:
        changed = False
        for i in range(len(lines) - 1):
            a, b = lines[i], lines[i + 1]
            if b.startswith("#endif") and (a.startswith("#if") or a.startswith("#else")):
                del lines[i : i + (2 if a.startswith("#if") else 1)]
                changed = True
                break
    return lines


def flag_lines(spec: HeaderSpec, edits: HeaderEdits) -> list[str]:
    renumber = dict(edits.renumber)
    out = []
    for item in spec.layout:
        if isinstance(item, Raw):
            out.append(item.text)
            continue
        if item.name == SYMBOL and not edits.memdie:
            continue
        bit = renumber.get(item.name, item.bit)
        value = f"0x{bit:02x}" if spec.hex_bits else str(bit)
        out.append(define(f"TIF_{item.name}", value, item.note, item.more, spec.spaces))
    return out


def mask_lines(spec: HeaderSpec, edits: HeaderEdits) -> list[str]:
    if spec.style == "none":
        return []
    shifts = dict(edits.shifts)
    style = MASK_STYLES[spec.style]
    out = []
    for item in spec.layout:
        if isinstance(item, Raw):
            if _is_cond(item.text):
                out.append(item.text)
        elif item.mask and (item.name != SYMBOL or edits.memdie_mask):
            target = "TIF_" + shifts.get(item.name, item.name)
            out.append(define(f"_TIF_{item.name}", style.format(target), "", "", spec.spaces))
    return _drop_empty_blocks(out)


def _guard(path: str) -> str:
    arch = path.split("/")[1]
    stem = path.rsplit("/", 1)[-1].replace(".", "_").upper()
    return f"_ASM_{arch.upper()}_{stem}"


def render_header(spec: HeaderSpec, edits: HeaderEdits = HeaderEdits()) -> str:
    arch = spec.path.split("/")[1]
    guard = _guard(spec.path)
    salt = sum(map(ord, spec.path))  # stable per header: varies the boilerplate
    includes = ["<linux/types.h>", "<asm/page.h>"]
    if spec.style in STYLE_INCLUDES:
        includes.insert(0, STYLE_INCLUDES[spec.style])
    out = [
        "/* SPDX-License-Identifier: GPL-2.0 */",
        "/*",
        f" * {arch}: the low-level per-thread state that lives next to the kernel",
        " * stack, and the TIF_* bits of its flags word.",
        " *",
        " * Written for the memdie-audit test fixture; not kernel source.",
        " */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
    ]
    kernel_guard = salt % 3 == 0
    if kernel_guard:
        out += ["#ifdef __KERNEL__", ""]
    out += [f"#include {inc}" for inc in includes] + [""]
    if salt % 2:
        out += ["#ifdef CONFIG_4KSTACKS", "#define THREAD_SIZE_ORDER\t0",
                "#else", "#define THREAD_SIZE_ORDER\t1", "#endif"]
    else:
        out += ["#define THREAD_SIZE_ORDER\t1"]
    out += [
        "#define THREAD_SIZE\t\t(PAGE_SIZE << THREAD_SIZE_ORDER)",
        "",
        "#ifndef __ASSEMBLY__",
        "",
        "struct task_struct;",
        "",
        "struct thread_info {",
        "\tstruct task_struct\t*task;\t\t/* the task this stack belongs to */",
        f"\t{spec.field}",
        "\tint\t\t\tpreempt_count;\t/* 0: preemptible, below 0: a bug */",
        "\t__u32\t\t\tcpu;\t\t/* CPU the thread last ran on */",
        "};",
        "",
        "#define INIT_THREAD_INFO(tsk)\t\t\t\\",
        "{\t\t\t\t\t\t\\",
        "\t.task\t\t= &tsk,\t\t\t\\",
        "\t.flags\t\t= 0,\t\t\t\\",
        "\t.preempt_count\t= INIT_PREEMPT_COUNT,\t\\",
        "}",
        "",
        "unsigned long read_stack_pointer(void);",
        "",
        "static inline struct thread_info *current_thread_info(void)",
        "{",
        "\treturn (struct thread_info *)(read_stack_pointer() & ~(THREAD_SIZE - 1));",
        "}",
        "",
        "#else /* __ASSEMBLY__ */",
        "",
        f"#define TI_FLAGS\t{spec.width // 8}\t/* offsetof(struct thread_info, flags) */",
        "",
        "#endif /* !__ASSEMBLY__ */",
        "",
        "/*",
        " * Bit numbers in thread_info.flags.  The return-to-user path tests the",
        " * work bits with one instruction, so they stay in the low half.",
        " */",
    ]
    out += flag_lines(spec, edits)
    masks = mask_lines(spec, edits)
    if masks:
        out += [""] + masks
    if spec.composites:
        out += [""] + spec.composites.splitlines()
    out.append("")
    if kernel_guard:
        out += ["#endif /* __KERNEL__ */", ""]
    out.append(f"#endif /* {guard} */")
    return "\n".join(out) + "\n"


def render_generic(edits: HeaderEdits = HeaderEdits()) -> str:
    guard = "_ASM_GENERIC_THREAD_INFO_TIF_H_"
    out = [
        "/* SPDX-License-Identifier: GPL-2.0 */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#include <vdso/bits.h>",
        "",
        "/*",
        " * Flag bits shared by every arch that selects HAVE_GENERIC_TIF_BITS.",
        " * Bits 0-15 are defined here; 16-31 belong to the arch header that",
        " * includes this one.  Optional bits appear only where the arch asks",
        " * for them with HAVE_TIF_<name>.",
        " */",
        "",
    ]
    shifts = dict(edits.shifts)
    renumber = dict(edits.renumber)
    depth = 0
    for item in GENERIC_LAYOUT:
        if isinstance(item, Raw):
            out.append(item.text)
            depth += item.text.startswith("#if") - item.text.startswith("#endif")
            if item.text.startswith("#endif"):
                out.append("")
            continue
        bit = renumber.get(item.name, item.bit)
        lines = []
        if item.name != SYMBOL or edits.memdie:
            lines.append(define(f"TIF_{item.name}", str(bit), item.note, "", False, slashes=True))
        if item.name != SYMBOL or edits.memdie_mask:
            target = "TIF_" + shifts.get(item.name, item.name)
            lines.append(define(f"_TIF_{item.name}", f"BIT({target})", "", "", False))
        # inside an #ifdef the pair sits tight; at top level pairs are spaced
        out += [("# " + ln[1:] if depth else ln) for ln in lines]
        if lines and not depth:
            out.append("")
    out += ["#endif /* _ASM_GENERIC_THREAD_INFO_TIF_H_ */"]
    return "\n".join(out) + "\n"


def render_sparc_dispatch() -> str:
    return "\n".join([
        "/* SPDX-License-Identifier: GPL-2.0 */",
        "#ifndef ___ASM_SPARC_THREAD_INFO_H",
        "#define ___ASM_SPARC_THREAD_INFO_H",
        "/* sparc32 and sparc64 lay their flag words out differently. */",
        "#if defined(__sparc__) && defined(__arch64__)",
        "#include <asm/thread_info_64.h>",
        "#else",
        "#include <asm/thread_info_32.h>",
        "#endif",
        "#endif",
    ]) + "\n"


def memdie_bits(spec: HeaderSpec) -> list[Bit]:
    return [b for b in spec.layout if isinstance(b, Bit) and b.name == SYMBOL]
