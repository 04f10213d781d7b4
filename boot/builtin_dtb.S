/*
 * builtin_dtb.S - the device tree of the board this image was built for
 * (make BOARD=...), for loaders that pass none: QEMU -machine raspi3b
 * without -dtb, or a bare Raspberry Pi boot without the firmware's tree.
 * Linked only into board builds; without it the weak references in
 * boot/main.c are 0 and a missing tree is an error, as before.
 */
	.section .rodata.builtin_dtb, "a"
	.balign	8
	.globl	builtin_dtb
builtin_dtb:
	.incbin	GORT_BUILTIN_DTB
	.globl	builtin_dtb_name
builtin_dtb_name:
	.asciz	GORT_BOARD
