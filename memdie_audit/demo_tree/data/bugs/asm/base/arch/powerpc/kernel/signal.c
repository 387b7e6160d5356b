// SPDX-License-Identifier: GPL-2.0
/* powerpc: signal delivery on the way out (memdie-audit fixture, not kernel source) */
#include <linux/sched.h>

void do_notify_resume(struct pt_regs *regs, unsigned long thread_info_flags)
{
	if (thread_info_flags & _TIF_SIGPENDING)
		do_signal(current);
	if (thread_info_flags & _TIF_NOTIFY_RESUME)
		tracehook_notify_resume(regs);
}
