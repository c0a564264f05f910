/*
 * pvh_layout: the smallest PVH guest, built once (ELF64, notes in a PT_NOTE
 * segment, lib/pvh_link.ld) and post-processed at build time into each
 * image layout Xen's PVH builder accepts (pvh/elf_layout.py, objcopy; see
 * list-pvhlayout.cmake): ELF32 with EM_386, ELF32 with EM_X86_64, ELF64,
 * the notes only in an SHT_NOTE section (no PT_NOTE), and p_vaddr far from
 * p_paddr.  Each copy must be loaded at p_paddr and entered at its
 * PHYS32_ENTRY note: it checks that it was started with a valid start info,
 * that its initialized data arrived intact at the linked (physical)
 * addresses and that its .bss is zero, then powers off.
 */
#include "pvh.h"

const char pvh_guest_name[] = "pvh_layout";

/* A pattern that only a correct copy of the file's bytes reproduces. */
#define PATTERN_WORDS 1024
#define PATTERN(i) ((uint32_t)(i) * 2654435761u ^ 0x5a5aa5a5u)
#define P4(i) PATTERN(i), PATTERN((i) + 1), PATTERN((i) + 2), PATTERN((i) + 3)
#define P16(i) P4(i), P4((i) + 4), P4((i) + 8), P4((i) + 12)
#define P64(i) P16(i), P16((i) + 16), P16((i) + 32), P16((i) + 48)
#define P256(i) P64(i), P64((i) + 64), P64((i) + 128), P64((i) + 192)
static volatile uint32_t pattern[PATTERN_WORDS] = { P256(0), P256(256), P256(512), P256(768) };
static volatile uint32_t zeroes[PATTERN_WORDS];

void test_main(void)
{
    unsigned bad = 0, nonzero = 0;

    check(pvh.start_info_ok, "start-info", "EBX did not point at a start info with the PVH magic");
    for (unsigned i = 0; i < PATTERN_WORDS; i++)
        if (pattern[i] != PATTERN(i))
            bad++;
    check(bad == 0, "data-loaded", "%u of %u initialized words differ from the file", bad, PATTERN_WORDS);
    for (unsigned i = 0; i < PATTERN_WORDS; i++)
        if (zeroes[i])
            nonzero++;
    check(nonzero == 0, "bss-zero", "%u of %u .bss words are not zero", nonzero, PATTERN_WORDS);
    /* The entry note's address is physical: our code runs where it was linked. */
    check((uintptr_t)&test_main >= 0x100000 && (uintptr_t)&test_main < 0x200000, "code-at-paddr",
          "test_main at %#lx", (unsigned long)(uintptr_t)&test_main);
    printf("layout %s: PASS\n", pvh.cmdline);
}
