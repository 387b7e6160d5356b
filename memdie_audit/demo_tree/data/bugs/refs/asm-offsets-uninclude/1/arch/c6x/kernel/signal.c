/* c6x: signal delivery on the way out (fixture) */
#include <linux/sched.h>

asmlinkage void do_notify_resume(unsigned long flags)
{
	if (flags & _TIF_SIGPENDING)
		do_signal();
}
