/* Live syscall capture for `bulkhead watch`: compact event records into a ring buffer.
 *
 * Hot path: every syscall runs on_sys_enter and on_sys_exit. Both bump nothing but a per-CPU
 * counter (enter only) and look the syscall number up in `syscall_filter`; an unselected
 * syscall returns there. A selected one saves its arguments (and the user memory that may change
 * or vanish before the exit: paths, socket addresses) in the thread's slot of `entries` at
 * entry, and at exit writes one record (bpf/capture_record.h) built in a per-CPU scratch
 * buffer.
 *
 * The process tree comes from the scheduler tracepoints: sched_process_fork reports clone/fork
 * in the parent's name before the child can run (so nothing the child does can reach user space
 * before its creation), sched_process_exec reports the successful exec with the new image's
 * argv, sched_process_exit reports procexit. The syscall exits of those calls are therefore not
 * reported again (except failures, and the child's own return from clone).
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "capture_record.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define EINPROGRESS 115
#define PR_SET_NAME 15
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_VFORK 0x00004000
#define CLONE_THREAD 0x00010000
#define PF_KTHREAD 0x00200000
#define EXE_FROM_MEMFD 4
#define TS_COMPAT 0x0002           /* thread_info.status: an i386 syscall is in progress */
#define X32_SYSCALL_BIT 0x40000000 /* x32 calls: x86-64 numbers (512+ for their own) | bit 30 */

/* Set by user space (mmapped .bss), at load and on reload.
 * syscall_filter[nr].native: the event type + 1 when x86-64 syscall nr is selected, 0 otherwise;
 * syscall_filter[nr].compat: the same for i386 syscall nr (int 0x80 or sysenter, from 32- or
 *   64-bit processes: a container may run either, and the default seccomp profile allows i386
 *   calls); socketcall's slot holds BH_SOCKETCALL (the call it carries is found at run time).
 *   Both in one slot, so a syscall selected in neither ABI costs one load.
 * event_filter[type]: 1 when the event type is selected (for the scheduler tracepoints).
 * ignored_tgid: the capturing process itself, whose syscalls are not reported. */
struct bh_filter_slot syscall_filter[BH_SYSCALL_SLOTS];
__u8 event_filter[BH_EV_COUNT];
__u32 ignored_tgid;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 16 << 20); /* resized by user space before load */
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bh_counters);
} counters SEC(".maps");

/* What sys_enter saved for the exit. One slot per thread, reused from call to call (so the
 * common case is one lookup, no insert) and deleted when the thread exits. */
struct bh_entry {
  __u64 args[6];
  __u64 extra[3]; /* clone3 flags; openat2's open_how; capset's data */
  __u16 type;     /* enum bh_event_type */
  __u8 active;    /* set at entry, cleared at exit */
  __u8 truncated;
  __s16 blob_len[2]; /* -1: could not be read */
  __s16 small_len;
  __u8 pad[6];
  char blob[2][BH_PATH_MAX]; /* paths, or blob[0] = a raw sockaddr */
  char small[BH_SMALL_MAX];
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 8192);
  __type(key, __u32);
  __type(value, struct bh_entry);
} entries SEC(".maps");

/* The record under construction. Writes go at (offset & (HALF - 1)) with at most HALF bytes,
 * which the verifier can bound; records are far smaller than HALF in practice. */
#define HALF 8192
struct bh_scratch {
  struct bh_record_header header;
  __u8 data[2 * HALF];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bh_scratch);
} scratch_buffer SEC(".maps");

struct bh_writer {
  struct bh_scratch* s;
  __u32 off;
  __u8 count;
  __u8 flags;
};

static __always_inline struct bh_counters* counters_here(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&counters, &zero);
}

/* --- record writer ---------------------------------------------------------------------- */

static __always_inline void put_number(struct bh_writer* w, __u64 value) {
  __u32 o = w->off & (HALF - 1);
  w->s->data[o] = BH_PARAM_NUMBER;
  *(__u64*)&w->s->data[o + 1] = value;
  w->off = o + 9;
  w->count++;
}

static __always_inline void put_int(struct bh_writer* w, __u64 value) {
  put_number(w, (__u64)(__s64)(__s32)value); /* int arguments: sign-extend the low 32 bits */
}

static __always_inline void put_absent(struct bh_writer* w) {
  __u32 o = w->off & (HALF - 1);
  w->s->data[o] = BH_PARAM_ABSENT;
  w->off = o + 1;
  w->count++;
}

static __always_inline void put_length(struct bh_writer* w, __u32 o, __u8 tag, __u32 len) {
  w->s->data[o] = tag;
  *(__u16*)&w->s->data[o + 1] = (__u16)len;
  w->off = o + 3 + len;
  w->count++;
}

/* A saved blob (entry memory), `len` < 0 = absent. */
static __always_inline void put_saved(struct bh_writer* w, __u8 tag, const void* src, int len) {
  if (len < 0) {
    put_absent(w);
    return;
  }
  __u32 n = len;
  if (n > BH_PATH_MAX) n = BH_PATH_MAX;
  /* The mask cannot change n; it gives the verifier a bound on the register the call uses
   * (clang may pass a copy made before the clamp). */
  barrier_var(n);
  n &= 2 * BH_PATH_MAX - 1;
  __u32 o = w->off & (HALF - 1);
  if (bpf_probe_read_kernel(&w->s->data[o + 3], n, src) != 0) {
    put_absent(w);
    return;
  }
  put_length(w, o, tag, n);
}

static __always_inline void put_small_saved(struct bh_writer* w, const struct bh_entry* e) {
  if (e->small_len < 0) {
    put_absent(w);
    return;
  }
  __u32 n = e->small_len;
  if (n > BH_SMALL_MAX) n = BH_SMALL_MAX;
  barrier_var(n);
  n &= 2 * BH_SMALL_MAX - 1;
  __u32 o = w->off & (HALF - 1);
  if (bpf_probe_read_kernel(&w->s->data[o + 3], n, e->small) != 0) {
    put_absent(w);
    return;
  }
  put_length(w, o, BH_PARAM_BYTES, n);
}

