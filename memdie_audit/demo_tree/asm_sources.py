"""Low-level entry code (``.S``) of a few arches.

Three arches test the ``_TIF_MEMDIE`` mask, arm shifts by the bit number
``#TIF_MEMDIE``, and x86 mentions the flag in a ``#`` comment after code. The
others are here so that each arch's own line-comment character shows up (``@``
arm, ``;`` arc/parisc, ``!`` sparc/sh, ``#`` x86/riscv) without the flag.
"""

# ruff: noqa: E101  -- the C templates indent with tabs and align with spaces, as kernel code does

from __future__ import annotations

from .template import pick

_ARM = r"""
/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/arm/kernel/entry-common.S: the syscall return path.
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <asm/assembler.h>
#include <asm/unistd.h>
#include <asm/thread_info.h>

	.align	5
/*
 * Fast exit: nothing but the syscall work bits is looked at here.
 */
ret_fast_syscall:
	disable_irq_notrace			@ no preemption past this point
	ldr	r1, [tsk, #TI_FLAGS]		@ flags may have changed meanwhile
	tst	r1, #_TIF_SYSCALL_WORK | _TIF_WORK_MASK
	bne	fast_work_pending
	restore_user_regs fast = 1, offset = S_OFF

fast_work_pending:
	str	r0, [sp, #S_R0+S_OFF]!		@ keep the return value
-|	@ TIF_MEMDIE set: the task is dying, do not stop for signal work
-|	mov	r3, r1, lsr #TIF_MEMDIE
-|	tst	r3, #1
-|	bne	ret_to_user_from_irq
slow_work_pending:
	mov	r0, sp				@ regs
	mov	r2, why				@ was it a syscall?
	bl	do_work_pending
	cmp	r0, #0
	beq	no_work_pending
	movlt	scno, #(__NR_restart_syscall - __NR_SYSCALL_BASE)
	ldmia	sp, {r0 - r6}			@ reload the arguments
	b	local_restart

ENTRY(ret_to_user)
ret_slow_syscall:
	disable_irq_notrace
ENTRY(ret_to_user_from_irq)
	ldr	r1, [tsk, #TI_FLAGS]
	tst	r1, #_TIF_WORK_MASK
	bne	slow_work_pending
no_work_pending:
	asm_trace_hardirqs_on save = 0
	restore_user_regs fast = 0, offset = 0
ENDPROC(ret_to_user_from_irq)
ENDPROC(ret_to_user)
"""

_ARC = r"""
/* SPDX-License-Identifier: GPL-2.0 */
; arch/arc/kernel/entry.S: the exception return path.
; Written for the memdie-audit test fixture; not kernel source.

#include <linux/linkage.h>
#include <asm/entry.h>
#include <asm/thread_info.h>

ENTRY(ret_from_exception)
	ld	r8, [sp, PT_status32]	; mode we trapped from
	bbit0	r8, STATUS_U_BIT, resume_kernel_mode

resume_user_mode_begin:
	IRQ_DISABLE	r10		; the work check must not race an IRQ
	GET_CURR_THR_INFO_FLAGS	r9
	and.f	0, r9, _TIF_WORK_MASK
	bz	.Lrestore_regs
-|	; a dying OOM victim goes straight out
-|	and.f	0, r9, _TIF_MEMDIE
-|	bnz	.Lrestore_regs

	bbit0	r9, TIF_NEED_RESCHED, .Lchk_pend_signals
	bl	@schedule
	b	resume_user_mode_begin	; look at the flags again

.Lchk_pend_signals:
	IRQ_ENABLE	r10
	mov	r0, sp			; pt_regs for do_signal()
	bl	@do_signal
	b	resume_user_mode_begin

resume_kernel_mode:
	IRQ_DISABLE	r9
.Lrestore_regs:
	RESTORE_ALL_SYS
	rtie
END(ret_from_exception)
"""

_AVR32 = r"""
/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/avr32/kernel/entry-avr32b.S: return from exceptions to user mode.
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/thread_info.h>

	.section .ex.text,"ax",@progbits
	.align	2
ret_from_exception:
	mask_interrupts
	get_thread_info r0
	ld.w	r1, r0[TI_flags]
	andl	r1, _TIF_WORK_MASK, COH
	brne	fault_exit_work
-|	/* an OOM victim must not wait in the work loop */
-|	ld.w	r1, r0[TI_flags]
-|	mov	r2, _TIF_MEMDIE
-|	tst	r1, r2
-|	brne	fault_resume_user

fault_resume_user:
	popm	r8-r9
	mask_exceptions
	mtsr	SYSREG_RAR_EX, r8
	mtsr	SYSREG_RSR_EX, r9
	ldmts	sp++, r0-lr
	sub	sp, -4
	rete

fault_exit_work:
	bld	r1, TIF_NEED_RESCHED	/* reschedule first */
	brcc	1f
	unmask_interrupts
	rcall	schedule
	mask_interrupts
	rjmp	ret_from_exception
1:	mov	r12, sp
	mov	r11, r0
	rcall	do_notify_resume
	rjmp	ret_from_exception
"""

