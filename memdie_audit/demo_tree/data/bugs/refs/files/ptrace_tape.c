/* syscall tape, the ptrace side (fixture) */
#include <linux/thread_info.h>

void ptrace_tape_on(void)
{
#if defined(CONFIG_GENERIC_ENTRY) || defined(TIF_SYSCALL_TAPE)
	set_syscall_work(SYSCALL_TAPE);
#endif
}
