! sparc64: return from trap (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

rtrap:
	ldx	[%g6 + TI_FLAGS], %l0
	andcc	%l0, _TIF_DO_NOTIFY_RESUME_MASK, %g0
	bne,pn	%xcc, __handle_signal
	 andcc	%l0, _TIF_NEED_RESCHED, %g0
	ba,pt	%xcc, rt_continue
	 nop
