// The event schema: per event type, Falco's parameter names in the order of its exit event
// (since libs 0.42 the exit event carries the enter event's parameters too), plus the flag and
// enum name tables used to render them. Only parameters a producer can fill are listed.
#include "capture/event.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace bulkhead::capture {
namespace {

using PT = ParamType;

// --- flag and enum tables (native Linux values) ----------------------------------------------

constexpr FlagName kOpenFlags[] = {
    // Multi-bit flags first, so that their parts are not printed separately.
    {0, "O_RDONLY"},          {01, "O_WRONLY"},         {02, "O_RDWR"},
    {04010000, "O_SYNC"},     {020200000, "O_TMPFILE"}, {0100, "O_CREAT"},
    {0200, "O_EXCL"},         {0400, "O_NOCTTY"},       {01000, "O_TRUNC"},
    {02000, "O_APPEND"},      {04000, "O_NONBLOCK"},    {010000, "O_DSYNC"},
    {020000, "O_ASYNC"},      {040000, "O_DIRECT"},     {0100000, "O_LARGEFILE"},
    {0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"},  {01000000, "O_NOATIME"},
    {02000000, "O_CLOEXEC"},  {010000000, "O_PATH"},
};

constexpr FlagName kCloneFlags[] = {
    {0x00000100, "CLONE_VM"},
    {0x00000200, "CLONE_FS"},
    {0x00000400, "CLONE_FILES"},
    {0x00000800, "CLONE_SIGHAND"},
    {0x00001000, "CLONE_PIDFD"},
    {0x00002000, "CLONE_PTRACE"},
    {0x00004000, "CLONE_VFORK"},
    {0x00008000, "CLONE_PARENT"},
    {0x00010000, "CLONE_THREAD"},
    {0x00020000, "CLONE_NEWNS"},
    {0x00040000, "CLONE_SYSVSEM"},
    {0x00080000, "CLONE_SETTLS"},
    {0x00100000, "CLONE_PARENT_SETTID"},
    {0x00200000, "CLONE_CHILD_CLEARTID"},
    {0x00400000, "CLONE_DETACHED"},
    {0x00800000, "CLONE_UNTRACED"},
    {0x01000000, "CLONE_CHILD_SETTID"},
    {0x02000000, "CLONE_NEWCGROUP"},
    {0x04000000, "CLONE_NEWUTS"},
    {0x08000000, "CLONE_NEWIPC"},
    {0x10000000, "CLONE_NEWUSER"},
    {0x20000000, "CLONE_NEWPID"},
    {0x40000000, "CLONE_NEWNET"},
    {0x80000000, "CLONE_IO"},
    {0x200000000ull, "CLONE_CLEAR_SIGHAND"},
    {0x400000000ull, "CLONE_INTO_CGROUP"},
    {0x00000080, "CLONE_NEWTIME"},
};

constexpr FlagName kNamespaceFlags[] = {
    {0x00000080, "CLONE_NEWTIME"}, {0x00000200, "CLONE_FS"},      {0x00000400, "CLONE_FILES"},
    {0x00020000, "CLONE_NEWNS"},   {0x00040000, "CLONE_SYSVSEM"}, {0x02000000, "CLONE_NEWCGROUP"},
    {0x04000000, "CLONE_NEWUTS"},  {0x08000000, "CLONE_NEWIPC"},  {0x10000000, "CLONE_NEWUSER"},
    {0x20000000, "CLONE_NEWPID"},  {0x40000000, "CLONE_NEWNET"},
};

constexpr FlagName kSignals[] = {
    {1, "SIGHUP"},     {2, "SIGINT"},   {3, "SIGQUIT"},   {4, "SIGILL"},   {5, "SIGTRAP"},
    {6, "SIGABRT"},    {7, "SIGBUS"},   {8, "SIGFPE"},    {9, "SIGKILL"},  {10, "SIGUSR1"},
    {11, "SIGSEGV"},   {12, "SIGUSR2"}, {13, "SIGPIPE"},  {14, "SIGALRM"}, {15, "SIGTERM"},
    {16, "SIGSTKFLT"}, {17, "SIGCHLD"}, {18, "SIGCONT"},  {19, "SIGSTOP"}, {20, "SIGTSTP"},
    {21, "SIGTTIN"},   {22, "SIGTTOU"}, {23, "SIGURG"},   {24, "SIGXCPU"}, {25, "SIGXFSZ"},
    {26, "SIGVTALRM"}, {27, "SIGPROF"}, {28, "SIGWINCH"}, {29, "SIGIO"},   {30, "SIGPWR"},
    {31, "SIGSYS"},
};

constexpr FlagName kPtraceRequests[] = {
    {0, "PTRACE_TRACEME"},
    {1, "PTRACE_PEEKTEXT"},
    {2, "PTRACE_PEEKDATA"},
    {3, "PTRACE_PEEKUSR"},
    {4, "PTRACE_POKETEXT"},
    {5, "PTRACE_POKEDATA"},
    {6, "PTRACE_POKEUSR"},
    {7, "PTRACE_CONT"},
    {8, "PTRACE_KILL"},
    {9, "PTRACE_SINGLESTEP"},
    {12, "PTRACE_GETREGS"},
    {13, "PTRACE_SETREGS"},
    {14, "PTRACE_GETFPREGS"},
    {15, "PTRACE_SETFPREGS"},
    {16, "PTRACE_ATTACH"},
    {17, "PTRACE_DETACH"},
    {18, "PTRACE_GETFPXREGS"},
    {19, "PTRACE_SETFPXREGS"},
    {24, "PTRACE_SYSCALL"},
    {0x4200, "PTRACE_SETOPTIONS"},
    {0x4201, "PTRACE_GETEVENTMSG"},
    {0x4202, "PTRACE_GETSIGINFO"},
    {0x4203, "PTRACE_SETSIGINFO"},
    {0x4204, "PTRACE_GETREGSET"},
    {0x4205, "PTRACE_SETREGSET"},
    {0x4206, "PTRACE_SEIZE"},
    {0x4207, "PTRACE_INTERRUPT"},
    {0x4208, "PTRACE_LISTEN"},
};

constexpr FlagName kAddressFamilies[] = {
    {0, "AF_UNSPEC"},    {1, "AF_UNIX"},   {2, "AF_INET"},   {3, "AF_AX25"},     {4, "AF_IPX"},
    {5, "AF_APPLETALK"}, {9, "AF_X25"},    {10, "AF_INET6"}, {16, "AF_NETLINK"}, {17, "AF_PACKET"},
    {38, "AF_ALG"},      {40, "AF_VSOCK"}, {44, "AF_XDP"},
};

constexpr FlagName kMountFlags[] = {
    {1, "MS_RDONLY"},          {2, "MS_NOSUID"},           {4, "MS_NODEV"},
    {8, "MS_NOEXEC"},          {16, "MS_SYNCHRONOUS"},     {32, "MS_REMOUNT"},
    {64, "MS_MANDLOCK"},       {128, "MS_DIRSYNC"},        {256, "MS_NOSYMFOLLOW"},
    {1024, "MS_NOATIME"},      {2048, "MS_NODIRATIME"},    {4096, "MS_BIND"},
    {8192, "MS_MOVE"},         {16384, "MS_REC"},          {32768, "MS_SILENT"},
    {1 << 16, "MS_POSIXACL"},  {1 << 17, "MS_UNBINDABLE"}, {1 << 18, "MS_PRIVATE"},
    {1 << 19, "MS_SLAVE"},     {1 << 20, "MS_SHARED"},     {1 << 21, "MS_RELATIME"},
    {1 << 22, "MS_KERNMOUNT"}, {1 << 23, "MS_I_VERSION"},  {1 << 24, "MS_STRICTATIME"},
    {1 << 25, "MS_LAZYTIME"},
};

constexpr FlagName kUmountFlags[] = {
    {1, "MNT_FORCE"},
    {2, "MNT_DETACH"},
    {4, "MNT_EXPIRE"},
    {8, "UMOUNT_NOFOLLOW"},
};

constexpr FlagName kMemfdFlags[] = {
    {1, "MFD_CLOEXEC"},     {2, "MFD_ALLOW_SEALING"}, {4, "MFD_HUGETLB"},
    {8, "MFD_NOEXEC_SEAL"}, {16, "MFD_EXEC"},
};

constexpr FlagName kBpfCommands[] = {
    {0, "BPF_MAP_CREATE"},
    {1, "BPF_MAP_LOOKUP_ELEM"},
    {2, "BPF_MAP_UPDATE_ELEM"},
    {3, "BPF_MAP_DELETE_ELEM"},
    {4, "BPF_MAP_GET_NEXT_KEY"},
    {5, "BPF_PROG_LOAD"},
    {6, "BPF_OBJ_PIN"},
    {7, "BPF_OBJ_GET"},
    {8, "BPF_PROG_ATTACH"},
    {9, "BPF_PROG_DETACH"},
    {10, "BPF_PROG_TEST_RUN"},
    {11, "BPF_PROG_GET_NEXT_ID"},
    {12, "BPF_MAP_GET_NEXT_ID"},
    {13, "BPF_PROG_GET_FD_BY_ID"},
    {14, "BPF_MAP_GET_FD_BY_ID"},
    {15, "BPF_OBJ_GET_INFO_BY_FD"},
    {16, "BPF_PROG_QUERY"},
    {17, "BPF_RAW_TRACEPOINT_OPEN"},
    {18, "BPF_BTF_LOAD"},
    {19, "BPF_BTF_GET_FD_BY_ID"},
    {20, "BPF_TASK_FD_QUERY"},
    {21, "BPF_MAP_LOOKUP_AND_DELETE_ELEM"},
    {22, "BPF_MAP_FREEZE"},
    {23, "BPF_BTF_GET_NEXT_ID"},
    {28, "BPF_LINK_CREATE"},
    {29, "BPF_LINK_UPDATE"},
    {30, "BPF_LINK_GET_FD_BY_ID"},
    {31, "BPF_LINK_GET_NEXT_ID"},
    {32, "BPF_ENABLE_STATS"},
    {33, "BPF_ITER_CREATE"},
    {34, "BPF_LINK_DETACH"},
    {35, "BPF_PROG_BIND_MAP"},
    {36, "BPF_TOKEN_CREATE"},
};

constexpr FlagName kUnlinkatFlags[] = {
    {0x200, "AT_REMOVEDIR"},
};

constexpr FlagName kLinkatFlags[] = {
    {0x400, "AT_SYMLINK_FOLLOW"},
    {0x1000, "AT_EMPTY_PATH"},
};

constexpr FlagName kRenameFlags[] = {
    {1, "RENAME_NOREPLACE"},
    {2, "RENAME_EXCHANGE"},
    {4, "RENAME_WHITEOUT"},
};

constexpr FlagName kFcntlCommands[] = {
    {0, "F_DUPFD"},         {1, "F_GETFD"},
    {2, "F_SETFD"},         {3, "F_GETFL"},
    {4, "F_SETFL"},         {5, "F_GETLK"},
    {6, "F_SETLK"},         {7, "F_SETLKW"},
    {8, "F_SETOWN"},        {9, "F_GETOWN"},
    {10, "F_SETSIG"},       {11, "F_GETSIG"},
    {1024, "F_SETLEASE"},   {1025, "F_GETLEASE"},
    {1026, "F_NOTIFY"},     {1030, "F_DUPFD_CLOEXEC"},
    {1031, "F_SETPIPE_SZ"}, {1032, "F_GETPIPE_SZ"},
    {1033, "F_ADD_SEALS"},  {1034, "F_GET_SEALS"},
};

constexpr FlagName kPrctlOptions[] = {
    {1, "PR_SET_PDEATHSIG"},
    {2, "PR_GET_PDEATHSIG"},
    {3, "PR_GET_DUMPABLE"},
    {4, "PR_SET_DUMPABLE"},
    {8, "PR_SET_KEEPCAPS"},
    {15, "PR_SET_NAME"},
    {16, "PR_GET_NAME"},
    {22, "PR_SET_SECCOMP"},
    {21, "PR_GET_SECCOMP"},
    {23, "PR_CAPBSET_READ"},
    {24, "PR_CAPBSET_DROP"},
    {36, "PR_SET_CHILD_SUBREAPER"},
    {37, "PR_GET_CHILD_SUBREAPER"},
    {38, "PR_SET_NO_NEW_PRIVS"},
    {39, "PR_GET_NO_NEW_PRIVS"},
    {47, "PR_CAP_AMBIENT"},
};

constexpr FlagName kDup3Flags[] = {
    {02000000, "O_CLOEXEC"},
};

constexpr FlagName kOpenat2Resolve[] = {
    {0x01, "RESOLVE_NO_XDEV"}, {0x02, "RESOLVE_NO_MAGICLINKS"}, {0x04, "RESOLVE_NO_SYMLINKS"},
    {0x08, "RESOLVE_BENEATH"}, {0x10, "RESOLVE_IN_ROOT"},       {0x20, "RESOLVE_CACHED"},
};

constexpr FlagName kFinitModuleFlags[] = {
    {1, "MODULE_INIT_IGNORE_MODVERSIONS"},
    {2, "MODULE_INIT_IGNORE_VERMAGIC"},
    {4, "MODULE_INIT_COMPRESSED_FILE"},
};

// execve's `flags`: facts about the executable (Falco's PPM_EXE_*).
constexpr FlagName kExeFlags[] = {
    {1, "EXE_WRITABLE"},
    {2, "EXE_UPPER_LAYER"},
    {4, "EXE_FROM_MEMFD"},
    {8, "EXE_LOWER_LAYER"},
};

constexpr FlagName kUserfaultfdFlags[] = {
    {04000, "O_NONBLOCK"},
    {02000000, "O_CLOEXEC"},
    {1, "UFFD_USER_MODE_ONLY"},
};

constexpr FlagName kAcceptFlags[] = {
    {04000, "SOCK_NONBLOCK"},
    {02000000, "SOCK_CLOEXEC"},
};

// --- schemas --------------------------------------------------------------------------------

constexpr ParamSpec P(std::string_view name, ParamType type) {
  return {name, type, {}};
}
constexpr ParamSpec P(std::string_view name, ParamType type, std::span<const FlagName> names) {
  return {name, type, names};
}

// Process creation and exec share most of their exit parameters.
constexpr ParamSpec kExecveParams[] = {
    P("res", PT::Errno),
    P("exe", PT::String),
    P("args", PT::StringList),
    P("tid", PT::Pid),
    P("pid", PT::Pid),
    P("ptid", PT::Pid),
    P("cwd", PT::Path),
    P("comm", PT::String),
    P("env", PT::StringList),
    P("tty", PT::Uint),
    P("uid", PT::Uid),
    P("gid", PT::Gid),
    P("loginuid", PT::Uid),
    P("flags", PT::Flags, kExeFlags),
    P("cap_inheritable", PT::Uint),
    P("cap_permitted", PT::Uint),
    P("cap_effective", PT::Uint),
    P("trusted_exepath", PT::Path),
};
constexpr ParamSpec kExecveatParams[] = {
    P("res", PT::Errno),
    P("exe", PT::String),
    P("args", PT::StringList),
    P("tid", PT::Pid),
    P("pid", PT::Pid),
    P("ptid", PT::Pid),
    P("cwd", PT::Path),
    P("comm", PT::String),
    P("env", PT::StringList),
    P("tty", PT::Uint),
    P("uid", PT::Uid),
    P("gid", PT::Gid),
    P("loginuid", PT::Uid),
    P("flags", PT::Flags, kExeFlags),
    P("cap_inheritable", PT::Uint),
    P("cap_permitted", PT::Uint),
    P("cap_effective", PT::Uint),
    P("trusted_exepath", PT::Path),
    P("dirfd", PT::Fd),
    P("pathname", PT::Path),
};
constexpr ParamSpec kCloneParams[] = {
    P("res", PT::Pid),  P("exe", PT::String),  P("args", PT::StringList),
    P("tid", PT::Pid),  P("pid", PT::Pid),     P("ptid", PT::Pid),
    P("cwd", PT::Path), P("comm", PT::String), P("flags", PT::Flags, kCloneFlags),
    P("uid", PT::Uid),  P("gid", PT::Gid),     P("vtid", PT::Pid),
    P("vpid", PT::Pid),
};
constexpr ParamSpec kProcexitParams[] = {
    P("status", PT::Int), P("ret", PT::Int),        P("sig", PT::Enum, kSignals),
    P("core", PT::Uint),  P("reaper_tid", PT::Pid),
};
constexpr ParamSpec kOpenParams[] = {
    P("fd", PT::Fd),     P("name", PT::Path), P("flags", PT::Flags, kOpenFlags),
    P("mode", PT::Mode), P("dev", PT::Uint),  P("ino", PT::Uint),
};
constexpr ParamSpec kOpenatParams[] = {
    P("fd", PT::Fd),     P("dirfd", PT::Fd), P("name", PT::Path), P("flags", PT::Flags, kOpenFlags),
    P("mode", PT::Mode), P("dev", PT::Uint), P("ino", PT::Uint),
};
constexpr ParamSpec kOpenat2Params[] = {
    P("fd", PT::Fd),     P("dirfd", PT::Fd),
    P("name", PT::Path), P("flags", PT::Flags, kOpenFlags),
    P("mode", PT::Mode), P("resolve", PT::Flags, kOpenat2Resolve),
    P("dev", PT::Uint),  P("ino", PT::Uint),
};
constexpr ParamSpec kCreatParams[] = {
    P("fd", PT::Fd),    P("name", PT::Path), P("mode", PT::Mode),
    P("dev", PT::Uint), P("ino", PT::Uint),
};
constexpr ParamSpec kCloseParams[] = {P("res", PT::Errno), P("fd", PT::Fd)};
constexpr ParamSpec kReadWriteParams[] = {P("res", PT::Errno), P("data", PT::Bytes),
                                          P("fd", PT::Fd), P("size", PT::Uint)};
constexpr ParamSpec kConnectParams[] = {P("res", PT::Errno), P("tuple", PT::SockTuple),
                                        P("fd", PT::Fd), P("addr", PT::SockAddr)};
constexpr ParamSpec kAcceptParams[] = {
    P("fd", PT::Fd),         P("tuple", PT::SockTuple), P("queuepct", PT::Uint),
    P("queuelen", PT::Uint), P("queuemax", PT::Uint),
};
constexpr ParamSpec kAccept4Params[] = {
    P("fd", PT::Fd),         P("tuple", PT::SockTuple), P("queuepct", PT::Uint),
    P("queuelen", PT::Uint), P("queuemax", PT::Uint),   P("flags", PT::Flags, kAcceptFlags),
};
constexpr ParamSpec kBindParams[] = {P("res", PT::Errno), P("addr", PT::SockAddr), P("fd", PT::Fd)};
constexpr ParamSpec kListenParams[] = {P("res", PT::Errno), P("fd", PT::Fd), P("backlog", PT::Int)};
constexpr ParamSpec kSocketParams[] = {P("fd", PT::Fd), P("domain", PT::Enum, kAddressFamilies),
                                       P("type", PT::Uint), P("proto", PT::Uint)};
constexpr ParamSpec kSendParams[] = {P("res", PT::Errno), P("data", PT::Bytes), P("fd", PT::Fd),
                                     P("size", PT::Uint), P("tuple", PT::SockTuple)};
constexpr ParamSpec kRecvfromParams[] = {P("res", PT::Errno), P("data", PT::Bytes),
                                         P("tuple", PT::SockTuple), P("fd", PT::Fd),
                                         P("size", PT::Uint)};
constexpr ParamSpec kRecvmsgParams[] = {P("res", PT::Errno), P("size", PT::Uint),
                                        P("data", PT::Bytes), P("tuple", PT::SockTuple),
                                        P("fd", PT::Fd)};
constexpr ParamSpec kPtraceParams[] = {P("res", PT::Errno), P("addr", PT::Uint),
                                       P("data", PT::Uint), P("request", PT::Enum, kPtraceRequests),
                                       P("pid", PT::Pid)};
constexpr ParamSpec kMountParams[] = {P("res", PT::Errno), P("dev", PT::Path), P("dir", PT::Path),
                                      P("type", PT::String), P("flags", PT::Flags, kMountFlags)};
constexpr ParamSpec kUmount2Params[] = {P("res", PT::Errno), P("name", PT::Path),
                                        P("flags", PT::Flags, kUmountFlags)};
constexpr ParamSpec kUnshareParams[] = {P("res", PT::Errno),
                                        P("flags", PT::Flags, kNamespaceFlags)};
constexpr ParamSpec kSetnsParams[] = {P("res", PT::Errno), P("fd", PT::Fd),
                                      P("nstype", PT::Flags, kNamespaceFlags)};
constexpr ParamSpec kInitModuleParams[] = {P("res", PT::Errno), P("img", PT::Bytes),
                                           P("length", PT::Uint), P("uargs", PT::String)};
constexpr ParamSpec kFinitModuleParams[] = {P("res", PT::Errno), P("fd", PT::Fd),
                                            P("uargs", PT::String),
                                            P("flags", PT::Flags, kFinitModuleFlags)};
constexpr ParamSpec kSetuidParams[] = {P("res", PT::Errno), P("uid", PT::Uid)};
constexpr ParamSpec kSetgidParams[] = {P("res", PT::Errno), P("gid", PT::Gid)};
constexpr ParamSpec kSetreuidParams[] = {P("res", PT::Errno), P("ruid", PT::Uid),
                                         P("euid", PT::Uid)};
constexpr ParamSpec kSetregidParams[] = {P("res", PT::Errno), P("rgid", PT::Gid),
                                         P("egid", PT::Gid)};
constexpr ParamSpec kSetresuidParams[] = {P("res", PT::Errno), P("ruid", PT::Uid),
                                          P("euid", PT::Uid), P("suid", PT::Uid)};
constexpr ParamSpec kSetresgidParams[] = {P("res", PT::Errno), P("rgid", PT::Gid),
                                          P("egid", PT::Gid), P("sgid", PT::Gid)};
constexpr ParamSpec kCapsetParams[] = {P("res", PT::Errno), P("cap_inheritable", PT::Uint),
                                       P("cap_permitted", PT::Uint), P("cap_effective", PT::Uint)};
constexpr ParamSpec kChmodParams[] = {P("res", PT::Errno), P("filename", PT::Path),
                                      P("mode", PT::Mode)};
constexpr ParamSpec kFchmodParams[] = {P("res", PT::Errno), P("fd", PT::Fd), P("mode", PT::Mode)};
constexpr ParamSpec kFchmodatParams[] = {P("res", PT::Errno), P("dirfd", PT::Fd),
                                         P("filename", PT::Path), P("mode", PT::Mode)};
constexpr ParamSpec kUnlinkParams[] = {P("res", PT::Errno), P("path", PT::Path)};
constexpr ParamSpec kUnlinkatParams[] = {P("res", PT::Errno), P("dirfd", PT::Fd),
                                         P("name", PT::Path),
                                         P("flags", PT::Flags, kUnlinkatFlags)};
constexpr ParamSpec kRenameParams[] = {P("res", PT::Errno), P("oldpath", PT::Path),
                                       P("newpath", PT::Path)};
constexpr ParamSpec kRenameatParams[] = {P("res", PT::Errno), P("olddirfd", PT::Fd),
                                         P("oldpath", PT::Path), P("newdirfd", PT::Fd),
                                         P("newpath", PT::Path)};
constexpr ParamSpec kRenameat2Params[] = {
    P("res", PT::Errno),   P("olddirfd", PT::Fd),  P("oldpath", PT::Path),
    P("newdirfd", PT::Fd), P("newpath", PT::Path), P("flags", PT::Flags, kRenameFlags)};
constexpr ParamSpec kSymlinkParams[] = {P("res", PT::Errno), P("target", PT::Path),
                                        P("linkpath", PT::Path)};
constexpr ParamSpec kSymlinkatParams[] = {P("res", PT::Errno), P("target", PT::Path),
                                          P("linkdirfd", PT::Fd), P("linkpath", PT::Path)};
constexpr ParamSpec kLinkParams[] = {P("res", PT::Errno), P("oldpath", PT::Path),
                                     P("newpath", PT::Path)};
constexpr ParamSpec kLinkatParams[] = {P("res", PT::Errno),    P("olddir", PT::Fd),
                                       P("oldpath", PT::Path), P("newdir", PT::Fd),
                                       P("newpath", PT::Path), P("flags", PT::Flags, kLinkatFlags)};
constexpr ParamSpec kMkdirParams[] = {P("res", PT::Errno), P("path", PT::Path),
                                      P("mode", PT::Mode)};
constexpr ParamSpec kMkdiratParams[] = {P("res", PT::Errno), P("dirfd", PT::Fd),
                                        P("path", PT::Path), P("mode", PT::Mode)};
constexpr ParamSpec kDupParams[] = {P("res", PT::Fd), P("oldfd", PT::Fd)};
constexpr ParamSpec kDup2Params[] = {P("res", PT::Fd), P("oldfd", PT::Fd), P("newfd", PT::Fd)};
constexpr ParamSpec kDup3Params[] = {P("res", PT::Fd), P("oldfd", PT::Fd), P("newfd", PT::Fd),
                                     P("flags", PT::Flags, kDup3Flags)};
constexpr ParamSpec kFcntlParams[] = {P("res", PT::Int), P("fd", PT::Fd),
                                      P("cmd", PT::Enum, kFcntlCommands)};
constexpr ParamSpec kMemfdCreateParams[] = {P("fd", PT::Fd), P("name", PT::String),
                                            P("flags", PT::Flags, kMemfdFlags)};
constexpr ParamSpec kBpfParams[] = {P("fd", PT::Fd), P("cmd", PT::Enum, kBpfCommands)};
constexpr ParamSpec kKillParams[] = {P("res", PT::Errno), P("pid", PT::Pid),
                                     P("sig", PT::Enum, kSignals)};
constexpr ParamSpec kTgkillParams[] = {P("res", PT::Errno), P("pid", PT::Pid), P("tid", PT::Pid),
                                       P("sig", PT::Enum, kSignals)};
constexpr ParamSpec kChdirParams[] = {P("res", PT::Errno), P("path", PT::Path)};
constexpr ParamSpec kFchdirParams[] = {P("res", PT::Errno), P("fd", PT::Fd)};
constexpr ParamSpec kPipeParams[] = {P("res", PT::Errno), P("fd1", PT::Fd), P("fd2", PT::Fd),
                                     P("ino", PT::Uint)};
constexpr ParamSpec kPipe2Params[] = {P("res", PT::Errno), P("fd1", PT::Fd), P("fd2", PT::Fd),
                                      P("ino", PT::Uint), P("flags", PT::Flags, kOpenFlags)};
constexpr ParamSpec kSocketpairParams[] = {
    P("res", PT::Errno),   P("fd1", PT::Fd),    P("fd2", PT::Fd),
    P("source", PT::Uint), P("peer", PT::Uint), P("domain", PT::Enum, kAddressFamilies),
    P("type", PT::Uint),   P("proto", PT::Uint)};
constexpr ParamSpec kUserfaultfdParams[] = {P("res", PT::Fd),
                                            P("flags", PT::Flags, kUserfaultfdFlags)};
constexpr ParamSpec kPrctlParams[] = {P("res", PT::Errno), P("option", PT::Enum, kPrctlOptions),
                                      P("arg2_str", PT::String), P("arg2_int", PT::Int)};

constexpr std::span<const ParamSpec> params_of(EventType type) {
  switch (type) {
    case EventType::execve:
      return kExecveParams;
    case EventType::execveat:
      return kExecveatParams;
    case EventType::clone:
    case EventType::clone3:
    case EventType::fork:
    case EventType::vfork:
      return kCloneParams;
    case EventType::procexit:
      return kProcexitParams;
    case EventType::open:
      return kOpenParams;
    case EventType::openat:
      return kOpenatParams;
    case EventType::openat2:
      return kOpenat2Params;
    case EventType::creat:
      return kCreatParams;
    case EventType::close:
      return kCloseParams;
    case EventType::read:
    case EventType::write:
      return kReadWriteParams;
    case EventType::connect:
      return kConnectParams;
    case EventType::accept:
      return kAcceptParams;
    case EventType::accept4:
      return kAccept4Params;
    case EventType::bind:
      return kBindParams;
    case EventType::listen:
      return kListenParams;
    case EventType::socket:
      return kSocketParams;
    case EventType::sendto:
    case EventType::sendmsg:
      return kSendParams;
    case EventType::recvfrom:
      return kRecvfromParams;
    case EventType::recvmsg:
      return kRecvmsgParams;
    case EventType::ptrace:
      return kPtraceParams;
    case EventType::mount:
      return kMountParams;
    case EventType::umount2:
      return kUmount2Params;
    case EventType::unshare:
      return kUnshareParams;
    case EventType::setns:
      return kSetnsParams;
    case EventType::init_module:
      return kInitModuleParams;
    case EventType::finit_module:
      return kFinitModuleParams;
    case EventType::setuid:
      return kSetuidParams;
    case EventType::setgid:
      return kSetgidParams;
    case EventType::setreuid:
      return kSetreuidParams;
    case EventType::setregid:
      return kSetregidParams;
    case EventType::setresuid:
      return kSetresuidParams;
    case EventType::setresgid:
      return kSetresgidParams;
    case EventType::capset:
      return kCapsetParams;
    case EventType::chmod:
      return kChmodParams;
    case EventType::fchmod:
      return kFchmodParams;
    case EventType::fchmodat:
      return kFchmodatParams;
    case EventType::unlink:
      return kUnlinkParams;
    case EventType::unlinkat:
      return kUnlinkatParams;
    case EventType::rename:
      return kRenameParams;
    case EventType::renameat:
      return kRenameatParams;
    case EventType::renameat2:
      return kRenameat2Params;
    case EventType::symlink:
      return kSymlinkParams;
    case EventType::symlinkat:
      return kSymlinkatParams;
    case EventType::link:
      return kLinkParams;
    case EventType::linkat:
      return kLinkatParams;
    case EventType::mkdir:
      return kMkdirParams;
    case EventType::mkdirat:
      return kMkdiratParams;
    case EventType::dup:
      return kDupParams;
    case EventType::dup2:
      return kDup2Params;
    case EventType::dup3:
      return kDup3Params;
    case EventType::fcntl:
      return kFcntlParams;
    case EventType::memfd_create:
      return kMemfdCreateParams;
    case EventType::bpf:
      return kBpfParams;
    case EventType::kill:
      return kKillParams;
    case EventType::tgkill:
      return kTgkillParams;
    case EventType::chdir:
      return kChdirParams;
    case EventType::fchdir:
      return kFchdirParams;
    case EventType::pipe:
      return kPipeParams;
    case EventType::pipe2:
      return kPipe2Params;
    case EventType::socketpair:
      return kSocketpairParams;
    case EventType::userfaultfd:
      return kUserfaultfdParams;
    case EventType::prctl:
      return kPrctlParams;
  }
  return {};
}

struct SchemaTable {
  std::array<EventSpec, kEventTypeCount> specs{};
  // (name, type) sorted by name for event_type_from_name.
  std::array<std::pair<std::string_view, EventType>, kEventTypeCount> by_name{};

  SchemaTable() {
    constexpr std::string_view names[] = {
#define BULKHEAD_EVENT_NAME(id, name) name,
        BULKHEAD_EVENT_TYPES(BULKHEAD_EVENT_NAME)
#undef BULKHEAD_EVENT_NAME
    };
    for (std::size_t i = 0; i < kEventTypeCount; ++i) {
      auto type = static_cast<EventType>(i);
      specs[i] = EventSpec{type, names[i], params_of(type)};
      by_name[i] = {names[i], type};
    }
    std::sort(by_name.begin(), by_name.end());
  }
};

// Immutable after construction (a function-local static, so no global mutable state).
const SchemaTable& schema() {
  static const SchemaTable table;
  return table;
}

// Every schema must fit Event::params.
constexpr bool schemas_fit() {
  for (std::size_t i = 0; i < kEventTypeCount; ++i)
    if (params_of(static_cast<EventType>(i)).size() > kMaxParams) return false;
  return true;
}
static_assert(schemas_fit(), "an event schema has more params than kMaxParams");

constexpr FlagName kErrnoNames[] = {
    {1, "EPERM"},         {2, "ENOENT"},         {3, "ESRCH"},          {4, "EINTR"},
    {5, "EIO"},           {6, "ENXIO"},          {7, "E2BIG"},          {8, "ENOEXEC"},
    {9, "EBADF"},         {10, "ECHILD"},        {11, "EAGAIN"},        {12, "ENOMEM"},
    {13, "EACCES"},       {14, "EFAULT"},        {16, "EBUSY"},         {17, "EEXIST"},
    {18, "EXDEV"},        {19, "ENODEV"},        {20, "ENOTDIR"},       {21, "EISDIR"},
    {22, "EINVAL"},       {23, "ENFILE"},        {24, "EMFILE"},        {25, "ENOTTY"},
    {26, "ETXTBSY"},      {27, "EFBIG"},         {28, "ENOSPC"},        {29, "ESPIPE"},
    {30, "EROFS"},        {31, "EMLINK"},        {32, "EPIPE"},         {36, "ENAMETOOLONG"},
    {38, "ENOSYS"},       {39, "ENOTEMPTY"},     {40, "ELOOP"},         {88, "ENOTSOCK"},
    {95, "EOPNOTSUPP"},   {97, "EAFNOSUPPORT"},  {98, "EADDRINUSE"},    {99, "EADDRNOTAVAIL"},
    {101, "ENETUNREACH"}, {103, "ECONNABORTED"}, {104, "ECONNRESET"},   {106, "EISCONN"},
    {107, "ENOTCONN"},    {110, "ETIMEDOUT"},    {111, "ECONNREFUSED"}, {113, "EHOSTUNREACH"},
    {114, "EALREADY"},    {115, "EINPROGRESS"},
};

void put_u16(std::string& out, uint16_t value) {
  out.push_back(static_cast<char>(value & 0xff));
  out.push_back(static_cast<char>(value >> 8));
}
void put_u64(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}
uint16_t get_u16(const char* data) {
  return static_cast<uint16_t>(static_cast<uint8_t>(data[0]) |
                               (static_cast<uint8_t>(data[1]) << 8));
}

std::size_t ip_size(uint8_t family) {
  return family == kAfInet ? 4 : 16;
}

}  // namespace

const EventSpec& event_spec(EventType type) {
  auto index = static_cast<std::size_t>(type);
  if (index >= kEventTypeCount) index = 0;  // callers validate types; never index out of range
  return schema().specs[index];
}

std::optional<EventType> event_type_from_name(std::string_view name) {
  const auto& by_name = schema().by_name;
  auto it =
      std::lower_bound(by_name.begin(), by_name.end(), name,
                       [](const auto& entry, std::string_view key) { return entry.first < key; });
  if (it == by_name.end() || it->first != name) return std::nullopt;
  return it->second;
}

std::string_view event_type_name(EventType type) {
  return event_spec(type).name;
}

std::optional<std::size_t> param_index(EventType type, std::string_view name) {
  auto params = event_spec(type).params;
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].name == name) return i;
  return std::nullopt;
}

