// arm64: return to user mode (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

ret_to_user:
	ldr	x1, [tsk, #TSK_TI_FLAGS]
	and	x2, x1, #_TIF_WORK_MASK
	cbnz	x2, work_pending
	tbnz	x1, #TIF_NEED_RESCHED, resched
	kernel_exit 0
