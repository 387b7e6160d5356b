/* SPDX-License-Identifier: GPL-2.0 */
/*
 * s390: the TIF_* bits of thread_info.flags.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#ifndef __ASM_S390_THREAD_INFO_H
#define __ASM_S390_THREAD_INFO_H

#ifndef __ASSEMBLY__
struct thread_info {
	unsigned long		flags;		/* low level flags */
	int			preempt_count;
};
#endif

#define TIF_SYSCALL_TRACE		0	/* syscall trace active */
#define TIF_NOTIFY_RESUME		1	/* callback before returning to user */
#define TIF_SIGPENDING		2	/* signal pending */
#define TIF_NEED_RESCHED		3	/* rescheduling necessary */
#define TIF_SYSCALL_AUDIT		4	/* syscall auditing active */
#define TIF_MEMDIE		5	/* is terminating due to OOM killer */
#define TIF_NOTIFY_SIGNAL		6	/* signal notifications exist */

#define _TIF_SYSCALL_TRACE		(1 << TIF_SYSCALL_TRACE)
#define _TIF_NOTIFY_RESUME		(1 << TIF_NOTIFY_RESUME)
#define _TIF_SIGPENDING		(1 << TIF_SIGPENDING)
#define _TIF_NEED_RESCHED		(1 << TIF_NEED_RESCHED)
#define _TIF_SYSCALL_AUDIT		(1 << TIF_SYSCALL_AUDIT)
#define _TIF_MEMDIE		(1 << TIF_MEMDIE)
#define _TIF_NOTIFY_SIGNAL		(1 << TIF_NOTIFY_SIGNAL)

#define _TIF_WORK		(_TIF_SIGPENDING | _TIF_NEED_RESCHED | _TIF_NOTIFY_RESUME | _TIF_NOTIFY_SIGNAL)

#endif /* __ASM_S390_THREAD_INFO_H */
