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
