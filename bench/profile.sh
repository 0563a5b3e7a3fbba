# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# The kernel profile of the cross-process EXCEPTION_DEFAULT round trip,
# run inside the bench VM (bench/run.sh puts this in front of its job and
# calls it last, after every other figure of the boot is taken).
#
#   profile MODE [BENCH-ARGS]     e.g. profile pinned --pin
#
# The function_graph tracer on every function of the module and on the
# kernel's signal, wakeup, scheduler and allocation functions listed in
# PROFILE_KFUNCS (those the lane's kernel has and can trace: the others
# are skipped), for one `machexc-bench rows --only` run of the
# cross-process row and nothing else: set_ftrace_pid on the benchmark,
# function-fork for its faulting child, no interrupts, and no time spent
# switched out (sleep-time off), so every figure is time on a CPU, as
# inflated by the tracer.  awk sums it per function and side (the
# faulting process names itself "mxfault", the handler is "machexc") and
# prints
#   MODE prof SIDE FUNCTION CALLS INCLUSIVE_NS SELF_NS CHILDREN
# where self time is the inclusive time less that of the traced functions
# it called, and CHILDREN the number of those calls (each brings some of
# the tracer's own cost into the caller's self time); "MODE prof-fastpath ..." (the exceptions raised in the run),
# "MODE prof-row ..." (its round trip under the tracer), "MODE prof-lost N"
# (events the ring buffer dropped) and "MODE prof-funcs N" (functions
# traced).  bench/report.py divides by the exceptions raised.
PROFILE_ITERS=200
PROFILE_KFUNCS="force_sig_fault force_sig_info_to_task send_signal
send_signal_locked __send_signal __send_signal_locked complete_signal
signal_wake_up_state get_signal dequeue_signal task_work_run task_work_add
arch_do_signal_or_restart do_trap do_error_trap regset_get regset_get_alloc
__wake_up __wake_up_sync __wake_up_sync_key __wake_up_common
__wake_up_common_lock wake_up_poll_on_current_cpu try_to_wake_up
wake_up_process wake_up_q select_task_rq_fair ttwu_do_activate
enqueue_task_fair dequeue_task_fair check_preempt_curr check_preempt_wakeup
check_preempt_wakeup_fair wakeup_preempt resched_curr schedule
schedule_timeout pick_next_task_fair put_prev_task_fair finish_task_switch
switch_mm_irqs_off switch_fpu_return restore_fpregs_from_fpstate __kmalloc
kmalloc_trace __kmalloc_noprof __kmalloc_cache_noprof kmem_cache_alloc
kmem_cache_alloc_noprof kfree kmem_cache_free __x64_sys_ioctl
prepare_to_wait_event finish_wait autoremove_wake_function
default_wake_function ptrace_may_access _copy_to_user _copy_from_user"

profile() {
	mode=$1
	shift
	T=/sys/kernel/debug/tracing
	[ -e $T/current_tracer ] || T=/sys/kernel/tracing
	if ! grep -qw function_graph $T/available_tracers 2>/dev/null; then
		echo "$mode prof-missing no function_graph tracer"
		return 0
	fi
	echo 0 > $T/tracing_on
	echo nop > $T/current_tracer
	echo 8192 > $T/buffer_size_kb
	if ! echo ':mod:machexc' > $T/set_ftrace_filter; then
		echo "$mode prof-missing the module's functions cannot be traced"
		return 0
	fi
	for f in $PROFILE_KFUNCS; do
		echo "$f" >> $T/set_ftrace_filter 2>/dev/null
	done
	echo "$mode prof-funcs $(wc -l < $T/set_ftrace_filter)"
	echo function_graph > $T/current_tracer
	for o in funcgraph-proc funcgraph-tail funcgraph-duration function-fork; do
		echo 1 > $T/options/$o
	done
	for o in funcgraph-irqs funcgraph-overhead sleep-time; do
		echo 0 > $T/options/$o
	done
	echo > $T/trace
	# shellcheck disable=SC2016
	sh -c 'echo $$ > '$T'/set_ftrace_pid; echo 1 > '$T'/tracing_on
		exec machexc-bench rows --only machexc_other_process_default --runs 1 --iters '"$PROFILE_ITERS $*" |
		sed "s/^/$mode prof-/"
	echo 0 > $T/tracing_on
	echo "$mode prof-lost $(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ { n += $2 } END { print n + 0 }')"
	awk -v mode="$mode" '
	function trim(x) { sub(/^[ \t]+/, "", x); sub(/[ \t]+$/, "", x); return x }
	function fname(x) {
		gsub(/ \[[^]]*\]/, "", x)
		gsub(/\/\*|\*\/|[{};]|\(\)/, "", x)
		return trim(x)
	}
	function ns(x,   a) {
		x = trim(x)
		gsub(/^[^0-9]+/, "", x)
		split(x, a, " ")
		if (a[2] == "ms")
			return a[1] * 1000000
		if (a[2] == "s")
			return a[1] * 1000000000
		return a[1] * 1000
	}
	function acc(side, name, incl, self, kids,   k) {
		k = side SUBSEP name
		calls[k]++
		inc[k] += incl
		slf[k] += self
		kid[k] += kids
	}
	/^#/ { next }
	{
		n = split($0, f, "|")
		if (n < 3)
			next
		t = trim(f[1])
		sub(/^[0-9]+\) */, "", t)
		side = t ~ /^mxfault/ ? "fault" : t ~ /^machexc/ ? "handler" : "other"
		c = trim(f[n])
		d = sd[t]
		if (c ~ /\{$/) {
			sd[t] = ++d
			sn[t, d] = fname(c)
			sc[t, d] = 0
			sk[t, d] = 0
		} else if (c ~ /^\}/) {
			v = ns(f[n - 1])
			if (d > 0) {
				acc(side, sn[t, d], v, v - sc[t, d], sk[t, d])
				sd[t] = --d
			} else {
				acc(side, fname(c), v, v, 0)
			}
			if (d > 0) {
				sc[t, d] += v
				sk[t, d]++
			}
		} else if (c ~ /;$/) {
			v = ns(f[n - 1])
			acc(side, fname(c), v, v, 0)
			if (d > 0) {
				sc[t, d] += v
				sk[t, d]++
			}
		}
	}
	END {
		for (k in calls) {
			split(k, p, SUBSEP)
			printf "%s prof %s %s %d %.0f %.0f %d\n", mode, p[1], p[2], calls[k], inc[k], slf[k], kid[k]
		}
	}' $T/trace
	echo nop > $T/current_tracer
	echo > $T/set_ftrace_pid
	echo > $T/set_ftrace_filter
	echo > $T/trace
}
