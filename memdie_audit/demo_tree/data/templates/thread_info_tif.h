/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_GENERIC_THREAD_INFO_TIF_H_
#define _ASM_GENERIC_THREAD_INFO_TIF_H_

#include <vdso/bits.h>

/*
 * Flag bits shared by every arch that selects HAVE_GENERIC_TIF_BITS.
 * Bits 0-15 are defined here; 16-31 belong to the arch header that
 * includes this one.  Optional bits appear only where the arch asks
 * for them with HAVE_TIF_<name>.
 */

${bits}
#endif /* _ASM_GENERIC_THREAD_INFO_TIF_H_ */
