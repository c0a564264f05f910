# Builds one PV GRUB image (cmake -P, from list-pvgrub.cmake): a memdisk
# (tar) holding GRUBCFG as /boot/grub.cfg and each of FILES (comma-separated:
# a ';' would split the argument in add_test/add_custom_command) in /boot,
# and GRUB for FORMAT (x86_64-xen or i386-xen) from /usr/lib/grub/FORMAT
# with MODULES (comma-separated) and EMBEDDED as its
# built-in config, written to OUT.  WORK is a scratch directory.
foreach(v MKIMAGE FORMAT OUT WORK GRUBCFG EMBEDDED MODULES)
    if(NOT DEFINED ${v})
        message(FATAL_ERROR "mkimage.cmake: ${v} not given")
    endif()
endforeach()
string(REPLACE "," ";" FILES "${FILES}")
string(REPLACE "," ";" MODULES "${MODULES}")
foreach(f ${FILES})
    if(NOT EXISTS ${f})
        message(FATAL_ERROR "mkimage.cmake: ${f} does not exist")
    endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/md/boot)
file(COPY_FILE ${GRUBCFG} ${WORK}/md/boot/grub.cfg)
foreach(f ${FILES})
    get_filename_component(n ${f} NAME)
    file(COPY_FILE ${f} ${WORK}/md/boot/${n})
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E tar cf ${WORK}/memdisk.tar --format=gnutar boot
                WORKING_DIRECTORY ${WORK}/md RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "mkimage.cmake: tar failed (${rc})")
endif()
execute_process(COMMAND ${MKIMAGE} -O ${FORMAT} -d /usr/lib/grub/${FORMAT} -o ${OUT} -m ${WORK}/memdisk.tar
                        -c ${EMBEDDED} -p "(memdisk)/boot" ${MODULES}
                RESULT_VARIABLE rc)
if(rc)
    message(FATAL_ERROR "mkimage.cmake: grub-mkimage -O ${FORMAT} failed (${rc})")
endif()
file(SIZE ${OUT} sz)
message(STATUS "pvgrub: ${OUT} (${sz} bytes)")
