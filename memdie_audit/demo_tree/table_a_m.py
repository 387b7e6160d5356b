"""Arch layouts, alpha to microblaze (Linux 4.9 facts, our wording)."""

# ruff: noqa: E101  -- the C templates indent with tabs and align with spaces, as kernel code does

from __future__ import annotations

from .layout import UL, ArchSpec, header

ARCHES_A_M: tuple[ArchSpec, ...] = (
    ArchSpec("alpha", (header("alpha", "unsigned int\t\tflags;\t\t/* TIF_* bits, atomic ops */",
                              32, "tight", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
SYSCALL_AUDIT 4 =
-DIE_IF_KERNEL 9 guards die_if_kernel() against recursion
-MEMDIE 13 =
POLLING_NRFLAG 14 =
""", """
#define _TIF_WORK_MASK		(_TIF_SIGPENDING | _TIF_NEED_RESCHED | _TIF_NOTIFY_RESUME)
#define _TIF_ALLWORK_MASK	(_TIF_WORK_MASK | _TIF_SYSCALL_TRACE | _TIF_SYSCALL_AUDIT)
"""),), bits64="only"),
    ArchSpec("arc", (header("arc", UL, 32, "tight", """
RESTORE_SIGMASK 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
SYSCALL_AUDIT 4 =
SYSCALL_TRACE 15 =
> /* bits 16 and up are never tested by the return-to-user path */
MEMDIE 16
""", """
#define _TIF_WORK_MASK		(_TIF_NEED_RESCHED | _TIF_SIGPENDING | \\
				 _TIF_NOTIFY_RESUME)
#define _TIF_ALLWORK_MASK	(_TIF_WORK_MASK | _TIF_SYSCALL_TRACE)
"""),)),
    ArchSpec("arm", (header("arm", UL, 32, "spaced", """
SIGPENDING 0 =
NEED_RESCHED 1 =
NOTIFY_RESUME 2 =
UPROBE 3 =
SYSCALL_TRACE 4 =
SYSCALL_AUDIT 5 =
SYSCALL_TRACEPOINT 6 =
SECCOMP 7 =
-NOHZ 12 =
#ifdef CONFIG_IWMMXT
USING_IWMMXT 17 iWMMXt coprocessor state is live
#endif
-MEMDIE 18 =
-RESTORE_SIGMASK 20
""", """
/* any of these sends a syscall down the slow path */
#define _TIF_SYSCALL_WORK (_TIF_SYSCALL_TRACE | _TIF_SYSCALL_AUDIT | \\
			   _TIF_SYSCALL_TRACEPOINT | _TIF_SECCOMP)

/* any of these sends the user return down the slow path */
#define _TIF_WORK_MASK		(_TIF_NEED_RESCHED | _TIF_SIGPENDING | \\
				 _TIF_NOTIFY_RESUME | _TIF_UPROBE)
"""),)),
    ArchSpec("arm64", (header("arm64", UL, 64, "ul", """
SIGPENDING 0
NEED_RESCHED 1
NOTIFY_RESUME 2 =
FOREIGN_FPSTATE 3 FP registers belong to another task
NOHZ 7
SYSCALL_TRACE 8
SYSCALL_AUDIT 9
SYSCALL_TRACEPOINT 10
SECCOMP 11
-MEMDIE 18 =
-FREEZE 19
-RESTORE_SIGMASK 20
-SINGLESTEP 21
32BIT 22 AArch32 task
""", """
#define _TIF_WORK_MASK		(_TIF_NEED_RESCHED | _TIF_SIGPENDING | \\
				 _TIF_NOTIFY_RESUME | _TIF_FOREIGN_FPSTATE)

#define _TIF_SYSCALL_WORK	(_TIF_SYSCALL_TRACE | _TIF_SYSCALL_AUDIT | \\
				 _TIF_SYSCALL_TRACEPOINT | _TIF_SECCOMP | \\
				 _TIF_NOHZ)
"""),), bits64="only"),
    ArchSpec("avr32", (header("avr32", UL, 32, "spaced", """