/* A NUL-terminated string from user memory (the terminator is not stored). */
static __always_inline void put_user_string(struct bh_writer* w, const void* src, __u32 max) {
  __u32 o = w->off & (HALF - 1);
  long n = bpf_probe_read_user_str(&w->s->data[o + 3], max & (HALF - 1), src);
  if (n <= 0) {
    put_absent(w);
    return;
  }
  if (n >= max) w->flags |= BH_RECORD_TRUNCATED;
  put_length(w, o, BH_PARAM_BYTES, (__u32)(n - 1) & (HALF - 1));
}

static __always_inline void put_kernel_string(struct bh_writer* w, const void* src, __u32 max) {
  __u32 o = w->off & (HALF - 1);
  long n = bpf_probe_read_kernel_str(&w->s->data[o + 3], max & (HALF - 1), src);
  if (n <= 0) {
    put_absent(w);
    return;
  }
  put_length(w, o, BH_PARAM_BYTES, (__u32)(n - 1) & (HALF - 1));
}

/* Up to `len` bytes of user memory (I/O data, argv). */
static __always_inline void put_user_bytes(struct bh_writer* w, const void* src, __u64 len,
                                           __u32 max) {
  if (len > max) {
    len = max;
    w->flags |= BH_RECORD_TRUNCATED;
  }
  __u32 n = len & (HALF - 1);
  barrier_var(n);
  __u32 o = w->off & (HALF - 1);
  if (bpf_probe_read_user(&w->s->data[o + 3], n, src) != 0) {
    put_absent(w);
    return;
  }
  put_length(w, o, BH_PARAM_BYTES, n);
}

static __always_inline void put_comm(struct bh_writer* w) {
  __u32 o = w->off & (HALF - 1);
  char* dst = (char*)&w->s->data[o + 3];
  bpf_get_current_comm(dst, 16);
  __u32 n = 0;
#pragma unroll
  for (int i = 0; i < 16; i++) {
    if (dst[i] == 0) break;
    n++;
  }
  put_length(w, o, BH_PARAM_BYTES, n);
}

/* --- kernel state ----------------------------------------------------------------------- */

static __always_inline __u32 pid_ns_nr(struct task_struct* task, __u32* ns_inum) {
  struct pid* pid = BPF_CORE_READ(task, thread_pid);
  if (!pid) return 0;
  unsigned int level = BPF_CORE_READ(pid, level);
  struct upid upid = {};
  bpf_core_read(&upid, sizeof(upid), &pid->numbers[level & 31]);
  if (ns_inum) *ns_inum = upid.ns ? BPF_CORE_READ(upid.ns, ns.inum) : 0;
  return upid.nr;
}

static __always_inline struct bh_writer begin_record(struct bh_scratch* s, __u16 type, __s64 result,
                                                     struct task_struct* task) {
  struct bh_writer w = {.s = s, .off = 0, .count = 0, .flags = 0};
  __u64 id = bpf_get_current_pid_tgid();
  s->header.event_type = type;
  s->header.boot_ns = bpf_ktime_get_boot_ns();
  s->header.result = result;
  s->header.tid = (__u32)id;
  s->header.pid = id >> 32;
  s->header.cpu = bpf_get_smp_processor_id();
  s->header.reserved = 0;
  __u32 pid_ns = 0;
  pid_ns_nr(task, &pid_ns);
  s->header.pid_ns = pid_ns;
  struct nsproxy* nsproxy = BPF_CORE_READ(task, nsproxy);
  s->header.mnt_ns = nsproxy ? BPF_CORE_READ(nsproxy, mnt_ns, ns.inum) : 0;
  return w;
}

static __always_inline void submit(struct bh_writer* w) {
  struct bh_scratch* s = w->s;
  __u32 len = w->off;
  if (len > 2 * HALF) len = 2 * HALF;
  s->header.size = sizeof(struct bh_record_header) + len;
  s->header.param_count = w->count;
  s->header.flags = w->flags;
  struct bh_counters* c = counters_here();
  long err = bpf_ringbuf_output(&events, s, sizeof(struct bh_record_header) + len, 0);
  if (c) {
    if (err)
      c->events_dropped++;
    else
      c->events_sent++;
  }
}

static __always_inline struct bh_scratch* scratch_here(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&scratch_buffer, &zero);
}

/* The open file behind `fd` in the current task, NULL if none. */
static __always_inline struct file* file_of_fd(long fd) {
  if (fd < 0) return NULL;
  struct task_struct* task = (struct task_struct*)bpf_get_current_task();
  struct fdtable* fdt = BPF_CORE_READ(task, files, fdt);
  if (!fdt) return NULL;
  unsigned int max = BPF_CORE_READ(fdt, max_fds);
  if ((unsigned long)fd >= max) return NULL;
  struct file** fds = BPF_CORE_READ(fdt, fd);
  struct file* file = NULL;
  bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
  return file;
}

/* The socket tuple of `fd`. `peer_first`: accept's view (source = the remote end). `to`: a saved
 * sockaddr giving the destination of an unconnected sendto, or NULL. */
