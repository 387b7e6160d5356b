/* memory pressure waits (fixture) */
#include <linux/sched.h>

void pressure_wait(struct task_struct *t)
{
#if defined(TIF_POLLWAIT)
	clear_tsk_thread_flag(t, TIF_POLLWAIT);
#endif
	schedule();
}
