#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn machexc-bench output (one VM boot per lane) into tables.

    report.py RESULTS.md LANE=OUTPUT.LOG...

Prints the tables and writes them, with the command and the kernels, to
RESULTS.md.  Figures are reported, never judged.
"""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import overhead_report  # noqa: E402

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
    "sigprocmask": "sigprocmask() block and unblock",
    "fault_signal_to_own_handler": "fault, SIGSEGV to own handler",
    "page_fault": "minor page fault",
}


def parse(path):
    d = {"rows": {}, "runs": {}, "legs": {}, "fast": {}, "tput": {}, "mem": {},
         "kernel": "?", "cpus": "?"}
    with open(path, errors="replace") as f:
        for line in f:
            w = line.split()
            if len(w) >= 2 and w[0] in ("kernel", "cpus"):
                d[w[0]] = w[1]
            elif len(w) == 6 and w[1] == "row":
                d["runs"].setdefault((w[0], w[2]), []).append(tuple(int(x) for x in w[3:6]))
            elif len(w) == 6 and w[1] == "leg":
                d["legs"][(w[0], w[2])] = tuple(int(x) for x in w[3:6])
            elif len(w) == 5 and w[1] == "fastpath":
                d["fast"][w[0]] = tuple(int(x) for x in w[2:5])
            elif len(w) == 5 and w[1] == "throughput":
                d["tput"][(w[0], int(w[2]), int(w[3]))] = int(w[4])
            elif len(w) == 3 and w[0] == "memory":
                d["mem"][w[1]] = int(w[2])
    # A row measured in several rounds: the median of the medians, and the
    # spread over every run of every round.
    for key, runs in d["runs"].items():
        meds = sorted(r[0] for r in runs)
        d["rows"][key] = (meds[len(meds) // 2], min(r[1] for r in runs),
                          max(r[2] for r in runs))
        d["rounds"] = d.get("rounds", {})
        d["rounds"][key] = (meds[0], meds[-1], len(meds))
    return d


def noise(d):
    """Round-to-round spread of the unloaded medians, in percent: what any
    change smaller than this is lost in."""
    worst = 0.0
    for (mode, n), (lo, hi, k) in d.get("rounds", {}).items():
        med = d["rows"][(mode, n)][0]
        if mode == "unloaded" and k > 1 and med:
            worst = max(worst, 100.0 * (hi - lo) / med)
    return worst


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
    if d["legs"]:
        out += ["### Where the round trip goes", "",
                "The cross-process `EXCEPTION_DEFAULT` round trip in three legs, "
                "stamped with CLOCK_MONOTONIC in the faulting process and the handler "
                "(a run of its own: median microseconds over 7 runs of 2000, min-max). "
                "For scale, one way of futex ping-pong is half its round trip.", "",
                "| leg | both CPUs free | pinned to one CPU |",
                "| --- | --- | --- |"]
        for n, label in (("fault_to_handler", "fault to the handler's receive returning"),
                         ("handler", "the handler itself (user space)"),
                         ("reply_to_resumed", "reply sent to the faulting thread resumed")):
            cells = [label]
            for mode in ("free", "pinned"):
                v = d["legs"].get((mode, n))
                cells.append(f"{us(v[0])} ({us(v[1])}-{us(v[2])})" if v else "-")
            out.append("| " + " | ".join(cells) + " |")
        cells = ["futex ping-pong, one way"]
        for mode in ("free", "pinned"):
            fx = d["rows"].get((mode, "futex"))
            cells.append(us(fx[0] / 2) if fx else "-")
        out.append("| " + " | ".join(cells) + " |")
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
    out += overhead_report.section(d.get("overhead"))
    if d["mem"]:
        out += ["### Kernel memory", "",
                f"Slab growth: {d['mem'].get('port', '?')} bytes per port (a receive "
                f"right: port, entry, name-table slot), {d['mem'].get('space', '?')} "
                "bytes per port space (space, task port, its name).", ""]
    return out


ANALYSIS = """\
### What limits the round trip

Measured with ftrace (`function_graph` on `exc_work` and `mx_mach_msg` in the
6.1 lane) and the module's counters:

- The fault itself goes through Linux's signal machinery before machexc sees
  it: `force_sig_fault()` queues a siginfo, `get_signal()` runs our
  `task_work`, and on success the signal is dequeued again.  The in-process
  SIGSEGV row (about a third of futex ping-pong) is the floor of that part.
