// SPDX-License-Identifier: GPL-2.0-only
/*
 * mm/oom_kill.c: choose a task to kill when memory runs out, then help the
 * victim exit quickly.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <linux/freezer.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/printk.h>
#include <linux/sched.h>

#define MAX_OOM_REAP_RETRIES 10

int sysctl_panic_on_oom;
static atomic_t oom_victims = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(oom_victims_wait);

static bool oom_unkillable_task(struct task_struct *p)
{
	if (is_global_init(p))
		return true;
	if (p->flags & PF_KTHREAD)
		return true;
	return false;
}

unsigned long oom_badness(struct task_struct *p, unsigned long totalpages)
{
	long points;

	if (oom_unkillable_task(p) || !p->mm)
		return 0;
	points = get_mm_rss(p->mm) + get_mm_counter(p->mm, MM_SWAPENTS);
	points += mm_pgtables_bytes(p->mm) / PAGE_SIZE;
	return points > 0 ? points : 1;
}

static int oom_evaluate_task(struct task_struct *task, struct oom_control *oc)
{
	unsigned long points;

	if (oom_unkillable_task(task))
		return 0;
	/*
	 * A victim is already on its way out.  Picking a second one for the
	 * same shortage would kill twice, so wait for the first, unless the
	 * reaper has given up on it.
	 */
-|	if (test_ti_thread_flag(task_thread_info(task), TIF_MEMDIE)) {
+|	if (tsk_is_oom_victim(task)) {
		if (test_bit(MMF_OOM_SKIP, &task->signal->oom_mm->flags))
			return 0;
		oc->chosen = (void *)-1UL;
		return 1;
	}
	points = oom_badness(task, oc->totalpages);
	if (!points || points < oc->chosen_points)
		return 0;
	oc->chosen = task;
	oc->chosen_points = points;
	return 0;
}

/**
 * mark_oom_victim - let @tsk use the memory reserves so that it can exit
 * @tsk: the task the OOM killer picked
 *
-| * TIF_MEMDIE goes on the one thread that was killed; its siblings
-| * get no access to the reserves.
+| * The mark lives in the signal struct, so it covers every thread of the
+| * victim process.
 */
void mark_oom_victim(struct task_struct *tsk)
{
	struct mm_struct *mm = tsk->mm;

	WARN_ON(oom_killer_disabled);
-|	if (test_and_set_tsk_thread_flag(tsk, TIF_MEMDIE))
-|		return;
-|	if (!cmpxchg(&tsk->signal->oom_mm, NULL, mm))
-|		mmgrab(tsk->signal->oom_mm);
+|	if (cmpxchg(&tsk->signal->oom_mm, NULL, mm))
+|		return;
+|	mmgrab(mm);
	__thaw_task(tsk);
	atomic_inc(&oom_victims);
-|	pr_debug("oom: %s (%d) now has TIF_MEMDIE\n", tsk->comm, task_pid_nr(tsk));
+|	pr_debug("oom: %s (%d) is now an OOM victim\n", tsk->comm, task_pid_nr(tsk));
}

/**
 * exit_oom_victim - the current victim no longer needs the reserves
 */
void exit_oom_victim(void)
{
-|	clear_thread_flag(TIF_MEMDIE);
	if (!atomic_dec_return(&oom_victims))
		wake_up_all(&oom_victims_wait);
}

static void oom_reap_task(struct task_struct *tsk)
{
	struct mm_struct *mm = tsk->signal->oom_mm;
	int attempts = 0;

	while (attempts++ < MAX_OOM_REAP_RETRIES && !oom_reap_task_mm(tsk, mm))
		schedule_timeout_idle(HZ / 10);
-|	/* the reaper is done with it: drop TIF_MEMDIE either way */
-|	clear_tsk_thread_flag(tsk, TIF_MEMDIE);
+|	/* the reaper is done with it, whether it managed or not */
	set_bit(MMF_OOM_SKIP, &mm->flags);
	put_task_struct(tsk);
}

bool out_of_memory(struct oom_control *oc)
{
	if (oom_killer_disabled)
		return false;
	/*
	 * A task that is exiting anyway frees its memory soon; let it reach
-|	 * the reserves (TIF_MEMDIE) rather than killing somebody else.
+|	 * the reserves rather than killing somebody else.
	 */
	if (task_will_free_mem(current)) {
		mark_oom_victim(current);
		wake_oom_reaper(current);
		return true;
	}
	select_bad_process(oc);
	if (!oc->chosen) {
		dump_header(oc, NULL);
		panic("oom: nothing left that could be killed\n");
	}
	if (oc->chosen != (void *)-1UL)
		oom_kill_process(oc, "Out of memory");
	return !!oc->chosen;
}
