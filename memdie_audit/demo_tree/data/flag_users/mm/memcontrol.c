// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mm/memcontrol.c: charging pages to memory cgroups.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <linux/memcontrol.h>
#include <linux/oom.h>
#include <linux/page_counter.h>
#include <linux/sched.h>

#define MEM_CGROUP_RECLAIM_RETRIES 5

static bool mem_cgroup_out_of_memory(struct mem_cgroup *memcg, gfp_t gfp_mask, int order)
{
	struct oom_control oc = {
		.memcg = memcg,
		.gfp_mask = gfp_mask,
		.order = order,
	};
	bool ret;

	/* a task with SIGKILL pending is about to free its memory anyway */
	if (fatal_signal_pending(current)) {
-|		set_tsk_thread_flag(current, TIF_MEMDIE);
+|		mark_oom_victim(current);
		return true;
	}
	mutex_lock(&oom_lock);
	ret = out_of_memory(&oc);
	mutex_unlock(&oom_lock);
	return ret;
}

static int try_charge(struct mem_cgroup *memcg, gfp_t gfp_mask, unsigned int nr_pages)
{
	int nr_retries = MEM_CGROUP_RECLAIM_RETRIES;
	struct page_counter *counter;

retry:
	if (page_counter_try_charge(&memcg->memory, nr_pages, &counter))
		return 0;
	/*
	 * Dying tasks and OOM victims go past the limit: they free
	 * memory soon and blocking them here only delays that.
	 */
-|	if (unlikely(test_thread_flag(TIF_MEMDIE) ||
+|	if (unlikely(tsk_is_oom_victim(current) ||
		     fatal_signal_pending(current) ||
		     current->flags & PF_EXITING))
		goto force;
	if (!gfpflags_allow_blocking(gfp_mask))
		return -ENOMEM;
	if (try_to_free_mem_cgroup_pages(memcg, nr_pages, gfp_mask, true))
		goto retry;
	if (nr_retries--)
		goto retry;
	if (mem_cgroup_out_of_memory(memcg, gfp_mask, 0))
		goto retry;
	return -ENOMEM;
force:
	page_counter_charge(&memcg->memory, nr_pages);
	return 0;
}
