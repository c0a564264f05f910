# Host unit test of the legacy platform devices (src/hvm/irq.c, vpic.c,
# vioapic.c, vpit.c, vrtc.c, vhpet.c, vpm.c, vpci.c, vxenplat.c, vreset.c).  They are compiled
# against the stand-in headers in vplat_stubs/ (found before src/): a fake
# clock, hand-fired timers, single-threaded locks, recorded vLAPIC messages.
set(_vp_dir ${CMAKE_CURRENT_LIST_DIR})
set(_vp_src irq.c vpic.c vioapic.c vpit.c vrtc.c vhpet.c vpm.c vpci.c vxenplat.c vreset.c)
list(TRANSFORM _vp_src PREPEND ${RV_UNIT_SRC}/hvm/)
add_executable(unit_vplat ${_vp_dir}/test_vplat.c ${_vp_src})
target_include_directories(unit_vplat BEFORE PRIVATE ${_vp_dir}/vplat_stubs)
target_include_directories(unit_vplat PRIVATE ${RV_UNIT_SRC} ${PROJECT_SOURCE_DIR}/include ${_vp_dir})
target_compile_definitions(unit_vplat PRIVATE RV_HOST_BUILD)
target_compile_options(unit_vplat PRIVATE ${RV_UNIT_CFLAGS} -Wno-unused-parameter)
target_link_options(unit_vplat PRIVATE ${RV_UNIT_SANITIZE})
add_test(NAME unit_vplat COMMAND unit_vplat)
set_tests_properties(unit_vplat PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
