#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read what a test VM left behind and judge it.

    report.py lane LANE OUTDIR      judge one lane, print its line, write OUTDIR/result
    report.py summary RESULT...     print the closing "N passed, M failed" line
    report.py splats OUTDIR         only the kernel's health (for make vm/demo)

A lane's output.log (ttyS1) holds the TAP of each selftest and the KTAP of
each KUnit suite between markers written by the job; console.log (ttyS0)
holds the kernel's messages, where any splat fails the lane.
"""
import re
import sys

# Kernel reports that fail a run wherever they appear on the console.
SPLATS = [
    r"\bBUG:", r"\bWARNING:", r"\bOops\b", r"general protection fault",
    r"Kernel panic", r"\bKASAN\b", r"\bUBSAN\b", r"UBSAN:",
    r"possible circular locking", r"possible recursive locking",
    r"inconsistent lock state", r"suspicious RCU usage",
    r"INFO: task .* blocked for more than",
    r"soft lockup", r"hard LOCKUP", r"rcu_.*detected stalls",
    r"unreferenced object", r"suspected memory leak", r"cut here",
    r"Call Trace:", r"list_add corruption", r"list_del corruption",
    r"ODEBUG:",
]
SPLAT_RE = re.compile("|".join(SPLATS))
# Taint bits that mean the kernel itself complained (see taint flags in
# Documentation/admin-guide/tainted-kernels.rst): B D W L.
BAD_TAINT = (1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)
TAP_RE = re.compile(r"^(not ok|ok) \d+\b(.*)$")
KTAP_CASE_RE = re.compile(r"^\s+(not ok|ok) \d+\b(.*)$")


def find_splat(console):
    """The first kernel report on the console with some context, or None."""
    first = next((i for i, l in enumerate(console) if SPLAT_RE.search(l)), None)
    if first is None:
        return None
    shown = [l for l in console[max(0, first - 3):first + 60] if l.strip()]
    return "kernel splat on the console:\n" + "\n".join("    | " + l for l in shown)


def failing_lines(block):
    """Each failing case's own lines (from its "#  RUN" to its "not ok"),
    or the end of the test's output when no case failed by name."""
    shown, start = [], 0
    for i, line in enumerate(block):
        if re.match(r"^#\s+RUN\s", line):
            start = i
        elif line.startswith("not ok"):
            shown += block[max(start, i - 59):i + 1]
    if not shown:
        shown = block[-60:]
    return "\n".join("    | " + b for b in shown)


def splats_only(outdir):
    try:
        console = open(f"{outdir}/console.log", errors="replace").read().splitlines()
    except OSError:
        console = []
    bad = []
    splat = find_splat(console)
    if splat:
        bad.append(splat)
    try:
        for line in open(f"{outdir}/output.log", errors="replace"):
            if line.startswith("MACHEXC-TAINT ") and int(line.split()[1]) & BAD_TAINT:
                bad.append(f"kernel tainted {int(line.split()[1]):#x}")
            elif line.startswith("MACHEXC-FATAL"):
                bad.append(line.strip())
    except OSError:
        bad.append("no output from the VM")
    for b in bad:
        print(b)
    return 1 if bad else 0


