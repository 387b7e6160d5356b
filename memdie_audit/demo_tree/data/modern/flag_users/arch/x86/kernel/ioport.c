// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/kernel/ioport.c: per-task I/O port permissions.
 *
 * Written for the memdie-audit test fixture (v6.19 shape); not kernel source.
 */

#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/io_bitmap.h>

static void task_update_io_bitmap(struct task_struct *tsk)
{
	struct thread_struct *t = &tsk->thread;

	if (t->iopl_emul == 3 || t->io_bitmap) {
		/* switch_to() has to load the bitmap for this task */
		set_tsk_thread_flag(tsk, TIF_IO_BITMAP);
	} else {
		clear_tsk_thread_flag(tsk, TIF_IO_BITMAP);
		tss_invalidate_io_bitmap();
	}
}

void io_bitmap_exit(struct task_struct *tsk)
{
	struct io_bitmap *iobm = tsk->thread.io_bitmap;

	tsk->thread.io_bitmap = NULL;
	task_update_io_bitmap(tsk);
	if (iobm && refcount_dec_and_test(&iobm->refcnt))
		kfree(iobm);
}
