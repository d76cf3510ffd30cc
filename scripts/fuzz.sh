#!/bin/sh
# fuzz.sh PKG TARGET FUZZTIME MIN_EXECS: run one Go fuzz target and fail
# unless it executed at least MIN_EXECS inputs.
#
# go test -fuzz minimizes every input that finds new coverage, for up to a
# minute each by default, and counts no executions while it does; with seeds
# of several kilobytes (whole specs) a short run then spent all its time
# minimizing and fuzzed almost nothing (about 55 inputs in 8 s, all of them
# the seed corpus). -fuzzminimizetime bounds the minimization, and the
# execution count is checked so that a run that does not fuzz fails instead
# of passing silently.
set -eu
pkg=$1 target=$2 fuzztime=$3 min=$4
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "${GO:-go} test $pkg -run '^\$' -fuzz '^$target\$' -fuzztime $fuzztime -fuzzminimizetime 50x"
# Not piped into tee: a pipeline's status is its last command's, and sh has
# no pipefail, so a failing go test passed.
status=0
${GO:-go} test "$pkg" -run '^$' -fuzz "^$target\$" -fuzztime "$fuzztime" -fuzzminimizetime 50x >"$out" 2>&1 || status=$?
cat "$out"
[ "$status" -eq 0 ] || exit "$status"
execs=$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' "$out" | tail -n 1)
if [ -z "$execs" ] || [ "$execs" -lt "$min" ]; then
	echo "fuzz.sh: $target executed ${execs:-no} inputs in $fuzztime, fewer than $min: it did not fuzz" >&2
	exit 1
fi
