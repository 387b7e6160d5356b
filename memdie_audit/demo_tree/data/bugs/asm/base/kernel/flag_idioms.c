// SPDX-License-Identifier: GPL-2.0
/*
 * Ways to use a flag, right and wrong; a line marked "expect" is wrong.
 * (memdie-audit fixture, not kernel source)
 */
#include <linux/sched.h>

static bool wants_signal(struct task_struct *t, unsigned long flags)
{
	if (flags & TIF_SIGPENDING)	/* expect: bit-mask-confusion */
		return true;
	if (flags & (1UL << TIF_SIGPENDING))
		return true;
	if (flags & _TIF_SIGPENDING)
		return true;
	if (test_bit(TIF_SIGPENDING, &flags))
		return true;
	if (test_tsk_thread_flag(t, TIF_SIGPENDING))
		return true;
	if (test_tsk_thread_flag(t, _TIF_SIGPENDING))	/* expect: bit-mask-confusion */
		return true;
	if (flags & BIT(_TIF_NEED_RESCHED))	/* expect: bit-mask-confusion */
		return true;
	if (flags & (1UL << _TIF_NEED_RESCHED))	/* expect: bit-mask-confusion */
		return true;
	if (flags & BIT(TIF_NEED_RESCHED))
		return true;
	if (test_and_clear_bit(_TIF_NEED_RESCHED, &flags))	/* expect: bit-mask-confusion */
		return true;
	switch (flags) {
	case TIF_NEED_RESCHED:
		return false;
	}
	return flags == TIF_SIGPENDING;
}

static unsigned long work_of(unsigned long flags)
{
	flags &= ~TIF_NEED_RESCHED;	/* expect: bit-mask-confusion */
	flags &= ~_TIF_NEED_RESCHED;
	return flags & (TIF_SIGPENDING | _TIF_NOTIFY_RESUME);	/* expect: bit-mask-confusion */
}
