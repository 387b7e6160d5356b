/* alpha: return to user mode (memdie-audit fixture, not kernel source) */
#include <asm/thread_info.h>

ret_to_user:
	ldq	$17, TI_FLAGS($8)
	and	$17, _TIF_WORK_MASK, $2
	bne	$2, work_pending
	br	restore_all
