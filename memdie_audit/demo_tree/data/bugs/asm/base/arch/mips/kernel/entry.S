# mips: return to user mode (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

resume_userspace:
	LONG_L	a2, TI_FLAGS($28)
	andi	t0, a2, _TIF_WORK_MASK	# is there any work to be done?
	bnez	t0, work_pending
	li	t0, TIF_ALLWORK_MASK
	j	restore_all
