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
         "prof": {}, "prof_info": {}, "kernel": "?", "cpus": "?"}
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
            elif len(w) >= 7 and w[1] == "throughput":
                # MODE throughput RUN FAULTERS HANDLERS RATE SHARE...
                d["tput"].setdefault((w[0], int(w[3]), int(w[4])), []).append(
                    (int(w[5]), [int(x) for x in w[6:]]))
            elif len(w) == 8 and w[1] == "prof":
                # MODE prof SIDE FUNCTION CALLS INCL_NS SELF_NS CHILDREN
                d["prof"].setdefault(w[0], {})[(w[2], w[3])] = tuple(int(x) for x in w[4:8])
            elif len(w) >= 3 and w[1].startswith("prof-"):
                d["prof_info"].setdefault(w[0], {})[w[1][5:]] = w[2:]
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


def tput(d, mode, nf, nh):
    """(median, min, max) exceptions per second over the runs, or None."""
    runs = d["tput"].get((mode, nf, nh))
    if not runs:
        return None
    rates = sorted(r for r, _ in runs)
    return rates[len(rates) // 2], rates[0], rates[-1]


def throughput_table(d):
    nfs = sorted({nf for (_, nf, _) in d["tput"]})
    nruns = max(len(v) for v in d["tput"].values())
    out = ["### Throughput", "",
           "Exceptions per second (int3, `EXCEPTION_DEFAULT`): a faulting process "
           "with 1-8 threads, each raising its share of 1000 exceptions a run as "
           "fast as it can, against a handler process with 1 or 2 threads all "
           "receiving on the one exception port until the faulting process is "
           f"done.  Median over {nruns} runs (min-max); the configurations are "
           "interleaved, one run of each in turn, so drift hits them alike.  "
           "Every count from 1 to 8 is measured: with 2 CPUs the interesting "
           "part is 1-3 (one exception per CPU, then queueing), and a drop at "
           "any count is what the \"more faulting threads never lower it\" "
           "goal is about.", "",
           "| faulting threads | 1 handler, free | 2 handlers, free "
           "| 1 handler, pinned | 2 handlers, pinned |",
           "| --- | --- | --- | --- | --- |"]
    for nf in nfs:
        cells = [str(nf)]
        for mode in ("free", "pinned"):
            for nh in (1, 2):
                v = tput(d, mode, nf, nh)
                cells.append(f"{v[0]} ({v[1]}-{v[2]})" if v else "-")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    # Do both handler threads really receive?  The share of the less busy one.
    shares = []
    for (mode, nf, nh), runs in d["tput"].items():
        if nh == 2 and nf >= 2:
            for _, sh in runs:
                if len(sh) == 2 and sum(sh):
                    shares.append(100.0 * min(sh) / sum(sh))
    if shares:
        shares.sort()
        out += ["With 2 handler threads and 2 or more faulting threads, the less "
                "busy handler thread answered "
                f"{shares[0]:.0f}-{shares[-1]:.0f}% of a run's exceptions (median "
                f"{shares[len(shares) // 2]:.0f}%; 50% is an even split): both "
                "receive on the port.", ""]
    return out


PROFILE_TOP = 15


def profile_table(d):
    out = ["### Where the time goes in the kernel", "",
           "The function-graph tracer over one `rows --only "
           "machexc_other_process_default` run per column, taken last in the "
           "boot (bench/profile.sh): every function of the module and the "
           "kernel's signal, wakeup, scheduler and allocation functions on the "
           "path, for the benchmark's two processes only, without interrupts "
           "and without time spent switched out.  Microseconds of CPU time per "
           "exception (the run's total divided by the exceptions it raised), "
           "inflated by the tracer.  *Self* is a function's time less that of "
           "the traced functions it calls; *incl.* includes them.  *Side*: "
           "`fault` runs in the faulting process (raising, waiting, taking the "
           "reply: both ends of the round trip), `handler` in the handler's "
           "receive and send, `other` in a task switching to or from them.  The "
           f"top {PROFILE_TOP} entries by net self time in either column:",
           ""]
    per = {}
    for mode in ("free", "pinned"):
        info = d["prof_info"].get(mode, {})
        prof = d["prof"].get(mode)
        try:
            raised = int(info["fastpath"][2])
        except (KeyError, IndexError, ValueError):
            raised = 0
        if prof and raised:
            # What the tracer adds per traced call: the round trip under
            # the tracer less the one without it (same row, same boot),
            # spread over the traced calls.
            ncalls = sum(v[0] for v in prof.values()) / raised
            try:
                traced = int(info["row"][1])
                plain = d["rows"][(mode, "machexc_other_process_default")][0]
                ovh = max(0.0, (traced - plain) / ncalls)
            except (KeyError, IndexError, ValueError):
                traced, plain, ovh = 0, 0, 0.0
            per[mode] = dict(prof=prof, raised=raised, info=info, ncalls=ncalls,
                             traced=traced, plain=plain, ovh=ovh)
    if not per:
        return out + ["No profile (the tracer or the module's functions were "
                      "not available).", ""]

    def net(mode, k):
        # Self time less the tracer's share: half a traced call's cost
        # lands in the call, half in its caller.
        p = per[mode]
        calls, _, self_ns, kids = p["prof"][k]
        return max(0.0, self_ns - p["ovh"] * (calls + kids) / 2) / p["raised"]

    keys = []
    for mode in per:
        top = sorted(per[mode]["prof"], key=lambda k: -net(mode, k))[:PROFILE_TOP]
        keys += [k for k in top if k not in keys]
    first = "free" if "free" in per else "pinned"
    keys.sort(key=lambda k: -(net(first, k) if k in per[first]["prof"] else 0))
    out += ["| function | side | calls per exception | net self, free | self, free "
            "| incl., free | net self, pinned | self, pinned | incl., pinned |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    def cells(mode, k):
        if mode not in per or k not in per[mode]["prof"]:
            return ["-", "-", "-"]
        p = per[mode]
        v = p["prof"][k]
        return [f"{net(mode, k) / 1000:.1f}", f"{v[2] / p['raised'] / 1000:.1f}",
                f"{v[1] / p['raised'] / 1000:.1f}"]
    for k in keys:
        calls = " / ".join(f"{per[m]['prof'][k][0] / per[m]['raised']:.1f}"
                           if k in per[m]["prof"] else "-" for m in per)
        out.append(f"| `{k[1]}` | {k[0]} | {calls} | " +
                   " | ".join(cells("free", k) + cells("pinned", k)) + " |")
    for side in ("fault", "handler"):
        row = []
        for mode in ("free", "pinned"):
            if mode in per:
                ks = [k for k in per[mode]["prof"] if k[0] == side]
                row += [f"{sum(net(mode, k) for k in ks) / 1000:.1f}",
                        f"{sum(per[mode]['prof'][k][2] for k in ks) / per[mode]['raised'] / 1000:.1f}",
                        ""]
            else:
                row += ["-", "-", ""]
        out.append(f"| all traced functions | {side} | | " + " | ".join(row) + " |")
    notes = []
    for mode, p in per.items():
        rt = ""
        if p["traced"]:
            rt = (f"; the round trip took {us(p['traced'])} us under the tracer, "
                  f"{us(p['plain'])} us without it: about {p['ovh'] / 1000:.1f} us "
                  "added per traced call")
        notes.append(f"{'both CPUs free' if mode == 'free' else 'pinned'}: "
                     f"{p['raised']} exceptions, {p['ncalls']:.0f} traced calls each"
                     f"{rt}; {p['info'].get('funcs', ['?'])[0]} functions traced, "
                     f"{p['info'].get('lost', ['?'])[0]} events lost")
    out += ["", "Calls per exception are given free / pinned.  *Net self* takes the "
            "tracer's own cost out of *self*: half of what it adds per traced call "
            "for each call of the function and for each traced call it makes "
            "(an estimate; sorted by it).  " +
            ".  ".join(n[0].upper() + n[1:] for n in notes) + ".", ""]
    return out


INSNPROF_ROW = "machexc_other_process_default"
# The peer profiled beside it: the kernel's own "block, notify a
# supervisor, reply" path.
INSNPROF_PEER = "seccomp_user_notif"


def insnprof_read(path):
    """{"total", "clock", "cat": [(name, n)], "insn": [(name, n)],
    "calls": {name: n}} or None."""
    if not os.path.exists(path):
        return None
    r = {"total": 0, "clock": 0, "cat": [], "insn": [], "calls": {}}
    with open(path) as f:
        for line in f:
            w = line.split(None, 2)
            if len(w) == 2 and w[0] in ("total", "clock"):
                r[w[0]] = int(w[1])
            elif len(w) == 3 and w[0] in ("cat", "insn"):
                r[w[0]].append((w[2].strip(), float(w[1])))
            elif len(w) == 3 and w[0] == "calls":
                r["calls"][w[2].strip()] = float(w[1])
    return r


def insnprof_parse(lane_log):
    """The profile of INSNPROF_ROW, with the peer's under "peer" if taken."""
    where = os.path.join(os.path.dirname(lane_log), "insnprof")
    r = insnprof_read(os.path.join(where, INSNPROF_ROW + ".txt"))
    if r:
        r["peer"] = insnprof_read(os.path.join(where, INSNPROF_PEER + ".txt"))
    return r


def insnprof_section(p):
    if not p:
        return []
    out = ["### Where the instructions go", "",
           f"Every instruction the kernel executes per {NAMES[INSNPROF_ROW]} round "
           "trip, by function (bench/insnprof.sh: a QEMU plugin counts each "
           "translation block executed, in -icount boots with one vCPU; the row "
           "run 6000 times less the row run 1000 times, over 5000).  Inlined code, "
           "memset, user copies and trampolines are all in, as they are not in "
           f"the function-graph profile above.  The kernel's part: {p['total']} "
           "instructions; the guest's clock in the same boots (which counts "
           f"instructions too, the user's included) says {p['clock']}: the "
           "check that the two boots differ by the round trips alone."]
    peer = p.get("peer")
    if peer and peer["total"]:
        out[-1] += (f"  Beside it, {NAMES[INSNPROF_PEER]}'s round trip counted "
                    f"the same way: {peer['total']} instructions (its clock says "
                    f"{peer['clock']}); the last column is where the gap between "
                    "the two lies.")
        peer_cat = dict(peer["cat"])
        out += ["", f"| where | instructions | share | {NAMES[INSNPROF_PEER]} | more |",
                "| --- | --- | --- | --- | --- |"]
    else:
        peer_cat = None
        out += ["", "| where | instructions | share |", "| --- | --- | --- |"]
    for name, n in p["cat"]:
        share = f"{100.0 * n / p['total']:.0f}%" if p["total"] else "-"
        if peer_cat is None:
            out.append(f"| {name} | {n:.0f} | {share} |")
        else:
            m = peer_cat.get(name, 0.0)
            out.append(f"| {name} | {n:.0f} | {share} | {m:.0f} | {n - m:+.0f} |")
    if peer_cat is not None:
        out.append(f"| all | {p['total']} | 100% | {peer['total']} | "
                   f"{p['total'] - peer['total']:+d} |")
    calls = p["calls"]

    def cell(name, n):
        c = calls.get(name)
        return [f"`{name}`", f"{n:.0f}" + (f" ({c:.0f})" if c else "")]

    out += ["", "The 24 costliest functions (each function's own instructions, "
            "its callees apart; in brackets, its calls per round trip: the runs "
            "of its first block):", "",
            "| function | instructions | function | instructions |",
            "| --- | --- | --- | --- |"]
    top = p["insn"][:24]
    half = (len(top) + 1) // 2
    for i in range(half):
        cells = cell(*top[i])
        cells += cell(*top[i + half]) if i + half < len(top) else ["", ""]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    if peer and peer["calls"] and calls:
        out += insnprof_calls_gap(p, peer)
    return out


def insnprof_calls_gap(p, peer):
    """The kernel functions whose calls per round trip differ most from the
    peer's (the module's own are all extra)."""
    def gap(k):
        return p["calls"].get(k, 0) - peer["calls"].get(k, 0)

    names = [k for k in set(p["calls"]) | set(peer["calls"])
             if "[machexc]" not in k and abs(gap(k)) >= 1]
    names = sorted(names, key=lambda k: (-abs(gap(k)), k))[:16]
    if not names:
        return []
    out = [f"The kernel's functions called most differently often from "
           f"{NAMES[INSNPROF_PEER]}'s round trip (calls per round trip):", "",
           f"| function | calls | {NAMES[INSNPROF_PEER]} |", "| --- | --- | --- |"]
    for k in names:
        out.append(f"| `{k}` | {p['calls'].get(k, 0):.0f} | {peer['calls'].get(k, 0):.0f} |")
    out.append("")
    return out


def lane_tables(lane, d):
    out = [f"## Lane {lane}: Linux {d['kernel']}, {d['cpus']} CPUs (QEMU TCG)", ""]
    rows = [n for n in NAMES if ("free", n) in d["rows"]]
    out += ["### Round trips",
            "",
            "Median microseconds per round trip over 7 runs of 2000 (min-max), "
            "and the ratio of each median to futex ping-pong, to ptrace and to "
            "seccomp user notification in the same column.",
            "",
            "| mechanism | both CPUs free | / futex | / ptrace | / seccomp "
            "| pinned to one CPU | / futex | / ptrace | / seccomp |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for n in rows:
        cells = [NAMES[n]]
        for mode in ("free", "pinned"):
            v = d["rows"].get((mode, n))
            fx = d["rows"].get((mode, "futex"), (0,))[0]
            pt = d["rows"].get((mode, "ptrace"), (0,))[0]
            sc = d["rows"].get((mode, "seccomp_user_notif"), (0,))[0]
            if v:
                cells += [f"{us(v[0])} ({us(v[1])}-{us(v[2])})", ratio(v[0], fx),
                          ratio(v[0], pt), ratio(v[0], sc)]
            else:
                cells += ["-", "-", "-", "-"]
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
        out += throughput_table(d)
    if d["prof"]:
        out += profile_table(d)
    pinned = {n: v[0] for (mode, n), v in d["rows"].items() if mode == "pinned"}
    out += overhead_report.rt_section(d.get("overhead"), NAMES, pinned)
    out += overhead_report.tput_section(d.get("overhead"))
    out += insnprof_section(d.get("insnprof"))
    out += overhead_report.section(d.get("overhead"))
    if d["mem"]:
        out += ["### Kernel memory", "",
                f"Slab growth: {d['mem'].get('port', '?')} bytes per port (a receive "
                f"right: port, entry, name-table slot), {d['mem'].get('space', '?')} "
                "bytes per port space (space, task port, its name).", ""]
    return out


ANALYSIS = """\
### What limits the round trip

- Counted in instructions (each lane's "Round trips in instructions"), the
  cross-process round trip is still well above futex, ptrace and seccomp:
  the gap is path length first.  The pinned clock column widens it
  further, by something TCG charges the cross-process path for (below).
- "Where the instructions go" splits it: about a third is the scheduler's
  two switches (futex ping-pong makes the same two, and its whole round
  trip is about 9 to 11 thousand instructions); a quarter is machexc's own
  code, spread over some forty functions (none above 450); the rest is
  allocation and zeroing, the system calls, the signal path, user copies,
  locks and the name table.
- The floor of this design, from the instruction profile beside
  seccomp's (lane 6.1, "Where the instructions go"): seccomp user
  notification's round trip makes the same two switches, a trap into
  the kernel on one side and the supervisor's system calls on the other
  (about 9.3k kernel instructions).  Add the signal path a fault takes
  before machexc sees it (about 1.1k: `force_sig_fault()`, the sigqueue,
  `get_signal()` running the task work, the signal taken back), take
  away the system call the handler saves (one `mach_msg()` sends the
  reply and receives the next request; about 0.4k), and a round trip is
  at about 10k, 1.07x seccomp and 1.1x futex, before the first
  instruction of a message, its rights and names, or the permission
  check (`ptrace_may_access()` and its LSM hooks alone: about 0.3k).  So
  "within 1.1x seccomp" is below the floor of any design that sees a
  fault through Linux's signal path, and "1.2x futex" and "0.7x ptrace"
  leave 1k to 2k instructions for all of Mach IPC, where machexc spends
  about 7k (its own code, about 4.7k, and the locks, copies, allocation
  and name table it calls into).  A module cannot take a fault before the
  signal path: the die notifier chain can consume a user int3, a debug
  trap and the error traps (#UD, #DE), not a page fault or a general
  protection fault (EXC_BAD_ACCESS), and redirecting the kernel's own
  fault functions, as livepatch does, is not for a module to do.
- Improved on 2026-12-04, measured in instructions (bench/compare.sh, lane
  6.1 / 6.12): 28.2k / 22.4k -> 21.8k / 20.0k instructions per round trip
  (-23% / -11%).  The library checked its descriptor with glibc's fstat(),
  which is fstatat(fd, "", AT_EMPTY_PATH): before Linux 6.11 it copies in
  the empty path through a 4 KiB name buffer, zeroed under init_on_alloc
  (Debian's kernels), on every mach_msg(); it is the fstat system call now
  (-16% in 6.1).  A fresh port name took the next index of a cyclic
  allocator, so the send-once right of every request sat alone in its
  xarray node, allocated and freed through RCU per message; names now take
  the lowest free index with a new generation, as Mach's free list does
  (-4.4%).  The fault hook's work and the thread's state are one
  allocation from a cache of their own, zeroed to their size instead of
  kmalloc's 512 + 1024 bytes, and the FPU registers are zeroed only when a
  flavor reads them (-3.5%).  Under the TCG clock (boots of different
  days, which move with the host): lane 6.1 276 -> 175 microseconds
  unpinned and 358 -> 311 pinned, lane 6.12 327 -> 294 and 336 -> 291.
- Earlier: the hooks are attached only on first use (no cost for
  non-users); a per-thread reply port and request message are kept; one
  lock round for the thread lookup; a server's send-and-receive waits on
  its port before it sends, which took the 6.12 fast path from 27% to 100%
  of exceptions (EEVDF preempted the server before it was back in
  receive); the benchmark's handler drops the thread and task rights in
  batches (one `mach_port_mod_refs()` per thousand messages), as a busy
  server does.
- Improved on 2026-12-05 (bench/compare.sh, lane 6.1 / 6.12): 21.8k /
  20.0k -> 20.0k / 19.4k instructions per round trip (-8.0% / -3.0%).  A
  process keeps the fault hook's work of its last exception for the next
  (one 1 KiB allocation and its zeroing less per exception: -5.4% in
  6.1); a space keeps one small message for its threads' sends, a
  server's replies (kmalloc-512, charged to the user as any: -2.0%); the
  signal hooks' direct call returns after one compare while no waiting
  thread has stepped out to stop, which is nearly always (-0.8% here, and
  the "waits in an exception" column of the non-user cost went from +4% /
  +10% / +4% to under 1%).
- Then, the same day (bench/compare.sh, lane 6.1 / 6.12): 20.1k / 19.2k
  -> 18.5k / 18.3k instructions per round trip (-7.9% / -4.2%).  The
  entry a space keeps for its next name stays in its slot of the table,
  nameless, so a server's reply right takes and gives back the same slot
  with no xarray store or erase (-3.6% in 6.1); the library checks its
  descriptor with one lseek(fd, 0, SEEK_CUR), which only the device
  answers with MACHEXC_LSEEK_MARK, instead of fstat() and its security
  hooks and copy (-4.3%).
- Then, that evening (bench/compare.sh, lane 6.1 / 6.12): 18.5k / 18.3k
  -> 17.9k / 17.5k instructions per round trip (-2.8% / -4.5%; the
  same-process row -5.4% / -3.5%), after the instruction profile of
  seccomp user notification was set beside ours, with each function's
  calls: it showed 22 RCU read-side sections per round trip against 1,
  23 spinlock rounds against 3, and calls that did nothing.  The fault
  hook looks the process's task up once (it was three times: whether it
  handles the exception, its kept work, and again when the raise
  starts); a thread that stops for its exception wakes whoever waits for
  it only if someone does (wq_has_sleeper(), instead of a wake_up_all()
  with its lock round on every exception); the trailer is written after
  the body and copied out with it, one checked user copy instead of two;
  the message encoder's appends are inlined; no kfree()/kvfree() call
  for a pointer that is NULL.
- The pinned clock column has given the cross-process round trip more
  time per instruction than the other two-process rows: about 10 ns
  against 5 to 7 in a lane 6.1 run of 2026-12-05, less in others (the
  last column of "Round trips in instructions" gives each run's).  Counted in a QEMU plugin, it is not
  address-space switches: every two-process row makes two per round trip
  and the same number of TLB flushes (QEMU's `info jit`), with no
  translated code thrown away; nor the pages touched after a switch (387
  per round trip, against 244 for futex, 301 for ptrace and 236 for
  seccomp), which would account for about a third of the gap at the rate
  the other rows pay; distinct translation blocks run after a switch
  (3048 against 1737, 2045 and 1649) fit a little better.  What TCG
  charges the rest for is not found yet; the instruction counts, which do
  not depend on it, are the figures to read.
- Against seccomp user notification (each lane's "Where the
  instructions go" sets the two side by side), the gap is: machexc's own
  code (about 4.9k), Linux's signal path that a fault takes before
  machexc sees it (about 1.1k: the trap, the sigqueue allocated and
  freed, get_signal(); seccomp's path is a system call), the scheduler
  (about 1k more for the same two switches: the signal wakes its own
  thread once more, and each switch's accounting costs more), locks and
  RCU (about 0.8k: the space's mutex, the port and thread-port locks,
  the receive's ptrace_may_access() and its LSM hooks, which stay), and
  user copies (about 0.5k: hardened usercopy's checks on the send's and
  the receive's copies).
- Then, on 2026-12-06 (bench/compare.sh, lane 6.1 / 6.12): 17.9k /
  17.5k -> 17.8k / 17.2k instructions per round trip (-1.0% / -1.8%).
  Send and send-once rights are counted with atomics, and only the
  release of a port's last send right takes its lock (for the
  no-senders check): a copy of a right held cannot bring the count from
  zero, so the lock guarded nothing else (four to six lock rounds per
  exception: the exception port's right, the task and thread rights
  merged into the handler's names, the reply's send-once right); a
  thread without exception ports of its own is passed over without
  special_lock; the thread's reply port comes in the space-lock round
  that finds the thread.  bench/insnprof/lines.py, which splits the
  module's share by source line, found no line above 60 instructions:
  what is left is spread thin.  The "Throughput in instructions" table
  then showed a second handler thread costing a fifth more per exception
  in 6.12 with one faulting thread: EEVDF lets the faulting thread, woken
  by the reply, preempt the handler before it is back in receive, and
  the next request went to the idle handler, so the preempted one slept
  for nothing.  A sync handoff now gives it to an early waiter runnable
  on the sender's CPU with room for it first (2.6 -> 2.0 context switches
  and 20.8k -> 17.6k instructions per exception there).
- What is left to try, with its size from the instruction profile: the
  receive's permission check on the faulting task (ptrace_may_access()
  and its LSM hooks, about 300, which stays); the library's check that
  its descriptor is still the device, one `lseek()` per call (about 400
  with its system call; it keeps an ioctl from reaching a file that took
  a closed descriptor's number, and stays); the sigqueue the kernel
  allocates for the fault signal (about 200, the kernel's); the netlink
  events' listener checks (about 100: a module-side flag set when a
  listener binds would spare them, where the kernel tells the family:
  6.12 does, 6.1 does not); the handler's own task lookup per mach_msg() (about 80); for
  breakpoints and single steps only, the signal path itself (about 1.1k),
  which a die notifier could skip (above: not for EXC_BAD_ACCESS, and a
  second way into the raise); and reading all of this on hardware (KVM
  or bare metal).
- Throughput with two CPUs (the free columns) moves by a factor of two
  from run to run under TCG, and 2 handler threads have not beaten 1 in
  every row; the likeliest suspects are cross-CPU wakeups of an idle
  vCPU, which TCG makes slow and uneven, and the faulting process's
  shared locks, on which one vCPU can spin while the host has
  descheduled the other.  Counted in instructions on one vCPU
  ("Throughput in instructions"), the path does not grow with
  concurrency: a lone handler's exception gets cheaper with more
  faulting threads (it finds the next request queued and takes it
  without sleeping).  A second handler thread makes an exception up to
  about a tenth dearer at 2 to 4 faulting threads: each request is
  handed to whichever handler is idle, which then sleeps and wakes once
  per exception where a lone handler would have taken it off the queue.
  That is the price of the parallelism a second CPU can use (XNU's port
  queues and Linux's futex wake one waiter the same way); on one CPU it
  is all cost, and what it buys on two cannot be counted here.
"""


def goals(lanes):
    out = ["## Goals", "",
           "| goal | " + " | ".join(f"lane {lane}" for lane, _ in lanes) + " |",
           "| --- |" + " --- |" * len(lanes)]

    def cell(d, fn):
        vals = []
        for mode in ("free", "pinned"):
            try:
                vals.append(f"{mode} {fn(d, mode)}")
            except (KeyError, ZeroDivisionError, TypeError, ValueError):
                vals.append("-")
        return ", ".join(vals)

    def met(ok):
        return "**met**" if ok else "not met"

    def rt(d, mode, row, peer, limit):
        v = d['rows'][(mode, row)][0] / d['rows'][(mode, peer)][0]
        lim = limit[mode] if isinstance(limit, dict) else limit
        return f"{v:.2f}x ({met(v <= lim)})"

    def grows(d, mode):
        # 2 handler threads against 1, wherever there are 2 or more
        # exceptions at a time to answer: the lowest ratio of the medians.
        worst = None
        for nf in range(2, 9):
            a, b = tput(d, mode, nf, 1), tput(d, mode, nf, 2)
            if a and b and (worst is None or b[0] / a[0] < worst[0]):
                worst = (b[0] / a[0], nf)
        return f"{worst[0]:.2f}x at {worst[1]} faulting ({met(worst[0] > 1.0)})"

    def never_lower(d, mode):
        # For each handler count, each faulting count against the best
        # fewer one: a drop counts when the median falls below that one's
        # lowest run (less than that is run-to-run noise).
        worst, ok = None, True
        for nh in (1, 2):
            best = None
            for nf in range(1, 9):
                v = tput(d, mode, nf, nh)
                if not v:
                    continue
                if best:
                    r = v[0] / best[0]
                    if worst is None or r < worst[0]:
                        worst = (r, nf, best[3], nh)
                    ok = ok and v[0] >= best[1]
                if not best or v[0] > best[0]:
                    best = (v[0], v[1], v[2], nf)
        return (f"{worst[0]:.2f}x ({worst[1]} vs {worst[2]} faulting, "
                f"{worst[3]} handler{'s' if worst[3] > 1 else ''}; {met(ok)})")

    def fast(d, mode):
        v = 100.0 * d['fast'][mode][0] / d['fast'][mode][2]
        return f"{v:.1f}% ({met(v >= 99.0)})"

    default, ident = "machexc_other_process_default", "machexc_other_process_state_identity"
    same = "machexc_same_process_thread"
    rows = [
        ("other process, EXCEPTION_DEFAULT: at most 1.2x futex ping-pong",
         lambda d, m: rt(d, m, default, "futex", 1.2)),
        ("other process, EXCEPTION_DEFAULT: at most 0.7x ptrace",
         lambda d, m: rt(d, m, default, "ptrace", 0.7)),
        ("other process, EXCEPTION_DEFAULT: within 1.1x seccomp user notification",
         lambda d, m: rt(d, m, default, "seccomp_user_notif", 1.1)),
        ("other process, STATE_IDENTITY: within 1.15x EXCEPTION_DEFAULT",
         lambda d, m: rt(d, m, ident, default, 1.15)),
        ("same-process handler thread: at most 1.1x other process pinned, "
         "not above it free",
         lambda d, m: rt(d, m, same, default, {"free": 1.0, "pinned": 1.1})),
        ("throughput grows with handler threads (2 against 1, lowest over "
         "2-8 faulting threads)", grows),
        ("more faulting threads never lower throughput (worst median against "
         "the best fewer; not met only below that one's lowest run, as "
         "TCG's free columns spread by 2x)", never_lower),
        ("fast path on at least 99% when a handler waits", fast),
    ]
    for name, fn in rows:
        out.append(f"| {name} | " + " | ".join(cell(d, fn) for _, d in lanes) + " |")
    ov = [overhead_report.worst(d["overhead"]) if d.get("overhead") else "-"
          for _, d in lanes]
    out.append("| non-user overhead at most 2% | " + " | ".join(ov) + " |")

    def one_vcpu(d, fn, what):
        ov = d.get("overhead")
        if not ov or not ov.get("tput"):
            return "-"
        worst, ok = fn(ov)
        if not worst:
            return "-"
        return what(worst) + f" ({met(ok)})"
    out.append("| one vCPU, in instructions per exception: a second handler thread "
               "costs no more (worst of 1-8 faulting threads; not met only above "
               "one handler's highest run) | " + " | ".join(
                   one_vcpu(d, overhead_report.tput_second_handler,
                            lambda w: f"{w[0]:.3f}x at {w[1]} faulting")
                   for _, d in lanes) + " |")
    out.append("| one vCPU, in instructions per exception: more faulting threads "
               "never cost more (worst against the cheapest fewer; not met only "
               "above that one's highest run) | " + " | ".join(
                   one_vcpu(d, overhead_report.tput_more_faulting,
                            lambda w: f"{w[0]:.3f}x ({w[1]} vs {w[2]} faulting, "
                                      f"{w[3]} handler{'s' if w[3] > 1 else ''})")
                   for _, d in lanes) + " |")

    def in_insns(d):
        ov = d.get("overhead")
        r = [overhead_report.rt_ratio(ov, default, p) if ov and ov.get("rt") else None
             for p in ("futex", "ptrace", "seccomp_user_notif")]
        if None in r:
            return "-"
        return f"{r[0]:.2f}x futex, {r[1]:.2f}x ptrace, {r[2]:.2f}x seccomp"
    out.append("| (for reading the above) other process, EXCEPTION_DEFAULT, counted in "
               "instructions | " + " | ".join(in_insns(d) for _, d in lanes) + " |")
    out += ["", "Issue 17's goals, each the measured value and whether it is met, "
            "computed from the tables above (report.py; no hand edits).  The "
            "ratios are of medians in the same column of the same boot.", "",
            "Run-to-run spread under TCG is large (see the min-max columns), "
            "so round-trip figures are compared within a lane only.  The non-user "
            "overhead is counted in instructions instead (its section in each "
            "lane), where the noise figure is the spread of the not-loaded "
            "rounds.  By construction: with the module loaded and unused no "
            "machexc code runs at all (no probe is attached until a process uses "
            "machexc); once a process has set an exception port, the signal "
            "probe costs everyone else a few compares per signal, and the "
            "hook at force_sig_info_to_task() (the disposition of a fault "
            "signal before the kernel resets it: an ftrace direct call where "
            "the kernel has them) a bit test per fault signal of a process "
            "that has no exception port.  The kprobes on dequeue_signal() and "
            "recalc_sigpending() "
            "that let a thread waiting in an exception stop for SIGSTOP and the "
            "freezer are in only while some thread waits (and for "
            "kprobe_linger_ms after): the last column.  Their direct call "
            "returns after one compare unless a waiting thread has stepped "
            "out to stop.",
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
        lanes[-1][1]["insnprof"] = insnprof_parse(path)
        lines += lane_tables(lane, lanes[-1][1])
    lines += goals(lanes)
    text = "\n".join(lines) + "\n"
    print(text)
    with open(dest, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
