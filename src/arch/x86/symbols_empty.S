/* First-pass symbol table: empty (see src/CMakeLists.txt). */
    .section .rvsyms, "a"
    .balign 8
    .globl symtab_count, symtab_addrs, symtab_offsets, symtab_names
symtab_count: .quad 0
symtab_addrs:
symtab_offsets:
symtab_names: .byte 0
