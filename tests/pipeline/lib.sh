# shellcheck shell=bash
# What the pipeline tests share. Sourced, not run.

# check NAME CMD...: "ok - NAME" when CMD succeeds, else "not ok - NAME" (a failing CMD must not
# end the test under set -e).
check() {
	local name=$1
	shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fi
}
