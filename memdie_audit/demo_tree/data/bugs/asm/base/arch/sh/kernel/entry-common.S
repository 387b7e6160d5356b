! sh: return to user mode (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

resume_userspace:
	mov.l	@(TI_FLAGS,r8), r0		! current_thread_info->flags
	tst	#(_TIF_WORK_MASK & 0xff), r0
	bt/s	__restore_all
	 tst	#_TIF_NEED_RESCHED, r0
	bra	work_pending
	 nop
