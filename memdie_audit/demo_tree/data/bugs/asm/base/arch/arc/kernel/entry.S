; arc: return to user mode (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

resume_user_mode_begin:
	ld	r9, [r10, THREAD_INFO_FLAGS]
	and.f	0, r9, _TIF_WORK_MASK
	bz	restore_regs
	bbit1	r9, TIF_NEED_RESCHED, do_resched
	b	do_notify
