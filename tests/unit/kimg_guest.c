/*
 * A minimal real multiboot1 guest, compiled -m32 by the test setup so that
 * kernel_image.c is also checked against what a compiler and linker produce
 * (tests/unit/domcfg.cmake).  It starts with a jump over the header so that
 * the objcopy'd flat .bin of it, entered at 1 MiB, runs too.
 */
__asm__(".section .boot, \"ax\"\n"
        ".globl _start\n"
        "_start: jmp guest_main\n"
        ".balign 4\n"
        /* Multiboot 0.6.96 3.1.1: magic, flags (page-aligned modules, memory info), checksum. */
        "mb1_header: .long 0x1BADB002, 3, -(0x1BADB002 + 3)\n"
        ".text\n");

char scratch[8192];             /* a bss: PT_LOAD with memsz > filesz */
int counter = 1;                /* a data segment */

void guest_main(void);

void guest_main(void)
{
    const char *s = "PASS kimg_guest\n";

    scratch[0] = (char)counter;
    while (*s)
        __asm__ volatile("outb %0, %1" : : "a"(*s++), "Nd"((unsigned short)0x3f8));
    for (;;)
        __asm__ volatile("cli; hlt");
}
