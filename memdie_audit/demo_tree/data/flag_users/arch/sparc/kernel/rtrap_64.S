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
