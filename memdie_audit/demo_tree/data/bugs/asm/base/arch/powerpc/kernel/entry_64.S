# powerpc: system call exit (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

syscall_exit:
	ld	r9, TI_FLAGS(r12)
	andi.	r0, r9, _TIF_USER_WORK_MASK
	bne-	syscall_exit_work
	b	fast_exit