const Param* Event::param(std::string_view name) const {
  auto index = param_index(type, name);
  if (!index || *index >= param_count) return nullptr;
  return &params[*index];
}

std::span<const FlagName> open_flag_names() {
  return kOpenFlags;
}
std::span<const FlagName> clone_flag_names() {
  return kCloneFlags;
}
std::span<const FlagName> namespace_flag_names() {
  return kNamespaceFlags;
}
std::span<const FlagName> signal_names() {
  return kSignals;
}
std::span<const FlagName> ptrace_request_names() {
  return kPtraceRequests;
}
std::span<const FlagName> address_family_names() {
  return kAddressFamilies;
}

std::string format_flags(std::span<const FlagName> names, uint64_t value) {
  std::string out;
  auto append = [&](std::string_view name) {
    if (!out.empty()) out.push_back('|');
    out.append(name);
  };
  uint64_t remaining = value;
  const bool open_flags = names.data() == std::data(kOpenFlags);
  if (open_flags) {
    // The access mode is a two-bit number, not two flags.
    constexpr uint64_t kAccessMode = 03;
    append(enum_name(names, value & kAccessMode).empty() ? "O_ACCMODE"
                                                         : enum_name(names, value & kAccessMode));
    remaining &= ~kAccessMode;
  }
  for (const FlagName& flag : names) {
    if (flag.value == 0 || (open_flags && flag.value <= 03)) continue;
    if ((remaining & flag.value) == flag.value) {
      append(flag.name);
      remaining &= ~flag.value;
    }
  }
  if (remaining != 0) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(remaining));
    append(buffer);
  }
  if (out.empty()) {
    std::string_view zero = enum_name(names, 0);
    out = zero.empty() ? "0" : std::string(zero);
  }
  return out;
}

