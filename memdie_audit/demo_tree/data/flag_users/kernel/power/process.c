// SPDX-License-Identifier: GPL-2.0
/*
 * kernel/power/process.c: freeze and thaw user space around a suspend.
 *
 * Written for the memdie-audit test fixture; not kernel source.  The skip
 * test below pastes tokens in a macro and opens a conditional block in
 * the middle of an expression: a C parser that does not preprocess first
 * cannot follow it, which is the point.
 */
#include <linux/freezer.h>
#include <linux/oom.h>
#include <linux/sched.h>

#define FREEZE_SKIP(kind, tsk) __freeze_skip_##kind(tsk)

static bool __freeze_skip_kthread(struct task_struct *p)
{
	return p->flags & PF_KTHREAD;
}

static bool freeze_skip(struct task_struct *p)
{
	return FREEZE_SKIP(kthread, p) ||
#if defined(CONFIG_PM_SLEEP_DEBUG)
-|		test_tsk_thread_flag(p, TIF_MEMDIE) ||
+|		tsk_is_oom_victim(p) ||
#endif
		p->exit_state;
}

static int try_to_freeze_tasks(bool user_only)
{
	struct task_struct *g, *p;
	unsigned int todo;
	int tries = 20;

	while (tries--) {
		todo = 0;
		read_lock(&tasklist_lock);
		for_each_process_thread(g, p) {
			if (p == current || freeze_skip(p))
				continue;
			if (!freeze_task(p))
				continue;
			todo++;
		}
		read_unlock(&tasklist_lock);
		if (!todo)
			return 0;
		msleep(10);
	}
	return -EBUSY;
}

int freeze_processes(void)
{
	int error;

	pm_freezing = true;
	error = try_to_freeze_tasks(true);
	if (error)
		thaw_processes();
	return error;
}
