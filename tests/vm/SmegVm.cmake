# CTest tests that run inside a throw-away qemu VM with kernel WireGuard (tests/vm/run-in-vm).
# The build machines' own kernels have no wireguard module; anything that must talk to the real
# "wireguard" generic-netlink family runs in the VM instead.
#
#   include(${PROJECT_SOURCE_DIR}/tests/vm/SmegVm.cmake)
#   smeg_add_vm_test(NAME my_vm_test
#                    BINS $<TARGET_FILE:my_tests>        # copied to /bin in the guest
#                    COMMAND /bin/my_tests --gtest_brief=1
#                    [TIMEOUT 180] [LABELS more])
#
# Each test boots its own guest (a few seconds under emulation) and runs one command there; its
# exit status is the test's. Tests are labelled "vm" (`ctest -L vm` runs only these, `-LE vm`
# leaves them out) and are skipped (status 77) only where qemu cannot run at all. The guest sees
# the host's ASAN_/UBSAN_/LSAN_/GTEST_ variables, so sanitizer builds behave as they do outside.

include_guard(GLOBAL)

option(SMEG_VM_TESTS "Register the tests that run in a qemu VM with kernel WireGuard" ON)
# One cache for every build directory (build/, build-asan/, ...): the kernel download is the same.
set(SMEG_VM_CACHE "${PROJECT_SOURCE_DIR}/build/vm-cache"
    CACHE PATH "Where tests/vm/run-in-vm caches the guest kernel")

# TIMEOUT bounds the guest (boot to power-off); CTest's own limit adds room for the one-time
# kernel download and the initramfs build, so a hung guest is reported by the harness, with its
# console, rather than killed silently by CTest.
function(smeg_add_vm_test)
  if(NOT SMEG_VM_TESTS)
    return()
  endif()
  cmake_parse_arguments(PARSE_ARGV 0 vm "" "NAME;TIMEOUT" "BINS;COMMAND;LABELS")
  if(NOT vm_NAME OR NOT vm_COMMAND)
    message(FATAL_ERROR "smeg_add_vm_test: NAME and COMMAND are required")
  endif()
  if(NOT vm_TIMEOUT)
    set(vm_TIMEOUT 180)
  endif()
  set(bin_args)
  foreach(bin IN LISTS vm_BINS)
    list(APPEND bin_args --bin ${bin})
  endforeach()
  add_test(NAME ${vm_NAME}
           COMMAND bash ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/run-in-vm --cache ${SMEG_VM_CACHE} --timeout ${vm_TIMEOUT}
                   ${bin_args} -- ${vm_COMMAND})
  math(EXPR ctest_timeout "${vm_TIMEOUT} + 300")
  # RESOURCE_LOCK: one guest at a time. Each emulated CPU wants a whole host core, and two
  # guests sharing one core would double each other's run time towards their timeouts.
  set(labels vm ${vm_LABELS})
  set_tests_properties(${vm_NAME} PROPERTIES
                       LABELS "${labels}"
                       SKIP_RETURN_CODE 77
                       TIMEOUT ${ctest_timeout}
                       RESOURCE_LOCK smeg_vm)
endfunction()