static __always_inline void put_tuple(struct bh_writer* w, long fd, bool peer_first,
                                      const struct bh_entry* to) {
  struct file* file = file_of_fd(fd);
  if (!file) {
    put_absent(w);
    return;
  }
  umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
  if ((mode & S_IFMT) != S_IFSOCK) {
    put_absent(w);
    return;
  }
  struct socket* sock = BPF_CORE_READ(file, private_data);
  struct sock* sk = BPF_CORE_READ(sock, sk);
  if (!sk) {
    put_absent(w);
    return;
  }
  __u32 o = w->off & (HALF - 1);
  struct bh_tuple* t = (struct bh_tuple*)&w->s->data[o + 3];
  __builtin_memset(t, 0, sizeof(*t));
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  __u16 local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
  __u16 remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
  t->family = family;
  __u8 local[16] = {}, remote[16] = {};
  if (family == AF_INET) {
    __u32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
    __u32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);
    __builtin_memcpy(local, &l, 4);
    __builtin_memcpy(remote, &r, 4);
  } else if (family == AF_INET6) {
    bpf_core_read(local, 16, &sk->__sk_common.skc_v6_rcv_saddr);
    bpf_core_read(remote, 16, &sk->__sk_common.skc_v6_daddr);
  } else if (family != AF_UNIX) {
    put_absent(w);
    return;
  }
  if (to && remote_port == 0 && to->blob_len[0] >= 8) {
    /* An unconnected datagram socket: the destination is the call's address. */
    __u16 to_family = *(const __u16*)&to->blob[0][0];
    if (to_family == family && family == AF_INET) {
      remote_port = bpf_ntohs(*(const __u16*)&to->blob[0][2]);
      __builtin_memcpy(remote, &to->blob[0][4], 4);
    } else if (to_family == family && family == AF_INET6 && to->blob_len[0] >= 24) {
      remote_port = bpf_ntohs(*(const __u16*)&to->blob[0][2]);
      __builtin_memcpy(remote, &to->blob[0][8], 16);
    }
  }
  if (peer_first) {
    t->source_port = remote_port;
    t->destination_port = local_port;
    __builtin_memcpy(t->source_ip, remote, 16);
    __builtin_memcpy(t->destination_ip, local, 16);
  } else {
    t->source_port = local_port;
    t->destination_port = remote_port;
    __builtin_memcpy(t->source_ip, local, 16);
    __builtin_memcpy(t->destination_ip, remote, 16);
  }
  put_length(w, o, BH_PARAM_TUPLE, sizeof(struct bh_tuple));
}

/* dev and ino of the file behind `fd` (open family). */
static __always_inline void put_dev_ino(struct bh_writer* w, long fd) {
  struct file* file = file_of_fd(fd);
  if (!file) {
    put_absent(w);
    put_absent(w);
    return;
  }
  struct inode* inode = BPF_CORE_READ(file, f_inode);
  put_number(w, BPF_CORE_READ(inode, i_sb, s_dev));
  put_number(w, BPF_CORE_READ(inode, i_ino));
}

static __always_inline __u32 real_parent_tgid(struct task_struct* task) {
  return BPF_CORE_READ(task, real_parent, tgid);
}

/* --- sys_enter -------------------------------------------------------------------------- */

/* socketcall(call, args): i386's multiplexed socket calls. Returns the event type + 1 of the
 * call when it is selected (0 otherwise) and reads its arguments, unsigned longs of 32 bits,
 * from user memory. */
static __always_inline __u8 socketcall_selection(__u64 call, __u64 pointer, __u64 args[6]) {
  __u16 type;
  switch (call) {
    case 1:
      type = BH_EV_socket;
      break;
    case 2:
      type = BH_EV_bind;
      break;
    case 3:
      type = BH_EV_connect;
      break;
    case 4:
      type = BH_EV_listen;
      break;
    case 5:
      type = BH_EV_accept;
      break;
    case 8:
      type = BH_EV_socketpair;
      break;
    case 11:
      type = BH_EV_sendto;
      break;
    case 12:
      type = BH_EV_recvfrom;
      break;
    case 16:
      type = BH_EV_sendmsg;
      break;
    case 17:
      type = BH_EV_recvmsg;
      break;
    case 18:
      type = BH_EV_accept4;
      break;
    default:
      return 0;
  }
  if (type >= BH_EV_COUNT || !event_filter[type]) return 0;
  __u32 raw[6] = {};
  /* Unreadable arguments make the call fail with EFAULT; it is still reported. */
  bpf_probe_read_user(raw, sizeof raw, (const void*)pointer);
  for (int i = 0; i < 6; i++) args[i] = raw[i];
  return (__u8)(type + 1);
}

/* Whether the current syscall is selected (its event type + 1, 0 when not) and, if so, its six
 * arguments: x86-64's registers, or i386's for a compat call (whose numbers differ), with x32's
 * bit removed (its numbers are x86-64's, 512 and up for its own variants). A syscall selected in
 * neither ABI returns after one load; only the others read the task's compat status. */
static __always_inline __u8 selected_call(struct pt_regs* regs, long nr, __u64 args[6]) {
  unsigned long number = (unsigned long)nr & ~(unsigned long)X32_SYSCALL_BIT;
  if (number >= BH_SYSCALL_SLOTS) return 0;
  struct bh_filter_slot slot = syscall_filter[number];
  if (!(slot.native | slot.compat)) return 0;
  struct task_struct* task = bpf_get_current_task_btf();
  if (task->thread_info.status & TS_COMPAT) {
    __u8 selected = slot.compat;
    if (!selected) return 0;
    if (selected == BH_SOCKETCALL) return socketcall_selection(regs->bx, (__u32)regs->cx, args);
    args[0] = (__u32)regs->bx;
    args[1] = (__u32)regs->cx;
    args[2] = (__u32)regs->dx;
    args[3] = (__u32)regs->si;
    args[4] = (__u32)regs->di;
    args[5] = (__u32)regs->bp;
    return selected;
  }
  __u8 selected = slot.native;
  if (!selected) return 0;
  args[0] = regs->di;
  args[1] = regs->si;
  args[2] = regs->dx;
  args[3] = regs->r10;
  args[4] = regs->r8;
  args[5] = regs->r9;
  return selected;
}

static __always_inline void save_path(struct bh_entry* e, int slot, __u64 ptr) {
  long n;
  if (slot == 0)
    n = bpf_probe_read_user_str(e->blob[0], BH_PATH_MAX, (const void*)ptr);
  else
    n = bpf_probe_read_user_str(e->blob[1], BH_PATH_MAX, (const void*)ptr);
  if (n >= BH_PATH_MAX) e->truncated = 1;
  e->blob_len[slot & 1] = n > 0 ? (__s16)(n - 1) : -1;
}

static __always_inline void save_small(struct bh_entry* e, __u64 ptr) {
  long n = bpf_probe_read_user_str(e->small, BH_SMALL_MAX, (const void*)ptr);
  if (n >= BH_SMALL_MAX) e->truncated = 1;
  e->small_len = n > 0 ? (__s16)(n - 1) : -1;
}

static __always_inline void save_sockaddr(struct bh_entry* e, __u64 ptr, __u64 len) {
  if (!ptr) {
    e->blob_len[0] = -1;
    return;
  }
  if (len > 128) len = 128; /* sizeof(struct sockaddr_storage) */
  barrier_var(len);
  if (bpf_probe_read_user(e->blob[0], len & 255, (const void*)ptr) != 0) {
    e->blob_len[0] = -1;
    return;
  }
  e->blob_len[0] = (__s16)len;
}

