#!/bin/bash
# setup_first.sh - on a fresh machine the first `make run` works: make
# installs the packages (scripts/setup.sh) before it asks a compiler for its
# include or libgcc path, which it does with $(shell) while parsing.
#
# Simulated fresh machine: a directory first on PATH holds stand-ins for the
# cross compilers that fail as a missing command would (and note that they
# were called). The fake setup "installs" them: it replaces each stand-in
# with a wrapper around the real compiler. A probe before setup hits a
# stand-in; the test fails if one did, or if no probe came after setup.
set -eu
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tools="riscv64-unknown-elf-gcc aarch64-linux-gnu-gcc"

missing() {  # the stand-ins of an uninstalled compiler
	mkdir -p "$tmp/bin"
	for t in $tools; do
		printf '#!/bin/sh\necho "probe before setup: %s" >> %s\nexit 127\n' "$t" "$tmp/log" > "$tmp/bin/$t"
		chmod +x "$tmp/bin/$t"
	done
}
cat > "$tmp/setup.sh" <<EOF
#!/bin/sh
echo setup >> $tmp/log
for t in $tools; do
	printf '#!/bin/sh\\necho "probe: %s" >> %s\\nexec /usr/bin/%s "\$@"\\n' \$t $tmp/log \$t > $tmp/bin/\$t
	chmod +x $tmp/bin/\$t
done
EOF
chmod +x "$tmp/setup.sh"

checks=0
for goal in "run ARCH=riscv64" "run ARCH=aarch64" "debug ARCH=riscv64" "all ARCH=aarch64"; do
	missing
	: > "$tmp/log"
	# shellcheck disable=SC2086
	env -u GORT_SETUP_DONE PATH="$tmp/bin:$PATH" make -n $goal SETUP="$tmp/setup.sh" > "$tmp/out" 2>&1 || {
		echo "make -n $goal failed:"; tail -n 5 "$tmp/out"; exit 1; }
	if grep -q 'before setup' "$tmp/log" || [ "$(head -n 1 "$tmp/log")" != setup ] ||
	   ! grep -q '^probe: ' "$tmp/log"; then
		echo "make $goal: a compiler was asked before setup ran:"; cat "$tmp/log"; exit 1
	fi
	checks=$((checks + 1))
done
echo "setup ran before every compiler probe in $checks make goals"
