"""mm/ files that use the flag, before and after the series converts them.

The code follows the shape of the 4.9 OOM paths (which function tests the
flag, through which accessor) in our own words; it is meant to parse, not to
build.
"""

# ruff: noqa: E101  -- the C templates indent with tabs and align with spaces, as kernel code does

from __future__ import annotations

from .template import pick

OOM_KILL = r"""
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
"""

PAGE_ALLOC = r"""
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
"""

MEMCONTROL = r"""
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
"""

VMSCAN = r"""
// SPDX-License-Identifier: GPL-2.0
/*
 * mm/vmscan.c: direct reclaim throttling.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/swap.h>
#include <linux/wait.h>

static bool allow_direct_reclaim(pg_data_t *pgdat)
{
	unsigned long pfmemalloc_reserve = 0;
	unsigned long free_pages = 0;
	int i;

	for (i = 0; i <= ZONE_NORMAL; i++) {
		struct zone *zone = &pgdat->node_zones[i];

		if (!managed_zone(zone))
			continue;
		pfmemalloc_reserve += min_wmark_pages(zone);
		free_pages += zone_page_state(zone, NR_FREE_PAGES);
	}
	if (!pfmemalloc_reserve)
		return true;
	return free_pages > pfmemalloc_reserve / 2;
}

static bool throttle_direct_reclaim(gfp_t gfp_mask, pg_data_t *pgdat)
{
	/* kernel threads and dying tasks must never be throttled */
	if (current->flags & PF_KTHREAD)
		return false;
	if (fatal_signal_pending(current))
		return false;
+|	if (test_thread_flag(TIF_MEMDIE))
+|		return false;
	if (allow_direct_reclaim(pgdat))
		return false;
	wait_event_interruptible_timeout(pgdat->pfmemalloc_wait,
					 allow_direct_reclaim(pgdat), HZ);
	return fatal_signal_pending(current);
}

unsigned long try_to_free_pages(struct zonelist *zonelist, int order, gfp_t gfp_mask)
{
	pg_data_t *pgdat = first_zones_zonelist(zonelist)->zone->zone_pgdat;

	if (throttle_direct_reclaim(gfp_mask, pgdat))
		return 1;
	return do_try_to_free_pages(zonelist, order, gfp_mask);
}
"""


def mm_files(converted: bool, reintroduced: bool) -> dict[str, str]:
    """mm/ users of the flag; ``reintroduced`` adds a fresh one to vmscan.c."""
    return {
        "mm/oom_kill.c": pick(OOM_KILL, converted),
        "mm/page_alloc.c": pick(PAGE_ALLOC, converted),
        "mm/memcontrol.c": pick(MEMCONTROL, converted),
        "mm/vmscan.c": pick(VMSCAN, reintroduced),
    }
