#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Line and branch coverage of module/ from the debug lane's gcov counts.

    coverage.py OUTDIR SRCDIR COVDIR [NOTE]

OUTDIR is the debug lane's VM directory: its output.log holds, between
MACHEXC-GCOV and MACHEXC-GCOV-END, a gzipped tarball in base64 of the
.gcda files the kernel kept for the module (selftests/vm/job.sh).  SRCDIR
is the lane's build directory (build-module.sh), with the objects' .gcno
files and the sources they were built from.  COVDIR receives:

    summary.txt     lines, branches and functions per file, and in total
    uncovered.txt   per file: the functions never called, then every line
                    never run, as ranges, with the function and source text
    lcov.info       the same counts as an lcov tracefile (for genhtml)
    gcda/           the counts themselves, beside copies of their .gcno

Prints one line, "coverage: module/ L% of lines, B% of branches (debug
lane)", and where the details are.  The figure is never pass/fail; no
counts, or counts gcov cannot read, exit 1.  machexc_test.ko (module/tests/,
the KUnit suites) is test code and not counted; module/'s headers are,
wherever they were compiled into machexc.ko.
"""
import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

BEGIN, END = "MACHEXC-GCOV", "MACHEXC-GCOV-END"


def fail(why):
    print(f"coverage: no report from the debug lane: {why}")
    sys.exit(1)


def gcov_tool():
    """The gcov of the gcc that built the module (kbuild's CC is gcc)."""
    try:
        major = subprocess.run(["gcc", "-dumpversion"], capture_output=True,
                               text=True, check=True).stdout.strip().split(".")[0]
    except (OSError, subprocess.CalledProcessError):
        major = ""
    for tool in (f"gcov-{major}", "gcov"):
        if shutil.which(tool):
            return tool
    fail("no gcov found (it comes with gcc)")
    return None


def read_counts(outdir):
    """The tarball of .gcda files from output.log, as a TarFile."""
    # lane.sh removes the result first and report.py writes it after the
    # VM: without it, output.log is an older run's.
    if not os.path.exists(f"{outdir}/result"):
        fail("the lane did not run")
    try:
        lines = open(f"{outdir}/output.log", errors="replace").read().splitlines()
    except OSError:
        fail(f"no {outdir}/output.log")
    data, inside, ended = [], False, False
    for line in lines:
        line = line.strip()
        if line == BEGIN:
            inside, data = True, []
        elif line == END:
            inside, ended = False, True
        elif inside:
            data.append(line)
    if not ended:
        fail("the VM handed out no gcov counts (see MACHEXC-FATAL in the lane's output)")
    try:
        return tarfile.open(fileobj=io.BytesIO(base64.b64decode("".join(data))), mode="r:gz")
    except (ValueError, tarfile.TarError, EOFError, OSError) as e:
        fail(f"the gcov counts do not decode ({e})")
    return None


def relative(path, srcdir):
    """PATH (absolute, as compiled) relative to the lane's source copy."""
    if path.startswith("./"):
        path = path[1:]
    path = os.path.normpath("/" + path.lstrip("/"))
    for prefix in (srcdir, os.path.realpath(srcdir)):
        if path.startswith(prefix + "/"):
            return path[len(prefix) + 1:]
    return None


def counted(rel):
    return rel is not None and rel.startswith("module/") and not rel.startswith("module/tests/")


def collect(tar, srcdir, covdir, tool):
    """Run gcov over every object of machexc.ko; merge per source line."""
    files = {}    # rel -> {"lines": {n: count}, "branches": {(n, i): count}, "funcs": {name: [line, count]}}
    data = f"{covdir}/gcda"
    objects = 0
    for m in tar.getmembers():
        if not m.isfile() or not m.name.endswith(".gcda"):
            continue
        rel = relative(m.name, srcdir)
        if not counted(rel):
            continue
        stem = rel[:-len(".gcda")]
        gcno = f"{srcdir}/{stem}.gcno"
        if not os.path.exists(gcno):
            fail(f"{stem}.gcno is missing from {srcdir} (module rebuilt since the run?)")
        os.makedirs(os.path.dirname(f"{data}/{stem}"), exist_ok=True)
        with open(f"{data}/{stem}.gcda", "wb") as f:
            f.write(tar.extractfile(m).read())
        shutil.copyfile(gcno, f"{data}/{stem}.gcno")
        r = subprocess.run([tool, "-b", "--json-format", "--stdout", "-o",
                            os.path.dirname(f"{data}/{stem}"), f"{data}/{stem}.gcda"],
                           capture_output=True, text=True, cwd=data)
        if r.returncode != 0 or not r.stdout.strip():
            fail(f"{tool} failed on {stem}: {r.stderr.strip()[:300]}")
        objects += 1
        for doc in r.stdout.splitlines():
            if not doc.strip():
                continue
            for fj in json.loads(doc)["files"]:
                src = relative(fj["file"], srcdir)
                if not counted(src):
                    continue
                acc = files.setdefault(src, {"lines": {}, "branches": {}, "funcs": {}})
                for ln in fj["lines"]:
                    n = ln["line_number"]
                    acc["lines"][n] = acc["lines"].get(n, 0) + ln["count"]
                    for i, b in enumerate(ln.get("branches", [])):
                        acc["branches"][(n, i)] = acc["branches"].get((n, i), 0) + b["count"]
                for fn in fj["functions"]:
                    f = acc["funcs"].setdefault(fn["name"], [fn["start_line"], fn["end_line"], 0])
                    f[2] += fn["execution_count"]
    if objects == 0:
        fail("the counts hold no object of machexc.ko")
    return files, objects


def pct(a, b):
    return 100.0 * a / b if b else 100.0


def ranges(nums):
    out, start, prev = [], None, None
    for n in sorted(nums):
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append((start, prev))
            start = prev = n
    if start is not None:
        out.append((start, prev))
    return out


def totals(acc):
    lines = acc["lines"]
    br = acc["branches"]
    return (sum(1 for c in lines.values() if c), len(lines),
            sum(1 for c in br.values() if c), len(br),
            sum(1 for f in acc["funcs"].values() if f[2]), len(acc["funcs"]))


def function_at(acc, n):
    best = None
    for name, (start, end, _) in acc["funcs"].items():
        if start <= n <= end and (best is None or start > best[1]):
            best = (name, start)
    return best[0] if best else ""


def write_reports(files, srcdir, covdir, note):
    names = sorted(files)
    t = [0] * 6
    rows = []
    for name in names:
        v = totals(files[name])
        t = [a + b for a, b in zip(t, v)]
        rows.append((name, v))
    with open(f"{covdir}/summary.txt", "w") as f:
        f.write(f"Coverage of module/ (machexc.ko) in the debug lane{note}, by gcov.\n")
        f.write("Lowest line coverage first.  Uncovered lines: uncovered.txt.\n\n")
        f.write(f"{'file':<28} {'lines':>15} {'branches':>16} {'functions':>13}\n")
        for name, v in sorted(rows, key=lambda r: (pct(r[1][0], r[1][1]), r[0])):
            f.write(f"{name:<28} {v[0]:>5}/{v[1]:<5} {pct(v[0], v[1]):5.1f}% "
                    f"{v[2]:>5}/{v[3]:<5} {pct(v[2], v[3]):5.1f}% "
                    f"{v[4]:>3}/{v[5]:<3} {pct(v[4], v[5]):5.1f}%\n")
        f.write(f"{'total':<28} {t[0]:>5}/{t[1]:<5} {pct(t[0], t[1]):5.1f}% "
                f"{t[2]:>5}/{t[3]:<5} {pct(t[2], t[3]):5.1f}% "
                f"{t[4]:>3}/{t[5]:<3} {pct(t[4], t[5]):5.1f}%\n")
    with open(f"{covdir}/uncovered.txt", "w") as f:
        f.write(f"Lines of module/ that no test ran in the debug lane{note}.\n")
        f.write("Per file: functions never called, then each range of lines never run\n")
        f.write("(with its function and the first line's text).\n")
        for name in names:
            acc = files[name]
            missed = [n for n, c in acc["lines"].items() if not c]
            if not missed:
                continue
            try:
                text = open(f"{srcdir}/{name}", errors="replace").read().splitlines()
            except OSError:
                text = []
            v = totals(acc)
            f.write(f"\n{name}: {v[1] - v[0]} of {v[1]} lines not run\n")
            never = sorted((s, n) for n, (s, _, c) in acc["funcs"].items() if not c)
            if never:
                f.write("  never called: " + ", ".join(n for _, n in never) + "\n")
            for a, b in ranges(missed):
                where = f"{a}" if a == b else f"{a}-{b}"
                src = text[a - 1].strip() if a <= len(text) else ""
                f.write(f"  {where:<10} {function_at(acc, a)[:28]:<28} | {src[:70]}\n")
    with open(f"{covdir}/lcov.info", "w") as f:
        f.write("TN:machexc\n")
        for name in names:
            acc = files[name]
            f.write(f"SF:{os.path.join(srcdir, name)}\n")
            for fname, (start, _, count) in sorted(acc["funcs"].items(), key=lambda x: x[1][0]):
                f.write(f"FN:{start},{fname}\nFNDA:{count},{fname}\n")
            v = totals(acc)
            f.write(f"FNF:{v[5]}\nFNH:{v[4]}\n")
            for (n, i), c in sorted(acc["branches"].items()):
                f.write(f"BRDA:{n},0,{i},{c if acc['lines'].get(n) else '-'}\n")
            f.write(f"BRF:{v[3]}\nBRH:{v[2]}\n")
            for n, c in sorted(acc["lines"].items()):
                f.write(f"DA:{n},{c}\n")
            f.write(f"LF:{v[1]}\nLH:{v[0]}\nend_of_record\n")
    return t


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    outdir, srcdir, covdir = (os.path.abspath(a) for a in sys.argv[1:4])
    note = f", {sys.argv[4]}" if len(sys.argv) == 5 and sys.argv[4] else ""
    shutil.rmtree(covdir, ignore_errors=True)
    os.makedirs(covdir)
    tool = gcov_tool()
    tar = read_counts(outdir)
    files, _ = collect(tar, srcdir, covdir, tool)
    t = write_reports(files, srcdir, covdir, note)
    print(f"coverage: module/ {pct(t[0], t[1]):.1f}% of lines, "
          f"{pct(t[2], t[3]):.1f}% of branches (debug lane{note})")
    shown = os.path.relpath(covdir)
    if shown.startswith(".."):
        shown = covdir
    print(f"  per file: {shown}/summary.txt; lines not run: {shown}/uncovered.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
