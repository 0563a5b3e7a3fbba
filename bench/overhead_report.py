# SPDX-License-Identifier: GPL-2.0
"""The section "Cost for processes that never use machexc" of
bench/RESULTS.md, from the instruction-counting boot (bench/overhead.sh)
whose output.log sits in the lane's overhead/ folder."""
import os

ROWS = {
    "signal_delivery": "kill() to self, SIGUSR1 handler",
    "sigprocmask": "sigprocmask() block and unblock",
    "fault_signal_to_own_handler": "fault, SIGSEGV to own handler",
    "page_fault": "minor page fault",
    "fork_exit": "fork(), child exits, parent reaps it",
    "fork_exec_exit": "fork(), child execs a static program that exits, parent reaps it",
}
MODES = ("unloaded", "loaded", "in-use", "waiting")
LABELS = {
    "loaded": "loaded, unused",
    "in-use": "another process has exception ports (all hooks on)",
    "waiting": "a thread of another process waits in an exception",
}


def parse(lane_log):
    """{(mode, row): [round medians]}, {mode: [kprobes armed]}, or None."""
    path = os.path.join(os.path.dirname(lane_log), "overhead", "output.log")
    if not os.path.exists(path):
        return None
    rounds, kprobes, rt, tput = {}, {}, {}, {}
    with open(path, errors="replace") as f:
        for line in f:
            w = line.split()
            if len(w) >= 7 and w[0] == "icount" and w[1] == "throughput":
                # icount throughput RUN FAULTERS HANDLERS RATE SHARE...
                if int(w[5]):
                    tput.setdefault((int(w[3]), int(w[4])), []).append(
                        round(1e9 / int(w[5])))
            elif len(w) == 6 and w[1] == "row" and w[0] in MODES:
                rounds.setdefault((w[0], w[2]), []).append(int(w[3]))
            elif len(w) == 6 and w[1] == "row" and w[0] in ("rt", "before-rt"):
                rt.setdefault((w[0], w[2]), []).append(int(w[3]))
            elif len(w) == 3 and w[1] == "kprobes":
                kprobes.setdefault(w[0], []).append(int(w[2]))
    return {"rounds": rounds, "kprobes": kprobes, "rt": rt, "tput": tput} if rounds else None


def tput_section(ov):
    """Throughput on one vCPU, in instructions per exception."""
    if not ov or not ov.get("tput"):
        return []
    t = ov["tput"]
    n = max(len(v) for v in t.values())
    out = ["### Throughput in instructions", "",
           "The throughput table's configurations run again in the "
           "instruction-counting boot (one vCPU, every thread of both processes "
           "on it), after its rounds: instructions per exception (10^9 over "
           f"exceptions per second of its clock), the median of {n} runs "
           "(min-max).  What does not depend on TCG's clock: whether more "
           "faulting threads or a second handler thread make an exception "
           "dearer.  What a second CPU adds cannot be counted so (QEMU's "
           "icount runs the vCPUs in turn).", "",
           "| faulting threads | 1 handler | 2 handlers | 2 against 1 |",
           "| --- | --- | --- | --- |"]
    for nf in sorted({nf for nf, _ in t}):
        cells = [str(nf)]
        for nh in (1, 2):
            v = t.get((nf, nh))
            cells.append(f"{median(v)} ({min(v)}-{max(v)})" if v else "-")
        a, b = t.get((nf, 1)), t.get((nf, 2))
        cells.append(f"{median(b) / median(a):.3f}x" if a and b else "-")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return out


def tput_second_handler(ov):
    """A second handler thread on one vCPU: the worst ratio of instructions
    per exception (2 against 1) over 1-8 faulting threads; met unless a
    median is above the other's highest run."""
    t, worst, ok = ov["tput"], None, True
    for nf in range(1, 9):
        a, b = t.get((nf, 1)), t.get((nf, 2))
        if a and b:
            r = median(b) / median(a)
            if worst is None or r > worst[0]:
                worst = (r, nf)
            ok = ok and median(b) <= max(a)
    return worst, ok


def tput_more_faulting(ov):
    """More faulting threads on one vCPU: the worst ratio of instructions
    per exception against the cheapest fewer count, either handler count;
    met unless a median is above that one's highest run."""
    t, worst, ok = ov["tput"], None, True
    for nh in (1, 2):
        best = None
        for nf in range(1, 9):
            v = t.get((nf, nh))
            if not v:
                continue
            if best:
                r = median(v) / median(best[1])
                if worst is None or r > worst[0]:
                    worst = (r, nf, best[0], nh)
                ok = ok and median(v) <= max(best[1])
            if not best or median(v) < median(best[1]):
                best = (nf, v)
    return worst, ok


def rt_ratio(ov, row, peer, which="rt"):
    """A round trip's instructions over a peer's (medians), or None."""
    a, b = ov["rt"].get((which, row)), ov["rt"].get((which, peer))
    return median(a) / median(b) if a and b and median(b) else None


