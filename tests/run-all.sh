#!/usr/bin/env bash
# Run every test: each cmocka unit-test program, then the pytest end-to-end
# suite, and print one closing line "check: N passed, N failed".  Exits
# non-zero when anything failed.  Called by `make suite` (and `make asan`; `make check` runs both).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BINDIR=${BINDIR:-bin}
PYTHON=${PYTHON:-/usr/bin/python3}
export GZ_FIXTURES=${GZ_FIXTURES:-tests/fixtures}
export GZ_DATA=${GZ_DATA:-data}
export GZ_BINDIR=$(cd "$BINDIR" && pwd)
# Sanitizer reports must fail the run, and leaks count.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Leaks inside third-party code that cannot be freed from here (the file
# says which and why).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

passed=0
failed=0
failures=""

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	out=$(timeout 300 "$t" 2>&1)
	rc=$?
	# cmocka's closing lines; stdout and stderr may share a line.
	p=$(printf '%s\n' "$out" | grep -o '\[  PASSED  \] [0-9]* test' | tail -1 | tr -dc 0-9)
	f=$(printf '%s\n' "$out" | grep -o '\[  FAILED  \] [0-9]* test' | tail -1 | tr -dc 0-9)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, timed out or a sanitizer stopped it
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures="$failures $name"
		printf '%s\n' "$out"
		echo "unit: $name FAILED (exit $rc)"
	else
		echo "unit: $name: $p passed"
	fi
done

xml="$BUILD/e2e-results.xml"
rm -f "$xml"
timeout 1800 "$PYTHON" -m pytest -q -p no:cacheprovider --timeout=300 tests/e2e --junitxml="$xml"
rc=$?
if [ -f "$xml" ]; then
	read -r ep ef < <("$PYTHON" - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
sk = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - sk, f)
PY
)
else
	ep=0
	ef=1
fi
if [ "$rc" -ne 0 ] && [ "$ef" -eq 0 ]; then
	ef=1
fi
[ "$ef" -ne 0 ] && failures="$failures e2e"
passed=$((passed + ep))
failed=$((failed + ef))

[ -n "$failures" ] && echo "failing:$failures"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
