/* SPDX-License-Identifier: GPL-2.0 */
/*
 * include/linux/sched/idle.h: how an idle CPU tells wakers that it polls.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */
#ifndef _LINUX_SCHED_IDLE_H
#define _LINUX_SCHED_IDLE_H

#include <linux/sched.h>
#include <linux/thread_info.h>

/*
 * An arch whose idle loop keeps watching NEED_RESCHED has a polling bit:
 * a waker that sees it set only sets NEED_RESCHED and sends no IPI.  Not
 * every arch has the bit, so everything below is built only where it
 * exists.
 */
#ifdef TIF_POLLING_NRFLAG

static inline void __current_set_polling(void)
{
	set_thread_flag(TIF_POLLING_NRFLAG);
}

static inline void __current_clr_polling(void)
{
	clear_thread_flag(TIF_POLLING_NRFLAG);
}

static inline bool is_polling(struct task_struct *p)
{
	return test_tsk_thread_flag(p, TIF_POLLING_NRFLAG);
}

#else

static inline void __current_set_polling(void) { }
static inline void __current_clr_polling(void) { }

static inline bool is_polling(struct task_struct *p)
{
	return false;
}

#endif /* TIF_POLLING_NRFLAG */

static inline bool current_set_polling_and_test(void)
{
	__current_set_polling();
	smp_mb__after_atomic();
	return unlikely(tif_need_resched());
}

static inline bool current_clr_polling_and_test(void)
{
	__current_clr_polling();
	smp_mb__after_atomic();
	return unlikely(tif_need_resched());
}

#endif /* _LINUX_SCHED_IDLE_H */
