/* SPDX-License-Identifier: GPL-2.0 */
/*
 * include/linux/thread_info.h: accessors for the TIF_* bits of any arch,
 * and the names common code may use on arches that lack a bit.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#ifndef _LINUX_THREAD_INFO_H
#define _LINUX_THREAD_INFO_H

#include <linux/types.h>
#include <linux/bitops.h>
#include <asm/thread_info.h>

/*
 * Without lazy preemption a lazy reschedule is a plain one: the same bit,
 * so code can test both without asking which arch it runs on.
 */
#ifndef TIF_NEED_RESCHED_LAZY
#define TIF_NEED_RESCHED_LAZY	TIF_NEED_RESCHED
#define _TIF_NEED_RESCHED_LAZY	_TIF_NEED_RESCHED
#endif

/* An arch without its own rseq bit runs the rseq work as resume work. */
#ifndef TIF_RSEQ
# define TIF_RSEQ	TIF_NOTIFY_RESUME
# define _TIF_RSEQ	_TIF_NOTIFY_RESUME
#endif

static inline void set_ti_thread_flag(struct thread_info *ti, int flag)
{
	set_bit(flag, (unsigned long *)&ti->flags);
}

static inline void clear_ti_thread_flag(struct thread_info *ti, int flag)
{
	clear_bit(flag, (unsigned long *)&ti->flags);
}

static inline bool test_and_set_ti_thread_flag(struct thread_info *ti, int flag)
{
	return test_and_set_bit(flag, (unsigned long *)&ti->flags);
}

static inline bool test_and_clear_ti_thread_flag(struct thread_info *ti, int flag)
{
	return test_and_clear_bit(flag, (unsigned long *)&ti->flags);
}

static inline bool test_ti_thread_flag(struct thread_info *ti, int flag)
{
	return test_bit(flag, (unsigned long *)&ti->flags);
}

static inline unsigned long read_ti_thread_flags(struct thread_info *ti)
{
	return READ_ONCE(ti->flags);
}

#define set_thread_flag(flag)	set_ti_thread_flag(current_thread_info(), flag)
#define clear_thread_flag(flag)	clear_ti_thread_flag(current_thread_info(), flag)
#define test_and_set_thread_flag(flag) \
	test_and_set_ti_thread_flag(current_thread_info(), flag)
#define test_and_clear_thread_flag(flag) \
	test_and_clear_ti_thread_flag(current_thread_info(), flag)
#define test_thread_flag(flag)	test_ti_thread_flag(current_thread_info(), flag)
#define read_thread_flags()	read_ti_thread_flags(current_thread_info())

#define set_tsk_thread_flag(tsk, flag)	set_ti_thread_flag(task_thread_info(tsk), flag)
#define clear_tsk_thread_flag(tsk, flag) clear_ti_thread_flag(task_thread_info(tsk), flag)
#define test_and_set_tsk_thread_flag(tsk, flag) \
	test_and_set_ti_thread_flag(task_thread_info(tsk), flag)
#define test_and_clear_tsk_thread_flag(tsk, flag) \
	test_and_clear_ti_thread_flag(task_thread_info(tsk), flag)
#define test_tsk_thread_flag(tsk, flag)	test_ti_thread_flag(task_thread_info(tsk), flag)

static inline bool tif_need_resched(void)
{
	return test_thread_flag(TIF_NEED_RESCHED) || test_thread_flag(TIF_NEED_RESCHED_LAZY);
}

#endif /* _LINUX_THREAD_INFO_H */