SYSCALL_TRACE 0 =
SIGPENDING 1 =
NEED_RESCHED 2 =
BREAKPOINT 4 enter monitor mode on the way out
SINGLE_STEP 5 single step in progress
MEMDIE 6 =
-RESTORE_SIGMASK 7 =
CPU_GOING_TO_SLEEP 8 CPU enters sleep mode 0 next
NOTIFY_RESUME 9 =
-DEBUG 30 OCD debugging enabled
-USERSPACE 31 set once the task runs in user space
""", """
#define _TIF_WORK_MASK		(_TIF_SIGPENDING | _TIF_NOTIFY_RESUME | \\
				 _TIF_NEED_RESCHED | _TIF_BREAKPOINT)
/* everything in the low half except single-stepping */
#define _TIF_ALLWORK_MASK	(0x0000ffff & ~_TIF_SINGLE_STEP)
""", spaces=True),)),
    ArchSpec("blackfin", (header("blackfin", "unsigned long flags;\t/* TIF_* bits */", 32,
                                 "tight", """
SYSCALL_TRACE 0 =
SIGPENDING 1 =
NEED_RESCHED 2 =
-MEMDIE 4 =
-RESTORE_SIGMASK 5 =
IRQ_SYNC 7 interrupt pipeline needs syncing
NOTIFY_RESUME 8 =
SINGLESTEP 9
""", """
#define _TIF_WORK_MASK		0x0000FFFE	/* return-to-user work */
"""),)),
    ArchSpec("c6x", (header("c6x", UL, 32, "none", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
RESTORE_SIGMASK 4 =
> /* bits from 16 up are state, not work */
MEMDIE 17 picked by the OOM killer
""", """
#define TIF_WORK_MASK		0x00007FFE /* checked after interrupts and traps */
#define TIF_ALLWORK_MASK	0x00007FFF /* checked on every exit to user */
"""),)),
    ArchSpec("cris", (header("cris", UL, 32, "tight", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
-RESTORE_SIGMASK 9 =
-MEMDIE 17 =
""", """
#define _TIF_WORK_MASK		0x0000FFFE	/* checked after interrupts and traps */
#define _TIF_ALLWORK_MASK	0x0000FFFF	/* checked on every exit to user */
"""),)),
    ArchSpec("frv", (header("frv", UL, 32, "spaced", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
SINGLESTEP 4 =
-RESTORE_SIGMASK 5 =
-MEMDIE 7 =
""", """
#define _TIF_WORK_MASK \\
	(_TIF_NOTIFY_RESUME | _TIF_SIGPENDING | _TIF_NEED_RESCHED | _TIF_SINGLESTEP)
#define _TIF_ALLWORK_MASK	(_TIF_WORK_MASK | _TIF_SYSCALL_TRACE)
"""),)),
    ArchSpec("h8300", (header("h8300", "unsigned long\t   flags;\t\t/* TIF_* bits */", 32,
                              "spaced", """
SYSCALL_TRACE 0 =
SIGPENDING 1 =
NEED_RESCHED 2 =
SINGLESTEP 3 =
-MEMDIE 4 =
-RESTORE_SIGMASK 5 =
NOTIFY_RESUME 6 =
SYSCALL_AUDIT 7 =
SYSCALL_TRACEPOINT 8 =
POLLING_NRFLAG 9 =
""", """
#define _TIF_WORK_MASK		0x0000FFFE
"""),)),
    ArchSpec("hexagon", (header("hexagon", UL, 32, "spaced", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
SINGLESTEP 4 =
-RESTORE_SIGMASK 6 =
> /* state bits from 16 up */
-MEMDIE 17 picked by the OOM killer
""", """
/* low half is work; tracing is handled on the syscall path */
#define _TIF_WORK_MASK          (0x0000FFFF & \\
                                 ~_TIF_SYSCALL_TRACE)
""", spaces=True),)),
    ArchSpec("ia64", (header("ia64", "__u32 flags;\t\t\t/* TIF_* bits, see below */", 32,
                             "spaced", """
SIGPENDING 0 =
NEED_RESCHED 1 =
SYSCALL_TRACE 2 =
SYSCALL_AUDIT 3 =
SINGLESTEP 4 =
NOTIFY_RESUME 6 =
-MEMDIE 17 =
MCA_INIT 18 task handles an MCA or INIT event
DB_DISABLED 19 debug trap off for fsyscall
RESTORE_RSE 21 user RBS newer than kernel RBS
POLLING_NRFLAG 22 =
""", """
#define _TIF_SYSCALL_TRACEAUDIT	(_TIF_SYSCALL_TRACE|_TIF_SYSCALL_AUDIT|_TIF_SINGLESTEP)

/* bits the user-return path must act on */
#define TIF_ALLWORK_MASK	(_TIF_SIGPENDING|_TIF_NOTIFY_RESUME|_TIF_SYSCALL_AUDIT|\\
				 _TIF_NEED_RESCHED|_TIF_SYSCALL_TRACE)
/* the same, minus what only the syscall path handles */
#define TIF_WORK_MASK		(TIF_ALLWORK_MASK&~(_TIF_SYSCALL_TRACE|_TIF_SYSCALL_AUDIT))
"""),), bits64="only"),
    ArchSpec("m32r", (header("m32r", UL, 32, "tight", """
SYSCALL_TRACE 0 =
SIGPENDING 1 =
NEED_RESCHED 2 =
SINGLESTEP 3 =
NOTIFY_RESUME 5 =
-RESTORE_SIGMASK 8 =
USEDFPU 16 =
-MEMDIE 18 =
""", """
#define _TIF_WORK_MASK		(_TIF_SIGPENDING | _TIF_NEED_RESCHED | _TIF_NOTIFY_RESUME)
#define _TIF_ALLWORK_MASK	(_TIF_WORK_MASK | _TIF_SYSCALL_TRACE)
"""),)),
    ArchSpec("m68k", (header("m68k", "unsigned long\t\tflags;", 32, "none", """
> /*
>  * The bits are chosen so that the hot ones live in the byte that the
>  * entry code reads with a single tst.b.
>  */
NOTIFY_RESUME 5 =
SIGPENDING 6 =
NEED_RESCHED 7 =
DELAYED_TRACE 14 single-step a syscall
SYSCALL_TRACE 15 =
MEMDIE 16 =
RESTORE_SIGMASK 18 =
"""),)),
    ArchSpec("metag", (header("metag", "unsigned long flags;\t/* TIF_* bits */", 32, "tight", """
SYSCALL_TRACE 0 =
SIGPENDING 1 =
NEED_RESCHED 2 =
SINGLESTEP 3 re-arm single-step when
| going back to user mode
SYSCALL_AUDIT 4 =
SECCOMP 5 =
RESTORE_SIGMASK 6 =
NOTIFY_RESUME 7 =
-MEMDIE 8 =
SYSCALL_TRACEPOINT 9 =
""", """
#define _TIF_WORK_SYSCALL_MASK	(_TIF_SYSCALL_TRACE | _TIF_SINGLESTEP | \\
				 _TIF_SYSCALL_AUDIT | _TIF_SECCOMP | \\
				 _TIF_SYSCALL_TRACEPOINT)

