/*
 * Fixed layout facts of the test guests, shared by C and assembly.
 */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

/* The 32-bit image is linked at 1 MiB (below: real-mode memory and the
 * 0xA0000-0xFFFFF hole); it must end below GUEST_BLOB64_BASE. */
#define GUEST_LOAD_BASE     0x100000
/* Where the 64-bit half of a 64-bit test is linked (its entry point). */
#define GUEST_BLOB64_BASE   0x200000

/* GDT selectors (entry32.S). */
#define SEL_CODE32          0x08
#define SEL_DATA            0x10
#define SEL_CODE64          0x18

/* Multiboot1 (Multiboot Specification 0.6.96, section 3.1). */
#define MB1_HEADER_MAGIC    0x1badb002
#define MB1_HEADER_FLAGS    (1 << 1)        /* bit 1: want mem_* fields and the memory map */
#define MB1_LOADER_MAGIC    0x2badb002      /* EAX at entry */

#define GUEST_STACK_SIZE    16384

#endif /* GUEST_LAYOUT_H */
