# xtensa: return to user mode (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

common_exception_return:
	l32i	a4, a2, TI_FLAGS
	movi	a3, _TIF_WORK_MASK
	bnone	a4, a3, .Lexit_tif_loop_user
	_bbsi.l	a4, TIF_NEED_RESCHED, .Lresched
	j	.Lexit
