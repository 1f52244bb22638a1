/* x86_64.c - entry analysis and relocation on x86-64 with capstone: keep a leading endbr64,
 * take the whole instructions that the 5-byte `jmp rel32` covers, rewrite the ones that depend
 * on where they run (RIP-relative operands, relative jmp / jcc / call), and refuse what cannot
 * move (a branch of the function into the patched bytes, loop/jrcxz/xbegin, undecodable bytes).
 *
 * Pure: no libc beyond capstone, no allocation of our own. Built into libhotpath.so and, for
 * `hotpath list-functions`, into the launcher's reader library (the Makefile's ARCH_READER_OBJ). */
#include <capstone/capstone.h>

#include "hp/patch.h"
#include "arch.h"

int hp_arch_open(uint64_t *handle)
{
	csh h;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -1;
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	*handle = (uint64_t)h;
	return 0;
}

void hp_arch_close(uint64_t *handle)
{
	csh h = (csh)*handle;
	if (h)
		cs_close(&h);
	*handle = 0;
}

/* Append to a detail string without libc. */
static size_t put_str(char *d, size_t n, size_t at, const char *s)
{
	while (*s && at + 1 < n)
		d[at++] = *s++;
	if (n)
		d[at < n ? at : n - 1] = 0;
	return at;
}

static void say(char *d, size_t n, uint64_t off, const cs_insn *insn, const char *why)
{
	char num[24];
	int k = 0;
	char tmp[20];
	do
		tmp[k++] = "0123456789abcdef"[off & 15];
	while ((off >>= 4) && k < 16);
	num[0] = '+', num[1] = '0', num[2] = 'x';
	int j = 3;
	while (k)
		num[j++] = tmp[--k];
	num[j] = 0;
	size_t at = put_str(d, n, 0, num);
	if (insn) {
		at = put_str(d, n, at, " ");
		at = put_str(d, n, at, insn->mnemonic);
		if (insn->op_str[0]) {
			at = put_str(d, n, at, " ");
			at = put_str(d, n, at, insn->op_str);
		}
	}
	if (why) {
		at = put_str(d, n, at, ": ");
		put_str(d, n, at, why);
	}
}

static int fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static void put32(uint8_t *p, int32_t v)
{
	uint32_t u = (uint32_t)v;
	p[0] = (uint8_t)u, p[1] = (uint8_t)(u >> 8), p[2] = (uint8_t)(u >> 16),
	p[3] = (uint8_t)(u >> 24);
}

int hp_arch_jump(uint8_t *out, uint64_t from, uint64_t to)
{
	int64_t rel = (int64_t)(to - (from + 5));
	if (!fits32(rel))
		return -1;
	out[0] = 0xE9; /* jmp rel32 */
	put32(out + 1, (int32_t)rel);
	return 0;
}

/* The target of a relative branch (jmp/jcc/call/loop/jrcxz/xbegin with an immediate), else 0. */
static uint64_t branch_target(csh h, const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
		return 0;
	if (!cs_insn_group(h, insn, CS_GRP_JUMP) && !cs_insn_group(h, insn, CS_GRP_CALL) &&
	    !cs_insn_group(h, insn, CS_GRP_BRANCH_RELATIVE) && insn->id != X86_INS_XBEGIN)
		return 0;
	return (uint64_t)x->operands[0].imm;
}

/* The target of a relative branch from its bytes alone (for the sweep, decoded without
 * detail): jmp/call rel32, jmp rel8, jcc rel8/rel32, loop*, jrcxz, xbegin; else 0. */
