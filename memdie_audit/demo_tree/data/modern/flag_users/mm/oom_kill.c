// SPDX-License-Identifier: GPL-2.0-only
/*
 * mm/oom_kill.c: choose a task to kill when memory runs out, and see that
 * it gets out of the way.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */

#include <linux/oom.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/freezer.h>

static atomic_t oom_victims = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(oom_victims_wait);

static int oom_evaluate_task(struct task_struct *task, void *arg)
{
	struct oom_control *oc = arg;
	long points;

	if (oom_unkillable_task(task))
		return 0;
	/*
-|	 * A thread that already carries TIF_MEMDIE is on its way out: wait for
-|	 * it rather than killing a second task, unless the reaper gave up.
+|	 * A victim of an earlier kill is on its way out: wait for it rather
+|	 * than killing a second task, unless the reaper gave up on it.
	 */
-|	if (test_tsk_thread_flag(task, TIF_MEMDIE)) {
+|	if (tsk_is_oom_victim(task)) {
		if (mm_flags_test(MMF_OOM_SKIP, task->signal->oom_mm))
			return 0;
		oc->chosen = (void *)-1UL;
		return 1;
	}
	points = oom_badness(task, oc->totalpages);
	if (points != LONG_MIN && points > oc->chosen_points) {
		oc->chosen = task;
		oc->chosen_points = points;
	}
	return 0;
}

static void mark_oom_victim(struct task_struct *tsk)
{
	struct mm_struct *mm = tsk->mm;

	WARN_ON(oom_killer_disabled);
-|	/* a memcg OOM may have marked this thread already */
-|	if (test_and_set_tsk_thread_flag(tsk, TIF_MEMDIE))
+|	/* a memcg OOM may have picked this process already */
+|	if (tsk_is_oom_victim(tsk))
		return;
	if (!cmpxchg(&tsk->signal->oom_mm, NULL, mm))
		mmgrab(tsk->signal->oom_mm);
	__thaw_task(tsk);
	atomic_inc(&oom_victims);
}

void exit_oom_victim(void)
{
-|	clear_thread_flag(TIF_MEMDIE);
	if (!atomic_dec_return(&oom_victims))
		wake_up_all(&oom_victims_wait);
}
