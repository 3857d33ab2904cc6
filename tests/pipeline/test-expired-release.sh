#!/usr/bin/env bash
# The private apt configuration (scripts/lib.sh: private_apt, apt_update) takes a suite whose
# Release file is past its Valid-Until, as a mirror that serves a frozen copy of the archive
# serves it, with one warning line; apt's default refuses it. Tested on sid's InRelease from the
# machine's own mirror: past its date there today; when a mirror serves a fresh one, both runs
# are made under faketime a day after its Valid-Until. Prints "ok"/"not ok" lines.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"
case "${1:-}" in
-h | --help)
	echo "Usage: tests/pipeline/test-expired-release.sh   (needs the machine's Debian mirror)"
	exit 0
	;;
esac

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# own_apt DIR: private_apt for sid under DIR, reading an empty apt.conf.d instead of the machine's
# (which may itself say Check-Valid-Until false: this machine's does), so that only our options
# count. Run apt with APT_CONFIG=DIR/apt.conf.
own_apt() {
	mkdir -p "$1/conf.d"
	printf 'Dir::Etc::Parts "%s";\n' "$1/conf.d" >"$1/apt.conf"
	private_apt "$1" "$(debian_mirror)" sid
}
own_apt "$dir"
export APT_CONFIG="$dir/apt.conf"
# Only the InRelease file: that is where the date is checked.
only_release=(-o Acquire::IndexTargets::deb::Packages::DefaultEnabled=false
	-o Acquire::IndexTargets::deb::Translations::DefaultEnabled=false)
apt_opts+=("${only_release[@]}")
# apt's default, for the control: our options less the one that accepts an expired file.
default_opts=()
for o in "${apt_opts[@]}"; do
	if [ "$o" = Acquire::Check-Valid-Until=false ]; then
		unset 'default_opts[${#default_opts[@]}-1]'
	else
		default_opts+=("$o")
	fi
done

clock=()
apt-get "${apt_opts[@]}" -qq update >/dev/null 2>&1 || true
until=$(sed -n 's/^Valid-Until: //p' "$dir"/lists/*sid_InRelease 2>/dev/null | head -n 1)
if [ -z "$until" ]; then
	echo "not ok - sid's InRelease was fetched and has a Valid-Until"
	exit 0
fi
if [ "$(date -d "$until" +%s)" -ge "$(date +%s)" ]; then
	command -v faketime >/dev/null || die "faketime is missing (scripts/bootstrap installs it)"
	clock=(faketime "@$(($(date -d "$until" +%s) + 86400))")
	echo "# sid's Release file is valid until $until: both runs a day past that, under faketime"
else
	echo "# sid's Release file expired on $until"
fi
rm -rf "$dir/lists"
mkdir -p "$dir/lists/partial"

s=0
out=$("${clock[@]}" apt-get "${default_opts[@]}" -qq update 2>&1) || s=$?
if [ "$s" -ne 0 ] && grep -q 'is expired' <<<"$out"; then
	echo "ok - apt's default refuses sid's expired Release file (the set-up failed so before)"
else
	echo "not ok - apt's default refuses sid's expired Release file: exit $s, $out"
fi

s=0
# shellcheck disable=SC2016 # expanded by the inner shell
out=$("${clock[@]}" bash -c '. "$1"; apt_opts=("${@:3}"); apt_update "$2"' apt_update \
	"$PIDNS_ROOT/scripts/lib.sh" "$dir" "${apt_opts[@]}" 2>&1) || s=$?
if [ "$s" -eq 0 ]; then
	echo "ok - private_apt's apt-get update takes sid's expired Release file"
else
	echo "not ok - private_apt's apt-get update takes sid's expired Release file: exit $s, $out"
fi
if [ "$(grep -c '^warning: ' <<<"$out")" -eq 1 ] &&
	grep -q "^warning: sid's Release file expired on $until; accepted" <<<"$out"; then
	echo "ok - it says so in one warning line"
else
	echo "not ok - it says so in one warning line: $out"
fi
if [ -s "$(compgen -G "$dir/lists/*sid_InRelease" | head -n 1)" ]; then
	echo "ok - the expired InRelease is in the lists (its signature verified by apt)"
else
	echo "not ok - the expired InRelease is in the lists"
fi

# A file that is not signed by Debian's keys is still refused: only the date is let pass.
own_apt "$dir/other"
sed -i 's#signed-by=[^]]*#signed-by=/dev/null#' "$dir/other/sources.list"
s=0
out=$(APT_CONFIG="$dir/other/apt.conf" "${clock[@]}" apt-get "${apt_opts[@]}" -qq update 2>&1) || s=$?
if [ "$s" -ne 0 ] || grep -q 'NO_PUBKEY\|not signed\|signatures' <<<"$out"; then
	echo "ok - a Release file that Debian's keys do not sign is still refused"
else
	echo "not ok - a Release file that Debian's keys do not sign is still refused: exit $s"
fi
