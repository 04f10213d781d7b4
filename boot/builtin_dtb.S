/*
 * builtin_dtb.S - the device tree of the board this image was built for
 * (make BOARD=...), for loaders that pass none: QEMU -machine raspi3b
 * without -dtb, or a bare Raspberry Pi boot without the firmware's tree.
 * Linked only into board builds, where these override the weak empty
 * definitions in boot/main.c; without it a missing tree is an error, as
 * before.
 */
	.section .rodata.builtin_dtb, "a"
	.balign	8
	.globl	builtin_dtb
	.type	builtin_dtb, %object
builtin_dtb:
	.incbin	GORT_BUILTIN_DTB
	.size	builtin_dtb, . - builtin_dtb
	.globl	builtin_dtb_name
	.type	builtin_dtb_name, %object
builtin_dtb_name:
	.asciz	GORT_BOARD
	.size	builtin_dtb_name, . - builtin_dtb_name
