#ifndef RV_CORE_CONSOLE_H
#define RV_CORE_CONSOLE_H
#define LOG_WARN 2
void printk(int level, const char *fmt, ...);
#endif
