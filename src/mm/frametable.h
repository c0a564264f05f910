/*
 * Building the frame allocator from the boot memory map.  Pure: the caller
 * provides the memory for the frame table and the list of ranges that must
 * never be handed out.
 */
#ifndef RV_MM_FRAMETABLE_H
#define RV_MM_FRAMETABLE_H

#include <stdint.h>

#include "boot/bootinfo.h"
#include "mm/buddy.h"
#include "mm/frame.h"

/*
 * Initializes *b over ft[0..nr_frames) with every frame reserved (owner
 * DOMID_INVALID), then donates each RAM range of 'map' (rounded inward to
 * whole pages, clamped to the table) minus the 'exclude' physical ranges
 * [base, base + len) (image, modules, the frame table itself, the first MiB
 * if wanted).  Non-RAM entries of 'map' are excluded as well, so a map that
 * was not sanitized cannot make a reserved range usable.  Any page touched by
 * an excluded byte stays reserved.  Returns the number of free frames.
 */
uint64_t frametable_populate(struct buddy *b, struct frame *ft, uint64_t nr_frames,
                             const struct mem_region *map, unsigned nr_map,
                             const struct mem_region *exclude, unsigned nr_exclude);

#endif
