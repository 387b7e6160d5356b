/* mips: return to user space (fixture) */
#include <asm/asm.h>
#include <asm/asm-offsets.h>
#include <asm/thread_info.h>

FEXPORT(resume_userspace)
	LONG_L	a2, TI_FLAGS($28)	# current->work
	andi	t0, a2, (_TIF_SIGPENDING | _TIF_NOTIFY_RESUME | _TIF_NEED_RESCHED)
	bnez	t0, work_pending
	j	restore_all
