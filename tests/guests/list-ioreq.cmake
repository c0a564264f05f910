# ioreq servers (src/hvm/ioreq.c, docs/ioreq.md): ioreq_dev, 64-bit (the
# dm_op buffer list has the 64-bit layout).  At boot it checks the
# refusals; from dom0 (linux_dom0_ioreq) a device model serves its ports.
list(APPEND GUESTS ioreq_dev)
list(APPEND GUESTS_64 ioreq_dev)
