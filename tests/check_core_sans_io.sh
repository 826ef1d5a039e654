#!/usr/bin/env bash
# The core is sans-IO (DESIGN.md §3): no file under core/ may include an I/O, threading or
# clock facility, or read a clock or the OS's randomness. Fails naming every offending line.
set -u
core="${1:?usage: check_core_sans_io.sh CORE_DIR}"
pattern='#include *[<"](boost/asio|boost/beast|libmnl|yaml-cpp|graphviz|gvc\.h|cgraph\.h|thread|mutex|shared_mutex|condition_variable|future|atomic|fstream|iostream|filesystem|cstdio|stdio\.h|sys/socket\.h|netinet/|arpa/inet\.h|unistd\.h|fcntl\.h|sys/|linux/|random|ctime|time\.h)'
calls='(system_clock|steady_clock|high_resolution_clock|gettimeofday|clock_gettime|[^_a-z]time\(|[^a-z_]rand\(|random_device|randombytes_|getrandom|fopen|std::cout|std::cerr|printf\()'
status=0
while IFS= read -r -d '' f; do
  case "$f" in *_test.cc) continue ;; esac
  if grep -nE "$pattern" "$f"; then echo "^ forbidden include in $f"; status=1; fi
  if grep -nE "$calls" "$f" | grep -v '^\s*//'; then echo "^ forbidden call in $f"; status=1; fi
done < <(find "$core" -name '*.h' -print0 -o -name '*.cc' -print0)
if [ $status -eq 0 ]; then echo "core/ is sans-IO: no forbidden includes or calls"; fi
exit $status
