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