/* Saves a selected syscall's arguments, and the user memory that may change or vanish
 * before it returns, in the thread's slot of `entries` (made on its first use). */
static __always_inline struct bh_entry* save_entry(__u32 tid, const __u64 args[6], __u16 type) {
  struct bh_entry* e = bpf_map_lookup_elem(&entries, &tid);
  if (!e) {
    /* First interesting call of this thread: make its slot (the initial contents do not
     * matter, every field is written before it is read). */
    struct bh_scratch* s = scratch_here();
    if (!s) return NULL;
    bpf_map_update_elem(&entries, &tid, s->data, BPF_ANY);
    e = bpf_map_lookup_elem(&entries, &tid);
    if (!e) return NULL;
  }
  e->type = type;
  e->active = 1;
  e->truncated = 0;
  e->blob_len[0] = -1;
  e->blob_len[1] = -1;
  e->small_len = -1;
  __u64 a0 = args[0], a1 = args[1], a2 = args[2], a3 = args[3];
  e->args[0] = a0;
  e->args[1] = a1;
  e->args[2] = a2;
  e->args[3] = a3;
  e->args[4] = args[4];
  e->args[5] = args[5];

  switch (type) {
    case BH_EV_execve:
    case BH_EV_open:
    case BH_EV_creat:
    case BH_EV_chmod:
    case BH_EV_unlink:
    case BH_EV_mkdir:
    case BH_EV_chdir:
    case BH_EV_umount2:
      save_path(e, 0, a0);
      break;
    case BH_EV_execveat:
    case BH_EV_openat:
    case BH_EV_fchmodat:
    case BH_EV_unlinkat:
    case BH_EV_mkdirat:
      save_path(e, 0, a1);
      break;
    case BH_EV_openat2:
      save_path(e, 0, a1);
      if (bpf_probe_read_user(e->extra, sizeof(struct open_how), (const void*)a2) != 0)
        __builtin_memset(e->extra, 0, sizeof(e->extra));
      break;
    case BH_EV_rename:
    case BH_EV_symlink:
    case BH_EV_link:
      save_path(e, 0, a0);
      save_path(e, 1, a1);
      break;
    case BH_EV_renameat:
    case BH_EV_renameat2:
    case BH_EV_linkat:
      save_path(e, 0, a1);
      save_path(e, 1, a3);
      break;
    case BH_EV_symlinkat:
      save_path(e, 0, a0);
      save_path(e, 1, a2);
      break;
    case BH_EV_mount:
      save_path(e, 0, a0);
      save_path(e, 1, a1);
      save_small(e, a2);
      break;
    case BH_EV_connect:
    case BH_EV_bind:
      save_sockaddr(e, a1, a2);
      break;
    case BH_EV_sendto:
      save_sockaddr(e, args[4], args[5]);
      break;
    case BH_EV_clone3:
      if (bpf_probe_read_user(&e->extra[0], 8, (const void*)a0) != 0) e->extra[0] = 0;
      break;
    case BH_EV_memfd_create:
      save_small(e, a0);
      break;
    case BH_EV_prctl:
      if (a0 == PR_SET_NAME) save_small(e, a1);
      break;
    case BH_EV_init_module:
      save_small(e, a2);
      break;
    case BH_EV_finit_module:
      save_small(e, a1);
      break;
    case BH_EV_capset:
      /* struct __user_cap_data_struct[2] {effective, permitted, inheritable} */
      if (bpf_probe_read_user(e->extra, 24, (const void*)a1) != 0)
        __builtin_memset(e->extra, 0, sizeof(e->extra));
      break;
    default:
      break;
  }
  return e;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs* regs, long nr) {
  struct bh_counters* c = counters_here();
  if (c) c->syscalls_seen++;
  __u64 args[6];
  __u8 selected = selected_call(regs, nr, args);
  if (!selected) return 0;

  __u64 id = bpf_get_current_pid_tgid();
  if ((id >> 32) == ignored_tgid) return 0;
  save_entry((__u32)id, args, selected - 1);
  return 0;
}

/* --- clone ------------------------------------------------------------------------------ */

static __always_inline bool is_clone_type(__u16 type) {
  return type == BH_EV_clone || type == BH_EV_clone3 || type == BH_EV_fork || type == BH_EV_vfork;
}

/* Clone's params after res: exe args tid pid ptid cwd comm flags uid gid vtid vpid. */
static __always_inline void put_clone_params(struct bh_writer* w, struct task_struct* caller,
                                             __u64 flags, struct task_struct* subject) {
  __u64 id = bpf_get_current_pid_tgid();
  put_absent(w); /* exe: in the thread table already */
  put_absent(w); /* args */
  put_number(w, (__u32)id);
  put_number(w, id >> 32);
  put_number(w, real_parent_tgid(caller));
  put_absent(w); /* cwd */
  put_comm(w);
  put_number(w, flags);
  put_number(w, BPF_CORE_READ(caller, cred, euid.val));
  put_number(w, BPF_CORE_READ(caller, cred, egid.val));
  put_number(w, pid_ns_nr(subject, NULL));
  put_number(w, pid_ns_nr(BPF_CORE_READ(subject, group_leader), NULL));
}

static __always_inline __u64 clone_flags_of(__u16 type, const __u64* args, __u64 clone3_flags) {
  switch (type) {
    case BH_EV_clone:
      return args[0];
    case BH_EV_clone3:
      return clone3_flags;
    case BH_EV_vfork:
      return CLONE_VM | CLONE_VFORK;
    default:
      return 0;
  }
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_process_fork, struct task_struct* parent, struct task_struct* child) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct bh_entry* e = bpf_map_lookup_elem(&entries, &tid);
  __u16 type = BH_EV_clone;
  __u64 flags;
  if (e && e->active && is_clone_type(e->type)) {
    type = e->type;
    flags = clone_flags_of(type, e->args, e->extra[0]);
  } else {
    /* Not seen at entry (the process is ignored, or a kernel-made task): what the child shows. */
    if (BPF_CORE_READ(parent, flags) & PF_KTHREAD) return 0;
    flags = BPF_CORE_READ(child, tgid) == BPF_CORE_READ(parent, tgid)
                ? (CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND)
                : 0;
  }
  if (!event_filter[type & 63]) return 0;
  struct bh_scratch* s = scratch_here();
  if (!s) return 0;
  __s64 child_tid = BPF_CORE_READ(child, pid);
  struct bh_writer w = begin_record(s, type, child_tid, parent);
  put_number(&w, child_tid);
  put_clone_params(&w, parent, flags, child);
  submit(&w);
  return 0;
}