_RISCV = r"""
/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arch/riscv/kernel/entry.S: the exception return path.
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/thread_info.h>

	.text
ENTRY(ret_from_exception)
	REG_L	s0, PT_STATUS(sp)
	csrc	CSR_STATUS, SR_IE	# no interrupts while we look at the flags
	andi	s0, s0, SR_SPP
	bnez	s0, resume_kernel

resume_userspace:
	REG_L	s0, TASK_TI_FLAGS(tp)	# current_thread_info()->flags
	li	t0, _TIF_RISCV_WORK_MASK
	and	s1, s0, t0
	bnez	s1, work_pending
-|	li	t0, _TIF_MEMDIE		# dying OOM victims skip the notifiers
-|	and	s1, s0, t0
-|	bnez	s1, restore_all
	call	user_return_notify

restore_all:
	RESTORE_ALL
	sret

resume_kernel:
	j	restore_all

work_pending:
	la	ra, ret_from_exception
	move	a0, sp			# pt_regs
	move	a1, s0			# the flags we saw
	tail	do_work_pending
END(ret_from_exception)
"""

_X86 = r"""
/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/x86/entry/entry_64.S: the 64-bit syscall fast path.
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <linux/linkage.h>
#include <asm/asm-offsets.h>
#include <asm/thread_info.h>

	.code64
	.section .entry.text, "ax"

ENTRY(entry_SYSCALL_64_after_swapgs)
	movq	PER_CPU_VAR(current_task), %r11
	testl	$_TIF_WORK_SYSCALL_ENTRY, TASK_TI_flags(%r11)	# entry work?
	jnz	entry_SYSCALL64_slow_path
	cmpq	$__NR_syscall_max, %rax		# in range?
	ja	1f
	movq	%r10, %rcx
	call	*sys_call_table(, %rax, 8)
	movq	%rax, RAX(%rsp)
1:
-|	movq	PER_CPU_VAR(current_task), %r11	# TIF_MEMDIE needs no check here
	testl	$(_TIF_SIGPENDING|_TIF_NEED_RESCHED), TASK_TI_flags(%r11)
	jnz	entry_SYSCALL64_slow_path
	RESTORE_C_REGS_EXCEPT_RCX_R11
	movq	RSP(%rsp), %rsp
	USERGS_SYSRET64

entry_SYSCALL64_slow_path:
	SAVE_EXTRA_REGS
	movq	%rsp, %rdi			# pt_regs
	call	do_syscall_64
	jmp	return_from_SYSCALL_64
END(entry_SYSCALL_64_after_swapgs)
"""

_SPARC = r"""
/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/sparc/kernel/rtrap_64.S: return from a trap on sparc64.
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <asm/head.h>
#include <asm/thread_info.h>

		.text
		.align		32
__handle_preemption:
		call		SCHEDULE_USER		! pick another task
		 wrpr		%g0, RTRAP_PSTATE, %pstate
		ba,pt		%xcc, __handle_preemption_continue
		 wrpr		%g0, RTRAP_PSTATE_IRQOFF, %pstate

__handle_signal:
		mov		%l5, %o1		! saved pt_regs
		add		%sp, PTREGS_OFF, %o0
		call		do_notify_resume
		 wrpr		%g0, RTRAP_PSTATE, %pstate
		ba,pt		%xcc, __handle_signal_continue
		 nop

		.globl		rtrap
rtrap:
		ldx		[%g6 + TI_FLAGS], %l0	! the thread's flags
		andcc		%l0, _TIF_NEED_RESCHED, %g0
		bne,pn		%xcc, __handle_preemption
		 nop
__handle_preemption_continue:
		andcc		%l0, _TIF_DO_NOTIFY_RESUME_MASK, %g0
		bne,pn		%xcc, __handle_signal
		 nop
__handle_signal_continue:
		retry
"""

_PARISC = r"""
/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * arch/parisc/kernel/entry.S: interruption return.
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <asm/assembly.h>
#include <asm/thread_info.h>

	.text
	.align	4
ENTRY(intr_return)
	; the flags word lives in the thread_info pointed to by cr30
	mfctl	%cr30, %r1
	LDREG	TI_FLAGS(%r1), %r19	; load once, test twice
	ldi	(_TIF_SIGPENDING|_TIF_NOTIFY_RESUME), %r20
	and,COND(<>) %r19, %r20, %r0
	b,n	intr_restore		; nothing to deliver

	bb,<,n	%r19, 31-TIF_NEED_RESCHED, intr_do_resched ; reschedule first
	copy	%r0, %r25		; not a syscall
	BL	do_notify_resume, %r2
	copy	%r16, %r26		; pt_regs

intr_restore:
	rest_fp	%r1
	rfi
	nop

intr_do_resched:
	BL	schedule, %r2
	nop
	b,n	intr_return
ENDPROC(intr_return)
"""

# path -> (arch, tests the flag in the base tree), template
ASM_FILES: dict[str, tuple[str, bool]] = {
    "arch/arm/kernel/entry-common.S": ("arm", True),
    "arch/arc/kernel/entry.S": ("arc", True),
    "arch/avr32/kernel/entry-avr32b.S": ("avr32", True),
    "arch/riscv/kernel/entry.S": ("riscv", True),
    "arch/x86/entry/entry_64.S": ("x86", False),
    "arch/sparc/kernel/rtrap_64.S": ("sparc", False),
    "arch/parisc/kernel/entry.S": ("parisc", False),
}
_TEMPLATES = dict(zip(ASM_FILES, (_ARM, _ARC, _AVR32, _RISCV, _X86, _SPARC, _PARISC),
                      strict=True))

# Arches whose entry code still mentions the flag before the series.
MENTIONING = frozenset(a for p, (a, _) in ASM_FILES.items() if "-|" in _TEMPLATES[p])


def asm_files(keep: frozenset[str]) -> dict[str, str]:
    """Every entry file; the flag is still tested in the arches of ``keep``."""
    return {p: pick(t, converted=ASM_FILES[p][0] not in keep) for p, t in _TEMPLATES.items()}
