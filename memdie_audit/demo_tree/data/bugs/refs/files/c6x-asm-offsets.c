/* c6x: constants for assembly (fixture) */
#include <linux/kbuild.h>
#include <asm/thread_info.h>

void foo(void)
{
	DEFINE(_TIF_NOTIFY_RESUME, (1<<TIF_NOTIFY_RESUME));
	DEFINE(_TIF_SIGPENDING, (1<<TIF_SIGPENDING));
	DEFINE(_TIF_NEED_RESCHED, (1<<TIF_NEED_RESCHED));
}
