#!/bin/bash
# tests/headertest/headertest.sh — compiles the public headers as C11
# (gcc -std=c11 -pedantic -Werror) and as C++ (g++ -pedantic -Werror),
# then checks that the C++ plugin exports an unmangled descriptor function.
set -eu
inc="$FERRY_SOURCE_DIR/core/include"
dir="$FERRY_SOURCE_DIR/tests/headertest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -std=c11 -pedantic -Wall -Wextra -Werror -Wstrict-prototypes -fPIC -I"$inc" \
    -c "$dir/headertest.c" -o "$tmp/c.o"
for h in types.h plugin.h ferry.h; do # each header on its own
    printf '#include "ferry/%s"\n' "$h" >"$tmp/one.c"
    gcc -std=c11 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/one.c" -o "$tmp/one.o"
    g++ -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/one.c" -o "$tmp/one.o"
done
g++ -std=c++11 -pedantic -Wall -Wextra -Werror -I"$inc" "$dir/headertest.cpp" -o "$tmp/cxx"
"$tmp/cxx"
nm "$tmp/cxx" | grep ' T ferry_plugin_get_descriptor$' >/dev/null
echo "headers compile as C11 and C++; descriptor symbol unmangled"
