// SPDX-License-Identifier: GPL-2.0
/*
 * ${path}: generated filler for the memdie-audit fixture.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

static unsigned int ${ident}_debug;