static uint64_t raw_branch_target(const cs_insn *insn)
{
	const uint8_t *b = insn->bytes;
	int n = insn->size, i = 0;
	while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xF2 || b[i] == 0xF3 ||
			 b[i] == 0x2E || b[i] == 0x3E || b[i] == 0x26 || b[i] == 0x36 ||
			 b[i] == 0x64 || b[i] == 0x65 || (b[i] >= 0x40 && b[i] <= 0x4F)))
		i++;
	if (i >= n)
		return 0;
	uint8_t op = b[i];
	int64_t rel;
	uint64_t next = insn->address + (uint64_t)n;
	if ((op >= 0x70 && op <= 0x7F) || op == 0xEB || (op >= 0xE0 && op <= 0xE3)) {
		if (i + 2 != n)
			return 0;
		rel = (int8_t)b[n - 1];
	} else if (op == 0xE8 || op == 0xE9 ||
		   (op == 0x0F && i + 1 < n && b[i + 1] >= 0x80 && b[i + 1] <= 0x8F) ||
		   (op == 0xC7 && i + 1 < n && b[i + 1] == 0xF8)) {
		if (n - i < 5)
			return 0;
		rel = (int32_t)((uint32_t)b[n - 4] | (uint32_t)b[n - 3] << 8 |
				(uint32_t)b[n - 2] << 16 | (uint32_t)b[n - 1] << 24);
	} else {
		return 0;
	}
	return next + (uint64_t)rel;
}

/* Record that plan->code[field..field+4) holds `kind` of the address addr + delta (a rel32
 * counting from code[end]). */
static void add_fix(struct hp_arch_plan *plan, int kind, uint32_t field, uint32_t end,
		    int64_t delta)
{
	if (plan->nfix < HP_ARCH_FIX_MAX)
		plan->fix[plan->nfix] = (struct hp_arch_fix){.kind = (uint8_t)kind,
							     .field = (uint8_t)field,
							     .end = (uint8_t)end,
							     .delta = delta};
	plan->nfix++; /* past HP_ARCH_FIX_MAX: displace refuses the function */
}

int hp_arch_rebase(struct hp_arch_plan *plan, uint64_t addr, uint64_t dest)
{
	if (plan->nfix > HP_ARCH_FIX_MAX)
		return HP_PATCH_UNSUPPORTED;
	for (uint32_t i = 0; i < plan->nfix; i++) {
		const struct hp_arch_fix *f = &plan->fix[i];
		uint64_t to = addr + (uint64_t)f->delta;
		if (f->field + 4u > plan->code_len)
			return HP_PATCH_UNSUPPORTED;
		if (f->kind == HP_ARCH_FIX_REL32) {
			int64_t rel = (int64_t)(to - (dest + f->end));
			if (!fits32(rel))
				return HP_PATCH_OUT_OF_REACH;
			put32(plan->code + f->field, (int32_t)rel);
		} else if (f->kind == HP_ARCH_FIX_ABS_LO32) {
			put32(plan->code + f->field, (int32_t)(uint32_t)to);
		} else if (f->kind == HP_ARCH_FIX_ABS_HI32) {
			put32(plan->code + f->field, (int32_t)(uint32_t)(to >> 32));
		} else {
			return HP_PATCH_UNSUPPORTED;
		}
	}
	return 0;
}

/* Write into plan->code[field..field+4) the rel32 from code[end] (at dest + end) to `target`
 * of the function at `addr`, and record it; 0 or -HP_PATCH_OUT_OF_REACH. */
static int put_rel(struct hp_arch_plan *plan, uint32_t field, uint32_t end, uint64_t target,
		   uint64_t addr, uint64_t dest)
{
	int64_t rel = (int64_t)(target - (dest + end));
	if (!fits32(rel))
		return -HP_PATCH_OUT_OF_REACH;
	put32(plan->code + field, (int32_t)rel);
	add_fix(plan, HP_ARCH_FIX_REL32, field, end, (int64_t)(target - addr));
	return 0;
}

/* A call must return into the function, not into the trampoline: the unwinder (C++
 * exceptions, backtraces) knows no trampoline. So push the original return address and jump;
 * that address is right behind the patched bytes only when the call is the last displaced
 * instruction. */