def judge_lane(lane, outdir):
    try:
        out = open(f"{outdir}/output.log", errors="replace").read().splitlines()
    except OSError:
        out = []
    try:
        console = open(f"{outdir}/console.log", errors="replace").read().splitlines()
    except OSError:
        console = []
    passed = failed = skipped = 0
    problems = []
    # Every selftest the job was to run must report its exit.
    try:
        expected = re.findall(r'echo "MACHEXC-TEST (\S+)"', open(f"{outdir}/job").read())
    except OSError:
        expected = []
    exited = set()
    end_rc = "0"

    def count(status, rest, what):
        nonlocal passed, failed, skipped
        if status == "ok" and re.search(r"#\s*SKIP", rest, re.I):
            skipped += 1
        elif status == "ok":
            passed += 1
        else:
            failed += 1
            problems.append(f"{what}: not ok{rest}")

    section, name, seen_plan, block = None, None, False, []
    case_failed = False
    kernel = "?"
    ended = False
    leaks = []
    for line in out:
        line = line.rstrip("\r")
        if line.startswith("MACHEXC-BEGIN "):
            kernel = line.split(" ", 1)[1]
        elif line.startswith("MACHEXC-END"):
            ended = True
            m = re.search(r"rc=(\d+)", line)
            end_rc = m.group(1) if m else "0"
        elif line.startswith("MACHEXC-TEST "):
            section, name, seen_plan, block = "test", line.split()[1], False, []
        elif line.startswith("MACHEXC-TEST-EXIT "):
            _, tname, rc = line.split()
            exited.add(tname)
            if not seen_plan:
                failed += 1
                problems.append(f"{tname}: no TAP output (exit {rc})")
            elif rc != "0" and not any(p.startswith(tname + ":") for p in problems):
                failed += 1
                problems.append(f"{tname}: exited {rc} with every case passing")
            if any(p.startswith(tname + ":") for p in problems):
                problems.append(failing_lines(block))
            section = None
        elif line.startswith("MACHEXC-KUNIT "):
            section, name, seen_plan = "kunit", line.split()[1], False
            case_failed = False
        elif line.startswith("MACHEXC-KUNIT-END"):
            if not seen_plan:
                failed += 1
                problems.append(f"kunit {name}: no test cases reported")
            section = None
        elif line.startswith("MACHEXC-TAINT "):
            taint = int(line.split()[1])
            if taint & BAD_TAINT:
                problems.append(f"kernel tainted {taint:#x} (a warning, oops or lockup)")
                failed += 1
        elif line.startswith("MACHEXC-FATAL"):
            problems.append(line)
            failed += 1
        elif line.startswith("MACHEXC-KMEMLEAK"):
            section = "kmemleak" if line == "MACHEXC-KMEMLEAK" else None
        elif section == "kmemleak":
            leaks.append(line)
        elif section == "test":
            block.append(line)
            if re.match(r"^1\.\.\d+", line):
                seen_plan = True
            m = TAP_RE.match(line)
            if m:
                count(m.group(1), m.group(2), f"{name}")
        elif section == "kunit":
            m = KTAP_CASE_RE.match(line)
            if m:
                seen_plan = True
                case_failed |= m.group(1) == "not ok"
                count(m.group(1), m.group(2), f"kunit {name}")
            # The suite's own line: debugfs keeps only the start of a long
            # log, and a failing case's line may be cut off; the suite's
            # "not ok" still says so.
            m = TAP_RE.match(line)
            if m and m.group(1) == "not ok" and not case_failed:
                failed += 1
                problems.append(f"kunit {name}: the suite failed (its failing cases' lines "
                                "were cut off: see console.log)")
    nleaks = sum("unreferenced object" in l for l in leaks)
    if nleaks:
        failed += 1
        problems.append(f"kmemleak: {nleaks} unreferenced objects; the first:\n" +
                        "\n".join("    | " + l for l in leaks[:40]))
    if not ended:
        failed += 1
        problems.append("the VM did not reach the end of its job")
    for t in expected:
        if t not in exited:
            failed += 1
            problems.append(f"{t}: never finished (the job ended with rc={end_rc})")
    splat = find_splat(console)
    if splat:
        failed += 1
        problems.append(splat)
    with open(f"{outdir}/result", "w") as f:
        f.write(f"{passed} {failed} {skipped}\n")
    # One line per problem, for the closing summary.
    with open(f"{outdir}/failures", "w") as f:
        for p in problems:
            if not p.startswith("    |"):
                f.write(f"lane {lane}: {p.splitlines()[0]}\n")
    print(f"lane {lane:<6} {kernel:<24} {passed} passed, {failed} failed, {skipped} skipped")
    for p in problems:
        print(p if p.startswith("    |") else "  " + p)
    return 0 if failed == 0 else 1


def summary(files):
    """The closing line, after one line per failure so that the last lines
    of a long run say what failed and where."""
    p = f = s = 0
    for path in files:
        try:
            with open(re.sub(r"\.result$", ".failures", path)) as lines:
                sys.stdout.write(lines.read())
        except OSError:
            pass
        try:
            a, b, c = (int(x) for x in open(path).read().split())
        except (OSError, ValueError):
            a, b, c = 0, 1, 0
        p, f, s = p + a, f + b, s + c
    print(f"{p} passed, {f} failed" + (f", {s} skipped" if s else ""))
    return 0 if f == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "lane":
        sys.exit(judge_lane(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 3 and sys.argv[1] == "splats":
        sys.exit(splats_only(sys.argv[2]))
    if len(sys.argv) >= 2 and sys.argv[1] == "summary":
        sys.exit(summary(sys.argv[2:]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
