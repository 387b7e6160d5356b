# riscv: return to user mode (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

resume_userspace:
	REG_L	s0, TASK_TI_FLAGS(tp)
	li	t0, _TIF_WORK_MASK
	and	s1, s0, t0
	bnez	s1, work_pending
	j	restore_all
