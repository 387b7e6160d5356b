! sh: return to user space (fixture)
#include <asm/asm-offsets.h>
#include <asm/thread_info.h>

ret_to_user:
	mov.l	@(TI_FLAGS,r8), r0
	tst	#(_TIF_SIGPENDING | _TIF_NOTIFY_RESUME), r0
	bf	work_notifysig
	tst	#_TIF_NEED_RESCHED, r0
	bf	work_resched
	tst	#_TIF_TASK_WORK, r0
	bf	work_task
	rts
