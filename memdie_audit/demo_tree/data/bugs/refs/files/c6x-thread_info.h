/* c6x: low-level thread information (fixture) */
#ifndef _ASM_C6X_THREAD_INFO_H
#define _ASM_C6X_THREAD_INFO_H

struct thread_info {
	unsigned long		flags;
};

#define TIF_SYSCALL_TRACE	0
#define TIF_NOTIFY_RESUME	1
#define TIF_SIGPENDING		2
#define TIF_NEED_RESCHED	3

#define TIF_WORK_MASK		0x00007FFE
#define TIF_ALLWORK_MASK	0x00007FFF

#endif
