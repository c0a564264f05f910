/* Debug keys on the serial console ('h' lists them). */
#ifndef RV_CORE_KEYHANDLER_H
#define RV_CORE_KEYHANDLER_H
void keyhandler_init(void);
#endif
