/* SPDX-License-Identifier: GPL-2.0 */
/*
 * include/linux/notify_work.h: deferred notifier work, for the arches
 * that can build it (they select HAVE_NOTIFY_WORK and define
 * TIF_NOTIFY_WORK).
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */
#ifndef _LINUX_NOTIFY_WORK_H
#define _LINUX_NOTIFY_WORK_H

#include <linux/sched.h>

struct notify_work;

#ifdef CONFIG_NOTIFY_WORK
static inline bool notify_work_pending(struct task_struct *task)
{
	return test_tsk_thread_flag(task, TIF_NOTIFY_WORK);
}

void notify_work_queue(struct task_struct *task, struct notify_work *work);
void notify_work_run(void);
#else
static inline bool notify_work_pending(struct task_struct *task)
{
	return false;
}

static inline void notify_work_run(void) { }
#endif

#endif /* _LINUX_NOTIFY_WORK_H */
