// SPDX-License-Identifier: GPL-2.0-only
/*
 * kernel/notify/work.c: work that another CPU queues for a task, run by
 * the task itself on its way back to user mode.  Built only where
 * CONFIG_NOTIFY_WORK can be enabled: on the arches that select
 * HAVE_NOTIFY_WORK.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */

#include <linux/notify_work.h>
#include <linux/sched.h>

struct notify_work {
	struct notify_work *next;
	void (*func)(struct notify_work *work);
};

void notify_work_queue(struct task_struct *task, struct notify_work *work)
{
	do {
		work->next = READ_ONCE(task->notify_works);
	} while (cmpxchg(&task->notify_works, work->next, work) != work->next);
	set_tsk_thread_flag(task, TIF_NOTIFY_WORK);
	kick_process(task);
}

void notify_work_run(void)
{
	struct notify_work *work, *next;

	if (!test_and_clear_thread_flag(TIF_NOTIFY_WORK))
		return;
	for (work = xchg(&current->notify_works, NULL); work; work = next) {
		next = work->next;
		work->func(work);
	}
}
