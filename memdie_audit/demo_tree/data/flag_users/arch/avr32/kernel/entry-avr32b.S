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
