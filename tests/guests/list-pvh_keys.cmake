# The debug-key test guest (tests/guests/pvh/pvh_keys.c).  Sorted after
# list-pvh.cmake, which sets GUESTS_PVH; built by its pvh_guests_build().
# pvh_keys_hang.cfg boots the same kernel with "hang", pvh_keys_hang_sti.cfg
# with "hang sti".  Its runs are in
# tests/integration/debugkeys.cmake.
list(APPEND GUESTS_PVH pvh_keys)
configure_file(${G}/pvh/pvh_keys_hang.cfg ${GO}/pvh_keys_hang.cfg COPYONLY)
configure_file(${G}/pvh/pvh_keys_hang_sti.cfg ${GO}/pvh_keys_hang_sti.cfg COPYONLY)
