// SPDX-License-Identifier: GPL-2.0
/* Queue work for a task (memdie-audit fixture, not kernel source). */
#include <linux/sched.h>

int task_work_add(struct task_struct *task, struct callback_head *work, bool notify)
{
	if (notify)
		set_notify_resume(task);
	return 0;
}
