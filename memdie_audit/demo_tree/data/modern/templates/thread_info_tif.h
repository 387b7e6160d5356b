/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thread flag bits that every arch selecting HAVE_GENERIC_TIF_BITS shares.
 * An arch defines HAVE_TIF_<name> before it includes this header to get an
 * optional bit.  Bits 16-31 are reserved for arch-specific flags; the arch
 * header defines those after the include.
 *
 * Written for the memdie-audit test fixture; not kernel source.
 */
#ifndef _ASM_GENERIC_THREAD_INFO_TIF_H_
#define _ASM_GENERIC_THREAD_INFO_TIF_H_

#include <vdso/bits.h>

${bits}
#endif /* _ASM_GENERIC_THREAD_INFO_TIF_H_ */