std::string_view enum_name(std::span<const FlagName> names, uint64_t value) {
  for (const FlagName& entry : names)
    if (entry.value == value) return entry.name;
  return {};
}

std::string_view errno_name(uint64_t err) {
  return enum_name(kErrnoNames, err);
}

std::optional<SocketAddress> decode_socket_address(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  SocketAddress address;
  address.family = static_cast<uint8_t>(bytes[0]);
  bytes.remove_prefix(1);
  if (address.family == kAfUnix) {
    address.unix_path = bytes;
    return address;
  }
  if (address.family != kAfInet && address.family != kAfInet6) return std::nullopt;
  std::size_t size = ip_size(address.family);
  if (bytes.size() != size + 2) return std::nullopt;
  std::memcpy(address.ip.data(), bytes.data(), size);
  address.port = get_u16(bytes.data() + size);
  return address;
}

std::optional<SocketTuple> decode_socket_tuple(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  SocketTuple tuple;
  tuple.family = static_cast<uint8_t>(bytes[0]);
  bytes.remove_prefix(1);
  if (tuple.family == kAfUnix) {
    if (bytes.size() < 16) return std::nullopt;
    tuple.unix_path = bytes.substr(16);
    return tuple;
  }
  if (tuple.family != kAfInet && tuple.family != kAfInet6) return std::nullopt;
  std::size_t size = ip_size(tuple.family);
  if (bytes.size() != 2 * (size + 2)) return std::nullopt;
  std::memcpy(tuple.source_ip.data(), bytes.data(), size);
  tuple.source_port = get_u16(bytes.data() + size);
  std::memcpy(tuple.destination_ip.data(), bytes.data() + size + 2, size);
  tuple.destination_port = get_u16(bytes.data() + 2 * size + 2);
  return tuple;
}

