#!/bin/sh
# profile.sh: what the fixed costs of case 6 are made of (docs/benchmarks.md,
# "Fixed costs").  Runs inside the VM (make shell, with this script and
# iomd-bench among VM_TOOL_BINS); prints a function_graph trace of each
# cycle case of iomd-bench between "PROF-BEGIN NAME" and "PROF-END NAME",
# which bench/profile.awk reduces to the median cost of each call path.
#
# Only the functions listed below are instrumented (set_ftrace_filter),
# and only in the measured process (set_ftrace_pid), so that each traced
# call costs one hook (about 1 us under TCG, which is included in the
# times shown: compare paths with each other, not with untraced runs).
#
# Environment: N cycles per case (default 20); FULL=1 traces every kernel
# function instead of the list below (each call then costs its hook, so
# compare call counts and shapes, not times; docs/benchmarks.md, "The wire
# path again"), and CASES picks the cases to run (default all; names as
# below, e.g. CASES="iomdh_wire uring_wire").
T=/sys/kernel/tracing
N=${N:-20}
FULL=${FULL:-0}
CASES=${CASES:-}

mount -t tracefs nodev "$T" 2>/dev/null
if [ ! -e "$T/current_tracer" ]; then
	echo "profile.sh: no tracefs in this kernel" >&2
	exit 1
fi
echo 0 >"$T/tracing_on"
# A full trace of a whole process (exec, start-up, the cycles) is larger.
if [ "$FULL" = 1 ]; then
	echo 65536 >"$T/buffer_size_kb"
else
	echo 16384 >"$T/buffer_size_kb"
fi
echo nofuncgraph-irqs >"$T/trace_options" 2>/dev/null
echo nofunction-fork >"$T/trace_options" 2>/dev/null

# Core functions every case may reach.
COMMON="alloc_anon_inode alloc_file_pseudo get_unused_fd_flags fd_install
__fput_sync __fput ____fput task_work_run iput dput evict
__kvmalloc_node_noprof kvfree __kmalloc_cache_noprof __kmalloc_noprof kfree
vm_mmap vm_mmap_pgoff mmap_region do_vmi_munmap __vm_munmap
vms_complete_munmap_vmas remove_vma tlb_finish_mmu free_pgtables unmap_vmas
vm_area_alloc vm_area_free fget fput pin_user_pages_fast unpin_user_pages
unpin_user_pages_dirty_lock account_locked_vm __account_locked_vm __mmdrop
find_vma"
IOMD="iomd_ioc_buffer_create iomd_buffer_create_gfp iomd_buffer_alloc_run
iomd_desc_init iomd_client_install iomd_file_create iomd_file_own_vma
iomd_ioc_map iomd_desc_from_fd iomd_map_create iomd_file_create_mapping
iomd_map_file_mmap iomd_mapping_mmap iomd_map_populate_locked vm_insert_pages
iomd_map_close iomd_map_file_release iomd_mapping_put iomd_file_release
iomd_desc_put iomd_buffer_release iomd_ioc_user_create iomd_desc_create_user
iomd_user_create iomd_desc_prepare_client iomd_user_wire iomd_user_judge
iomd_user_check_ranges iomd_user_unwire iomd_user_release
iomd_subrange_create iomd_composite_setup iomd_composite_fill
iomd_composite_hold iomd_composite_release iomd_composite_unhold
iomd_desc_hold_pages memdup_user __x64_sys_ioctl __x64_sys_close
__x64_sys_munmap iomd_client_ioctl iomd_ioc_handle_close iomd_handle_reserve
iomd_handle_publish iomd_handle_get iomd_handle_close iomd_wire_charge
iomd_wire_uncharge iomd_wire_pin iomd_wire_judge_pin iomd_wire_pages
iomd_user_describe_mappings iomd_desc_init iomd_desc_release security_file_ioctl
security_capable lock_vma_under_rcu"
MEMFD="__x64_sys_memfd_create shmem_file_setup __shmem_file_setup
__x64_sys_ftruncate do_ftruncate __x64_sys_mmap ksys_mmap_pgoff __mm_populate
populate_vma_page_range shmem_mmap shmem_fault shmem_get_folio_gfp
__x64_sys_munmap __x64_sys_close shmem_evict_inode"
URING="__x64_sys_io_uring_register io_sqe_buffers_register
io_sqe_buffers_unregister io_pin_pages io_sqe_buffer_register
io_buffer_account_pin io_rsrc_data_free __io_sqe_buffers_unregister
io_buffer_unmap"

# prof NAME "FUNCTIONS" COMMAND...: trace COMMAND's calls of FUNCTIONS.
prof() {
	name=$1
	funcs=$2
	shift 2
	if [ -n "$CASES" ]; then
		case " $CASES " in *" $name "*) ;; *) return 0 ;; esac
	fi
	echo nop >"$T/current_tracer"
	echo >"$T/set_ftrace_filter"
	[ "$FULL" = 1 ] || for f in $funcs $COMMON; do
		# Functions a kernel does not have (or inlined) are skipped.
		echo "$f" >>"$T/set_ftrace_filter" 2>/dev/null
	done
	echo function_graph >"$T/current_tracer"
	echo >"$T/trace"
	# shellcheck disable=SC2016 # $$ is the shell that execs COMMAND
	sh -c 'echo $$ >"$0/set_ftrace_pid"; echo 1 >"$0/tracing_on"; shift; exec "$@"' \
		"$T" - "$@" >/dev/null
	echo 0 >"$T/tracing_on"
	echo >"$T/set_ftrace_pid"
	echo "PROF-BEGIN $name"
	cat "$T/trace"
	echo "PROF-END $name"
}

# One page, as the kernel has it (busybox has no getconf).
page=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
prof iomd_cycle "$IOMD" iomd-bench --cycles "$N" one c6.iomd_cycle "$page"
prof memfd_cycle "$MEMFD" iomd-bench --cycles "$N" one c6.memfd_cycle "$page"
prof iomd_map "$IOMD" iomd-bench --cycles "$N" one c6.iomd_map "$page"
prof memfd_map "$MEMFD" iomd-bench --cycles "$N" one c6.memfd_map "$page"
prof iomd_wire "$IOMD" iomd-bench --cycles "$N" one c6.iomd_wire "$page"
prof iomdh_wire "$IOMD" iomd-bench --cycles "$N" one c6.iomdh_wire "$page"
prof uring_wire "$URING" iomd-bench --cycles "$N" one c6.uring_wire "$page"
prof describe_page "$IOMD" iomd-bench --cycles "$N" one c7.iomd_describe "$page"
prof describe_256m "$IOMD" iomd-bench --cycles "$N" one c7.iomd_describe 268435456
echo nop >"$T/current_tracer"
echo >"$T/set_ftrace_filter"
