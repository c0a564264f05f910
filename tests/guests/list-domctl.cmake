# The HVM domU of the domctl / log-dirty test (domctl_hvm.c); the test
# itself, with its PV control domain, is pv_domctl in list-pv.cmake.
list(APPEND GUESTS domctl_hvm)
# It writes its pages until pv_domctl's dom0 destroys it: not in ALL.txt.
list(APPEND GUESTS_DRIVEN domctl_hvm)
# The HVM domU of the log-dirty race tests (ldirty_guest.c; the tests are
# logdirty_race and shadow_logdirty_race in list-pv.cmake, with pv_ldctl as
# the control domain).  It too loops until destroyed.
list(APPEND GUESTS ldirty_guest)
list(APPEND GUESTS_DRIVEN ldirty_guest)