static int relocate_call(const cs_insn *insn, uint64_t target, uint64_t addr, uint64_t dest,
			 struct hp_arch_plan *plan, size_t room, int last)
{
	if (!target || !last || room < 18)
		return -HP_PATCH_UNSUPPORTED;
	uint32_t o = plan->code_len;
	uint8_t *out = plan->code + o;
	uint64_t ret = insn->address + insn->size;
	out[0] = 0x68; /* push $low32 (sign-extended; the high half is rewritten next) */
	put32(out + 1, (int32_t)(uint32_t)ret);
	out[5] = 0xC7, out[6] = 0x44, out[7] = 0x24, out[8] = 0x04; /* movl $high32, 4(%rsp) */
	put32(out + 9, (int32_t)(uint32_t)(ret >> 32));
	out[13] = 0xE9;
	add_fix(plan, HP_ARCH_FIX_ABS_LO32, o + 1, 0, (int64_t)(ret - addr));
	add_fix(plan, HP_ARCH_FIX_ABS_HI32, o + 9, 0, (int64_t)(ret - addr));
	int rc = put_rel(plan, o + 14, o + 18, target, addr, dest);
	return rc < 0 ? rc : 18;
}

/* jmp and jcc (rel8 or rel32) become their rel32 forms to the same target. */
static int relocate_branch(const cs_insn *insn, uint64_t target, uint64_t addr, uint64_t dest,
			   struct hp_arch_plan *plan, size_t room)
{
	const cs_x86 *x = &insn->detail->x86;
	uint32_t o = plan->code_len, len;
	uint8_t *out = plan->code + o;
	uint8_t op0 = x->opcode[0], op1 = x->opcode[1];
	if (insn->id == X86_INS_JMP)
		out[0] = 0xE9, len = 5;
	else if (op0 >= 0x70 && op0 <= 0x7F)
		out[0] = 0x0F, out[1] = (uint8_t)(0x80 | (op0 & 15)), len = 6;
	else if (op0 == 0x0F && op1 >= 0x80 && op1 <= 0x8F)
		out[0] = 0x0F, out[1] = op1, len = 6;
	else
		return -HP_PATCH_UNSUPPORTED; /* loop, jrcxz, xbegin: rel8/rel32 forms only */
	if (len > room)
		return -HP_PATCH_UNSUPPORTED;
	int rc = put_rel(plan, o + len - 4, o + len, target, addr, dest);
	return rc < 0 ? rc : (int)len;
}

/* Any other instruction is copied; a RIP-relative operand gets the disp32 that reaches the
 * same absolute address from the new place. */
static int relocate_copy(const cs_insn *insn, uint64_t addr, uint64_t dest,
			 struct hp_arch_plan *plan, size_t room)
{
	const cs_x86 *x = &insn->detail->x86;
	uint32_t o = plan->code_len;
	if (insn->size > room)
		return -HP_PATCH_UNSUPPORTED;
	for (int i = 0; i < insn->size; i++)
		plan->code[o + i] = insn->bytes[i];
	for (int i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];
		if (op->type != X86_OP_MEM || op->mem.base != X86_REG_RIP)
			continue;
		/* RIP-relative operands always have a disp32. capstone 4 leaves the encoding
		 * fields empty for some SSE instructions (comisd): then the disp32 is the last 4
		 * bytes before the immediate; check that the bytes there are the displacement. */
		int off = x->encoding.disp_offset;
		if (!off)
			off = (int)insn->size - 4 - (int)x->encoding.imm_size;
		if (off <= 0 || off + 4 > insn->size)
			return -HP_PATCH_UNSUPPORTED;
		const uint8_t *db = insn->bytes + off;
		int32_t have = (int32_t)((uint32_t)db[0] | (uint32_t)db[1] << 8 |
					 (uint32_t)db[2] << 16 | (uint32_t)db[3] << 24);
		if (have != (int32_t)op->mem.disp)
			return -HP_PATCH_UNSUPPORTED;
		uint64_t target = insn->address + insn->size + (uint64_t)op->mem.disp;
		int rc = put_rel(plan, o + (uint32_t)off, o + insn->size, target, addr, dest);
		if (rc < 0)
			return rc;
		break;
	}
	return insn->size;
}

