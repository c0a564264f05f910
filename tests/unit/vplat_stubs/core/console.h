#ifndef RV_CORE_CONSOLE_H
#define RV_CORE_CONSOLE_H
#define LOG_WARN 2
#define LOG_INFO 3
void printk(int level, const char *fmt, ...);
#endif
