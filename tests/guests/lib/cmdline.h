/* Words of a kernel command line (shared by the HVM and PVH guest libraries). */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

/* Whether the space-separated word appears in cl. */
bool cmdline_word_in(const char *cl, const char *word);
/* The decimal value of "key=N" in cl, def if absent or not a number. */
uint64_t cmdline_uint_in(const char *cl, const char *key, uint64_t def);

#endif
