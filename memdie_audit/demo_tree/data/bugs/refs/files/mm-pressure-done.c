/* memory pressure waits (fixture) */
#include <linux/sched.h>

void pressure_wait(struct task_struct *t)
{
	schedule();
}
