/* patch_short.c - functions shorter than the 5-byte jump, for test_patch.py (--functions
 * 'hp_*'): hp_pad_int3 (4 bytes, int3 padding to the next 16 bytes) and hp_pad_nop (4 bytes,
 * the assembler's NOP padding) can take the jump over their padding and are patched, 1000
 * calls each; hp_no_pad (4 bytes, hp_after's code right behind it) is refused as too short.
 * Prints the sum of their results, the same with and without hotpath. */
#include <stdio.h>

int hp_pad_int3(int);
int hp_pad_nop(int);
int hp_no_pad(int);
int hp_after(int);

__asm__(".text\n"
	".p2align 4\n"
	".globl hp_pad_int3\n.type hp_pad_int3, @function\nhp_pad_int3:\n"
	"	lea 1(%rdi), %eax\n"
	"	ret\n"
	".size hp_pad_int3, .-hp_pad_int3\n"
	".p2align 4, 0xcc\n"
	".globl hp_pad_nop\n.type hp_pad_nop, @function\nhp_pad_nop:\n"
	"	lea 2(%rdi), %eax\n"
	"	ret\n"
	".size hp_pad_nop, .-hp_pad_nop\n"
	".p2align 4\n"
	".globl hp_no_pad\n.type hp_no_pad, @function\nhp_no_pad:\n"
	"	lea 3(%rdi), %eax\n"
	"	ret\n"
	".size hp_no_pad, .-hp_no_pad\n"
	".globl hp_after\n.type hp_after, @function\nhp_after:\n"
	"	lea 4(%rdi), %eax\n"
	"	add $1, %eax\n"
	"	ret\n"
	".size hp_after, .-hp_after\n"
	".p2align 4\n");

int main(void)
{
	long sum = 0;
	for (int i = 0; i < 1000; i++)
		sum += hp_pad_int3(i) + hp_pad_nop(i) + hp_no_pad(i) + hp_after(i);
	printf("sum %ld\n", sum);
	return 0;
}
