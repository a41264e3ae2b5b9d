/*
 * The register switch of htbed's fibers (x86-64, System V ABI); the rest
 * is in fiber.c.
 *
 * void fiber_swap(void **save_sp, void *load_sp)
 *
 * Pushes what the ABI says a callee must preserve -- rbp, rbx, r12-r15,
 * and the control bits of MXCSR and the x87 control word -- stores the
 * resulting stack pointer in *save_sp, then pops the same frame from
 * load_sp and returns into whatever pushed it.  The frame, from load_sp
 * up (struct fiber_frame in fiber.c):
 *
 *	0	MXCSR (4 bytes), x87 control word (2 bytes), 2 bytes unused
 *	8	r15, r14, r13, r12, rbx, rbp
 *	56	return address
 *
 * A suspended fiber's frame was pushed here.  An armed fiber's was written
 * by fiber_start() at the 16-byte aligned top of its stack, below one zero
 * word: the return goes to fiber_main() with rsp + 8 aligned to 16, as
 * after a call, and the zero word, its return address, ends backtraces.
 * No system call, no signal mask.
 * Both stacks have the same frame at the same offsets, so the CFI below
 * holds on either side of the switch.
 */
	.text
	.globl	fiber_swap
	.hidden	fiber_swap
	.type	fiber_swap, @function
	.p2align 4
fiber_swap:
	.cfi_startproc
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r12, 0
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r13, 0
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r14, 0
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r15, 0
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)

	movq	%rsp, (%rdi)
	movq	%rsi, %rsp

	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	popq	%r15
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r15
	popq	%r14
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r14
	popq	%r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r13
	popq	%r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r12
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	ret
	.cfi_endproc
	.size	fiber_swap, .-fiber_swap

	.section .note.GNU-stack,"",@progbits
