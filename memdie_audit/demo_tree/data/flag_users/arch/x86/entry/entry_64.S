/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/x86/entry/entry_64.S: the 64-bit syscall fast path.
 * Written for the memdie-audit test fixture; not kernel source.
 */
#include <linux/linkage.h>
#include <asm/asm-offsets.h>
#include <asm/thread_info.h>

	.code64
	.section .entry.text, "ax"

ENTRY(entry_SYSCALL_64_after_swapgs)
	movq	PER_CPU_VAR(current_task), %r11
	testl	$_TIF_WORK_SYSCALL_ENTRY, TASK_TI_flags(%r11)	# entry work?
	jnz	entry_SYSCALL64_slow_path
	cmpq	$__NR_syscall_max, %rax		# in range?
	ja	1f
	movq	%r10, %rcx
	call	*sys_call_table(, %rax, 8)
	movq	%rax, RAX(%rsp)
1:
-|	movq	PER_CPU_VAR(current_task), %r11	# TIF_MEMDIE needs no check here
	testl	$(_TIF_SIGPENDING|_TIF_NEED_RESCHED), TASK_TI_flags(%r11)
	jnz	entry_SYSCALL64_slow_path
	RESTORE_C_REGS_EXCEPT_RCX_R11
	movq	RSP(%rsp), %rsp
	USERGS_SYSRET64

entry_SYSCALL64_slow_path:
	SAVE_EXTRA_REGS
	movq	%rsp, %rdi			# pt_regs
	call	do_syscall_64
	jmp	return_from_SYSCALL_64
END(entry_SYSCALL_64_after_swapgs)
