// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel/cgroup/cpuset.c: which memory nodes a task may allocate from.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */

#include <linux/cpuset.h>
#include <linux/oom.h>
#include <linux/sched.h>
#include <linux/nodemask.h>

/*
 * May the current task allocate on @node?  Interrupts may allocate
 * anywhere; so may an OOM victim, or it might never exit and give its
 * memory back.  Everybody else stays inside its cpuset's mems_allowed,
 * or inside the nearest hardwalled ancestor for __GFP_HARDWALL-less
 * kernel allocations.
 */
bool cpuset_current_node_allowed(int node, gfp_t gfp_mask)
{
	struct cpuset *cs;
	bool allowed;
	unsigned long flags;

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

	spin_lock_irqsave(&callback_lock, flags);
	cs = nearest_hardwall_ancestor(task_cs(current));
	allowed = node_isset(node, cs->mems_allowed);
	spin_unlock_irqrestore(&callback_lock, flags);
	return allowed;
}
