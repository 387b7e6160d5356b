// SPDX-License-Identifier: GPL-2.0-only
/*
 * kernel/sched/idle.c: what a CPU does when nothing else wants to run.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */

#include <linux/sched/idle.h>
#include <linux/cpuidle.h>
#include <linux/tick.h>

static int cpu_idle_force_poll;

static int cpu_idle_poll(void)
{
	local_irq_enable();
	while (!tif_need_resched() &&
	       (cpu_idle_force_poll || tick_check_broadcast_expired()))
		cpu_relax();
	return 1;
}

#ifdef TIF_POLLING_NRFLAG
/* Nobody may clear the polling bit behind the idle loop's back. */
static void idle_check_polling(void)
{
	WARN_ON_ONCE(!test_thread_flag(TIF_POLLING_NRFLAG));
}
#else
static inline void idle_check_polling(void) { }
#endif

static void do_idle(void)
{
	int cpu = smp_processor_id();

	__current_set_polling();
	tick_nohz_idle_enter();
	while (!need_resched()) {
		local_irq_disable();
		idle_check_polling();
		if (cpu_is_offline(cpu))
			arch_cpu_idle_dead();
		if (cpu_idle_force_poll || tick_check_broadcast_expired())
			cpu_idle_poll();
		else
			cpuidle_idle_call();
	}
	__current_clr_polling();
	tick_nohz_idle_exit();
	schedule_idle();
}
