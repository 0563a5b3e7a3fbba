# shellcheck shell=bash
# The test lanes, sourced by the VM scripts.
#
#   6.1    Debian 12's stock kernel (default suites)
#   6.12   Debian's 6.12 LTS kernel from bookworm-backports
#   sid    Debian unstable's newest kernel; its modules are built in a
#          debootstrap chroot of unstable (sid-chroot.sh)
#   debug  6.1 from Debian's linux-source-6.1 with KUnit, KASAN, lockdep,
#          kmemleak and UBSAN (built by debug-kernel.sh)

STOCK_LANES="6.1 6.12"
ALL_LANES="6.1 6.12 sid debug"
MACHEXC_CACHE=${MACHEXC_CACHE:-$HOME/.cache/machexc}

# The URI the machine's apt sources use for Debian's bookworm suite.
lanes_debian_uri() {
	local f
	{
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm([ \n]|$)/ && /Components:[^\n]*main/ {
			if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s = substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", s); print s; exit } }' "$f"
	done
	grep -hE '^deb[[:space:]]+[^[:space:]]+[[:space:]]+bookworm[[:space:]]' /etc/apt/sources.list 2>/dev/null |
		awk '{print $2}' || true
	} | head -n1
}

lanes_apt_target() {
	case "$1" in
	6.12) echo "-t bookworm-backports" ;;
	esac
}

# The ABI name (uname -r) of a stock lane's kernel, e.g. 6.1.0-56-amd64:
# the newest that the metapackage points at in any configured suite.
lanes_kver() {
	if [ "$1" = sid ]; then
		grep . "$MACHEXC_CACHE/sid-chroot/.machexc-kver" 2>/dev/null
		return
	fi
	apt-cache show linux-headers-amd64 2>/dev/null |
		sed -n 's/^Depends: linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p' |
		grep -E "^${1//./\\.}[.-]" | sort -V | tail -n1 | grep .
}

lanes_vmlinuz() {
	echo "$MACHEXC_CACHE/kernels/vmlinuz-$1"
}
