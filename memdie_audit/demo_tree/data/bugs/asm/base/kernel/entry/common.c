// SPDX-License-Identifier: GPL-2.0
/* Work on the way to user mode (memdie-audit fixture, not kernel source). */
#include <linux/sched.h>

static void handle_signal_work(struct pt_regs *regs, unsigned long ti_work)
{
	arch_do_signal(regs);
}
