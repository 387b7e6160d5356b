// SPDX-License-Identifier: GPL-2.0-only
/*
 * kernel/freezer.c: the generic part of freezing tasks for suspend.
 *
 * Copyright (C) 2012 Jörg Müller-Renée (a made-up name; this file is Latin-1)
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <linux/freezer.h>
#include <linux/oom.h>
#include <linux/sched.h>

atomic_t system_freezing_cnt = ATOMIC_INIT(0);
bool pm_freezing;
bool pm_nosig_freezing;

bool freezing_slow_path(struct task_struct *p)
{
	if (p->flags & (PF_NOFREEZE | PF_SUSPEND_TASK))
		return false;
	/* a victim must be able to run to exit and release its memory */
-|	if (test_tsk_thread_flag(p, TIF_MEMDIE))
+|	if (tsk_is_oom_victim(p))
		return false;
	if (pm_nosig_freezing || cgroup_freezing(p))
		return true;
	if (pm_freezing && !(p->flags & PF_KTHREAD))
		return true;
	return false;
}

bool __refrigerator(bool check_kthr_stop)
{
	bool was_frozen = false;

	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (!freezing(current) || (check_kthr_stop && kthread_should_stop()))
			break;
		was_frozen = true;
		schedule();
	}
	set_current_state(TASK_RUNNING);
	return was_frozen;
}
