/* mips: low-level thread information (fixture) */
#ifndef _ASM_MIPS_THREAD_INFO_H
#define _ASM_MIPS_THREAD_INFO_H

struct thread_info {
	unsigned long		flags;	/* low level flags */
};

#define TIF_SYSCALL_TRACE		0
#define TIF_NOTIFY_RESUME		1
#define TIF_SIGPENDING		2
#define TIF_NEED_RESCHED		3
#define TIF_SINGLESTEP		4

#define _TIF_SYSCALL_TRACE		(1 << TIF_SYSCALL_TRACE)
#define _TIF_NOTIFY_RESUME		(1 << TIF_NOTIFY_RESUME)
#define _TIF_SIGPENDING		(1 << TIF_SIGPENDING)
#define _TIF_NEED_RESCHED		(1 << TIF_NEED_RESCHED)
#define _TIF_SINGLESTEP		(1 << TIF_SINGLESTEP)

#define _TIF_WORK_MASK		(_TIF_SIGPENDING | _TIF_NEED_RESCHED | _TIF_NOTIFY_RESUME)

#endif /* _ASM_MIPS_THREAD_INFO_H */
