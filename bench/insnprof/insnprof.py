#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Instructions per operation, by kernel function, from two tbcount.c
counts of one lane: a boot that ran a row HI times and one that ran it LO
times; the difference over HI - LO is what one more round trip costs, boot
and setup cancelled.  Symbols from each boot's /proc/kallsyms (text only,
KASLR off); an address in the module area that no module symbol covers is
a trampoline (ftrace's, a kprobe's out-of-line copy).

    insnprof.py KALLSYMS HI.out LO.out OPS   -> "insn COUNT SYMBOL" and
                                                "calls COUNT SYMBOL" lines
    insnprof.py --categories FILE            -> "cat COUNT CATEGORY" lines
"""
import bisect
import collections
import re
import sys

MODULE_AREA = 0xffffffffc0000000

# First match wins; the order puts the module before the generic words.
CATEGORIES = [
    ("machexc module", r"\[machexc\]"),
    ("trampolines (ftrace, kprobes)", r"^\(trampoline\)$"),
    ("scheduler and context switch",
     r"psi_|load_avg|enqueue|dequeue_task|dequeue_entit|__schedule|pick_|switch_|"
     r"__switch|ttwu|try_to_wake|update_curr|update_rq|sched|vruntime|eevdf|"
     r"place_entity|set_next|put_prev|finish_task|check_preempt|rcu_note|resched|"
     r"wake_up|cpuacct|account|update_cfs|reweight|select_task|idle_cpu|wakeup|"
     r"prepare_task|__enqueue|__dequeue|load_new_mm_cr3|mm_cid|record_times|"
     r"clear_buddies|check_spread|rseq"),
    ("allocation and zeroing",
     r"kmem|kmalloc|kfree|slab|memcg|failslab|memset|obj_cgroup|objcg|kvfree|"
     r"kvmalloc|call_rcu|rcu_free|cache_from_obj|clear_page"),
    ("xarray (port names)", r"^xa_|^xas_|^__xa|radix"),
    ("signals and traps",
     r"sig|force_sig|task_work|recalc|do_trap|do_int3|exc_int3|notify_die|kprobe|"
     r"ftrace|collect_signal|complete_signal|prepare_signal"),
    ("user copies", r"copy_user|copy_to|copy_from|check_object|virt_addr_valid|"
                    r"check_heap|check_stack|rep_movs|__get_user|__put_user|memcpy"),
    ("system call entry and exit",
     r"entry_|syscall|exit_to_user|irqentry|x64_sys|fpregs|fpu|return_to|"
     r"error_entry|asm_exc|restore_regs|swapgs|sync_regs"),
    ("files, ioctl, security hooks",
     r"ioctl|fget|fdget|fput|security|apparmor|tomoyo|aa_|file_|vfs_|stat|getattr|"
     r"fillattr|common_perm|map_id|ptrace_access"),
    ("locks and RCU", r"spin|mutex|_lock|_unlock|rcu_read"),
]


def kallsyms(path):
    syms = []
    with open(path, errors="replace") as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and len(w[0]) == 16 and w[1] in "tT":
                try:
                    syms.append((int(w[0], 16), " ".join(w[2:4])))
                except ValueError:
                    pass
    syms.sort()
    return syms


def per_symbol(syms, path):
    """Instructions by symbol, and calls: the runs of blocks that start at
    the symbol's address (a jump back to a function's first instruction
    counts as a call too; that is rare)."""
    addrs = [a for a, _ in syms]
    out, calls = collections.Counter(), collections.Counter()
    with open(path) as f:
        for line in f:
            va, n, insns = line.split()
            va, n, insns = int(va, 16), int(n), int(insns)
            i = bisect.bisect_right(addrs, va) - 1
            name = syms[i][1] if i >= 0 else "?"
            if va >= MODULE_AREA and (i < 0 or syms[i][0] < MODULE_AREA):
                name = "(trampoline)"
            out[name] += n
            if i >= 0 and syms[i][0] == va and insns:
                calls[name] += n // insns
    return out, calls


def categorize(counts):
    cats = collections.Counter()
    for name, n in counts.items():
        for cat, rx in CATEGORIES:
            if re.search(rx, name):
                cats[cat] += n
                break
        else:
            cats["other"] += n
    return cats


def main():
    if sys.argv[1] == "--categories":
        counts = {}
        with open(sys.argv[2]) as f:
            for line in f:
                w = line.split(None, 2)
                if len(w) == 3 and w[0] == "insn":
                    counts[w[2].strip()] = float(w[1])
        for cat, n in categorize(counts).most_common():
            print(f"cat {n:.0f} {cat}")
        return
    syms = kallsyms(sys.argv[1])
    (hi, hi_calls), (lo, lo_calls) = per_symbol(syms, sys.argv[2]), per_symbol(syms, sys.argv[3])
    ops = float(sys.argv[4])
    diff = {k: (hi[k] - lo.get(k, 0)) / ops for k in hi}
    for name, n in sorted(diff.items(), key=lambda kv: -kv[1]):
        if n >= 0.5:
            print(f"insn {n:.1f} {name}")
    for name in sorted(hi_calls):
        n = (hi_calls[name] - lo_calls.get(name, 0)) / ops
        if n >= 0.5:
            print(f"calls {n:.1f} {name}")


if __name__ == "__main__":
    main()
