"""Arch layouts, mips to xtensa (Linux 4.9 facts, our wording), plus riscv and
loongarch, which take their common bits from the generic header."""

# ruff: noqa: E101  -- the C templates indent with tabs and align with spaces, as kernel code does

from __future__ import annotations

from .layout import UL, ArchSpec, header

ARCHES_N_Z: tuple[ArchSpec, ...] = (
    ArchSpec("mips", (header("mips", UL, 64, "tight", """
SIGPENDING 1 =
NEED_RESCHED 2 =
SYSCALL_AUDIT 3 =
SECCOMP 4 =
NOTIFY_RESUME 5 =
UPROBE 6 =
-RESTORE_SIGMASK 9 =
USEDFPU 16 =
-MEMDIE 18 =
NOHZ 19 =
FIXADE 20 emulate unaligned accesses
LOGADE 21 log unaligned accesses
32BIT_REGS 22 32-bit general purpose registers
32BIT_ADDR 23 32-bit address space (o32/n32)
#ifdef CONFIG_MIPS32_O32
#define TIF_32BIT TIF_32BIT_REGS
#endif
FPUBOUND 24 bound to a CPU that has an FPU
LOAD_WATCH 25 load the watch registers
SYSCALL_TRACEPOINT 26 =
32BIT_FPREGS 27 32-bit floating point registers
HYBRID_FPREGS 28 odd singles live in the upper half
USEDMSA 29 MSA was used in this time slice
MSA_CTX_LIVE 30 MSA context must survive
SYSCALL_TRACE 31 =
""", """
#define _TIF_WORK_SYSCALL_ENTRY	(_TIF_NOHZ | _TIF_SYSCALL_TRACE |	\\
				 _TIF_SYSCALL_AUDIT | \\
				 _TIF_SYSCALL_TRACEPOINT | _TIF_SECCOMP)

/* the syscall exit slow path */
#define _TIF_WORK_SYSCALL_EXIT	(_TIF_NOHZ | _TIF_SYSCALL_TRACE |	\\
				 _TIF_SYSCALL_AUDIT | _TIF_SYSCALL_TRACEPOINT)

/* checked after interrupts and traps */
#define _TIF_WORK_MASK		\\
	(_TIF_SIGPENDING | _TIF_NEED_RESCHED | _TIF_NOTIFY_RESUME |	\\
	 _TIF_UPROBE)
/* checked on every exit to user space */
#define _TIF_ALLWORK_MASK	(_TIF_NOHZ | _TIF_WORK_MASK |		\\
				 _TIF_WORK_SYSCALL_EXIT |		\\
				 _TIF_SYSCALL_TRACEPOINT)
"""),), bits64="optional"),
    ArchSpec("mn10300", (header("mn10300", UL, 32, "plus", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
SINGLESTEP 4 =
-RESTORE_SIGMASK 5 =
POLLING_NRFLAG 16 =
-MEMDIE 17 =
""", """
#define _TIF_WORK_MASK		0x0000FFFE	/* checked after interrupts and traps */
#define _TIF_ALLWORK_MASK	0x0000FFFF	/* checked on every exit to user */
"""),)),
    ArchSpec("nios2", (header("nios2", UL, 32, "spaced", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
-MEMDIE 4 =
SECCOMP 5 =
SYSCALL_AUDIT 6 =
RESTORE_SIGMASK 9 =
POLLING_NRFLAG 16 idle polls NEED_RESCHED,
| so waking it needs no IPI
""", """
/* checked after interrupts and traps */
#define _TIF_WORK_MASK		0x0000FFFE

/* checked on every exit to user space */
# define _TIF_ALLWORK_MASK	0x0000FFFF
"""),)),
    ArchSpec("openrisc", (header("openrisc", UL, 32, "tight", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
SINGLESTEP 4 re-arm single-step when
| going back to user mode
-SYSCALL_TRACEPOINT 8 =
-RESTORE_SIGMASK 9
POLLING_NRFLAG 16 =
-MEMDIE 17
""", """
/* checked after interrupts and traps */
#define _TIF_WORK_MASK (0xff & ~(_TIF_SYSCALL_TRACE|_TIF_SINGLESTEP))
""", spaces=True),)),
    ArchSpec("parisc", (header("parisc", "unsigned long flags;\t\t/* thread_info flags (TIF_*) */",
                               64, "spaced", """
SYSCALL_TRACE 0 =
SIGPENDING 1 =
NEED_RESCHED 2 =
POLLING_NRFLAG 3 =
32BIT 4 =
-MEMDIE 5 =
-RESTORE_SIGMASK 6 =
SYSCALL_AUDIT 7 =
NOTIFY_RESUME 8 =
SINGLESTEP 9 =
BLOCKSTEP 10 branch stepping
SECCOMP 11 =
SYSCALL_TRACEPOINT 12 =
""", """
#define _TIF_USER_WORK_MASK     (_TIF_SIGPENDING | _TIF_NOTIFY_RESUME | \\
                                 _TIF_NEED_RESCHED)
#define _TIF_SYSCALL_TRACE_MASK (_TIF_SYSCALL_TRACE | _TIF_SINGLESTEP |	\\
				 _TIF_BLOCKSTEP | _TIF_SYSCALL_AUDIT | \\
				 _TIF_SECCOMP | _TIF_SYSCALL_TRACEPOINT)
"""),), bits64="optional"),
    ArchSpec("powerpc", (header("powerpc", "/* the flags word takes atomic ops from other CPUs */\n"
                                "\tunsigned long\tflags ____cacheline_aligned_in_smp;", 64,
                                "tight", """
SYSCALL_TRACE 0 =
SIGPENDING 1 =
NEED_RESCHED 2 =
POLLING_NRFLAG 3 idle polls NEED_RESCHED,
| so waking it needs no IPI
32BIT 4 =
RESTORE_TM 5 reload TM FP/VEC/VSX state
SYSCALL_AUDIT 7 =
SINGLESTEP 8 =
NOHZ 9 =
SECCOMP 10 =
RESTOREALL 11 restore every register on exit
NOERROR 12 force a successful syscall return
NOTIFY_RESUME 13 =
UPROBE 14 =
SYSCALL_TRACEPOINT 15 =
EMULATE_STACK_STORE 16 an emulated store to the
| stack is still pending
-MEMDIE 17 =
#if defined(CONFIG_PPC64)
-ELF2ABI 18 ELFv2 ABI: no function descriptors
#else
-SPE_LIVE 18 e500 SPE registers hold user state
#endif
""", """
#define _TIF_SYSCALL_DOTRACE	(_TIF_SYSCALL_TRACE | _TIF_SYSCALL_AUDIT | \\
				 _TIF_SECCOMP | _TIF_SYSCALL_TRACEPOINT | \\
				 _TIF_NOHZ)

#define _TIF_USER_WORK_MASK	(_TIF_SIGPENDING | _TIF_NEED_RESCHED | \\
				 _TIF_NOTIFY_RESUME | _TIF_UPROBE | \\
				 _TIF_RESTORE_TM)