/* --- exec ------------------------------------------------------------------------------- */

static __always_inline __u64 tty_of(struct task_struct* task) {
  struct tty_struct* tty = BPF_CORE_READ(task, signal, tty);
  if (!tty) return 0;
  __u32 major = BPF_CORE_READ(tty, driver, major);
  __u32 minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
  return ((__u64)major << 20) | minor;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_process_exec, struct task_struct* task, pid_t old_pid, struct linux_binprm* bprm) {
  /* A thread other than the leader that execs takes the leader's id: its slot has the old. */
  __u32 old_tid = old_pid;
  struct bh_entry* e = bpf_map_lookup_elem(&entries, &old_tid);
  __u16 type = BH_EV_execve;
  if (e && e->active && e->type == BH_EV_execveat) type = BH_EV_execveat;
  if (!event_filter[type]) return 0;
  struct bh_scratch* s = scratch_here();
  if (!s) return 0;
  struct bh_writer w = begin_record(s, type, 0, task);
  __u64 id = bpf_get_current_pid_tgid();

  put_number(&w, 0); /* res */
  unsigned long arg_start = BPF_CORE_READ(task, mm, arg_start);
  unsigned long arg_end = BPF_CORE_READ(task, mm, arg_end);
  /* exe = argv[0], args = the rest */
  __u32 before = w.off;
  put_user_string(&w, (const void*)arg_start, BH_EXE_MAX);
  __u32 exe_len = (w.off - before) >= 3 ? w.off - before - 3 : 0;
  unsigned long rest = arg_start + exe_len + 1;
  if (rest < arg_end)
    put_user_bytes(&w, (const void*)rest, arg_end - rest, BH_ARGV_MAX);
  else
    put_length(&w, w.off & (HALF - 1), BH_PARAM_BYTES, 0);
  put_number(&w, (__u32)id);
  put_number(&w, id >> 32);
  put_number(&w, real_parent_tgid(task));
  put_absent(&w); /* cwd */
  put_comm(&w);
  put_absent(&w); /* env */
  put_number(&w, tty_of(task));
  const struct cred* cred = BPF_CORE_READ(task, cred);
  put_number(&w, BPF_CORE_READ(cred, euid.val));
  put_number(&w, BPF_CORE_READ(cred, egid.val));
  put_number(&w, BPF_CORE_READ(task, loginuid.val));
  /* flags: a memfd's dentry is named "memfd:<name>" */
  char name[8] = {};
  const unsigned char* dname = BPF_CORE_READ(bprm, file, f_path.dentry, d_name.name);
  bpf_probe_read_kernel_str(name, sizeof(name), dname);
  bool memfd = name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' &&
               name[4] == 'd' && name[5] == ':';
  put_number(&w, memfd ? EXE_FROM_MEMFD : 0);
  put_number(&w, BPF_CORE_READ(cred, cap_inheritable.val));
  put_number(&w, BPF_CORE_READ(cred, cap_permitted.val));
  put_number(&w, BPF_CORE_READ(cred, cap_effective.val));
  /* trusted_exepath: the path the kernel opened when absolute; a memfd's name otherwise */
  const char* filename = BPF_CORE_READ(bprm, filename);
  char first = 0;
  bpf_probe_read_kernel(&first, 1, filename);
  if (memfd)
    put_kernel_string(&w, dname, BH_PATH_MAX);
  else if (first == '/')
    put_kernel_string(&w, filename, BH_PATH_MAX);
  else
    put_absent(&w);
  if (type == BH_EV_execveat && e) {
    put_int(&w, e->args[0]);
    put_saved(&w, BH_PARAM_BYTES, e->blob[0], e->blob_len[0]);
  }
  submit(&w);
  return 0;
}

/* --- exit ------------------------------------------------------------------------------- */

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_process_exit, struct task_struct* task, bool group_dead) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  bpf_map_delete_elem(&entries, &tid);
  if (!event_filter[BH_EV_procexit]) return 0;
  if (BPF_CORE_READ(task, flags) & PF_KTHREAD) return 0;
  struct bh_scratch* s = scratch_here();
  if (!s) return 0;
  __s64 status = BPF_CORE_READ(task, exit_code);
  struct bh_writer w = begin_record(s, BH_EV_procexit, status, task);
  put_number(&w, status);
  put_number(&w, (status >> 8) & 0xff);
  put_number(&w, status & 0x7f);
  put_number(&w, (status & 0x80) ? 1 : 0);
  put_absent(&w); /* reaper_tid */
  submit(&w);
  return 0;
}

/* --- sys_exit --------------------------------------------------------------------------- */

/* The child's first return from clone: its own ids (vtid/vpid) and its parent. */
static __always_inline void emit_clone_child(const __u64 args[6], __u16 type) {
  struct bh_scratch* s = scratch_here();
  if (!s) return;
  struct task_struct* task = bpf_get_current_task_btf();
  __u64 flags = 0;
  if (type == BH_EV_clone3) {
    if (bpf_probe_read_user(&flags, 8, (const void*)args[0]) != 0) flags = 0;
  } else {
    flags = clone_flags_of(type, args, 0);
  }
  struct bh_writer w = begin_record(s, type, 0, task);
  put_number(&w, 0);
  put_clone_params(&w, task, flags, task);
  submit(&w);
}

static __always_inline void put_io_data(struct bh_writer* w, __u64 buffer, long ret) {
  if (ret > 0 && buffer)
    put_user_bytes(w, (const void*)buffer, ret, BH_DATA_MAX);
  else
    put_absent(w);
}

