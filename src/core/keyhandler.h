/*
 * Debug keys on the serial console ('h' lists them), as Xen's console keys.
 *
 * core/ owns the table, the keys about its own state (domains, run queues,
 * memory, time) and those of the subsystems it uses (evtchn/, gnttab/); a
 * domain kind, which sits above core (hvm/), registers its own ('d'), so
 * core never includes it.
 * Each key's output is framed by "key 'x': <what>" and "key 'x': end"
 * lines (tools/rvlib/hangdump.py waits for the end line).
 */
#ifndef RV_CORE_KEYHANDLER_H
#define RV_CORE_KEYHANDLER_H

typedef void (*keyhandler_fn)(void);

/* At boot, before keyhandler_init: fn runs when key is typed (several for
 * one key run in registration order; 'what' is shown by 'h' once per key). */
void keyhandler_register(char key, const char *what, keyhandler_fn fn);
void keyhandler_init(void);
/* Runs key's handlers now, as if typed. */
void keyhandler_run(char key);

/* No-progress report (hang_report=S): once input starts, check() runs every
 * second on the last online CPU (softirq context) when S > 0; the domain kind that
 * registered it decides what progress is and dumps a domain that has made
 * none for S seconds. */
extern unsigned keyhandler_hang_report_s;      /* (i) from hang_report= at boot */
void keyhandler_set_progress_check(void (*check)(void));

#endif
