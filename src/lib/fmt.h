/*
 * Formatted output into a buffer: the C99 snprintf contract without floating
 * point.  Used by the console, the log and every parser that reports an error
 * message; pure code, so it is also built for the host and tested against the C
 * library's snprintf.
 */
#ifndef RV_LIB_FMT_H
#define RV_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Returns the length the full output would have (excluding the NUL), whatever
 * 'size' is; writes at most size - 1 characters plus a NUL when size > 0.
 * 'buf' may be NULL when size is 0 (to measure).  Supported: flags - 0 space + #,
 * width and precision (digits or *), lengths hh h l ll z t j, conversions
 * d i u x X o c s p %.  %p prints "0x" and 16 hex digits, %s of NULL prints
 * "(null)", an unknown conversion is copied literally.  Returns -1 only if the
 * length would not fit in an int.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