static __always_inline void put_fd_pair(struct bh_writer* w, __u64 array, long ret) {
  int fds[2] = {-1, -1};
  if (ret == 0 && bpf_probe_read_user(fds, sizeof(fds), (const void*)array) == 0) {
    put_int(w, fds[0]);
    put_int(w, fds[1]);
  } else {
    put_absent(w);
    put_absent(w);
  }
}

/* A path saved at entry, or read now when the entry could not read it: sys_enter cannot fault
 * pages in, and a string in a page the process has not touched yet (a fresh child's copy of
 * its parent's data) is only readable once the syscall itself has faulted it in. */
/* The path of an open file as the kernel resolved it: its dentries up to the root of the
 * caller's mount namespace, crossing mount points. For a path the caller padded past
 * BH_PATH_MAX ("/./././…/etc/shadow"): the saved copy is cut, the kernel's is not. Built
 * backwards from the end of a per-CPU buffer; at most BH_WALK_DEPTH components. */
#define BH_WALK_DEPTH 64
#define BH_WALK_SIZE 4096
struct bh_walk_buffer {
  char data[BH_WALK_SIZE + 256];
};
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bh_walk_buffer);
} walk_buffer SEC(".maps");

/* One step of the walk, run by bpf_loop (the verifier checks the step once, not every
 * iteration of an unrolled loop): prepends the current dentry's name, or crosses to the mount
 * below, or finds the namespace's root. */
struct bh_walk {
  struct bh_walk_buffer* buffer;
  struct dentry* dentry;
  struct mount* mnt;
  int pos;    /* where the path built so far starts */
  int result; /* -1 while walking or on failure; the start once the root is reached */
};

static long walk_step(__u64 index, void* context) {
  struct bh_walk* walk = context;
  struct dentry* dentry = walk->dentry;
  struct mount* mnt = walk->mnt;
  struct dentry* parent = BPF_CORE_READ(dentry, d_parent);
  struct dentry* mount_root = BPF_CORE_READ(mnt, mnt.mnt_root);
  if (dentry == mount_root || dentry == parent) {
    struct mount* mount_parent = BPF_CORE_READ(mnt, mnt_parent);
    if (mount_parent == mnt || !mount_parent) { /* the namespace's root */
      int pos = walk->pos;
      if (pos == BH_WALK_SIZE) { /* the root itself */
        pos -= 1;
        walk->buffer->data[pos & (BH_WALK_SIZE - 1)] = '/';
      }
      walk->result = pos;
      return 1;
    }
    walk->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
    walk->mnt = mount_parent;
    return 0;
  }
  __u32 len = BPF_CORE_READ(dentry, d_name.len);
  const unsigned char* name = BPF_CORE_READ(dentry, d_name.name);
  int pos = walk->pos;
  if (len == 0 || len > 255 || pos < (int)len + 1 || pos > BH_WALK_SIZE) return 1;
  pos -= len;
  if (bpf_probe_read_kernel(&walk->buffer->data[pos & (BH_WALK_SIZE - 1)], len & 255, name) != 0)
    return 1;
  pos -= 1;
  walk->buffer->data[pos & (BH_WALK_SIZE - 1)] = '/';
  walk->pos = pos;
  walk->dentry = parent;
  return 0;
}

/* Returns where the path of `file` starts in walk_buffer (it ends at BH_WALK_SIZE), or -1 when
 * it could not be resolved within BH_WALK_DEPTH steps. */
static __always_inline int resolve_file_path(struct file* file, struct bh_walk_buffer* buffer) {
  if (!file) return -1;
  struct vfsmount* vfsmnt = BPF_CORE_READ(file, f_path.mnt);
  struct bh_walk walk = {
      .buffer = buffer,
      .dentry = BPF_CORE_READ(file, f_path.dentry),
      .mnt = container_of(vfsmnt, struct mount, mnt),
      .pos = BH_WALK_SIZE,
      .result = -1,
  };
  bpf_loop(BH_WALK_DEPTH, walk_step, &walk, 0);
  return walk.result;
}

static __always_inline void put_path(struct bh_writer* w, const struct bh_entry* e, int slot,
                                     __u64 user_pointer) {
  int len = slot == 0 ? e->blob_len[0] : e->blob_len[1];
  if (len >= 0)
    put_saved(w, BH_PARAM_BYTES, slot == 0 ? e->blob[0] : e->blob[1], len);
  else if (user_pointer)
    put_user_string(w, (const void*)user_pointer, BH_PATH_MAX);
  else
    put_absent(w);
}

/* An open's path: the caller's, unless that was cut (too long) and the open succeeded, in which
 * case the kernel's resolved path of the file it opened. */
static __always_inline void put_open_path(struct bh_writer* w, const struct bh_entry* e,
                                          __u64 user_pointer, long ret) {
  if (e->truncated && ret >= 0) {
    __u32 zero = 0;
    struct bh_walk_buffer* b = bpf_map_lookup_elem(&walk_buffer, &zero);
    int start = b ? resolve_file_path(file_of_fd(ret), b) : -1;
    if (start >= 0 && start < BH_WALK_SIZE && b) {
      put_saved(w, BH_PARAM_BYTES, &b->data[start & (BH_WALK_SIZE - 1)], BH_WALK_SIZE - start);
      return;
    }
  }
  put_path(w, e, 0, user_pointer);
}

static __always_inline void put_small(struct bh_writer* w, const struct bh_entry* e,
                                      __u64 user_pointer) {
  if (e->small_len >= 0)
    put_small_saved(w, e);
  else if (user_pointer)
    put_user_string(w, (const void*)user_pointer, BH_SMALL_MAX);
  else
    put_absent(w);
}