/* Relocate one displaced instruction of the function at `addr` to the end of plan->code,
 * which lies at `dest` + code_len; `last` tells whether it is the last one the jump covers.
 * Returns the bytes written, or -reason; each address-dependent field is recorded (add_fix). */
static int relocate(csh h, const cs_insn *insn, uint64_t addr, uint64_t dest,
		    struct hp_arch_plan *plan, size_t room, int last)
{
	uint64_t target = branch_target(h, insn);
	if (cs_insn_group(h, insn, CS_GRP_CALL))
		return relocate_call(insn, target, addr, dest, plan, room, last);
	if (target)
		return relocate_branch(insn, target, addr, dest, plan, room);
	return relocate_copy(insn, addr, dest, plan, room);
}

/* A function too short for the jump (`lea; ret`) may still take it when the compiler's
 * alignment padding follows it: the bytes from its end to the next 16-byte boundary (where the
 * next function can start at the earliest; never across a page) that are all int3 or decode
 * as NOPs are never executed, and the jump may cover them. Only the `readable` bytes at
 * `bytes` are looked at. Returns the size with that padding when it makes room for the jump,
 * else `size`. */
static uint64_t with_padding(csh h, cs_insn *insn, const uint8_t *bytes, uint64_t readable,
			     uint64_t addr, uint64_t size, uint32_t skip)
{
	uint64_t end = addr + size, boundary = (end + 15) & ~(uint64_t)15;
	if (boundary - addr < skip + HP_ARCH_JUMP_LEN || !size || boundary - addr > readable)
		return size;
	const uint8_t *code = bytes + size;
	size_t left = (size_t)(boundary - end);
	uint64_t pc = end;
	while (left) {
		if (*code == 0xCC) {
			code++, left--, pc++;
			continue;
		}
		if (!cs_disasm_iter(h, &code, &left, &pc, insn) || insn->id != X86_INS_NOP)
			return size;
	}
	return boundary - addr;
}

/* The displaced instructions (whole ones, at least the jump's length after plan->skip),
 * relocated into plan->code for resume[] at `dest`, and the jump back behind them. 0 or an
 * HP_PATCH_* reason. */
static int displace(csh h, cs_insn *insn, const uint8_t *bytes, uint64_t addr, uint64_t size,
		    uint64_t dest, struct hp_arch_plan *plan, char *detail, size_t detail_len)
{
	const uint8_t *code = bytes + plan->skip;
	size_t left = size - plan->skip;
	uint64_t pc = addr + plan->skip;
	while (plan->patch_len < HP_ARCH_JUMP_LEN) {
		if (!cs_disasm_iter(h, &code, &left, &pc, insn)) {
			say(detail, detail_len, pc - addr, NULL, "cannot decode");
			return left ? HP_PATCH_UNKNOWN_INSN : HP_PATCH_TOO_SHORT;
		}
		int n = relocate(h, insn, addr, dest, plan, HP_ARCH_RELOC_MAX - 5 - plan->code_len,
				 plan->patch_len + insn->size >= HP_ARCH_JUMP_LEN);
		if (n < 0) {
			say(detail, detail_len, insn->address - addr, insn, NULL);
			return -n;
		}
		plan->code_len += (uint32_t)n;
		plan->patch_len += insn->size;
	}
	if (hp_arch_jump(plan->code + plan->code_len, dest + plan->code_len,
			 addr + plan->skip + plan->patch_len) < 0)
		return HP_PATCH_OUT_OF_REACH;
	add_fix(plan, HP_ARCH_FIX_REL32, plan->code_len + 1, plan->code_len + HP_ARCH_JUMP_LEN,
		(int64_t)(plan->skip + plan->patch_len));
	plan->code_len += HP_ARCH_JUMP_LEN;
	if (plan->nfix > HP_ARCH_FIX_MAX) {
		say(detail, detail_len, 0, NULL, "too many address fields");
		return HP_PATCH_UNSUPPORTED;
	}
	return 0;
}

/* The whole body: no branch may land inside the patched bytes (after their first). Runs with
 * capstone's detail off: this sweep is most of the start-up time. 0 or an HP_PATCH_* reason. */
