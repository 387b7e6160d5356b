# Ways to test a flag in x86 assembly; a line marked "expect" is wrong.
# (memdie-audit fixture, not kernel source)
#include <asm/thread_info.h>

check_flags:
	testl	$_TIF_SIGPENDING, TI_flags(%ebp)
	testl	$TIF_SIGPENDING, TI_flags(%ebp)	/* expect: bit-mask-confusion */
	testl	$(_TIF_SIGPENDING | TIF_NEED_RESCHED), %ecx	/* expect: bit-mask-confusion */
	btl	$TIF_NEED_RESCHED, TI_flags(%ebp)
	btl	$_TIF_NEED_RESCHED, TI_flags(%ebp)	/* expect: bit-mask-confusion */
	testb	$_TIF_SIGPENDING, %cl
	ret
