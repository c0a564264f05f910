/*
 * Exception fixups: an instruction that may fault (an MSR that may not exist,
 * a probe of an address that may be unmapped) is listed with the address to
 * resume at.  The trap handler looks the faulting RIP up here before deciding
 * the fault is a hypervisor bug.
 */
#ifndef RV_ARCH_X86_EXTABLE_H
#define RV_ARCH_X86_EXTABLE_H

#include "lib/compiler.h"

#define _ASM_EXTABLE(insn, fixup) \
    ".pushsection .ex_table, \"a\"\n .balign 8\n .quad " #insn ", " #fixup "\n .popsection\n"

struct extable_entry { uint64_t insn, fixup; };

/* Returns the fixup address for rip, or 0. */
uint64_t extable_search(uint64_t rip);

/* Probes: return 0, or -EFAULT after the fault was caught. */
int probe_read_u64(const void *addr, uint64_t *val);
int probe_write_u64(void *addr, uint64_t val);

#endif
