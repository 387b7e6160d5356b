"""kernel/, include/, fs/ and Documentation/ files that mention the flag.

``kernel/freezer.c`` carries a Latin-1 byte and ``kernel/cpuset.c`` CRLF line
ends (see ``state.ENCODINGS`` / ``state.CRLF``); ``kernel/power/process.c``
hides a use where a C parser without a preprocessor gives up; the comment in
``fs/ext4/mballoc.c`` is the one mention that every series leaves behind.
"""

# ruff: noqa: E101  -- the C templates indent with tabs and align with spaces, as kernel code does

from __future__ import annotations

from .template import pick

# The one line whose token tree-sitter-c cannot place: see HOSTILE_LINE.
HOSTILE_PATH = "kernel/power/process.c"

EXIT = r"""
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
"""

FREEZER = r"""
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
"""

CPUSET = r"""
// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel/cpuset.c: which memory nodes a task may allocate from.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <linux/cpuset.h>
#include <linux/oom.h>
#include <linux/sched.h>

static struct cpuset *nearest_hardwall_ancestor(struct cpuset *cs)
{
	while (!(is_mem_exclusive(cs) || is_mem_hardwall(cs)) && parent_cs(cs))
		cs = parent_cs(cs);
	return cs;
}

/**
 * __cpuset_node_allowed - may the current task allocate on @node?
 * @node: the node in question
 * @gfp_mask: the allocation's flags
 *
 * Yes when @node is in the task's mems_allowed, when the caller runs in
 * interrupt context, or when the task
-| * is an OOM victim (TIF_MEMDIE) that needs memory in order to exit.
+| * is an OOM victim that needs memory in order to exit.
 * Otherwise GFP_KERNEL may use the nearest hardwalled cpuset and
 * GFP_USER nothing outside mems_allowed.
 *
 *	interrupt	- any node
-| *	TIF_MEMDIE	- any node
+| *	OOM victim	- any node
 *	GFP_KERNEL	- nearest hardwalled cpuset
 *	GFP_USER	- current's mems_allowed only
 */
bool __cpuset_node_allowed(int node, gfp_t gfp_mask)
{
	struct cpuset *cs;
	bool allowed;

	if (in_interrupt())
		return true;
	if (node_isset(node, current->mems_allowed))
		return true;
-|	if (unlikely(test_thread_flag(TIF_MEMDIE)))
+|	if (unlikely(tsk_is_oom_victim(current)))
		return true;
	if (gfp_mask & __GFP_HARDWALL)
		return false;
	if (current->flags & PF_EXITING)
		return true;
	spin_lock_irq(&callback_lock);
	rcu_read_lock();
	cs = nearest_hardwall_ancestor(task_cs(current));
	allowed = node_isset(node, cs->mems_allowed);
	rcu_read_unlock();
	spin_unlock_irq(&callback_lock);
	return allowed;
}
"""

PROCESS = r"""
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
"""

OOM_H = r"""
/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __INCLUDE_LINUX_OOM_H
#define __INCLUDE_LINUX_OOM_H

#include <linux/sched/signal.h>
#include <linux/types.h>

struct mem_cgroup;
struct task_struct;
struct zonelist;

struct oom_control {
	struct zonelist *zonelist;	/* where the allocation failed */
	nodemask_t *nodemask;
	struct mem_cgroup *memcg;	/* NULL unless a memcg hit its limit */
	gfp_t gfp_mask;
	int order;
	unsigned long totalpages;
	struct task_struct *chosen;
	unsigned long chosen_points;
};

extern bool oom_killer_disabled;
extern struct mutex oom_lock;

/**
 * tsk_is_oom_victim - has the OOM killer picked @tsk's process?
 * @tsk: any thread of the process
 *
-| * Unlike TIF_MEMDIE, which marks only the thread that was killed, the
-| * answer is the same for every thread of the victim.
+| * The answer is the same for every thread of the victim.
 */
static inline bool tsk_is_oom_victim(struct task_struct *tsk)
{
	return tsk->signal->oom_mm;
}

extern void mark_oom_victim(struct task_struct *tsk);
extern void exit_oom_victim(void);
extern bool out_of_memory(struct oom_control *oc);
extern unsigned long oom_badness(struct task_struct *p, unsigned long totalpages);

#endif /* __INCLUDE_LINUX_OOM_H */
"""

OOM_DOC = r"""
OOM victims and the memory reserves
===================================

When the OOM killer has picked a task it sends SIGKILL and marks the task
so that the page allocator lets it below the min watermark: the victim
must be able to allocate the little memory it needs to exit.

-|The mark is the TIF_MEMDIE thread flag.  It is set on the killed thread
-|only, and cleared again in exit_oom_victim().
+|The mark is the mm recorded in the victim's signal struct, tested with
+|tsk_is_oom_victim().  It covers every thread of the victim.

The OOM reaper tears down the victim's address space in the background, so
that a victim stuck in the kernel does not hold its memory forever.
"""

MBALLOC = r"""
// SPDX-License-Identifier: GPL-2.0
/*
 * fs/ext4/mballoc.c: freeing blocks back to the multiblock allocator.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include "ext4.h"
#include "ext4_jbd2.h"
#include <linux/slab.h>

static struct kmem_cache *ext4_free_data_cachep;

static void ext4_free_data_init(struct ext4_free_data *entry, ext4_group_t group,
				ext4_grpblk_t cluster, unsigned int count, tid_t tid)
{
	entry->efd_group = group;
	entry->efd_start_cluster = cluster;
	entry->efd_count = count;
	entry->efd_tid = tid;
}

int ext4_mb_free_later(handle_t *handle, ext4_group_t group,
		       ext4_grpblk_t cluster, unsigned int count)
{
	struct ext4_free_data *new_entry;

	/* __GFP_NOFAIL: loop until it works; TIF_MEMDIE and memcg limits do not matter */
	new_entry = kmem_cache_alloc(ext4_free_data_cachep, GFP_NOFS | __GFP_NOFAIL);
	ext4_free_data_init(new_entry, group, cluster, count, handle->h_transaction->t_tid);
	return ext4_mb_free_metadata(handle, new_entry);
}
"""


def kernel_files(converted: bool) -> dict[str, str]:
    return {
        "kernel/exit.c": pick(EXIT, converted),
        "kernel/freezer.c": pick(FREEZER, converted),
        "kernel/cpuset.c": pick(CPUSET, converted),
        HOSTILE_PATH: pick(PROCESS, converted),
    }


def mm_side_files(converted: bool) -> dict[str, str]:
    """Header comment and documentation that go with the mm/ conversion."""
    return {
        "include/linux/oom.h": pick(OOM_H, converted),
        "Documentation/vm/oom-victims.txt": pick(OOM_DOC, converted),
    }


STALE_PATH = "fs/ext4/mballoc.c"


def untouched_files() -> dict[str, str]:
    return {STALE_PATH: pick(MBALLOC, False)}


def hostile_line() -> int:
    """1-based line of the TIF_MEMDIE use that sits in a tree-sitter ERROR."""
    text = pick(PROCESS, False)
    return next(i for i, ln in enumerate(text.splitlines(), 1) if "TIF_MEMDIE" in ln)
