/* SPDX-License-Identifier: GPL-2.0 */
/*
 * include/linux/oom.h: the OOM killer's interface.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */
#ifndef __INCLUDE_LINUX_OOM_H
#define __INCLUDE_LINUX_OOM_H

#include <linux/sched/signal.h>
#include <linux/types.h>

struct oom_control {
	struct zonelist *zonelist;
	nodemask_t *nodemask;
	struct mem_cgroup *memcg;
	const gfp_t gfp_mask;
	const int order;
	unsigned long totalpages;
	struct task_struct *chosen;
	long chosen_points;
};

/*
-| * The OOM killer marks a victim twice: TIF_MEMDIE on the thread it hit,
-| * and signal->oom_mm for the whole process.  Ask about the process.
+| * The OOM killer marks its victim's process through signal->oom_mm;
+| * every thread of the process sees the mark.
 */
static inline bool tsk_is_oom_victim(struct task_struct *tsk)
{
	return tsk->signal->oom_mm;
}

extern void exit_oom_victim(void);
extern bool out_of_memory(struct oom_control *oc);

#endif /* __INCLUDE_LINUX_OOM_H */
