# The root filesystem behind `bulkhead run builtin:busybox`, built into
# ${CMAKE_BINARY_DIR}/rootfs/busybox by scripts/make-busybox-rootfs.sh from Debian's static
# busybox. src/runtime compiles ${CMAKE_BINARY_DIR}/rootfs in as the default place to find
# builtin rootfs trees, so tests and benchmarks need no download and no image store.
set(BULKHEAD_BUSYBOX /bin/busybox)
if(NOT EXISTS ${BULKHEAD_BUSYBOX})
  message(FATAL_ERROR
    "${BULKHEAD_BUSYBOX} is missing: it comes from Debian's busybox-static package and is what "
    "the builtin:busybox rootfs is made of. Run scripts/setup.sh (as root) to install it.")
endif()

set(BULKHEAD_BUSYBOX_ROOTFS ${CMAKE_BINARY_DIR}/rootfs/busybox)
# The script's marker file is the output: it is rewritten only when the tree is rebuilt, and the
# script itself rebuilds only when busybox's or its own sha256 changed.
add_custom_command(
  OUTPUT ${BULKHEAD_BUSYBOX_ROOTFS}/.bulkhead-rootfs
  COMMAND ${CMAKE_COMMAND} -E env BUSYBOX=${BULKHEAD_BUSYBOX}
          ${PROJECT_SOURCE_DIR}/scripts/make-busybox-rootfs.sh ${BULKHEAD_BUSYBOX_ROOTFS}
  DEPENDS ${BULKHEAD_BUSYBOX} ${PROJECT_SOURCE_DIR}/scripts/make-busybox-rootfs.sh
  COMMENT "Building the builtin:busybox rootfs in ${BULKHEAD_BUSYBOX_ROOTFS}"
  VERBATIM)
add_custom_target(busybox_rootfs ALL DEPENDS ${BULKHEAD_BUSYBOX_ROOTFS}/.bulkhead-rootfs)
