/* um on x86: signal frames (fixture) */
#include <linux/sched.h>

static int frame_needs_poll(void)
{
	return 0;
}
