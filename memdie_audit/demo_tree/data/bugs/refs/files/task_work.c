/* task work, run on the way back to user space (fixture) */
#include <linux/sched.h>

void task_work_kick(struct task_struct *t)
{
	set_tsk_thread_flag(t, TIF_TASK_WORK);
}
