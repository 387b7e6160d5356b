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
