// SPDX-License-Identifier: GPL-2.0-only
/*
 * kernel/exit.c: tearing down a task's mm on exit.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>

static void exit_mm(void)
{
	struct mm_struct *mm = current->mm;

	mm_release(current, mm);
	if (!mm)
		return;
	sync_mm_rss(mm);
	down_read(&mm->mmap_sem);
	mmgrab(mm);
	up_read(&mm->mmap_sem);
	task_lock(current);
	current->mm = NULL;
	enter_lazy_tlb(mm, current);
	task_unlock(current);
	mm_update_next_owner(mm);
	mmput(mm);
-|	if (test_thread_flag(TIF_MEMDIE))
+|	if (tsk_is_oom_victim(current))
		exit_oom_victim();
}

void do_exit(long code)
{
	struct task_struct *tsk = current;

	exit_signals(tsk);
	tsk->exit_code = code;
	exit_mm();
	exit_files(tsk);
	exit_fs(tsk);
	exit_notify(tsk, 0);
	do_task_dead();
}
