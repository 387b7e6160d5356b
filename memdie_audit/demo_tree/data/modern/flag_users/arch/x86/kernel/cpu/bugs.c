// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/kernel/cpu/bugs.c: the per-task speculative store bypass switch.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */

#include <linux/prctl.h>
#include <linux/sched.h>
#include <asm/spec-ctrl.h>

static void task_update_ssbd(struct task_struct *tsk, bool disable)
{
	if (disable)
		set_tsk_thread_flag(tsk, TIF_SSBD);
	else
		clear_tsk_thread_flag(tsk, TIF_SSBD);
	/* another task picks the change up at its next context switch */
	if (tsk == current)
		speculation_ctrl_update_current();
}

static int ssb_prctl_get(struct task_struct *task)
{
	switch (ssb_mode) {
	case SPEC_STORE_BYPASS_DISABLE:
		return PR_SPEC_DISABLE;
	case SPEC_STORE_BYPASS_PRCTL:
		if (task_spec_ssb_force_disable(task))
			return PR_SPEC_PRCTL | PR_SPEC_FORCE_DISABLE;
		if (test_tsk_thread_flag(task, TIF_SSBD))
			return PR_SPEC_PRCTL | PR_SPEC_DISABLE;
		return PR_SPEC_PRCTL | PR_SPEC_ENABLE;
	default:
		return PR_SPEC_NOT_AFFECTED;
	}
}
