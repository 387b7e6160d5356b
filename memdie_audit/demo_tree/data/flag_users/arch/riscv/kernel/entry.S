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
