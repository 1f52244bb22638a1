/* patch_refuse.c - functions the patcher must refuse, next to one it must patch. Patched with
 * --functions 'hp_*' (tests/test_patch.py): expected
 *   hp_ok          patched, 5 calls
 *   hp_tiny        refused: too short (3 bytes)
 *   hp_jumpback    refused: jump back into the patched bytes (a loop to +2)
 *   hp_jrcxz       refused: instruction cannot be relocated (jrcxz in the first 5 bytes)
 *   hp_badinsn     refused: unknown instruction (0x06 is invalid in 64-bit mode; never called)
 * and the program prints the same with and without hotpath. */
#include <stdio.h>

int hp_tiny(void);
int hp_jumpback(void);
int hp_jrcxz(long n);
int hp_badinsn(void);

__asm__(".text\n"
	".globl hp_tiny\n.type hp_tiny, @function\nhp_tiny:\n"
	"	xor %eax, %eax\n"
	"	ret\n"
	".size hp_tiny, .-hp_tiny\n"
	".globl hp_jumpback\n.type hp_jumpback, @function\nhp_jumpback:\n"
	"	xor %eax, %eax\n"
	"1:	add $1, %eax\n"
	"	cmp $10, %eax\n"
	"	jl 1b\n"
	"	ret\n"
	".size hp_jumpback, .-hp_jumpback\n"
	".globl hp_jrcxz\n.type hp_jrcxz, @function\nhp_jrcxz:\n"
	"	mov %rdi, %rcx\n"
	"	jrcxz 1f\n"
	"	mov $7, %eax\n"
	"	ret\n"
	"1:	mov $3, %eax\n"
	"	ret\n"
	".size hp_jrcxz, .-hp_jrcxz\n"
	".globl hp_badinsn\n.type hp_badinsn, @function\nhp_badinsn:\n"
	"	.byte 0x06\n"
	"	ret\n"
	"	nop\n	nop\n	nop\n	nop\n"
	".size hp_badinsn, .-hp_badinsn\n");

__attribute__((noinline)) int hp_ok(int i)
{
	return i * 3 + hp_tiny();
}

int main(void)
{
	int s = 0;
	for (int i = 0; i < 5; i++)
		s += hp_ok(i);
	printf("s=%d jumpback=%d jrcxz=%d,%d\n", s, hp_jumpback(), hp_jrcxz(0), hp_jrcxz(5));
	return 0;
}
