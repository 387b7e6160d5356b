// SPDX-License-Identifier: GPL-2.0-only
/*
 * kernel/notify_work.c: work that another CPU queues for a task, run by
 * the task itself on its way back to user mode.  The queueing side marks
 * the task with TIF_NOTIFY_WORK; it follows in a later patch.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */

#include <linux/sched.h>
#include <linux/thread_info.h>

struct notify_work {
	struct notify_work *next;
	void (*func)(struct notify_work *work);
};

static struct notify_work *notify_work_take(struct task_struct *task)
{
	return xchg(&task->notify_works, NULL);
}

/* Called with interrupts enabled, right before the return to user mode. */
void notify_work_run(void)
{
	struct notify_work *work, *next;

	if (!test_and_clear_thread_flag(TIF_NOTIFY_WORK))
		return;
	for (work = notify_work_take(current); work; work = next) {
		next = work->next;
		work->func(work);
	}
}
