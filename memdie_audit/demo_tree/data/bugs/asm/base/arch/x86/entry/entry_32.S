# x86: return to user mode (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

ENTRY(resume_userspace)
	movl	TI_flags(%ebp), %ecx
	testl	$_TIF_WORK_MASK, %ecx
	jne	work_pending
	btl	$TIF_NEED_RESCHED, %ecx
	jc	need_resched
	jmp	restore_all
