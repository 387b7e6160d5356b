/* SPDX-License-Identifier: GPL-2.0 */
/*
 * include/linux/thread_info.h: accessors for the TIF_* bits of any arch.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#ifndef _LINUX_THREAD_INFO_H
#define _LINUX_THREAD_INFO_H

#include <linux/bitops.h>
#include <asm/thread_info.h>

static inline void set_ti_thread_flag(struct thread_info *ti, int flag)
{
	set_bit(flag, (unsigned long *)&ti->flags);
}

static inline void clear_ti_thread_flag(struct thread_info *ti, int flag)
{
	clear_bit(flag, (unsigned long *)&ti->flags);
}

static inline int test_and_set_ti_thread_flag(struct thread_info *ti, int flag)
{
	return test_and_set_bit(flag, (unsigned long *)&ti->flags);
}

static inline int test_and_clear_ti_thread_flag(struct thread_info *ti, int flag)
{
	return test_and_clear_bit(flag, (unsigned long *)&ti->flags);
}

static inline int test_ti_thread_flag(struct thread_info *ti, int flag)
{
	return test_bit(flag, (unsigned long *)&ti->flags);
}

#define set_thread_flag(flag)	set_ti_thread_flag(current_thread_info(), flag)
#define clear_thread_flag(flag)	clear_ti_thread_flag(current_thread_info(), flag)
#define test_and_set_thread_flag(flag) \
	test_and_set_ti_thread_flag(current_thread_info(), flag)
#define test_and_clear_thread_flag(flag) \
	test_and_clear_ti_thread_flag(current_thread_info(), flag)
#define test_thread_flag(flag)	test_ti_thread_flag(current_thread_info(), flag)

#define set_tsk_thread_flag(tsk, flag)	set_ti_thread_flag(task_thread_info(tsk), flag)
#define clear_tsk_thread_flag(tsk, flag) clear_ti_thread_flag(task_thread_info(tsk), flag)
#define test_and_set_tsk_thread_flag(tsk, flag) \
	test_and_set_ti_thread_flag(task_thread_info(tsk), flag)
#define test_and_clear_tsk_thread_flag(tsk, flag) \
	test_and_clear_ti_thread_flag(task_thread_info(tsk), flag)
#define test_tsk_thread_flag(tsk, flag)	test_ti_thread_flag(task_thread_info(tsk), flag)

#endif /* _LINUX_THREAD_INFO_H */
