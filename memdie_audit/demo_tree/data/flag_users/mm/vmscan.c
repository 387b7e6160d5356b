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
