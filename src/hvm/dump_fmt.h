/* Pure text helpers of the debug key 'd' (see dump_fmt.c). */
#ifndef RV_HVM_DUMP_FMT_H
#define RV_HVM_DUMP_FMT_H

#include "lib/compiler.h"

/* "real", "protected 32-bit, PAE paging", "long 64-bit", ... (cs_attr in the
 * SVM packed form of struct hvm_seg). */
const char *hvm_dump_mode(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t rflags, uint16_t cs_attr);
/* An event-injection word: "none" or "exception vector 14 with error code". */
size_t hvm_dump_event(char *buf, size_t size, uint32_t ev);
/* "eb fe 90": n bytes, as many as fit; always terminated.  Returns the length. */
size_t hvm_dump_hex(char *buf, size_t size, const uint8_t *bytes, unsigned n);

#endif
