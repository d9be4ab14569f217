#!/usr/bin/env bash
# List every "@mark:<name>" call site of the UIO workloads with the calls the compiled binary makes on
# that line (objdump for the calls, libdw's eu-addr2line for their lines), and exit 1 when a marked line has no direct call of the
# function it names: the check that -O1 left each marked call on its own source line.
#
#   marks.sh [SRC_DIR [BUILD_DIR [NAME...]]]      (make -C test/uio marks)
# SRC_DIR defaults to test/fixtures/src (where edu_uio.c lives, beside the fixtures, whose own
# marks.sh checks them), NAME to edu_uio: only the UIO workloads are checked here.
# Adapted from test/fixtures/marks.sh for static binaries, where glibc's calls land on its internal
# aliases: read is __libc_read, mmap is __mmap64, fcntl is __libc_fcntl64, ...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../fixtures/src}
build=${2:-$here/build}
shift $(($# < 2 ? $# : 2))
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(edu_uio)
status=0

for name in "${names[@]}"; do
	c=$src/$name.c
	if [[ ! -f $c ]]; then
		echo "MISSING $c" >&2
		status=1
		continue
	fi
	bin=$build/$name
	if [[ ! -x $bin ]]; then
		echo "MISSING $bin" >&2
		status=1
		continue
	fi
	# "<line> <call target>" for every call instruction whose line is in this source file. The
	# lines come from libdw (eu-addr2line), as in the symbolizer: binutils 2.40's objdump -l and
	# addr2line misplace lines of the fixture.h helpers into the fixture's file in these DWARF 5
	# binaries.
	insns=$(objdump -d --no-show-raw-insn "$bin" |
		awk '/\tcall / { a = $1; sub(/:$/, "", a); t = $NF; gsub(/[<>]/, "", t); print "0x" a, t }')
	calls=$(paste -d' ' <(cut -d' ' -f1 <<<"$insns" | xargs eu-addr2line -e "$bin") \
		<(cut -d' ' -f2 <<<"$insns") |
		awk -v f="$name.c" '{ split($1, a, ":"); file = a[1]; sub(/.*\//, "", file); if (file == f) print a[2], $2 }')
	while IFS= read -r hit; do
		num=${hit%%:*}
		mark=$(sed -E 's/.*@mark:([A-Za-z0-9_-]+).*/\1/' <<<"$hit")
		fn=$(sed -E 's/^[0-9]+:[[:space:]]*(do[[:space:]]+)?([^=(]*=[[:space:]]*)?([A-Za-z_][A-Za-z0-9_]*)\(.*/\3/' <<<"$hit")
		targets=$(awk -v n="$num" '$1 == n { print $2 }' <<<"$calls" | sort -u | tr '\n' ' ')
		ok=NO
		for t in $targets; do
			t=${t%@plt}
			for alias in "$fn" "${fn}64" "__$fn" "__${fn}64" "__libc_$fn" "__libc_${fn}64"; do
				[[ $t == "$alias" ]] && ok=ok
			done
		done
		[[ $ok == ok ]] || status=1
		printf '%-3s %-22s %-20s %-24s calls: %s\n' "$ok" "$name.c:$num" "$mark" "$fn()" "$targets"
	done < <(grep -n '@mark:' "$c")
done
exit $status