#define _TIF_PERSYSCALL_MASK	(_TIF_RESTOREALL|_TIF_NOERROR)
"""),), bits64="optional"),
    ArchSpec("s390", (header("s390", UL, 64, "bitul", """
> /* bit numbers in thread_info.flags */
NOTIFY_RESUME 0 =
SIGPENDING 1 =
NEED_RESCHED 2 =
SYSCALL_TRACE 3 =
SYSCALL_AUDIT 4 =
SECCOMP 5 =
SYSCALL_TRACEPOINT 6 =
UPROBE 7 =
31BIT 16 31-bit compat task
-MEMDIE 17 =
-RESTORE_SIGMASK 18 =
SINGLE_STEP 19 PER single-stepping
-BLOCK_STEP 20 PER branch stepping
-UPROBE_SINGLESTEP 21 single-stepping over a uprobe
""", """
#define _TIF_WORK	(_TIF_SIGPENDING | _TIF_NOTIFY_RESUME | \\
			 _TIF_NEED_RESCHED | _TIF_UPROBE)
#define _TIF_TRACE	(_TIF_SYSCALL_TRACE | _TIF_SYSCALL_AUDIT | _TIF_SECCOMP | \\
			 _TIF_SYSCALL_TRACEPOINT)
"""),), bits64="only"),
    ArchSpec("score", (header("score", UL, 32, "tight", """
SYSCALL_TRACE 0x00 =
SIGPENDING 0x01 =
NEED_RESCHED 0x02 =
NOTIFY_RESUME 0x05 =
-RESTORE_SIGMASK 0x09 =
-MEMDIE 0x12 =
""", """
#define _TIF_WORK_MASK		(0x0000ffff)
""", hex_bits=True),)),
    ArchSpec("sh", (header("sh", UL, 64, "spaced", """
SYSCALL_TRACE 0 =
SIGPENDING 1 =
NEED_RESCHED 2 =
SINGLESTEP 4 =
SYSCALL_AUDIT 5 =
SECCOMP 6 =
NOTIFY_RESUME 7 =
SYSCALL_TRACEPOINT 8 =
POLLING_NRFLAG 17 =
-MEMDIE 18 =
""", """
/* syscall entry slow path */
#define _TIF_WORK_SYSCALL_MASK	(_TIF_SYSCALL_TRACE | _TIF_SINGLESTEP | \\
				 _TIF_SYSCALL_AUDIT | _TIF_SECCOMP    | \\
				 _TIF_SYSCALL_TRACEPOINT)

