// SPDX-License-Identifier: GPL-2.0-only
/*
 * mm/page_alloc.c: the slow path of the page allocator.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/sched.h>

static inline unsigned int gfp_to_alloc_flags(gfp_t gfp_mask)
{
	unsigned int alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;

	if (gfp_mask & __GFP_HIGH)
		alloc_flags |= ALLOC_HIGH;
	if (gfp_mask & __GFP_ATOMIC)
		alloc_flags &= ~ALLOC_CPUSET;
	return alloc_flags;
}

bool gfp_pfmemalloc_allowed(gfp_t gfp_mask)
{
	if (unlikely(gfp_mask & __GFP_NOMEMALLOC))
		return false;
	if (gfp_mask & __GFP_MEMALLOC)
		return true;
	if (in_serving_softirq() && (current->flags & PF_MEMALLOC))
		return true;
	if (!in_interrupt() &&
	    ((current->flags & PF_MEMALLOC) ||
-|	     unlikely(test_thread_flag(TIF_MEMDIE))))
+|	     tsk_is_oom_victim(current)))
		return true;
	return false;
}

static struct page *
__alloc_pages_may_oom(gfp_t gfp_mask, unsigned int order,
		      const struct alloc_context *ac, unsigned long *did_some_progress)
{
	struct oom_control oc = {
		.zonelist = ac->zonelist,
		.nodemask = ac->nodemask,
		.gfp_mask = gfp_mask,
		.order = order,
	};
	struct page *page = NULL;

	*did_some_progress = 0;
	if (!mutex_trylock(&oom_lock)) {
		*did_some_progress = 1;
		schedule_timeout_uninterruptible(1);
		return NULL;
	}
-|	// a TIF_MEMDIE task that still fails here must not call the killer again
+|	// a victim that still fails here must not call the killer again
	if (out_of_memory(&oc) || WARN_ON_ONCE(gfp_mask & __GFP_NOFAIL))
		*did_some_progress = 1;
	mutex_unlock(&oom_lock);
	return page;
}

static struct page *
__alloc_pages_slowpath(gfp_t gfp_mask, unsigned int order, struct alloc_context *ac)
{
	unsigned int alloc_flags = gfp_to_alloc_flags(gfp_mask);
	unsigned long did_some_progress;
	struct page *page = NULL;

retry:
	page = get_page_from_freelist(gfp_mask, order, alloc_flags, ac);
	if (page)
		goto got_pg;
	if (gfp_pfmemalloc_allowed(gfp_mask))
		alloc_flags = ALLOC_NO_WATERMARKS;

	/* no watermarks left to lower: do not loop here forever */
-|	if (test_thread_flag(TIF_MEMDIE) && !(gfp_mask & __GFP_NOFAIL))
+|	if (tsk_is_oom_victim(current) && !(gfp_mask & __GFP_NOFAIL))
		goto nopage;

	page = __alloc_pages_may_oom(gfp_mask, order, ac, &did_some_progress);
	if (page)
		goto got_pg;
	if (did_some_progress)
		goto retry;
nopage:
	warn_alloc(gfp_mask, ac->nodemask, "page allocation failure: order:%u", order);
got_pg:
	return page;
}