/* checked on every exit to user space */
#define _TIF_ALLWORK_MASK	(_TIF_SYSCALL_TRACE | _TIF_SIGPENDING      | \\
				 _TIF_NEED_RESCHED  | _TIF_SYSCALL_AUDIT   | \\
				 _TIF_SINGLESTEP    | _TIF_RESTORE_SIGMASK | \\
				 _TIF_NOTIFY_RESUME)

/* checked after interrupts and traps */
#define _TIF_WORK_MASK		(_TIF_ALLWORK_MASK & ~(_TIF_SYSCALL_TRACE | \\
				 _TIF_SYSCALL_AUDIT | _TIF_SINGLESTEP))
"""),)),
    ArchSpec("microblaze", (header("microblaze", UL, 32, "spaced", """
SYSCALL_TRACE 0 =
NOTIFY_RESUME 1 =
SIGPENDING 2 =
NEED_RESCHED 3 =
> /* re-armed on the way back to user mode */
SINGLESTEP 4
-MEMDIE 6 =
SYSCALL_AUDIT 9 =
SECCOMP 10 =
> /* state bits from 16 up */
POLLING_NRFLAG 16
""", """
#define _TIF_WORK_SYSCALL_MASK  (_TIF_SYSCALL_TRACE | _TIF_SINGLESTEP | \\
				 _TIF_SYSCALL_AUDIT | _TIF_SECCOMP)

/* checked after interrupts and traps */
#define _TIF_WORK_MASK		0x0000FFFE

/* checked on every exit to user space */
#define _TIF_ALLWORK_MASK	0x0000FFFF
"""),)),
)
