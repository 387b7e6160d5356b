| m68k: system call entry (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

ENTRY(system_call)
	btst	#(TIF_SYSCALL_TRACE%8),%a2@(TINFO_FLAGS+(31-TIF_SYSCALL_TRACE)/8)
	jne	do_trace
	btst	#TIF_NEED_RESCHED,%d1
	jne	resched
	rte
