/* out-of-memory victims (fixture) */
#include <linux/sched.h>

int victim_is_dying(void)
{
	return test_thread_flag(TIF_GONE);
}