std::string encode_socket_address(const SocketAddress& address) {
  std::string out(1, static_cast<char>(address.family));
  if (address.family == kAfInet || address.family == kAfInet6) {
    out.append(reinterpret_cast<const char*>(address.ip.data()), ip_size(address.family));
    put_u16(out, address.port);
  } else if (address.family == kAfUnix) {
    out.append(address.unix_path);
  }
  return out;
}

std::string encode_socket_tuple(const SocketTuple& tuple) {
  std::string out(1, static_cast<char>(tuple.family));
  if (tuple.family == kAfInet || tuple.family == kAfInet6) {
    std::size_t size = ip_size(tuple.family);
    out.append(reinterpret_cast<const char*>(tuple.source_ip.data()), size);
    put_u16(out, tuple.source_port);
    out.append(reinterpret_cast<const char*>(tuple.destination_ip.data()), size);
    put_u16(out, tuple.destination_port);
  } else if (tuple.family == kAfUnix) {
    // The kernel socket addresses are not modelled; zeros keep the layout Falco's has.
    put_u64(out, 0);
    put_u64(out, 0);
    out.append(tuple.unix_path);
  }
  return out;
}

std::string format_ip(uint8_t family, const std::array<uint8_t, 16>& ip) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (family == kAfInet) {
    inet_ntop(AF_INET, ip.data(), buffer, sizeof buffer);
  } else if (family == kAfInet6) {
    inet_ntop(AF_INET6, ip.data(), buffer, sizeof buffer);
  }
  return buffer;
}

std::string format_socket_address(const SocketAddress& address) {
  if (address.family == kAfUnix) return std::string(address.unix_path);
  if (address.family != kAfInet && address.family != kAfInet6) return {};
  return format_ip(address.family, address.ip) + ":" + std::to_string(address.port);
}

std::string format_socket_tuple(const SocketTuple& tuple) {
  if (tuple.family == kAfUnix) return std::string(tuple.unix_path);
  if (tuple.family != kAfInet && tuple.family != kAfInet6) return {};
  return format_ip(tuple.family, tuple.source_ip) + ":" + std::to_string(tuple.source_port) + "->" +
         format_ip(tuple.family, tuple.destination_ip) + ":" +
         std::to_string(tuple.destination_port);
}

}  // namespace bulkhead::capture