- Two address-space switches per round trip.  Under TCG each one empties
  QEMU's software TLB, so every kernel object touched afterwards costs a
  page walk; the exception path touches far more memory (message, reply
  port, the two port rights copied out into the handler's space) than a
  futex wake.  The same code with the handler in the faulting process (no
  address-space switch), pinned, comes closest to the goals (the "same
  process" rows of the goals table).
- The legs table shows where it goes: the handler's own user-space work is
  a few microseconds; each kernel leg, fault to handler and reply to
  resumed, costs about one and a half to two and a half one-way futex
  wakes.  Neither leg alone explains the gap: it is the kernel path in both
  directions (signal generation and task work, building and copying out
  the message with its two port rights; copying in and parsing the reply,
  taking the signal back), each run under TCG at a fraction of native
  speed, where path length counts almost directly.
- What was improved: the hooks are attached only on first use (no cost for
  non-users); a per-thread reply port is reused instead of made and
  destroyed per exception; one lock round for the thread lookup; a server's
  send-and-receive waits on its port before it sends, which took the 6.12
  fast path from 27% to 100% of exceptions and its unpinned DEFAULT row
  from 692 to about 180 microseconds (EEVDF preempted the server before it
  was back in receive); the benchmark's handler drops the thread and task
  rights in batches (one `mach_port_mod_refs()` per thousand messages), as
  a busy server does.
- A function_graph profile (depth 3 under `exc_work` and `mx_mach_msg`,
  lane 6.1, 300 exceptions, 2026-12-01; every figure inflated by the
  tracer) puts the time per exception in: a wakeup (`__wake_up_sync`,
  about 48 us a call, two a round trip: futex pays the same kind),
  copying the request out with its two port rights (`mx_kmsg_copyout`,
  about 34 us), copying the reply in (`mx_right_copyin`, about 17 us), the
  FPU snapshot (`regset_get`, about 13 us, taken even when no handler asks
  for float state), taking the message off the queue (about 12 us) and
  taking the signal back (`dequeue_signal`, about 9 us).
- What is left to try: not snapshotting the FPU unless a handler asks for
  float state, a per-thread preallocated request message, and reading these
  figures on hardware (KVM or bare metal), where PCID keeps the TLB across
  the switches.
"""


def goals(lanes):
    out = ["## Goals", "",
           "| goal | " + " | ".join(f"lane {lane}" for lane, _ in lanes) + " |",
           "| --- |" + " --- |" * len(lanes)]

    def cell(d, fn):
        vals = []
        for mode in ("free", "pinned"):
            try:
                vals.append(f"{fn(d, mode)} {'free' if mode == 'free' else 'pinned'}")
            except (KeyError, ZeroDivisionError):
                vals.append("-")
        return ", ".join(vals)

    def rt(d, mode, row, peer):
        return f"{d['rows'][(mode, row)][0] / d['rows'][(mode, peer)][0]:.2f}x"

    rows = [
        ("round trip within 1.2x of futex (other process, DEFAULT)",
         lambda d, m: rt(d, m, "machexc_other_process_default", "futex")),
        ("... same-process handler thread",
         lambda d, m: rt(d, m, "machexc_same_process_thread", "futex")),
        ("round trip at most 0.7x of ptrace (other process, DEFAULT)",
         lambda d, m: rt(d, m, "machexc_other_process_default", "ptrace")),
        ("... same-process handler thread",
         lambda d, m: rt(d, m, "machexc_same_process_thread", "ptrace")),
        ("fast path on at least 99% when a handler waits",
         lambda d, m: f"{100.0 * d['fast'][m][0] / d['fast'][m][2]:.1f}%"),
    ]
    for name, fn in rows:
        out.append(f"| {name} | " + " | ".join(cell(d, fn) for _, d in lanes) + " |")
    ov = [overhead_report.worst(d["overhead"]) if d.get("overhead") else "-"
          for _, d in lanes]
    out.append("| non-user overhead at most 2% | " + " | ".join(ov) + " |")
    out += ["", "Run-to-run spread under TCG is large (see the min-max columns), "
            "so round-trip figures are compared within a lane only.  The non-user "
            "overhead is counted in instructions instead (its section in each "
            "lane), where the noise figure is the spread of the not-loaded "
            "rounds.  By construction: with the module loaded and unused no "
            "machexc code runs at all (no probe is attached until a process uses "
            "machexc); once a process has set an exception port, the signal "
            "probe costs everyone else a few compares per signal, and the "
            "kprobes on the force_sig*() entries (the disposition of a fault "
            "signal before the kernel resets it) one kprobe hit per fault "
            "signal.  The kprobes on dequeue_signal() and recalc_sigpending() "
            "that let a thread waiting in an exception stop for SIGSTOP and the "
            "freezer are in only while some thread waits (and for "
            "kprobe_linger_ms after): the last column.",
            "", ANALYSIS]
    return out


def main():
    dest = sys.argv[1]
    lines = ["# machexc benchmark results", "",
             f"Command: `make bench` ({datetime.date.today().isoformat()}). "
             "Each lane is one boot of QEMU (TCG, 2 vCPUs, no KVM); every figure "
             "in a lane's tables was taken in that boot.  TCG inflates everything "
             "and squeezes the ratios: compare figures within a lane only.", ""]
    lanes = []
    for arg in sys.argv[2:]:
        lane, path = arg.split("=", 1)
        lanes.append((lane, parse(path)))
        lanes[-1][1]["overhead"] = overhead_report.parse(path)
        lines += lane_tables(lane, lanes[-1][1])
    lines += goals(lanes)
    text = "\n".join(lines) + "\n"
    print(text)
    with open(dest, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
