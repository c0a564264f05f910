# The HVM domU of the domctl / log-dirty test (domctl_hvm.c); the test
# itself, with its PV control domain, is pv_domctl in list-pv.cmake.
list(APPEND GUESTS domctl_hvm)
# It writes its pages until pv_domctl's dom0 destroys it: not in ALL.txt.
list(APPEND GUESTS_DRIVEN domctl_hvm)