/* A socket address saved at entry (or read now, as put_path). */
static __always_inline void put_sockaddr(struct bh_writer* w, const struct bh_entry* e,
                                         __u64 user_pointer, __u64 user_length) {
  if (e->blob_len[0] >= 0) {
    put_saved(w, BH_PARAM_SOCKADDR, e->blob[0], e->blob_len[0]);
    return;
  }
  if (!user_pointer) {
    put_absent(w);
    return;
  }
  if (user_length > 128) user_length = 128;
  __u32 o = w->off & (HALF - 1);
  __u32 n = user_length & 255;
  barrier_var(n);
  if (bpf_probe_read_user(&w->s->data[o + 3], n, (const void*)user_pointer) != 0) {
    put_absent(w);
    return;
  }
  put_length(w, o, BH_PARAM_SOCKADDR, n);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs* regs, long ret) {
  __u64 args[6];
  __u8 selected = selected_call(regs, regs->orig_ax, args);
  if (!selected) return 0;

  __u64 id = bpf_get_current_pid_tgid();
  if ((id >> 32) == ignored_tgid) return 0;
  __u32 tid = (__u32)id;
  struct bh_entry* e = bpf_map_lookup_elem(&entries, &tid);
  if (!e || !e->active) {
    __u16 type = selected - 1;
    if (is_clone_type(type) && ret == 0) {
      emit_clone_child(args, type);
      return 0;
    }
    /* No entry: sys_enter never ran for this call because seccomp refused it (the filter runs
     * before the tracepoint), or the thread's slot was lost. Such calls matter most (a mount or
     * unshare a container was denied), and on x86 the registers still hold the arguments at
     * exit, so they are saved now. Successful clones and execs were reported by the scheduler
     * tracepoints. */
    if ((is_clone_type(type) && ret > 0) ||
        ((type == BH_EV_execve || type == BH_EV_execveat) && ret == 0))
      return 0;
    e = save_entry(tid, args, type);
    struct bh_counters* c = counters_here();
    if (c) c->entries_missed++;
    if (!e) return 0;
  }
  e->active = 0;
  __u16 type = e->type;
  if (is_clone_type(type)) {
    if (ret > 0) return 0; /* reported by sched_process_fork */
    if (ret == 0) {        /* a child reusing a dead thread's slot */
      emit_clone_child(args, type);
      return 0;
    }
  }
  if ((type == BH_EV_execve || type == BH_EV_execveat) && ret == 0)
    return 0; /* reported by sched_process_exec */

  struct bh_scratch* s = scratch_here();
  if (!s) return 0;
  struct task_struct* task = bpf_get_current_task_btf();
  struct bh_writer w = begin_record(s, type, ret, task);
  if (e->truncated) w.flags |= BH_RECORD_TRUNCATED;
  const __u64* a = e->args;
  put_number(&w, ret); /* params[0]: res / fd */

  switch (type) {
    case BH_EV_execve:
    case BH_EV_execveat:
      /* a failed exec: exe = the path asked for */
      put_path(&w, e, 0, type == BH_EV_execveat ? a[1] : a[0]);
      put_absent(&w); /* args */
      put_number(&w, tid);
      put_number(&w, id >> 32);
      put_number(&w, real_parent_tgid(task));
      put_absent(&w); /* cwd */
      put_comm(&w);
      if (type == BH_EV_execveat) {
        for (int i = 0; i < 10; i++) put_absent(&w); /* env .. trusted_exepath */
        put_int(&w, a[0]);
        put_path(&w, e, 0, a[1]);
      }
      break;
    case BH_EV_clone:
    case BH_EV_clone3:
    case BH_EV_fork:
    case BH_EV_vfork: /* failed */
      put_clone_params(&w, task, clone_flags_of(type, a, e->extra[0]), task);
      break;
    case BH_EV_open:
      put_open_path(&w, e, a[0], ret);
      put_number(&w, (__u32)a[1]);
      put_number(&w, (__u32)a[2]);
      put_dev_ino(&w, ret);
      break;
    case BH_EV_openat:
      put_int(&w, a[0]);
      put_open_path(&w, e, a[1], ret);
      put_number(&w, (__u32)a[2]);
      put_number(&w, (__u32)a[3]);
      put_dev_ino(&w, ret);
      break;
    case BH_EV_openat2:
      put_int(&w, a[0]);
      put_open_path(&w, e, a[1], ret);
      put_number(&w, e->extra[0]);
      put_number(&w, e->extra[1]);
      put_number(&w, e->extra[2]);
      put_dev_ino(&w, ret);
      break;
    case BH_EV_creat:
      put_open_path(&w, e, a[0], ret);
      put_number(&w, (__u32)a[1]);
      put_dev_ino(&w, ret);
      break;
    case BH_EV_close:
      put_int(&w, a[0]);
      break;
    case BH_EV_read:
    case BH_EV_write:
      put_io_data(&w, a[1], ret);
      put_int(&w, a[0]);
      put_number(&w, a[2]);
      break;
    case BH_EV_connect:
      if (ret == 0 || ret == -EINPROGRESS)
        put_tuple(&w, (int)a[0], false, NULL);
      else
        put_absent(&w);
      put_int(&w, a[0]);
      put_sockaddr(&w, e, a[1], a[2]);
      break;
    case BH_EV_accept:
    case BH_EV_accept4:
      if (ret >= 0)
        put_tuple(&w, ret, true, NULL);
      else
        put_absent(&w);
      put_absent(&w); /* queuepct */
      put_absent(&w); /* queuelen */
      put_absent(&w); /* queuemax */
      if (type == BH_EV_accept4) put_number(&w, (__u32)a[3]);
      break;
    case BH_EV_bind:
      put_sockaddr(&w, e, a[1], a[2]);
      put_int(&w, a[0]);
      break;
    case BH_EV_listen:
      put_int(&w, a[0]);
      put_int(&w, a[1]);
      break;
    case BH_EV_socket:
      put_number(&w, (__u32)a[0]);
      put_number(&w, (__u32)a[1]);
      put_number(&w, (__u32)a[2]);
      break;
    case BH_EV_sendto:
    case BH_EV_sendmsg:
      put_io_data(&w, type == BH_EV_sendto ? a[1] : 0, ret);
      put_int(&w, a[0]);
      if (type == BH_EV_sendto)
        put_number(&w, a[2]);
      else
        put_absent(&w);
      if (ret >= 0)
        put_tuple(&w, (int)a[0], false, type == BH_EV_sendto ? e : NULL);
      else
        put_absent(&w);
      break;
    case BH_EV_recvfrom:
      put_io_data(&w, a[1], ret);
      if (ret >= 0)
        put_tuple(&w, (int)a[0], true, NULL);
      else
        put_absent(&w);
      put_int(&w, a[0]);
      put_number(&w, a[2]);
      break;
    case BH_EV_recvmsg:
      put_absent(&w); /* size */
      put_absent(&w); /* data */
      if (ret >= 0)
        put_tuple(&w, (int)a[0], true, NULL);
      else
        put_absent(&w);
      put_int(&w, a[0]);
      break;
    case BH_EV_ptrace:
      put_number(&w, a[2]);
      put_number(&w, a[3]);
      put_number(&w, a[0]);
      put_int(&w, a[1]);
      break;
    case BH_EV_mount:
      put_path(&w, e, 0, a[0]);
      put_path(&w, e, 1, a[1]);
      put_small(&w, e, a[2]);
      put_number(&w, a[3]);
      break;
    case BH_EV_umount2:
      put_path(&w, e, 0, a[0]);
      put_number(&w, (__u32)a[1]);
      break;
    case BH_EV_unshare:
      put_number(&w, a[0]);
      break;
    case BH_EV_setns:
      put_int(&w, a[0]);
      put_number(&w, (__u32)a[1]);
      break;
    case BH_EV_init_module:
      put_absent(&w); /* img */
      put_number(&w, a[1]);
      put_small(&w, e, a[2]);
      break;
    case BH_EV_finit_module:
      put_int(&w, a[0]);
      put_small(&w, e, a[1]);
      put_number(&w, (__u32)a[2]);
      break;
    case BH_EV_setuid:
    case BH_EV_setgid:
      put_number(&w, (__u32)a[0]);
      break;
    case BH_EV_setreuid:
    case BH_EV_setregid:
      put_number(&w, (__u32)a[0]);
      put_number(&w, (__u32)a[1]);
      break;
    case BH_EV_setresuid:
    case BH_EV_setresgid:
      put_number(&w, (__u32)a[0]);
      put_number(&w, (__u32)a[1]);
      put_number(&w, (__u32)a[2]);
      break;
    case BH_EV_capset: {
      /* extra holds two {effective, permitted, inheritable} u32 triples (low, high words) */
      const __u32* d = (const __u32*)e->extra;
      put_number(&w, d[2] | ((__u64)d[5] << 32));
      put_number(&w, d[1] | ((__u64)d[4] << 32));
      put_number(&w, d[0] | ((__u64)d[3] << 32));
      break;
    }
    case BH_EV_chmod:
      put_path(&w, e, 0, a[0]);
      put_number(&w, (__u32)a[1]);
      break;
    case BH_EV_fchmod:
      put_int(&w, a[0]);
      put_number(&w, (__u32)a[1]);
      break;
    case BH_EV_fchmodat:
      put_int(&w, a[0]);
      put_path(&w, e, 0, a[1]);
      put_number(&w, (__u32)a[2]);
      break;
    case BH_EV_unlink:
    case BH_EV_chdir:
      put_path(&w, e, 0, a[0]);
      break;
    case BH_EV_unlinkat:
      put_int(&w, a[0]);
      put_path(&w, e, 0, a[1]);
      put_number(&w, (__u32)a[2]);
      break;
    case BH_EV_rename:
    case BH_EV_symlink:
    case BH_EV_link:
      put_path(&w, e, 0, a[0]);
      put_path(&w, e, 1, a[1]);
      break;
    case BH_EV_renameat:
    case BH_EV_renameat2:
    case BH_EV_linkat:
      put_int(&w, a[0]);
      put_path(&w, e, 0, a[1]);
      put_int(&w, a[2]);
      put_path(&w, e, 1, a[3]);
      if (type != BH_EV_renameat) put_number(&w, (__u32)a[4]);
      break;
    case BH_EV_symlinkat:
      put_path(&w, e, 0, a[0]);
      put_int(&w, a[1]);
      put_path(&w, e, 1, a[2]);
      break;
    case BH_EV_mkdir:
      put_path(&w, e, 0, a[0]);
      put_number(&w, (__u32)a[1]);
      break;
    case BH_EV_mkdirat:
      put_int(&w, a[0]);
      put_path(&w, e, 0, a[1]);
      put_number(&w, (__u32)a[2]);
      break;
    case BH_EV_dup:
      put_int(&w, a[0]);
      break;
    case BH_EV_dup2:
    case BH_EV_dup3:
      put_int(&w, a[0]);
      put_int(&w, a[1]);
      if (type == BH_EV_dup3) put_number(&w, (__u32)a[2]);
      break;
    case BH_EV_fcntl:
      put_int(&w, a[0]);
      put_number(&w, (__u32)a[1]);
      break;
    case BH_EV_memfd_create:
      put_small(&w, e, a[0]);
      put_number(&w, (__u32)a[1]);
      break;
    case BH_EV_bpf:
      put_number(&w, (__u32)a[0]);
      break;
    case BH_EV_kill:
      put_int(&w, a[0]);
      put_number(&w, (__u32)a[1]);
      break;
    case BH_EV_tgkill:
      put_int(&w, a[0]);
      put_int(&w, a[1]);
      put_number(&w, (__u32)a[2]);
      break;
    case BH_EV_fchdir:
      put_int(&w, a[0]);
      break;
    case BH_EV_pipe:
    case BH_EV_pipe2:
      put_fd_pair(&w, a[0], ret);
      put_absent(&w); /* ino */
      if (type == BH_EV_pipe2) put_number(&w, (__u32)a[1]);
      break;
    case BH_EV_socketpair:
      put_fd_pair(&w, a[3], ret);
      put_absent(&w); /* source */
      put_absent(&w); /* peer */
      put_number(&w, (__u32)a[0]);
      put_number(&w, (__u32)a[1]);
      put_number(&w, (__u32)a[2]);
      break;
    case BH_EV_userfaultfd:
      put_number(&w, (__u32)a[0]);
      break;
    case BH_EV_prctl:
      put_number(&w, (__u32)a[0]);
      put_small(&w, e, a[0] == PR_SET_NAME ? a[1] : 0);
      put_number(&w, a[1]);
      break;
    default:
      break;
  }
  submit(&w);
  return 0;
}
