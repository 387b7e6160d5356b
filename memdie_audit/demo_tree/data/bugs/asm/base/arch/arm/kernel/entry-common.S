@ arm: system call return (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

ret_fast_syscall:
	ldr	r1, [tsk, #TI_FLAGS]
	tst	r1, #_TIF_SYSCALL_WORK
	bne	fast_work_pending
	tst	r1, #_TIF_WORK_MASK
	bne	fast_work_pending
	restore_user_regs
