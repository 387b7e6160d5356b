@ arm: system call return (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

ret_fast_syscall:
	ldr	r1, [tsk, #TI_FLAGS]
	tst	r1, #_TIF_SYSCALL_WORK
	bne	fast_work_pending
	movs	r1, r1, lsl #16
	bne	fast_work_pending
	restore_user_regs
