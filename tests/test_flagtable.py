"""Reading flag headers: values, conditions, widths, and the table rules."""

from memdie_audit.kernel.flagtable import read_flag_table
from memdie_audit.rules import header_findings as table_findings

HEADER = """\
#ifndef _ASM_X_THREAD_INFO_H
#define _ASM_X_THREAD_INFO_H

struct thread_info {
	struct task_struct	*task;
	__u32			flags;		/* low level flags */
	int			preempt_count;
};

#define TIF_SIGPENDING		0	/* signal pending */
#define TIF_NEED_RESCHED	0x1	/* rescheduling
					 * necessary */
#define TIF_MEMDIE		18	/* OOM victim */
#ifdef CONFIG_PPC64
#define TIF_32BIT		4
#else
#define TIF_SINGLESTEP		4
#endif
#if defined(CONFIG_A) && !defined(CONFIG_B)
#define TIF_ELF2ABI		5
#endif
#define TIF_32BIT_REGS		6
#define TIF_COMPAT		TIF_32BIT_REGS

#define _TIF_SIGPENDING		(1<<TIF_SIGPENDING)
#define _TIF_NEED_RESCHED	BIT(TIF_NEED_RESCHED)
#define _TIF_MEMDIE		(_AC(1,UL) << TIF_MEMDIE)
#define _TIF_WORK_MASK		(_TIF_SIGPENDING | _TIF_NEED_RESCHED | \\
				 _TIF_MEMDIE | 0x100)
#define TIF_ALLWORK_MASK	(_TIF_WORK_MASK & ~_TIF_MEMDIE)
#define _TIF_ODD		(1 << TIF_UNKNOWN_ELSEWHERE)

#endif /* _ASM_X_THREAD_INFO_H */
"""


def table(text: str = HEADER, path: str = "arch/x86/include/asm/thread_info.h"):
    return read_flag_table(path, text.encode())


def test_bits_masks_values_lines_and_conditions() -> None:
    t = table()
    bits = {f.name: (f.value, f.line, f.condition) for f in t.bits}
    assert bits["TIF_SIGPENDING"] == (0, 10, None)  # the include guard is no condition
    assert bits["TIF_NEED_RESCHED"] == (1, 11, None)
    assert bits["TIF_MEMDIE"] == (18, 13, None)
    assert bits["TIF_32BIT"] == (4, 15, "defined(CONFIG_PPC64)")
    assert bits["TIF_SINGLESTEP"] == (4, 17, "!(defined(CONFIG_PPC64))")
    assert bits["TIF_ELF2ABI"][2] == "defined(CONFIG_A) && !defined(CONFIG_B)"
    masks = {f.name: f.value for f in t.masks}
    assert masks["_TIF_MEMDIE"] == 1 << 18
    assert masks["_TIF_WORK_MASK"] == 1 | 2 | 1 << 18 | 0x100
    assert masks["TIF_ALLWORK_MASK"] == 1 | 2 | 0x100


def test_an_expression_that_cannot_be_computed_is_kept_as_text() -> None:
    odd = next(f for f in table().masks if f.name == "_TIF_ODD")
    assert (odd.value, odd.expr) == (None, "(1 << TIF_UNKNOWN_ELSEWHERE)")


def test_width_comes_from_the_flags_field() -> None:
    assert table().width == 32  # __u32 flags, even on a 64-bit arch
    long_flags = HEADER.replace("__u32\t\t\tflags;",
                                "unsigned long\tflags ____cacheline_aligned_in_smp;")
    assert table(long_flags).width == 64
    assert table(long_flags, "arch/arm/include/asm/thread_info.h").width == 32
    assert table(long_flags, "arch/sparc/include/asm/thread_info_32.h").width == 32


def test_healthy_header_has_no_findings() -> None:
    # TIF_32BIT and TIF_SINGLESTEP share bit 4 in exclusive branches; TIF_COMPAT is an alias.
    assert list(table_findings(table())) == []


def test_duplicate_bit_mask_mismatch_and_bit_range() -> None:
    broken = (HEADER.replace("#define TIF_32BIT_REGS\t\t6", "#define TIF_32BIT_REGS\t\t18")
              .replace("(1<<TIF_SIGPENDING)", "(1<<TIF_NEED_RESCHED)")
              .replace("#define TIF_MEMDIE\t\t18", "#define TIF_MEMDIE\t\t32"))
    found = sorted((f.rule, f.line) for f in table_findings(table(broken)))
    # _TIF_MEMDIE follows TIF_MEMDIE to bit 32: out of range, but no mismatch.
    assert found == [("bit-range", 13), ("mask-mismatch", 25)]
    broken = HEADER.replace("#define TIF_32BIT_REGS\t\t6", "#define TIF_32BIT_REGS\t\t18")
    assert [(f.rule, f.line) for f in table_findings(table(broken))] == [("duplicate-bit", 22)]


def test_generic_bits_resolve_through_the_included_header() -> None:
    generic = read_flag_table("include/asm-generic/thread_info_tif.h",
                              b"#define TIF_SIGPENDING 1 // pending\n"
                              b"#define _TIF_SIGPENDING BIT(TIF_SIGPENDING)\n")
    arch = read_flag_table("arch/riscv/include/asm/thread_info.h",
                           b"#include <asm-generic/thread_info_tif.h>\n"
                           b"#define TIF_32BIT 16\n"
                           b"#define _TIF_WORK (_TIF_SIGPENDING | BIT(TIF_32BIT))\n",
                           {f.name: f.value for f in generic.bits + generic.masks})
    assert arch.mask("_TIF_WORK").value == 2 | 1 << 16
    assert generic.width == 32 and generic.arch == "generic"


def test_a_mask_whose_value_depends_on_config_is_listed_per_branch() -> None:
    header = (b"#define TIF_A 16\n#define TIF_B 17\n#define TIF_C 18\n"
              b"#define _TIF_A (1 << TIF_A)\n#define _TIF_B (1 << TIF_B)\n"
              b"#define _TIF_C (1 << TIF_C)\n"
              b"#ifdef CONFIG_SMP\n# define _TIF_WORK (_TIF_A | _TIF_B)\n#else\n"
              b"# define _TIF_WORK (_TIF_A)\n#endif\n"
              b"#define _TIF_WORK_NEXT (_TIF_WORK | _TIF_C)\n")
    table = read_flag_table("arch/x86/include/asm/thread_info.h", header)
    nexts = sorted((m.value, m.condition) for m in table.masks if m.name == "_TIF_WORK_NEXT")
    assert nexts == [(0x50000, "!(defined(CONFIG_SMP))"), (0x70000, "defined(CONFIG_SMP)")]
    single = [m for m in table.masks if m.name == "_TIF_C"]
    assert [(m.value, m.condition) for m in single] == [(0x40000, None)]
