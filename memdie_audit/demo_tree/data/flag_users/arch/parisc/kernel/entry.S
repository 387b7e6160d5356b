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
