// SPDX-License-Identifier: GPL-2.0-only
/*
 * mm/page_alloc.c: who may dip into the memory reserves.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */

#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/gfp.h>
#include <linux/sched/mm.h>

static bool oom_reserves_allowed(struct task_struct *tsk)
{
	if (!tsk_is_oom_victim(tsk))
		return false;
	/*
	 * Without an MMU nobody can reap the victim's memory, so only the
	 * thread the killer hit may use the reserves to get out.
	 */
-|	if (!IS_ENABLED(CONFIG_MMU) && !test_thread_flag(TIF_MEMDIE))
+|	if (!IS_ENABLED(CONFIG_MMU) && !(tsk->flags & PF_EXITING))
		return false;
	return true;
}

static inline int __gfp_pfmemalloc_flags(gfp_t gfp_mask)
{
	if (unlikely(gfp_mask & __GFP_NOMEMALLOC))
		return 0;
	if (gfp_mask & __GFP_MEMALLOC)
		return ALLOC_NO_WATERMARKS;
	if (in_serving_softirq() && (current->flags & PF_MEMALLOC))
		return ALLOC_NO_WATERMARKS;
	if (!in_interrupt()) {
		if (current->flags & PF_MEMALLOC)
			return ALLOC_NO_WATERMARKS;
		else if (oom_reserves_allowed(current))
			return ALLOC_OOM;
	}
	return 0;
}
