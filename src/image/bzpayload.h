/*
 * The compressed payload of a Linux bzImage (x86 boot protocol >= 2.08:
 * setup header fields payload_offset and payload_length), kind-neutral: the
 * PVH builder unpacks it to the ELF kernel it boots (hvm/loader_pvh.c), and
 * a PV builder would do the same.  Pure code, host-built and fuzzed
 * (fuzz_pvh_image).
 */
#ifndef RV_IMAGE_BZPAYLOAD_H
#define RV_IMAGE_BZPAYLOAD_H

#include <stddef.h>

/* 0 with *payload, *len pointing into image (still compressed); -ENOENT
 * when image is not a bzImage (no 0xAA55 boot flag or no "HdrS"); -ENOEXEC
 * with a one-line reason (no prefix) when it is one but its protocol is too
 * old or its payload fields point outside the file. */
int bzpayload_find(const void *image, size_t size, const void **payload, size_t *len, char *why, size_t whylen);

#endif