/* checked on every exit to user space */
#define _TIF_ALLWORK_MASK	(_TIF_SYSCALL_TRACE | _TIF_SIGPENDING      | \\
				 _TIF_NEED_RESCHED  | _TIF_SYSCALL_AUDIT   | \\
				 _TIF_SINGLESTEP    | _TIF_NOTIFY_RESUME   | \\
				 _TIF_SYSCALL_TRACEPOINT)

/* checked after interrupts and traps */
#define _TIF_WORK_MASK		(_TIF_ALLWORK_MASK & ~(_TIF_SYSCALL_TRACE | \\
				 _TIF_SYSCALL_AUDIT | _TIF_SINGLESTEP))
"""),), bits64="optional"),
    ArchSpec("sparc", (
        header("sparc", UL, 32, "tight", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
-RESTORE_SIGMASK 4 =
USEDFPU 8 the FPU was used by this task
| in this time slice (SMP)
POLLING_NRFLAG 9 idle polls NEED_RESCHED,
| so waking it needs no IPI
-MEMDIE 10 =
""", """
/* sigpending and need_resched share the work test */
#define _TIF_DO_NOTIFY_RESUME_MASK	(_TIF_NOTIFY_RESUME | \\
					 _TIF_SIGPENDING)
""", suffix="_32"),
        header("sparc", "unsigned long\t\tflags;", 64, "tight", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
> /* flag bit 4 is available */
UNALIGNED 5 allow unaligned accesses
> /* flag bit 6 is available */
32BIT 7 32-bit binary
NOHZ 8 =
SECCOMP 9 =
SYSCALL_AUDIT 10 =
SYSCALL_TRACEPOINT 11 =
> /* Bits from 12 up are never looked at by the trap return path, which
>  * only loads the low byte; keep the work bits below them.
>  */
-MEMDIE 13 =
POLLING_NRFLAG 14
""", """
#define _TIF_USER_WORK_MASK	(_TIF_NOTIFY_RESUME | _TIF_SIGPENDING | \\
				 _TIF_NEED_RESCHED)
#define _TIF_SYSCALL_WORK	(_TIF_SYSCALL_TRACE | _TIF_SECCOMP | \\
				 _TIF_SYSCALL_AUDIT | _TIF_SYSCALL_TRACEPOINT | \\
				 _TIF_NOHZ)
""", suffix="_64"),
    ), bits64="optional"),
    ArchSpec("tile", (header("tile", UL, 64, "tight", """
SIGPENDING 0 =
NEED_RESCHED 1 =
SINGLESTEP 2 re-arm single-step when
| going back to user mode
ASYNC_TLB 3 an async TLB fault hit the kernel
SYSCALL_TRACE 4 =
SYSCALL_AUDIT 5 =
SECCOMP 6 =
MEMDIE 7 the OOM killer chose this task
NOTIFY_RESUME 8 =
SYSCALL_TRACEPOINT 9 =
POLLING_NRFLAG 10 =
NOHZ 11 =
""", """
/* the exit-to-user loop keeps going while any of these is set */
#define _TIF_WORK_MASK \\
	(_TIF_SIGPENDING | _TIF_NEED_RESCHED | \\
	 _TIF_ASYNC_TLB | _TIF_NOTIFY_RESUME)

/* checked on every exit to user space */
#define _TIF_ALLWORK_MASK \\
	(_TIF_WORK_MASK | _TIF_SINGLESTEP | _TIF_NOHZ)

/* syscall entry slow path */
#define _TIF_SYSCALL_ENTRY_WORK \\
	(_TIF_SYSCALL_TRACE | _TIF_SYSCALL_TRACEPOINT | _TIF_NOHZ)

/* syscall exit slow path */
#define _TIF_SYSCALL_EXIT_WORK (_TIF_SYSCALL_TRACE | _TIF_SYSCALL_TRACEPOINT)
"""),), bits64="optional"),
    ArchSpec("um", (header("um", UL, 64, "spaced", """
SYSCALL_TRACE 0 =
SIGPENDING 1 =
NEED_RESCHED 2 =
-RESTART_BLOCK 4
MEMDIE 5 =
SYSCALL_AUDIT 6
-RESTORE_SIGMASK 7
-NOTIFY_RESUME 8
SECCOMP 9 =
"""),), bits64="optional"),
    ArchSpec("unicore32", (header("unicore32", UL, 32, "spaced", """
