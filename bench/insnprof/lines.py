#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The module's share of an instruction profile, by source line: where in
machexc's own functions a round trip's instructions go, inlined code at
the line it came from.  From the same two tbcount.c counts as insnprof.py
(a boot that ran a row HI times, one that ran it LO times), the boots'
/proc/kallsyms and the module the boots loaded, disassembled with its
line table (objdump -dl): each block's instructions are walked from its
first, each charged with the block's runs.

    lines.py KALLSYMS HI.out LO.out OPS MODULE.ko [N]

Prints the N (40) costliest lines: instructions per round trip, the
line, the functions its instructions sit in.  A tool for finding what to
cut, not a figure of RESULTS.md.
"""
import bisect
import collections
import re
import subprocess
import sys

from insnprof import MODULE_AREA, kallsyms

FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
INSN = re.compile(r"^\s*([0-9a-f]+):\s")
LINE = re.compile(r"^(/\S+|\S+\.[ch]):(\d+)")


def disassembly(module):
    """{function: [(offset in the function, "file:line")]} from objdump."""
    out = subprocess.run(["objdump", "-dl", "--no-show-raw-insn", module],
                         check=True, capture_output=True, text=True).stdout
    funcs, func, start, where = {}, None, 0, "?"
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            func, start, where = m.group(1), None, "?"
            funcs[func] = []
            continue
        m = LINE.match(line)
        if m and func:
            where = f"{m.group(1).split('/module/')[-1]}:{m.group(2)}"
            continue
        m = INSN.match(line)
        if m and func:
            addr = int(m.group(1), 16)
            if start is None:
                start = addr
            funcs[func].append((addr - start, where))
    return funcs


def runs(syms, path):
    """{(function, offset of the block): (runs, length)} in the module."""
    addrs = [a for a, _ in syms]
    out = {}
    with open(path) as f:
        for line in f:
            va, n, insns = line.split()
            va, n, insns = int(va, 16), int(n), int(insns)
            i = bisect.bisect_right(addrs, va) - 1
            if va < MODULE_AREA or i < 0 or not syms[i][1].endswith("[machexc]") or not insns:
                continue
            key = (syms[i][1].split()[0], va - syms[i][0])
            r, _ = out.get(key, (0, insns))
            out[key] = (r + n // insns, insns)
    return out


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    syms = kallsyms(sys.argv[1])
    hi, lo = runs(syms, sys.argv[2]), runs(syms, sys.argv[3])
    ops = float(sys.argv[4])
    funcs = disassembly(sys.argv[5])
    top = int(sys.argv[6]) if len(sys.argv) > 6 else 40
    cost, where_funcs = collections.Counter(), collections.defaultdict(set)
    for (func, off), (n, insns) in hi.items():
        n = (n - lo.get((func, off), (0, 0))[0]) / ops
        body = funcs.get(func)
        if n <= 0 or not body:
            continue
        offs = [o for o, _ in body]
        i = bisect.bisect_left(offs, off)
        for o, where in body[i:i + insns]:
            cost[where] += n
            where_funcs[where].add(func)
    total = sum(cost.values())
    print(f"{total:.0f} module instructions per round trip")
    for where, n in cost.most_common(top):
        print(f"{n:7.1f}  {where:32}  {' '.join(sorted(where_funcs[where]))}")


if __name__ == "__main__":
    main()
