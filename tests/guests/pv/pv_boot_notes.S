/*
 * The extra Xen notes of pv_boot (docs/pv.md "Booting real kernels"),
 * next to pv_entry.S's: pv_boot.elf asks, as Linux does, for its p2m list
 * at 512 GiB (INIT_P2M 0x8000000000) and for its initrd by pfn
 * (MOD_START_PFN 1); pv_boot_hcpage.elf (PV_HCPAGE) asks instead for a
 * hypercall page (HYPERCALL_PAGE) and gets its initrd mapped after the
 * kernel and its p2m inside the region.
 */
#define XEN_ELFNOTE_HYPERCALL_PAGE  2
#define XEN_ELFNOTE_INIT_P2M        15
#define XEN_ELFNOTE_MOD_START_PFN   16

    .macro NOTE type, desc_start, desc_end
    .balign 4
    .long 4
    .long \desc_end - \desc_start
    .long \type
    .asciz "Xen"
    .endm

    .section .note.Xen, "a", @note
#ifdef PV_HCPAGE
    NOTE XEN_ELFNOTE_HYPERCALL_PAGE, 1f, 2f
1:  .quad hypercall_page
2:  .balign 4
#else
    NOTE XEN_ELFNOTE_INIT_P2M, 1f, 2f
1:  .quad 0x8000000000
2:  NOTE XEN_ELFNOTE_MOD_START_PFN, 1f, 2f
1:  .long 1
2:  .balign 4
#endif

    /* The page the builder fills with Xen's stubs (0xcc before it does:
     * a stub that was not written traps). */
    .section .text.hcpage, "ax"
    .balign 4096
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0xcc
