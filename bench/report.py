#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn machexc-bench output (one VM boot per lane) into tables.

    report.py RESULTS.md LANE=OUTPUT.LOG...

Prints the tables and writes them, with the command and the kernels, to
RESULTS.md.  Figures are reported, never judged.
"""
import datetime
import sys

NAMES = {
    "machexc_other_process_default": "machexc, handler in another process, EXCEPTION_DEFAULT",
    "machexc_other_process_state_identity":
        "machexc, handler in another process, STATE_IDENTITY moving rip",
    "machexc_same_process_thread": "machexc, handler thread in the same process",
    "ptrace": "ptrace stop, GETREGS, SETREGS, CONT",
    "seccomp_user_notif": "seccomp user notification",
    "sigsegv_handler": "in-process SIGSEGV handler moving rip",
    "pipe": "pipe ping-pong, two processes",
    "futex": "futex ping-pong, two processes",
    "signal_delivery": "kill() to self, SIGUSR1 handler",
    "fault_signal_to_own_handler": "fault, SIGSEGV to own handler",
    "page_fault": "minor page fault",
}


def parse(path):
    d = {"rows": {}, "fast": {}, "tput": {}, "mem": {}, "kernel": "?", "cpus": "?"}
    with open(path, errors="replace") as f:
        for line in f:
            w = line.split()
            if len(w) >= 2 and w[0] in ("kernel", "cpus"):
                d[w[0]] = w[1]
            elif len(w) == 6 and w[1] == "row":
                d["rows"][(w[0], w[2])] = tuple(int(x) for x in w[3:6])
            elif len(w) == 5 and w[1] == "fastpath":
                d["fast"][w[0]] = tuple(int(x) for x in w[2:5])
            elif len(w) == 5 and w[1] == "throughput":
                d["tput"][(w[0], int(w[2]), int(w[3]))] = int(w[4])
            elif len(w) == 3 and w[0] == "memory":
                d["mem"][w[1]] = int(w[2])
    return d


def us(ns):
    return f"{ns / 1000:.1f}"


def ratio(a, b):
    return f"{a / b:.2f}x" if b else "-"


def lane_tables(lane, d):
    out = [f"## Lane {lane}: Linux {d['kernel']}, {d['cpus']} CPUs (QEMU TCG)", ""]
    rows = [n for n in NAMES if ("free", n) in d["rows"]]
    out += ["### Round trips",
            "",
            "Median microseconds per round trip over 7 runs of 2000 (min-max), "
            "and the ratio of each median to futex ping-pong and to ptrace in the "
            "same column.",
            "",
            "| mechanism | both CPUs free | / futex | / ptrace "
            "| pinned to one CPU | / futex | / ptrace |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for n in rows:
        cells = [NAMES[n]]
        for mode in ("free", "pinned"):
            v = d["rows"].get((mode, n))
            fx = d["rows"].get((mode, "futex"), (0,))[0]
            pt = d["rows"].get((mode, "ptrace"), (0,))[0]
            if v:
                cells += [f"{us(v[0])} ({us(v[1])}-{us(v[2])})", ratio(v[0], fx),
                          ratio(v[0], pt)]
            else:
                cells += ["-", "-", "-"]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    for mode in ("free", "pinned"):
        if mode in d["fast"]:
            h, m, r = d["fast"][mode]
            pct = 100.0 * h / r if r else 0
            out.append(f"Fast path ({'both CPUs free' if mode == 'free' else 'pinned'}), "
                       f"handler waiting in receive: {h} of {r} exceptions handed off "
                       f"({pct:.1f}%), {m} queued.")
    out.append("")
    if d["tput"]:
        out += ["### Throughput", "",
                "Exceptions per second, handler process with 1 or 2 handler threads, "
                "faulting process with 1-8 threads (int3, EXCEPTION_DEFAULT).", "",
                "| faulting threads | 1 handler, free | 2 handlers, free "
                "| 1 handler, pinned | 2 handlers, pinned |",
                "| --- | --- | --- | --- | --- |"]
        for nf in (1, 2, 4, 8):
            cells = [str(nf)] + [str(d["tput"].get((mode, nf, h), "-"))
                                 for mode in ("free", "pinned") for h in (1, 2)]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    ov = [n for n in ("signal_delivery", "fault_signal_to_own_handler", "page_fault")
          if ("unloaded", n) in d["rows"]]
    if ov:
        out += ["### Cost for processes that never use machexc", "",
                "Median microseconds per operation; the change is against the module "
                "not loaded, in the same boot.", "",
                "| operation | not loaded | loaded | change "
                "| loaded, another process has exception ports (all hooks on) | change |",
                "| --- | --- | --- | --- | --- | --- |"]
        for n in ov:
            base = d["rows"][("unloaded", n)][0]
            cells = [NAMES[n], us(base)]
            for mode in ("loaded", "in-use"):
                v = d["rows"].get((mode, n), (0,))[0]
                cells += [us(v), f"{100.0 * (v - base) / base:+.1f}%" if base else "-"]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    if d["mem"]:
        out += ["### Kernel memory", "",
                f"Slab growth: {d['mem'].get('port', '?')} bytes per port (a receive "
                f"right: port, entry, name-table slot), {d['mem'].get('space', '?')} "
                "bytes per port space (space, task port, its name).", ""]
    return out


def main():
    dest = sys.argv[1]
    lines = ["# machexc benchmark results", "",
             f"Command: `make bench` ({datetime.date.today().isoformat()}). "
             "Each lane is one boot of QEMU (TCG, 2 vCPUs, no KVM); every figure "
             "in a lane's tables was taken in that boot.  TCG inflates everything "
             "and squeezes the ratios: compare figures within a lane only.", ""]
    for arg in sys.argv[2:]:
        lane, path = arg.split("=", 1)
        lines += lane_tables(lane, parse(path))
    text = "\n".join(lines) + "\n"
    print(text)
    with open(dest, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
