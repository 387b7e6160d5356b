// SPDX-License-Identifier: GPL-2.0-only
/*
 * arch/riscv/kernel/idle.c: wait for an interrupt when nothing is runnable.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */

#include <linux/sched/idle.h>
#include <asm/processor.h>
#include <asm/cpuidle.h>

void arch_cpu_idle(void)
{
	cpu_do_idle();
}
+|
+|/*
+| * Spin for a while before sleeping: a waker that sees the polling bit
+| * sets NEED_RESCHED and spares us the IPI.
+| */
+|void riscv_idle_poll(unsigned long loops)
+|{
+|	set_thread_flag(TIF_POLLING_NRFLAG);
+|	while (loops-- && !need_resched())
+|		cpu_relax();
+|	clear_thread_flag(TIF_POLLING_NRFLAG);
+|}
