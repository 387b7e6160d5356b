/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arch/riscv/kernel/entry.S: the way back to user mode.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */

#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/thread_info.h>

SYM_CODE_START(ret_from_exception)
	REG_L	s0, PT_STATUS(sp)
	andi	s0, s0, SR_SPP
	bnez	s0, 1f			# back into the kernel: no user work
	REG_L	s1, TASK_TI_FLAGS(tp)
	li	t0, _TIF_WORK_MASK
	and	t1, s1, t0
	bnez	t1, resume_userspace_slow
+|#ifdef TIF_SSBD
+|	/* kept in step with the x86 exit path; assembled only where it exists */
+|	li	t0, _TIF_SSBD
+|	and	t1, s1, t0
+|	beqz	t1, 1f
+|	call	speculation_ctrl_update_current
+|#endif
1:
	RESTORE_ALL
	sret
SYM_CODE_END(ret_from_exception)
