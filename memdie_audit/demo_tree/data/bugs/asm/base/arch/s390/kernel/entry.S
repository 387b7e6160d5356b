# s390: system call exit (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

.Lsysc_tif:
	TSTMSK	__TI_flags(%r12), _TIF_WORK
	jnz	.Lsysc_work
	tm	__TI_flags+7(%r12), _TIF_NEED_RESCHED
	jo	.Lsysc_reschedule
	j	.Lsysc_return
