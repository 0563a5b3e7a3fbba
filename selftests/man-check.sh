#!/bin/bash
# The library's man pages (lib/man/*.3):
#  - groff -man -ww finds nothing to warn about in any page;
#  - every alias page is one line, ".so man3/PAGE.3", naming a real page
#    that lists the alias in its NAME section, and every name a NAME
#    section lists has a file, so that `man 3 NAME` finds it;
#  - every section-3 reference to a Mach or machexc name has a page there,
#    and every section-1 reference to a machexc tool its page in tools/;
#  - every function <machexc.h> declares has a page (a new machexc_* call
#    without one fails here);
#  - each page's SYNOPSIS, as man shows it, compiles after the library's
#    headers: its prototypes redeclare the headers' own, so one that has
#    drifted from its header is a conflicting declaration;
#  - each EXAMPLE's code compiles (-Wall -Wextra -Werror).
# Prints one line; exits non-zero, with the reasons, on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
man=$top/lib/man
cc=${CC:-cc}
cflags=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fsyntax-only
	-I"$top/lib/include" -I"$top/uapi")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=()
bad() { fail+=("$*"); }

command -v groff > /dev/null || { echo "man: groff is missing (apt-get install groff-base)"; exit 1; }
cd "$man" || { echo "man: no $man"; exit 1; }
shopt -s nullglob
pages=() aliases=()
for f in *.3; do
	if head -n1 "$f" | grep -q '^\.so '; then aliases+=("$f"); else pages+=("$f"); fi
done
[ ${#pages[@]} -gt 0 ] || { echo "man: no pages in lib/man"; exit 1; }

# The names a page's NAME section lists: the words before "\-".
names_of() {
	sed -n '/^\.SH NAME/,/^\.SH/{/^\.SH/d;p}' "$1" | tr '\n' ' ' |
		sed 's/\\-.*//; s/,/ /g' | tr -s ' ' '\n' | sed '/^$/d'
}

for f in "${pages[@]}"; do
	out=$(LC_ALL=C.UTF-8 groff -man -ww -z "$f" 2>&1)
	[ -z "$out" ] || bad "$f: groff: $out"
	grep -q '^\.TH [A-Z0-9_]* 3 ' "$f" || bad "$f: no .TH NAME 3 line"
	# A page of calls has every section; an overview (no prototype) needs fewer.
	sections=(NAME SYNOPSIS DESCRIPTION NOTES 'SEE ALSO')
	sed -n '/^\.SH SYNOPSIS/,/^\.SH [A-RT-Z]/p' "$f" | grep -q '(' &&
		sections+=('RETURN VALUE' ERRORS)
	for s in "${sections[@]}"; do
		grep -q "^\.SH \"\?$s\"\?\$" "$f" || bad "$f: no $s section"
	done
	for n in $(names_of "$f"); do
		[ -e "$n.3" ] || bad "$f: NAME lists $n, but there is no $n.3 (add one: .so man3/$f)"
	done
	# Section 3 references to our names, section 1 to our tools.
	while read -r r; do
		[ -e "$r.3" ] || bad "$f: refers to $r(3), which has no page"
	done < <(sed -n 's/^\.BR \([a-z_][a-z0-9_]*\) (3).*/\1/p' "$f" |
		 grep -E '^(mach_|machexc_|task_|thread_|host_|vm_|pid_|catch_|exc_|mig_|libmachexc)')
	while read -r r; do
		[ -e "$top/tools/$r.1" ] || bad "$f: refers to $r(1), which has no page"
	done < <(sed -n 's/^\.BR \(machexc\\-[a-z]*\) (1).*/\1/p' "$f" | sed 's/\\-/-/')
done

for f in "${aliases[@]}"; do
	target=$(sed -n '1s/^\.so man3\/\(.*\)$/\1/p' "$f")
	if [ "$(wc -l < "$f")" != 1 ] || [ -z "$target" ]; then
		bad "$f: an alias page is the one line .so man3/PAGE.3"
	elif [ ! -e "$target" ] || head -n1 "$target" | grep -q '^\.so '; then
		bad "$f: .so names $target, which is not a page"
	elif ! names_of "$target" | grep -qx "${f%.3}"; then
		bad "$f: $target's NAME section does not list ${f%.3}"
	fi
done

# Every function <machexc.h> declares.
while read -r fn; do
	[ -e "$fn.3" ] || bad "lib/include/machexc.h declares $fn(), which has no page in lib/man"
done < <(sed -n 's/^[a-z_][a-z0-9_ ]*[ *]\(machexc_[a-z0-9_]*\)(.*/\1/p' "$top/lib/include/machexc.h")

# SYNOPSIS as man renders it, compiled; then the EXAMPLE's code blocks.
render() {
	LC_ALL=C groff -man -Tascii -P-cbou -rLL=300n "$1" 2>/dev/null
}
n=0
for f in "${pages[@]}"; do
	render "$f" | awk '/^SYNOPSIS$/ { on = 1; next } /^[A-Z]/ { on = 0 } on' |
		sed 's/^       //' > "$tmp/syn-$f.c"
	if ! "$cc" "${cflags[@]}" -x c "$tmp/syn-$f.c" 2> "$tmp/err"; then
		bad "$f: SYNOPSIS does not compile: $(head -n5 "$tmp/err")"
	fi
	awk '/^\.SH/ { ex = ($0 ~ /^\.SH EXAMPLES?$/) } ex && /^\.EE/ { on = 0 }
	     ex && on { print } ex && /^\.EX/ { on = 1 }' "$f" |
		sed 's/\\e/\\/g; s/\\-/-/g; s/\\&//g; s/\\(aq/'"'"'/g' > "$tmp/ex-$f.c"
	if [ -s "$tmp/ex-$f.c" ]; then
		n=$((n + 1))
		"$cc" "${cflags[@]}" -x c "$tmp/ex-$f.c" 2> "$tmp/err" ||
			bad "$f: EXAMPLE does not compile: $(head -n5 "$tmp/err")"
	fi
done

if [ ${#fail[@]} -gt 0 ]; then
	echo "man: ${#fail[@]} problem(s) in lib/man:"
	printf '  %s\n' "${fail[@]}"
	exit 1
fi
echo "man: ${#pages[@]} pages and ${#aliases[@]} aliases: groff clean, names and references resolve," \
	"every <machexc.h> call has a page, synopses match the headers, $n examples compile"
