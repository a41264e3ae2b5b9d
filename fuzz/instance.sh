#!/bin/sh
# fuzz/instance.sh PREFIX OBJDIR OUT
#
# One testbed instance (fuzz/fuzz.mk): the objects listed in
# OBJDIR/libobj.list -- everything htstress links but its main -- linked
# into one relocatable object OUT whose defined global symbols all get
# PREFIX, so that two instances (two builds, each with its own htable.c
# and its own emulated kernel) can be linked into one program.  Sections
# that the instance finds by __start_/__stop_ symbols (htbed_*, the
# kernel image the snapshot saves) are renamed with the prefix too, so
# that each instance's bounds cover only its own.
set -eu
prefix=$1 dir=$2 out=$3
[ -s "$dir/libobj.list" ] || { echo "instance.sh: no $dir/libobj.list" >&2; exit 2; }
ld -r -o "$out.r" $(cat "$dir/libobj.list")
nm --defined-only -g "$out.r" | awk -v p="$prefix" 'NF == 3 { print $3, p $3 }' \
    > "$out.syms"
secs=$(nm -u "$out.r" | awk '$2 ~ /^__(start|stop)_htbed_/ {
	s = $2; sub(/^__(start|stop)_/, "", s); print s }' | sort -u)
renames=
for s in $secs; do
	renames="$renames --rename-section $s=$prefix$s"
	printf '__start_%s __start_%s%s\n__stop_%s __stop_%s%s\n' \
	    "$s" "$prefix" "$s" "$s" "$prefix" "$s" >> "$out.syms"
done
objcopy --redefine-syms="$out.syms" $renames "$out.r" "$out"
rm -f "$out.r"
