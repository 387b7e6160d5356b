/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ${arch}: the low-level per-thread state that lives next to the kernel
 * stack, and the TIF_* bits of its flags word.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#ifndef ${guard}
#define ${guard}

?kernel_guard|#ifdef __KERNEL__
?kernel_guard|
*includes|#include ${includes}

?config_4kstacks|#ifdef CONFIG_4KSTACKS
?config_4kstacks|#define THREAD_SIZE_ORDER	0
?config_4kstacks|#else
#define THREAD_SIZE_ORDER	1
?config_4kstacks|#endif
#define THREAD_SIZE		(PAGE_SIZE << THREAD_SIZE_ORDER)

#ifndef __ASSEMBLY__

struct task_struct;

struct thread_info {
	struct task_struct	*task;		/* the task this stack belongs to */
	${field}
	int			preempt_count;	/* 0: preemptible, below 0: a bug */
	__u32			cpu;		/* CPU the thread last ran on */
};

#define INIT_THREAD_INFO(tsk)			\
{						\
	.task		= &tsk,			\
	.flags		= 0,			\
	.preempt_count	= INIT_PREEMPT_COUNT,	\
}

unsigned long read_stack_pointer(void);

static inline struct thread_info *current_thread_info(void)
{
	return (struct thread_info *)(read_stack_pointer() & ~(THREAD_SIZE - 1));
}

#else /* __ASSEMBLY__ */

#define TI_FLAGS	${ti_flags}	/* offsetof(struct thread_info, flags) */

#endif /* !__ASSEMBLY__ */

/*
 * Bit numbers in thread_info.flags.  The return-to-user path tests the
 * work bits with one instruction, so they stay in the low half.
 */
${flags}
${masks}
${composites}

?kernel_guard|#endif /* __KERNEL__ */
?kernel_guard|
#endif /* ${guard} */
