/* The wire format between the eBPF capture programs (bpf/capture.bpf.c) and user space
 * (src/capture/record_decoder.cc). Included from BPF C (after vmlinux.h) and from C++.
 *
 * One ring-buffer record is one event:
 *
 *   struct bh_record_header      (48 bytes, below)
 *   param entries                (header.param_count of them, in the order of the event type's
 *                                 schema in src/capture/event.cc: entry 0 is the result)
 *
 * A param entry starts with a one-byte tag:
 *   BH_PARAM_ABSENT    nothing follows; the producer could not read the value
 *   BH_PARAM_NUMBER    u64 value (little endian, unaligned)
 *   BH_PARAM_BYTES     u16 length, then that many bytes (path, string, argv list, data)
 *   BH_PARAM_SOCKADDR  u16 length, then a raw struct sockaddr as the caller passed it
 *                      (family u16 native, port in network order, ...); user space turns it
 *                      into capture::SocketAddress's encoding
 *   BH_PARAM_TUPLE     u16 length (= sizeof(struct bh_tuple)), then a struct bh_tuple read from
 *                      the kernel socket; user space encodes it as a capture::SocketTuple
 * Params the schema lists after the last encoded entry are absent. Numbers are kept raw (u64)
 * so the encoding does not depend on the param's type; user space applies the schema.
 *
 * Everything is little endian (x86-64 only for now: the syscall numbers are x86-64's).
 */
#ifndef BULKHEAD_BPF_CAPTURE_RECORD_H
#define BULKHEAD_BPF_CAPTURE_RECORD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* capture::EventType's numeric values (the X-macro order in src/capture/event.h). The decoder
 * static_asserts that both agree. */
enum bh_event_type {
  BH_EV_execve,
  BH_EV_execveat,
  BH_EV_clone,
  BH_EV_clone3,
  BH_EV_fork,
  BH_EV_vfork,
  BH_EV_procexit,
  BH_EV_open,
  BH_EV_openat,
  BH_EV_openat2,
  BH_EV_creat,
  BH_EV_close,
  BH_EV_read,
  BH_EV_write,
  BH_EV_connect,
  BH_EV_accept,
  BH_EV_accept4,
  BH_EV_bind,
  BH_EV_listen,
  BH_EV_socket,
  BH_EV_sendto,
  BH_EV_sendmsg,
  BH_EV_recvfrom,
  BH_EV_recvmsg,
  BH_EV_ptrace,
  BH_EV_mount,
  BH_EV_umount2,
  BH_EV_unshare,
  BH_EV_setns,
  BH_EV_init_module,
  BH_EV_finit_module,
  BH_EV_setuid,
  BH_EV_setgid,
  BH_EV_setreuid,
  BH_EV_setregid,
  BH_EV_setresuid,
  BH_EV_setresgid,
  BH_EV_capset,
  BH_EV_chmod,
  BH_EV_fchmod,
  BH_EV_fchmodat,
  BH_EV_unlink,
  BH_EV_unlinkat,
  BH_EV_rename,
  BH_EV_renameat,
  BH_EV_renameat2,
  BH_EV_symlink,
  BH_EV_symlinkat,
  BH_EV_link,
  BH_EV_linkat,
  BH_EV_mkdir,
  BH_EV_mkdirat,
  BH_EV_dup,
  BH_EV_dup2,
  BH_EV_dup3,
  BH_EV_fcntl,
  BH_EV_memfd_create,
  BH_EV_bpf,
  BH_EV_kill,
  BH_EV_tgkill,
  BH_EV_chdir,
  BH_EV_fchdir,
  BH_EV_pipe,
  BH_EV_pipe2,
  BH_EV_socketpair,
  BH_EV_userfaultfd,
  BH_EV_prctl,
  BH_EV_COUNT,
};

/* Syscall numbers the filter covers (x86-64 numbers are all below this). */
#define BH_SYSCALL_SLOTS 1024 /* x86-64 numbers (x32's own from 512), and i386 numbers */
/* One syscall number's selection in both ABIs (the event type + 1, or 0). */
struct bh_filter_slot {
  __u8 native; /* x86-64 (and x32) */
  __u8 compat; /* i386 */
};
#define BH_SOCKETCALL 0xff /* bh_filter_slot.compat: i386 socketcall, decoded at run time */

enum bh_param_tag {
  BH_PARAM_ABSENT = 0,
  BH_PARAM_NUMBER = 1,
  BH_PARAM_BYTES = 2,
  BH_PARAM_SOCKADDR = 3,
  BH_PARAM_TUPLE = 4,
};

/* header.flags */
#define BH_RECORD_TRUNCATED 1 /* a string or buffer was cut to its capture limit */

struct bh_record_header {
  __u32 size;       /* whole record, header included */
  __u16 event_type; /* enum bh_event_type */
  __u8 param_count; /* param entries that follow */
  __u8 flags;       /* BH_RECORD_* */
  __u64 boot_ns;    /* bpf_ktime_get_boot_ns() at the event */
  __s64 result;     /* syscall return value; procexit: the exit status */
  __u32 tid;        /* host thread id */
  __u32 pid;        /* host thread-group id */
  __u32 pid_ns;     /* inode of the caller's pid namespace (0 unknown) */
  __u32 mnt_ns;     /* inode of the caller's mount namespace (0 unknown) */
  __u32 cpu;
  __u32 reserved;
};

/* A socket's endpoints as the kernel holds them. Addresses in network byte order (IPv4 in the
 * first four bytes), ports in host order. */
struct bh_tuple {
  __u16 family; /* AF_INET, AF_INET6, AF_UNIX */
  __u16 source_port;
  __u16 destination_port;
  __u16 reserved;
  __u8 source_ip[16];
  __u8 destination_ip[16];
};

/* Per-CPU counters (PERCPU_ARRAY "counters", one entry). */
struct bh_counters {
  __u64 syscalls_seen;  /* every syscall entry */
  __u64 events_sent;    /* records written to the ring buffer */
  __u64 events_dropped; /* records lost: ring buffer full */
  __u64 entries_missed; /* exits with no saved entry (refused by seccomp, or evicted) */
};

/* Capture limits (bytes). */
#define BH_PATH_MAX 1024 /* one path or sockaddr saved at syscall entry */
#define BH_SMALL_MAX 64  /* short strings: mount type, memfd name, prctl name, module args */
#define BH_ARGV_MAX 1024 /* execve argv after argv[0] */
#define BH_EXE_MAX 256   /* argv[0] */
#define BH_DATA_MAX 80   /* read/write/send/recv data, as Falco's default snaplen */

#endif /* BULKHEAD_BPF_CAPTURE_RECORD_H */
