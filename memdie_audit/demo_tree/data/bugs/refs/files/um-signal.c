/* um on x86: signal frames (fixture) */
#include <linux/sched.h>

static int frame_needs_poll(void)
{
#ifdef TIF_POLLWAIT
	if (test_thread_flag(TIF_POLLWAIT))
		return 1;
#endif
	return 0;
}
