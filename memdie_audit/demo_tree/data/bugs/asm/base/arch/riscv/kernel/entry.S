# riscv: return to user mode (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

resume_userspace:
	REG_L	s0, TASK_TI_FLAGS(tp)
	andi	s1, s0, _TIF_WORK_MASK
	bnez	s1, work_pending
	j	restore_all