static int sweep_body(csh h, cs_insn *insn, const uint8_t *bytes, uint64_t addr, uint64_t size,
		      const struct hp_arch_plan *plan, char *detail, size_t detail_len)
{
	uint64_t lo = addr + plan->skip, hi = lo + plan->patch_len;
	const uint8_t *code = bytes + plan->skip;
	size_t left = size - plan->skip;
	uint64_t pc = lo;
	while (left) {
		if (!cs_disasm_iter(h, &code, &left, &pc, insn)) {
			/* Bytes the sweep cannot decode (data, padding): skip them one at a time; a
			 * branch into our bytes from past them would be a branch we did not see,
			 * so such functions are refused unless the rest is only padding. */
			int pad = 1;
			for (size_t k = 0; k < left && pad; k++)
				pad = code[k] == 0x90 || code[k] == HP_ARCH_FILL_BYTE ||
				      code[k] == 0x00;
			if (pad)
				return 0;
			say(detail, detail_len, pc - addr, NULL, "cannot decode the body");
			return HP_PATCH_UNKNOWN_INSN;
		}
		uint64_t t = raw_branch_target(insn);
		if (t > lo && t < hi) {
			say(detail, detail_len, insn->address - addr, insn, NULL);
			return HP_PATCH_JUMP_BACK;
		}
	}
	return 0;
}

int hp_arch_plan(uint64_t handle, const uint8_t *bytes, uint64_t readable, uint64_t addr,
		 uint64_t size, uint64_t dest, int sweep, struct hp_arch_plan *plan, char *detail,
		 size_t detail_len)
{
	csh h = (csh)handle;
	cs_insn *insn = cs_malloc(h);
	int rc = 0;
	if (!insn)
		return HP_PATCH_NO_MEMORY;
	if (detail_len)
		detail[0] = 0;
	plan->skip = plan->patch_len = plan->code_len = plan->nfix = 0;
	if (size >= 4 && bytes[0] == 0xF3 && bytes[1] == 0x0F && bytes[2] == 0x1E &&
	    bytes[3] == 0xFA)
		plan->skip = 4; /* endbr64 stays: indirect calls still land on it */
	if (size < plan->skip + HP_ARCH_JUMP_LEN)
		size = with_padding(h, insn, bytes, readable, addr, size, plan->skip);
	if (size < plan->skip + HP_ARCH_JUMP_LEN) {
		say(detail, detail_len, size, NULL, "bytes in the function");
		rc = HP_PATCH_TOO_SHORT;
	}
	if (rc == 0)
		rc = displace(h, insn, bytes, addr, size, dest, plan, detail, detail_len);
	if (rc == 0 && sweep) {
		cs_option(h, CS_OPT_DETAIL, CS_OPT_OFF);
		rc = sweep_body(h, insn, bytes, addr, size, plan, detail, detail_len);
	}
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	cs_free(insn, 1);
	return rc;
}

void hp_arch_tramp_init(struct hp_tramp *t)
{
	uint8_t *e = t->entry;
	const int base = 24; /* offset of entry[] in the trampoline */
	/* +0 call *common(%rip): common at offset 8, the call ends at base + 6 */
	e[0] = 0xFF, e[1] = 0x15;
	put32(e + 2, 8 - (base + 6));
	/* +6 jz resume (rel8 from +8 to the end of entry[]) */
	e[6] = 0x74, e[7] = (uint8_t)(HP_ARCH_ENTRY_LEN - 8);
	/* +8 lea 8(%rsp), %rsp */
	e[8] = 0x48, e[9] = 0x8D, e[10] = 0x64, e[11] = 0x24, e[12] = 0x08;
	/* +13 call resume (rel32 from +18) */
	e[13] = 0xE8;
	put32(e + 14, HP_ARCH_ENTRY_LEN - HP_ARCH_BACK_OFF);
	/* +18 back: jmp *exit(%rip): exit at offset 16, the jmp ends at base + 24 */
	e[18] = 0xFF, e[19] = 0x25;
	put32(e + 20, 16 - (base + 24));
}
