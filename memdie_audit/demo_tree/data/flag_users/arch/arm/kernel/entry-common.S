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
