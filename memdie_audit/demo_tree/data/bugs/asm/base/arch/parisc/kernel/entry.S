; parisc: interrupt return (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

intr_check_resched:
	LDREG	TI_FLAGS(%r1), %r19
	bb,<,n	%r19, 31-TIF_NEED_RESCHED, intr_do_resched
	ldi	(_TIF_SIGPENDING | _TIF_NOTIFY_RESUME), %r20
	and,COND(<>)	%r19, %r20, %r0
	b,n	intr_restore
	bb,<,n	%r19, TIF_SINGLESTEP_PA_BIT, intr_step
