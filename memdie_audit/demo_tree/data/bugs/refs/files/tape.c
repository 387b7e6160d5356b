/* syscall tape recording (fixture) */
#include <linux/thread_info.h>

bool syscall_tape_enabled(void)
{
	return test_syscall_work(SYSCALL_TAPE);
}