def rt_section(ov, names, pinned=None):
    """Round trips counted in instructions (the rows of the same boot).

    pinned maps a row to its pinned clock median in nanoseconds, for a
    column of the time TCG gave each instruction."""
    pinned = pinned or {}
    if not ov or not ov.get("rt"):
        return []
    rt = ov["rt"]
    before = any(k[0] == "before-rt" for k in rt)
    n = max(len(v) for v in rt.values())
    out = ["### Round trips in instructions", "",
           "The same round trips as above, counted in instructions in the "
           "instruction-counting boot (one vCPU, so both ends share it, as in the "
           f"pinned column): the median of {n} rounds (min-max), each the median "
           "of 3 runs of 1000, one round after each round of the table below.  "
           "What TCG makes dear (an address-space switch empties its software "
           "TLB) counts for nothing here, and every "
           "instruction counts alike (a `rep stos` once per byte it writes): this "
           "is path length.  The last column divides the pinned clock median "
           "by the instructions: what TCG made each instruction of the row cost.",
           ""]
    head = "| mechanism | instructions | / futex | / ptrace | / seccomp |"
    rule = "| --- | --- | --- | --- | --- |"
    if pinned:
        head += " pinned ns per instruction |"
        rule += " --- |"
    if before:
        head += " before (MACHEXC_OVERHEAD_BEFORE) | change |"
        rule += " --- | --- |"
    out += [head, rule]
    for row, label in names.items():
        v = rt.get(("rt", row))
        if not v:
            continue
        cells = [label, f"{median(v)} ({min(v)}-{max(v)})"]
        for peer in ("futex", "ptrace", "seccomp_user_notif"):
            r = rt_ratio(ov, row, peer)
            cells.append(f"{r:.2f}x" if r else "-")
        if pinned:
            ns = pinned.get(row)
            cells.append(f"{ns / median(v):.1f}" if ns else "-")
        if before:
            b = rt.get(("before-rt", row))
            cells += [str(median(b)) if b else "-",
                      f"{100.0 * (median(v) - median(b)) / median(b):+.1f}%" if b else "-"]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return out


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


def noise(ov):
    """The widest spread of the not-loaded rounds, in percent of their median."""
    worst = 0.0
    for (mode, _), v in ov["rounds"].items():
        if mode == "unloaded" and len(v) > 1 and median(v):
            worst = max(worst, 100.0 * (max(v) - min(v)) / median(v))
    return worst


def changes(ov, modes=("loaded", "in-use")):
    """Percent change against not loaded, per (mode, row)."""
    out = {}
    for n in ROWS:
        base = ov["rounds"].get(("unloaded", n))
        if not base:
            continue
        for mode in modes:
            v = ov["rounds"].get((mode, n))
            if v:
                out[(mode, n)] = 100.0 * (median(v) - median(base)) / median(base)
    return out


def worst(ov):
    """The largest change in any configuration with the module loaded."""
    c = changes(ov, MODES[1:])
    if not c:
        return "-"
    (mode, row), v = max(c.items(), key=lambda kv: kv[1])
    return (f"worst {v:+.1f}%: {ROWS[row]}, {LABELS[mode]} (noise {noise(ov):.2f}%; "
            f"{'**met**' if v <= 2.0 else 'not met'})")


def section(ov):
    if not ov:
        return []
    nrounds = max(len(v) for v in ov["rounds"].values())
    kp = ov["kprobes"]
    out = ["### Cost for processes that never use machexc", "",
           "Instructions per operation, counted: a boot of its own with QEMU's "
           "`-icount shift=0,sleep=off` and one vCPU (bench/overhead.sh), where the "
           "guest's clock advances one nanosecond per instruction executed, so "
           "CLOCK_MONOTONIC around a loop counts its instructions (the kernel's "
           "included) whatever the host does.  Each figure is the median of "
           f"{nrounds} rounds, the four configurations interleaved, each round the "
           "median of 3 runs; the change is against the module not loaded.  The "
           "not-loaded rounds spread by at most "
           f"{noise(ov):.2f}% of their median: the method's own noise.  Instructions "
           "leave out what a trap or a cache miss costs beyond them: read the "
           "figures as path length.", "",
           "| operation | not loaded | " + " | ".join(
               f"{LABELS[m]} | change" for m in MODES[1:]) + " |",
           "| --- | --- |" + " --- | --- |" * (len(MODES) - 1)]
    c = changes(ov, MODES[1:])
    for n, label in ROWS.items():
        base = ov["rounds"].get(("unloaded", n))
        if not base:
            continue
        cells = [label, str(median(base))]
        for m in MODES[1:]:
            v = ov["rounds"].get((m, n))
            cells += [str(median(v)) if v else "-",
                      f"{c[(m, n)]:+.1f}%" if (m, n) in c else "-"]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    if kp:
        out.append("Signal hooks (dequeue_signal, recalc_sigpending; a direct call, "
                   "or kprobes) in while measuring: " + ", ".join(
                       f"{LABELS[m]} {max(kp[m])}" for m in MODES[1:] if m in kp) + ".")
        out.append("")
    return out