SIGPENDING 0
NEED_RESCHED 1
NOTIFY_RESUME 2 =
SYSCALL_TRACE 8
-MEMDIE 18
-RESTORE_SIGMASK 20
""", """
/* entry-common.S tests this mask; keep them in step */
#define _TIF_WORK_MASK		(_TIF_NEED_RESCHED | _TIF_SIGPENDING | \\
				 _TIF_NOTIFY_RESUME)
"""),)),
    ArchSpec("x86", (header("x86", UL, 64, "bit", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
SINGLESTEP 4 re-enable single-step on user return
SYSCALL_EMU 6 syscall emulation active
SYSCALL_AUDIT 7 =
SECCOMP 8 =
USER_RETURN_NOTIFY 11 notify the kernel of user return
UPROBE 12 =
NOTSC 16 TSC is not readable in user land
IA32 17 IA32 compatibility task
NOHZ 19 =
-MEMDIE 20 =
POLLING_NRFLAG 21 =
IO_BITMAP 22 uses an I/O bitmap
FORCED_TF 24 TF in eflags was set by us
BLOCKSTEP 25 DEBUGCTLMSR_BTF wanted
LAZY_MMU_UPDATES 27 MMU updates are batched
SYSCALL_TRACEPOINT 28 =
ADDR32 29 32-bit address space on 64 bits
X32 30 x32 native task
""", """
/*
 * Checked by the syscall entry slow path; NOHZ rides along so that
 * context tracking sees every entry.
 */
#define _TIF_WORK_SYSCALL_ENTRY	\\
	(_TIF_SYSCALL_TRACE | _TIF_SYSCALL_EMU | _TIF_SYSCALL_AUDIT |	\\
	 _TIF_SECCOMP | _TIF_SYSCALL_TRACEPOINT |	\\
	 _TIF_NOHZ)

/* flags to check in __switch_to() */
#define _TIF_WORK_CTXSW							\\
	(_TIF_IO_BITMAP|_TIF_NOTSC|_TIF_BLOCKSTEP)

#define _TIF_WORK_CTXSW_PREV (_TIF_WORK_CTXSW|_TIF_USER_RETURN_NOTIFY)
#define _TIF_WORK_CTXSW_NEXT (_TIF_WORK_CTXSW)
"""),), bits64="optional"),
    ArchSpec("xtensa", (header("xtensa", UL, 32, "tight", """
SYSCALL_TRACE 0 =
SIGPENDING 1 =
NEED_RESCHED 2 =
SINGLESTEP 3 =
-MEMDIE 5 =
-RESTORE_SIGMASK 6 =
-NOTIFY_RESUME 7 =
-DB_DISABLED 8 debug trap is off for this syscall
""", """
#define _TIF_WORK_MASK		(_TIF_SIGPENDING | _TIF_NEED_RESCHED | \\
				 _TIF_SINGLESTEP)
"""),)),
    # Newer trees: the common bits 0-15 come from the generic header, the arch
    # keeps 16 and up, and says which optional generic bits it wants.
    ArchSpec("riscv", (header("riscv", UL, 64, "ac", """
#define HAVE_TIF_NEED_RESCHED_LAZY
#define HAVE_TIF_RESTORE_SIGMASK
#include <asm-generic/thread_info_tif.h>
> /* arch bits start where the generic ones stop */
32BIT 16 compat (rv32) task on rv64
RISCV_V_DEFER_RESTORE 17 reload vector state lazily
""", """
#define _TIF_RISCV_WORK_MASK	(_TIF_NOTIFY_RESUME | _TIF_SIGPENDING | \\
				 _TIF_NEED_RESCHED | _TIF_NOTIFY_SIGNAL | \\
				 _TIF_UPROBE)
"""),), bits64="optional", generic_bits=True),
    ArchSpec("loongarch", (header("loongarch", UL, 64, "ul", """
#define HAVE_TIF_NEED_RESCHED_LAZY
#define HAVE_TIF_POLLING_NRFLAG
#define HAVE_TIF_RESTORE_SIGMASK
#include <asm-generic/thread_info_tif.h>
> /* arch-specific bits */
NOHZ 16 =
SINGLESTEP 17 =
LSX_CTX_LIVE 18 LSX context must be preserved
LASX_CTX_LIVE 19 LASX context must be preserved
USEDLBT 20 LBT was used in this time slice
LBT_CTX_LIVE 21 LBT context must be preserved
32BIT_REGS 22 32-bit general purpose registers
32BIT_ADDR 23 32-bit address space
""", """
#define _TIF_WORK_SYSCALL_ENTRY	(_TIF_NOHZ | _TIF_SINGLESTEP)
"""),), bits64="only", generic_bits=True),
)
