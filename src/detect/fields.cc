// The field registry (names, types, descriptions in our own words, following Falco's field
// names and semantics) and extraction of field values from an event plus the thread table.
#include "detect/fields.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <ctime>

namespace bulkhead::detect {
namespace {

using capture::Event;
using capture::EventType;
using capture::FdInfo;
using capture::FdType;
using capture::Param;
using capture::ParamSpec;
using capture::ParamType;
using capture::ThreadInfo;

using FT = FieldType;
using AK = FieldArgKind;

// X-macro: (enumerator, name, type, argument kind, multi-valued, description). The order is the
// display order of `bulkhead rules fields` and the value of BoundField::id.
#define BULKHEAD_FIELDS(X)                                                                         \
  X(EvtNum, "evt.num", FT::Uint64, AK::None, false,                                                \
    "Sequence number of the event, counted from 1 by this engine instance.")                       \
  X(EvtTime, "evt.time", FT::String, AK::None, false,                                              \
    "Event time of day (UTC) as HH:MM:SS.nnnnnnnnn.")                                              \
  X(EvtTimeS, "evt.time.s", FT::String, AK::None, false, "Event time of day (UTC) as HH:MM:SS.")   \
  X(EvtTimeIso8601, "evt.time.iso8601", FT::String, AK::None, false,                               \
    "Event time in ISO 8601 form with nanoseconds, UTC (2024-05-01T12:00:00.000000000Z).")         \
  X(EvtDatetime, "evt.datetime", FT::String, AK::None, false,                                      \
    "Event date and time (UTC) as YYYY-MM-DD HH:MM:SS.nnnnnnnnn.")                                 \
  X(EvtDatetimeS, "evt.datetime.s", FT::String, AK::None, false,                                   \
    "Event date and time (UTC) as YYYY-MM-DD HH:MM:SS.")                                           \
  X(EvtRawtime, "evt.rawtime", FT::AbsTime, AK::None, false,                                       \
    "Event time in nanoseconds since the epoch.")                                                  \
  X(EvtRawtimeS, "evt.rawtime.s", FT::Uint64, AK::None, false,                                     \
    "Whole seconds part of evt.rawtime.")                                                          \
  X(EvtRawtimeNs, "evt.rawtime.ns", FT::Uint64, AK::None, false,                                   \
    "Nanoseconds part of evt.rawtime.")                                                            \
  X(EvtLatency, "evt.latency", FT::RelTime, AK::None, false,                                       \
    "Time spent in the syscall; always 0: bulkhead sees exit events only.")                        \
  X(EvtHostname, "evt.hostname", FT::String, AK::None, false,                                      \
    "Name of the host the event was captured on.")                                                 \
  X(EvtSource, "evt.source", FT::String, AK::None, false, "Event source; always \"syscall\".")     \
  X(EvtType, "evt.type", FT::String, AK::None, false,                                              \
    "Name of the syscall or lifecycle event (open, execve, procexit, ...).")                       \
  X(EvtDir, "evt.dir", FT::String, AK::None, false,                                                \
    "Event direction; always \"<\": events are syscall exits carrying every argument.")            \
  X(EvtCpu, "evt.cpu", FT::Int64, AK::None, false, "CPU the event happened on.")                   \
  X(EvtCategory, "evt.category", FT::String, AK::None, false,                                      \
    "Broad kind of event: file, net, ipc, process, memory, signal, system or other.")              \
  X(EvtRes, "evt.res", FT::String, AK::None, false,                                                \
    "Syscall outcome: SUCCESS, or the error name (ENOENT, EACCES, ...) when it failed.")           \
  X(EvtRawres, "evt.rawres", FT::Int64, AK::None, false,                                           \
    "Syscall return value as a number (negative errno on failure).")                               \
  X(EvtFailed, "evt.failed", FT::Bool, AK::None, false,                                            \
    "True when the syscall returned an error.")                                                    \
  X(EvtArgs, "evt.args", FT::String, AK::None, false,                                              \
    "All event arguments as name=value pairs separated by spaces.")                                \
  X(EvtArg, "evt.arg", FT::String, AK::Key, false,                                                 \
    "One argument rendered as text: evt.arg.NAME or evt.arg[NAME] by name, evt.arg[N] by "         \
    "position (counting input arguments, the return value excluded). Flags, enums and modes "      \
    "render by name (O_WRONLY|O_CREAT, PTRACE_ATTACH, S_ISUID), errors by errno name, uids and "   \
    "gids by user/group name when known.")                                                         \
  X(EvtRawarg, "evt.rawarg", FT::Int64, AK::Key, false,                                            \
    "One argument by name, unrendered: numbers as numbers, text as is.")                           \
  X(EvtIsOpenRead, "evt.is_open_read", FT::Bool, AK::None, false,                                  \
    "True for open/openat/openat2 asking for read access (O_RDONLY or O_RDWR).")                   \
  X(EvtIsOpenWrite, "evt.is_open_write", FT::Bool, AK::None, false,                                \
    "True for open/openat/openat2/creat asking for write access (O_WRONLY or O_RDWR).")            \
  X(EvtIsOpenExec, "evt.is_open_exec", FT::Bool, AK::None, false,                                  \
    "True for an open that creates a file (O_CREAT or creat) with any execute permission bit.")    \
  X(EvtIsOpenCreate, "evt.is_open_create", FT::Bool, AK::None, false,                              \
    "True for an open with O_CREAT, and for creat.")                                               \
  X(EvtBuffer, "evt.buffer", FT::Bytes, AK::None, false,                                           \
    "Data buffer of an I/O event (read, write, send*, recv*), as captured (may be truncated).")    \
  X(EvtBuflen, "evt.buflen", FT::Uint64, AK::None, false,                                          \
    "Length of the I/O data: the byte count the syscall transferred.")                             \
  X(EvtIsIo, "evt.is_io", FT::Bool, AK::None, false,                                               \
    "True for events that read or write data (read, write, send*, recv*).")                        \
  X(EvtIsIoRead, "evt.is_io_read", FT::Bool, AK::None, false,                                      \
    "True for events that read data (read, recvfrom, recvmsg).")                                   \
  X(EvtIsIoWrite, "evt.is_io_write", FT::Bool, AK::None, false,                                    \
    "True for events that write data (write, sendto, sendmsg).")                                   \
  X(FsPathName, "fs.path.name", FT::String, AK::None, false,                                       \
    "Absolute path a file-changing event acts on (mkdir, unlink, chmod, creating opens).")         \
  X(FsPathNameraw, "fs.path.nameraw", FT::String, AK::None, false,                                 \
    "Path a file-changing event acts on, exactly as passed to the syscall.")                       \
  X(FsPathSource, "fs.path.source", FT::String, AK::None, false,                                   \
    "Absolute source path of a rename or link (old path, or the symlink target).")                 \
  X(FsPathSourceraw, "fs.path.sourceraw", FT::String, AK::None, false,                             \
    "Source path of a rename or link as passed to the syscall.")                                   \
  X(FsPathTarget, "fs.path.target", FT::String, AK::None, false,                                   \
    "Absolute destination path of a rename or link (new path or link path).")                      \
  X(FsPathTargetraw, "fs.path.targetraw", FT::String, AK::None, false,                             \
    "Destination path of a rename or link as passed to the syscall.")                              \
  X(ProcPid, "proc.pid", FT::Int64, AK::None, false, "Process id (host pid namespace).")           \
  X(ProcPpid, "proc.ppid", FT::Int64, AK::None, false, "Parent process id (host pid namespace).")  \
  X(ProcVpid, "proc.vpid", FT::Int64, AK::None, false,                                             \
    "Process id as seen inside its own pid namespace (1 for a container's first process).")        \
  X(ProcPvpid, "proc.pvpid", FT::Int64, AK::None, false,                                           \
    "Parent's process id inside its own pid namespace.")                                           \
  X(ProcApid, "proc.apid", FT::Int64, AK::OptionalIndex, true,                                     \
    "Ancestor's pid: proc.apid[1] is the parent, [2] the grandparent, ...; without an index "      \
    "every ancestor's pid.")                                                                       \
  X(ProcName, "proc.name", FT::String, AK::None, false,                                            \
    "Process name (the kernel's comm, at most 15 characters).")                                    \
  X(ProcPname, "proc.pname", FT::String, AK::None, false, "Parent process name.")                  \
  X(ProcAname, "proc.aname", FT::String, AK::OptionalIndex, true,                                  \
    "Ancestor's name: proc.aname[0] is the process itself, [1] the parent, [2] the grandparent, "  \
    "...; without an index it matches any ancestor (the process itself excluded).")                \
  X(ProcExe, "proc.exe", FT::String, AK::None, false,                                              \
    "First command-line argument (argv[0]) as the program was executed.")                          \
  X(ProcPexe, "proc.pexe", FT::String, AK::None, false, "Parent's argv[0].")                       \
  X(ProcAexe, "proc.aexe", FT::String, AK::OptionalIndex, true,                                    \
    "Ancestor's argv[0], indexed like proc.aname.")                                                \
  X(ProcExepath, "proc.exepath", FT::String, AK::None, false, "Full path of the executable file.") \
  X(ProcPexepath, "proc.pexepath", FT::String, AK::None, false,                                    \
    "Full path of the parent's executable file.")                                                  \
  X(ProcAexepath, "proc.aexepath", FT::String, AK::OptionalIndex, true,                            \
    "Ancestor's executable path, indexed like proc.aname.")                                        \
  X(ProcCmdline, "proc.cmdline", FT::String, AK::None, false,                                      \
    "Process name followed by its arguments, separated by spaces.")                                \
  X(ProcPcmdline, "proc.pcmdline", FT::String, AK::None, false, "Parent's proc.cmdline.")          \
  X(ProcAcmdline, "proc.acmdline", FT::String, AK::OptionalIndex, true,                            \
    "Ancestor's proc.cmdline, indexed like proc.aname.")                                           \
  X(ProcArgs, "proc.args", FT::String, AK::None, false,                                            \
    "Command-line arguments (argv[1..]) joined with spaces.")                                      \
  X(ProcCmdnargs, "proc.cmdnargs", FT::Uint64, AK::None, false,                                    \
    "Number of command-line arguments (argv[0] excluded).")                                        \
  X(ProcCmdlenargs, "proc.cmdlenargs", FT::Uint64, AK::None, false,                                \
    "Total length of the command-line arguments (argv[0] and separators excluded).")               \
  X(ProcEnv, "proc.env", FT::String, AK::OptionalKey, false,                                       \
    "Environment passed to execve (NAME=value pairs joined with spaces); proc.env[NAME] gives "    \
    "one variable's value. Only known on execve/execveat events.")                                 \
  X(ProcCwd, "proc.cwd", FT::String, AK::None, false,                                              \
    "Current working directory, ending with a slash.")                                             \
  X(ProcTty, "proc.tty", FT::Int64, AK::None, false,                                               \
    "Controlling terminal device number; 0 when the process has no terminal.")                     \
  X(ProcSid, "proc.sid", FT::Int64, AK::None, false, "Session id.")                                \
  X(ProcSname, "proc.sname", FT::String, AK::None, false, "Name of the session leader.")           \
  X(ProcSidExe, "proc.sid.exe", FT::String, AK::None, false, "argv[0] of the session leader.")     \
  X(ProcSidExepath, "proc.sid.exepath", FT::String, AK::None, false,                               \
    "Executable path of the session leader.")                                                      \
  X(ProcVpgid, "proc.vpgid", FT::Int64, AK::None, false,                                           \
    "Process group id as seen in the process's pid namespace.")                                    \
  X(ProcVpgidName, "proc.vpgid.name", FT::String, AK::None, false,                                 \
    "Name of the process group leader.")                                                           \
  X(ProcVpgidExe, "proc.vpgid.exe", FT::String, AK::None, false,                                   \
    "argv[0] of the process group leader.")                                                        \
  X(ProcVpgidExepath, "proc.vpgid.exepath", FT::String, AK::None, false,                           \
    "Executable path of the process group leader.")                                                \
  X(ProcIsVpgidLeader, "proc.is_vpgid_leader", FT::Bool, AK::None, false,                          \
    "True when the process leads its process group (typically a command typed in a shell).")       \
  X(ProcIsSessionLeader, "proc.is_session_leader", FT::Bool, AK::None, false,                      \
    "True when the process leads its session.")                                                    \
  X(ProcLoginshellid, "proc.loginshellid", FT::Int64, AK::None, false,                             \
    "Pid of the oldest shell among the process and its ancestors.")                                \
  X(ProcDuration, "proc.duration", FT::RelTime, AK::None, false,                                   \
    "Nanoseconds since the process was started.")                                                  \
  X(ProcPpidDuration, "proc.ppid.duration", FT::RelTime, AK::None, false,                          \
    "Nanoseconds since the parent process was started.")                                           \
  X(ProcIsExeWritable, "proc.is_exe_writable", FT::Bool, AK::None, false,                          \
    "True when the executable file is writable by the process's user.")                            \
  X(ProcIsExeUpperLayer, "proc.is_exe_upper_layer", FT::Bool, AK::None, false,                     \
    "True when the executable lives in the upper (writable) layer of an overlay file system: it "  \
    "was added or changed after the container image was built.")                                   \
  X(ProcIsExeFromMemfd, "proc.is_exe_from_memfd", FT::Bool, AK::None, false,                       \
    "True when the executable is an anonymous memory file (memfd_create), i.e. fileless.")         \
  X(ProcExeIno, "proc.exe_ino", FT::Uint64, AK::None, false,                                       \
    "Inode of the executable; always <NA>: bulkhead does not capture it.")                         \
  X(ProcExeInoCtime, "proc.exe_ino.ctime", FT::AbsTime, AK::None, false,                           \
    "Change time of the executable's inode; always <NA>: bulkhead does not capture it.")           \
  X(ProcExeInoMtime, "proc.exe_ino.mtime", FT::AbsTime, AK::None, false,                           \
    "Modification time of the executable's inode; always <NA>: bulkhead does not capture it.")     \
  X(ProcExeInoCtimeDurationProcStart, "proc.exe_ino.ctime_duration_proc_start", FT::RelTime,       \
    AK::None, false,                                                                               \
    "Time between the executable's inode change and the process start; always <NA>: bulkhead "     \
    "does not capture inode times.")                                                               \
  X(ProcIsContainerHealthcheck, "proc.is_container_healthcheck", FT::Bool, AK::None, false,        \
    "Whether the process is a container health check; always <NA>: bulkhead has no health check "  \
    "metadata.")                                                                                   \
  X(ProcIsContainerLivenessProbe, "proc.is_container_liveness_probe", FT::Bool, AK::None, false,   \
    "Whether the process is a Kubernetes liveness probe; always <NA>: bulkhead has no Kubernetes " \
    "metadata.")                                                                                   \
  X(ProcIsContainerReadinessProbe, "proc.is_container_readiness_probe", FT::Bool, AK::None, false, \
    "Whether the process is a Kubernetes readiness probe; always <NA>: bulkhead has no "           \
    "Kubernetes metadata.")                                                                        \
  X(ThreadTid, "thread.tid", FT::Int64, AK::None, false, "Thread id (host pid namespace).")        \
  X(ThreadVtid, "thread.vtid", FT::Int64, AK::None, false,                                         \
    "Thread id as seen inside its own pid namespace.")                                             \
  X(ThreadIsmain, "thread.ismain", FT::Bool, AK::None, false,                                      \
    "True when the thread is its process's main thread.")                                          \
  X(ThreadCapEffective, "thread.cap_effective", FT::String, AK::None, false,                       \
    "Effective capabilities as names separated by spaces (CAP_CHOWN CAP_KILL ...).")               \
  X(ThreadCapPermitted, "thread.cap_permitted", FT::String, AK::None, false,                       \
    "Permitted capabilities as names separated by spaces.")                                        \
  X(ThreadCapInheritable, "thread.cap_inheritable", FT::String, AK::None, false,                   \
    "Inheritable capabilities as names separated by spaces.")                                      \
  X(UserUid, "user.uid", FT::Uint64, AK::None, false, "Effective user id.")                        \
  X(UserName, "user.name", FT::String, AK::None, false,                                            \
    "Name of the effective user (from the container's or host's user database).")                  \
  X(UserLoginuid, "user.loginuid", FT::Int64, AK::None, false,                                     \
    "Audit login user id (the user who logged in); -1 when unset.")                                \
  X(UserLoginname, "user.loginname", FT::String, AK::None, false, "Name of the audit login user.") \
  X(UserHomedir, "user.homedir", FT::String, AK::None, false,                                      \
    "Home directory of the user; always <NA>: bulkhead does not read user databases for it.")      \
  X(UserShell, "user.shell", FT::String, AK::None, false,                                          \
    "Login shell of the user; always <NA>: bulkhead does not read user databases for it.")         \
  X(GroupGid, "group.gid", FT::Uint64, AK::None, false, "Effective group id.")                     \
  X(GroupName, "group.name", FT::String, AK::None, false, "Name of the effective group.")          \
  X(FdNum, "fd.num", FT::Int64, AK::None, false,                                                   \
    "The event's file descriptor number (-1 for a failed open).")                                  \
  X(FdType, "fd.type", FT::String, AK::None, false,                                                \
    "Kind of the event's file descriptor: file, directory, ipv4, ipv6, unix, pipe, event, "        \
    "signalfd, eventpoll, inotify, timerfd, netlink, bpf, userfaultfd, memfd.")                    \
  X(FdTypechar, "fd.typechar", FT::String, AK::None, false,                                        \
    "One-letter fd kind: f file, d directory, 4 ipv4, 6 ipv6, u unix, p pipe, e event, s "         \
    "signalfd, l eventpoll, i inotify, t timerfd, n netlink, b bpf, u userfaultfd, m memfd, ? "    \
    "unknown.")                                                                                    \
  X(FdName, "fd.name", FT::String, AK::None, false,                                                \
    "Full name of the fd: absolute path for files, client:port->server:port for connected "        \
    "sockets, the path for unix sockets.")                                                         \
  X(FdNameraw, "fd.nameraw", FT::String, AK::None, false,                                          \
    "Name of the fd as passed to the syscall, before path resolution (open events).")              \
  X(FdDirectory, "fd.directory", FT::String, AK::None, false,                                      \
    "Directory part of a file fd's name (the name itself for a directory fd).")                    \
  X(FdFilename, "fd.filename", FT::String, AK::None, false,                                        \
    "Last path component of a file fd's name.")                                                    \
  X(FdIp, "fd.ip", FT::IpAddr, AK::None, true,                                                     \
    "Matches the client or the server IP address of a socket fd.")                                 \
  X(FdCip, "fd.cip", FT::IpAddr, AK::None, false, "Client IP address: the side that connected.")   \
  X(FdSip, "fd.sip", FT::IpAddr, AK::None, false, "Server IP address: the side that accepted.")    \
  X(FdLip, "fd.lip", FT::IpAddr, AK::None, false, "Local IP address of the socket.")               \
  X(FdRip, "fd.rip", FT::IpAddr, AK::None, false, "Remote IP address of the socket.")              \
  X(FdPort, "fd.port", FT::Uint64, AK::None, true,                                                 \
    "Matches the client or the server port of a socket fd.")                                       \
  X(FdCport, "fd.cport", FT::Uint64, AK::None, false, "Client port.")                              \
  X(FdSport, "fd.sport", FT::Uint64, AK::None, false, "Server port.")                              \
  X(FdLport, "fd.lport", FT::Uint64, AK::None, false, "Local port.")                               \
  X(FdRport, "fd.rport", FT::Uint64, AK::None, false, "Remote port.")                              \
  X(FdNet, "fd.net", FT::IpNet, AK::None, true,                                                    \
    "Matches when the client or the server IP address is in the given network (CIDR).")            \
  X(FdCnet, "fd.cnet", FT::IpNet, AK::None, false,                                                 \
    "Matches when the client IP address is in the given network.")                                 \
  X(FdSnet, "fd.snet", FT::IpNet, AK::None, false,                                                 \
    "Matches when the server IP address is in the given network.")                                 \
  X(FdLnet, "fd.lnet", FT::IpNet, AK::None, false,                                                 \
    "Matches when the local IP address is in the given network.")                                  \
  X(FdRnet, "fd.rnet", FT::IpNet, AK::None, false,                                                 \
    "Matches when the remote IP address is in the given network.")                                 \
  X(FdCipName, "fd.cip.name", FT::String, AK::None, false,                                         \
    "Domain name of the client IP; always <NA>: bulkhead does not resolve names.")                 \
  X(FdSipName, "fd.sip.name", FT::String, AK::None, false,                                         \
    "Domain name of the server IP; always <NA>: bulkhead does not resolve names.")                 \
  X(FdLipName, "fd.lip.name", FT::String, AK::None, false,                                         \
    "Domain name of the local IP; always <NA>: bulkhead does not resolve names.")                  \
  X(FdRipName, "fd.rip.name", FT::String, AK::None, false,                                         \
    "Domain name of the remote IP; always <NA>: bulkhead does not resolve names.")                 \
  X(FdL4proto, "fd.l4proto", FT::String, AK::None, false,                                          \
    "Transport protocol of a socket: tcp, udp, icmp or raw.")                                      \
  X(FdSockfamily, "fd.sockfamily", FT::String, AK::None, false,                                    \
    "Socket family: ip for IPv4/IPv6 sockets, unix for unix sockets.")                             \
  X(FdIsServer, "fd.is_server", FT::Bool, AK::None, false,                                         \
    "True when the process is the server side of the socket (accepted or listening).")             \
  X(FdConnected, "fd.connected", FT::Bool, AK::None, false, "True when the socket is connected.")  \
  X(FdNameChanged, "fd.name_changed", FT::Bool, AK::None, false,                                   \
    "True when this event changed the fd's name (connect, accept, bind, first datagram).")         \
  X(FdDev, "fd.dev", FT::Uint64, AK::None, false,                                                  \
    "Device number of an opened file (from the open event).")                                      \
  X(FdIno, "fd.ino", FT::Uint64, AK::None, false, "Inode number of an opened file (open events).") \
  X(FdTypes, "fd.types", FT::String, AK::OptionalIndex, true,                                      \
    "Kinds of the process's fds: fd.types[N] is the kind of fd N; without an index every kind "    \
    "in use.")                                                                                     \
  X(ContainerId, "container.id", FT::String, AK::None, false,                                      \
    "Short (12-character) container id; \"host\" for processes outside containers.")               \
  X(ContainerFullId, "container.full_id", FT::String, AK::None, false,                             \
    "Full container id; \"host\" for processes outside containers.")                               \
  X(ContainerName, "container.name", FT::String, AK::None, false,                                  \
    "Container name; \"host\" for processes outside containers.")                                  \
  X(ContainerImage, "container.image", FT::String, AK::None, false,                                \
    "Image reference the container runs (repository:tag).")                                        \
  X(ContainerImageRepository, "container.image.repository", FT::String, AK::None, false,           \
    "Image repository without tag or digest (docker.io/library/nginx).")                           \
  X(ContainerImageTag, "container.image.tag", FT::String, AK::None, false, "Image tag.")           \
  X(ContainerImageId, "container.image.id", FT::String, AK::None, false,                           \
    "Image id; always <NA>: bulkhead does not record image ids.")                                  \
  X(ContainerImageDigest, "container.image.digest", FT::String, AK::None, false,                   \
    "Image digest; always <NA>: bulkhead does not record image digests.")                          \
  X(ContainerType, "container.type", FT::String, AK::None, false,                                  \
    "Container runtime (bulkhead, docker, podman, containerd, cri-o).")                            \
  X(ContainerPrivileged, "container.privileged", FT::Bool, AK::None, false,                        \
    "True when the container runs privileged.")                                                    \
  X(ContainerInfo, "container.info", FT::String, AK::None, false,                                  \
    "Summary for outputs: container_id=ID container_name=NAME.")                                   \
  X(ContainerStartTs, "container.start_ts", FT::AbsTime, AK::None, false,                          \
    "Container start time; always <NA>: bulkhead does not record it.")                             \
  X(ContainerMounts, "container.mounts", FT::String, AK::None, false,                              \
    "Container mounts; always <NA>: bulkhead does not record mount tables.")                       \
  X(ContainerMount, "container.mount", FT::String, AK::Key, false,                                 \
    "One mount by index or source path; always <NA>: bulkhead does not record mount tables.")      \
  X(ContainerMountSource, "container.mount.source", FT::String, AK::Key, false,                    \
    "Mount source by index or destination; always <NA>: bulkhead does not record mount tables.")   \
  X(ContainerMountDest, "container.mount.dest", FT::String, AK::Key, false,                        \
    "Mount destination by index or source; always <NA>: bulkhead does not record mount tables.")   \
  X(ContainerHealthcheck, "container.healthcheck", FT::String, AK::None, false,                    \
    "Health check command; always <NA>: bulkhead has no health check metadata.")                   \
  X(ContainerLivenessProbe, "container.liveness_probe", FT::String, AK::None, false,               \
    "Liveness probe command; always <NA>: bulkhead has no Kubernetes metadata.")                   \
  X(ContainerReadinessProbe, "container.readiness_probe", FT::String, AK::None, false,             \
    "Readiness probe command; always <NA>: bulkhead has no Kubernetes metadata.")                  \
  X(K8sNsName, "k8s.ns.name", FT::String, AK::None, false,                                         \
    "Kubernetes namespace; always <NA>: bulkhead has no Kubernetes metadata.")                     \
  X(K8sNsLabel, "k8s.ns.label", FT::String, AK::Key, false,                                        \
    "Kubernetes namespace label; always <NA>: bulkhead has no Kubernetes metadata.")               \
  X(K8sPodName, "k8s.pod.name", FT::String, AK::None, false,                                       \
    "Kubernetes pod name; always <NA>: bulkhead has no Kubernetes metadata.")                      \
  X(K8sPodId, "k8s.pod.id", FT::String, AK::None, false,                                           \
    "Kubernetes pod id; always <NA>: bulkhead has no Kubernetes metadata.")                        \
  X(K8sPodUid, "k8s.pod.uid", FT::String, AK::None, false,                                         \
    "Kubernetes pod uid; always <NA>: bulkhead has no Kubernetes metadata.")                       \
  X(K8sPodSandboxId, "k8s.pod.sandbox_id", FT::String, AK::None, false,                            \
    "Kubernetes pod sandbox id; always <NA>: bulkhead has no Kubernetes metadata.")                \
  X(K8sPodIp, "k8s.pod.ip", FT::String, AK::None, false,                                           \
    "Kubernetes pod IP; always <NA>: bulkhead has no Kubernetes metadata.")                        \
  X(K8sPodCniJson, "k8s.pod.cni.json", FT::String, AK::None, false,                                \
    "Kubernetes pod CNI result; always <NA>: bulkhead has no Kubernetes metadata.")                \
  X(K8sPodLabel, "k8s.pod.label", FT::String, AK::Key, false,                                      \
    "Kubernetes pod label; always <NA>: bulkhead has no Kubernetes metadata.")                     \
  X(K8sPodLabels, "k8s.pod.labels", FT::String, AK::None, false,                                   \
    "Kubernetes pod labels; always <NA>: bulkhead has no Kubernetes metadata.")                    \
  X(K8sRcName, "k8s.rc.name", FT::String, AK::None, false,                                         \
    "Kubernetes replication controller; always <NA>: bulkhead has no Kubernetes metadata.")        \
  X(K8sRsName, "k8s.rs.name", FT::String, AK::None, false,                                         \
    "Kubernetes replica set; always <NA>: bulkhead has no Kubernetes metadata.")                   \
  X(K8sSvcName, "k8s.svc.name", FT::String, AK::None, false,                                       \
    "Kubernetes service; always <NA>: bulkhead has no Kubernetes metadata.")                       \
  X(K8sDeploymentName, "k8s.deployment.name", FT::String, AK::None, false,                         \
    "Kubernetes deployment; always <NA>: bulkhead has no Kubernetes metadata.")

enum class FieldId : uint16_t {
#define BULKHEAD_FIELD_ENUM(id, name, type, arg, multi, desc) id,
  BULKHEAD_FIELDS(BULKHEAD_FIELD_ENUM)
#undef BULKHEAD_FIELD_ENUM
};

constexpr FieldInfo kFields[] = {
#define BULKHEAD_FIELD_INFO(id, name, type, arg, multi, desc) {name, type, arg, desc, multi},
    BULKHEAD_FIELDS(BULKHEAD_FIELD_INFO)
#undef BULKHEAD_FIELD_INFO
};

// ---- event schema helpers ---------------------------------------------------------------------

bool is_open_family(EventType type) {
  return type == EventType::open || type == EventType::openat || type == EventType::openat2;
}

int param_slot(EventType type, std::string_view name) {
  auto index = capture::param_index(type, name);
  return index ? static_cast<int>(*index) : -1;
}

// Which parameter holds "the event's fd" (what fd.* describes), per event type: the returned
// descriptor for calls that create one, else the descriptor argument. dup* describe the
// duplicated descriptor; *at calls' directory fds are not "the" fd.
struct FdSlots {
  std::array<int8_t, capture::kEventTypeCount> slot{};
  std::array<bool, capture::kEventTypeCount> returns_fd{};
};

const FdSlots& fd_slots() {
  static const FdSlots slots = [] {
    FdSlots out;
    for (std::size_t i = 0; i < capture::kEventTypeCount; ++i) {
      auto type = static_cast<EventType>(i);
      int slot = -1;
      bool returns = false;
      switch (type) {
        case EventType::open:
        case EventType::openat:
        case EventType::openat2:
        case EventType::creat:
        case EventType::socket:
        case EventType::accept:
        case EventType::accept4:
        case EventType::memfd_create:
        case EventType::bpf:
          slot = param_slot(type, "fd");
          returns = true;
          break;
        case EventType::userfaultfd:
          slot = param_slot(type, "res");
          returns = true;
          break;
        case EventType::dup:
        case EventType::dup2:
        case EventType::dup3:
          // The new descriptor, as libsinsp has it (the differential test against sysdig);
          // it describes the same file as the old one.
          slot = param_slot(type, "res");
          returns = true;
          break;
        case EventType::pipe:
        case EventType::pipe2:
        case EventType::socketpair:
          slot = param_slot(type, "fd1");
          break;
        default:
          slot = param_slot(type, "fd");
          if (slot == 0) slot = -1;  // a result named "fd" is not an argument
          break;
      }
      out.slot[i] = static_cast<int8_t>(slot);
      out.returns_fd[i] = returns;
    }
    return out;
  }();
  return slots;
}

// ---- small formatting helpers (appending, never allocating beyond the buffer's growth) --------

void append_int(std::string& out, int64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}
void append_uint(std::string& out, uint64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}
void append_padded(std::string& out, uint64_t value, int width) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  for (int pad = width - static_cast<int>(end - buffer); pad > 0; --pad) out.push_back('0');
  out.append(buffer, end);
}

void append_ip(std::string& out, uint8_t family, const uint8_t* bytes) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (family == 4) inet_ntop(AF_INET, bytes, buffer, sizeof buffer);
  if (family == 6) inet_ntop(AF_INET6, bytes, buffer, sizeof buffer);
  out.append(buffer);
}
uint8_t ip_family(uint8_t socket_family) {
  if (socket_family == capture::kAfInet) return 4;
  if (socket_family == capture::kAfInet6) return 6;
  return 0;
}
void append_endpoint(std::string& out, uint8_t socket_family, const std::array<uint8_t, 16>& ip,
                     uint16_t port) {
  append_ip(out, ip_family(socket_family), ip.data());
  out.push_back(':');
  append_uint(out, port);
}

void append_flags(std::string& out, std::span<const capture::FlagName> names, uint64_t value) {
  std::size_t start = out.size();
  auto add = [&](std::string_view name) {
    if (out.size() > start) out.push_back('|');
    out.append(name);
  };
  uint64_t remaining = value;
  // open(2) flags: the access mode is a two-bit number, printed first.
  const bool open_flags = names.data() == capture::open_flag_names().data();
  if (open_flags) {
    auto mode = capture::enum_name(names, value & 03);
    add(mode.empty() ? std::string_view("O_ACCMODE") : mode);
    remaining &= ~uint64_t{03};
  }
  for (const auto& flag : names) {
    if (flag.value == 0 || (open_flags && flag.value <= 03)) continue;
    if ((remaining & flag.value) == flag.value) {
      add(flag.name);
      remaining &= ~flag.value;
    }
  }
  if (remaining != 0) {
    char buffer[24] = "0x";
    auto [end, ec] = std::to_chars(buffer + 2, buffer + sizeof buffer, remaining, 16);
    add(std::string_view(buffer, end - buffer));
  }
  if (out.size() == start) {
    auto zero = capture::enum_name(names, 0);
    out.append(zero.empty() ? std::string_view("0") : zero);
  }
}

constexpr capture::FlagName kModeBits[] = {
    {04000, "S_ISUID"}, {02000, "S_ISGID"}, {01000, "S_ISVTX"}, {0400, "S_IRUSR"},
    {0200, "S_IWUSR"},  {0100, "S_IXUSR"},  {040, "S_IRGRP"},   {020, "S_IWGRP"},
    {010, "S_IXGRP"},   {04, "S_IROTH"},    {02, "S_IWOTH"},    {01, "S_IXOTH"},
};

// Capability names by bit number (Linux uapi order).
constexpr std::string_view kCapabilityNames[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

void append_capabilities(std::string& out, uint64_t caps) {
  for (std::size_t bit = 0; bit < 64; ++bit) {
    if ((caps & (uint64_t{1} << bit)) == 0) continue;
    if (!out.empty()) out.push_back(' ');
    if (bit < std::size(kCapabilityNames)) {
      out.append(kCapabilityNames[bit]);
    } else {
      out.append("CAP_");
      append_uint(out, bit);
    }
  }
}

std::string_view user_name(const EventContext& context, uint32_t uid, std::string_view container) {
  if (context.user_names != nullptr) {
    auto name = context.user_names->user_name(uid, container);
    if (!name.empty()) return name;
  }
  if (uid == 0) return "root";
  if (uid == 65534) return "nobody";
  return {};
}
std::string_view group_name(const EventContext& context, uint32_t gid, std::string_view container) {
  if (context.user_names != nullptr) {
    auto name = context.user_names->group_name(gid, container);
    if (!name.empty()) return name;
  }
  if (gid == 0) return "root";
  if (gid == 65534) return "nogroup";
  return {};
}

// Renders one event argument as Falco's evt.arg shows it.
void append_param(std::string& out, const EventContext& context, const ParamSpec& spec,
                  const Param& param) {
  switch (spec.type) {
    case ParamType::Int:
    case ParamType::Fd:
    case ParamType::Pid:
      append_int(out, static_cast<int64_t>(param.number));
      return;
    case ParamType::Uint:
      append_uint(out, param.number);
      return;
    case ParamType::Errno: {
      auto value = static_cast<int64_t>(param.number);
      if (value < 0) {
        auto name = capture::errno_name(static_cast<uint64_t>(-value));
        if (!name.empty()) {
          out.append(name);
          return;
        }
      }
      append_int(out, value);
      return;
    }
    case ParamType::Uid:
    case ParamType::Gid: {
      std::string_view container =
          context.thread != nullptr ? std::string_view(context.thread->container_id) : "";
      auto id = static_cast<uint32_t>(param.number);
      auto name = spec.type == ParamType::Uid ? user_name(context, id, container)
                                              : group_name(context, id, container);
      if (!name.empty() && id != UINT32_MAX) {
        out.append(name);
      } else {
        append_int(out, id == UINT32_MAX ? -1 : static_cast<int64_t>(id));
      }
      return;
    }
    case ParamType::Mode:
      append_flags(out, kModeBits, param.number);
      return;
    case ParamType::Flags:
      append_flags(out, spec.names, param.number);
      return;
    case ParamType::Enum: {
      auto name = capture::enum_name(spec.names, param.number);
      if (name.empty()) {
        append_uint(out, param.number);
      } else {
        out.append(name);
      }
      return;
    }
    case ParamType::Path:
    case ParamType::String:
    case ParamType::Bytes:
      out.append(param.bytes);
      return;
    case ParamType::StringList: {
      std::string_view list = param.bytes;
      if (!list.empty() && list.back() == '\0') list.remove_suffix(1);
      for (char c : list) out.push_back(c == '\0' ? ' ' : c);
      return;
    }
    case ParamType::SockAddr: {
      auto address = capture::decode_socket_address(param.bytes);
      if (!address) return;
      if (address->family == capture::kAfUnix) {
        out.append(address->unix_path);
      } else if (ip_family(address->family) != 0) {
        append_endpoint(out, address->family, address->ip, address->port);
      }
      return;
    }
    case ParamType::SockTuple: {
      auto tuple = capture::decode_socket_tuple(param.bytes);
      if (!tuple) return;
      if (tuple->family == capture::kAfUnix) {
        out.append(tuple->unix_path);
      } else if (ip_family(tuple->family) != 0) {
        append_endpoint(out, tuple->family, tuple->source_ip, tuple->source_port);
        out.append("->");
        append_endpoint(out, tuple->family, tuple->destination_ip, tuple->destination_port);
      }
      return;
    }
  }
}

bool is_signed_param(ParamType type) {
  return type == ParamType::Int || type == ParamType::Fd || type == ParamType::Pid ||
         type == ParamType::Errno;
}
bool is_text_param(ParamType type) {
  return type == ParamType::Path || type == ParamType::String || type == ParamType::Bytes ||
         type == ParamType::StringList || type == ParamType::SockAddr ||
         type == ParamType::SockTuple;
}

// The type evt.arg.NAME / evt.rawarg.NAME yields, over every event type that has NAME. evt.arg
// is numeric only where the text form would be the plain number anyway (Int/Fd/Pid, Uint), so
// that `evt.arg.flags contains O_CREAT`, `evt.arg.uid = nobody` and `evt.arg.mode contains
// S_ISUID` compare rendered text as in Falco.
FieldType argument_type(std::string_view name, bool raw,
                        const std::array<int8_t, capture::kEventTypeCount>& slots) {
  bool any = false, all_signed = true, all_unsigned = true, any_signed = false, any_text = false;
  for (std::size_t i = 0; i < capture::kEventTypeCount; ++i) {
    if (slots[i] < 0) continue;
    const auto& spec = capture::event_spec(static_cast<EventType>(i)).params[slots[i]];
    any = true;
    bool plain_signed =
        spec.type == ParamType::Int || spec.type == ParamType::Fd || spec.type == ParamType::Pid;
    if (!plain_signed) all_signed = false;
    if (spec.type != ParamType::Uint) all_unsigned = false;
    if (is_signed_param(spec.type)) any_signed = true;
    if (is_text_param(spec.type)) any_text = true;
  }
  (void)name;
  if (!any) return FieldType::String;
  if (raw) {
    if (any_text) return FieldType::String;
    return any_signed ? FieldType::Int64 : FieldType::Uint64;
  }
  if (all_signed) return FieldType::Int64;
  if (all_unsigned) return FieldType::Uint64;
  return FieldType::String;
}

std::optional<int64_t> parse_index(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

std::string_view event_category(EventType type) {
  switch (type) {
    case EventType::open:
    case EventType::openat:
    case EventType::openat2:
    case EventType::creat:
    case EventType::close:
    case EventType::read:
    case EventType::write:
    case EventType::chmod:
    case EventType::fchmod:
    case EventType::fchmodat:
    case EventType::unlink:
    case EventType::unlinkat:
    case EventType::rename:
    case EventType::renameat:
    case EventType::renameat2:
    case EventType::symlink:
    case EventType::symlinkat:
    case EventType::link:
    case EventType::linkat:
    case EventType::mkdir:
    case EventType::mkdirat:
    case EventType::dup:
    case EventType::dup2:
    case EventType::dup3:
    case EventType::fcntl:
    case EventType::chdir:
    case EventType::fchdir:
      return "file";
    case EventType::connect:
    case EventType::accept:
    case EventType::accept4:
    case EventType::bind:
    case EventType::listen:
    case EventType::socket:
    case EventType::sendto:
    case EventType::sendmsg:
    case EventType::recvfrom:
    case EventType::recvmsg:
      return "net";
    case EventType::pipe:
    case EventType::pipe2:
    case EventType::socketpair:
      return "ipc";
    case EventType::memfd_create:
    case EventType::userfaultfd:
      return "memory";
    case EventType::kill:
    case EventType::tgkill:
      return "signal";
    case EventType::mount:
    case EventType::umount2:
    case EventType::init_module:
    case EventType::finit_module:
    case EventType::bpf:
      return "system";
    default:
      return "process";
  }
}

bool is_io_read(EventType type) {
  return type == EventType::read || type == EventType::recvfrom || type == EventType::recvmsg;
}
bool is_io_write(EventType type) {
  return type == EventType::write || type == EventType::sendto || type == EventType::sendmsg;
}

// The path argument a file-changing event acts on (fs.path.name), or its source and target.
struct PathArgs {
  const char* name = nullptr;
  const char* name_dirfd = nullptr;
  const char* source = nullptr;
  const char* source_dirfd = nullptr;
  const char* target = nullptr;
  const char* target_dirfd = nullptr;
};
PathArgs path_args(EventType type) {
  switch (type) {
    case EventType::mkdir:
    case EventType::unlink:
      return {"path"};
    case EventType::mkdirat:
      return {"path", "dirfd"};
    case EventType::unlinkat:
      return {"name", "dirfd"};
    case EventType::chmod:
      return {"filename"};
    case EventType::fchmodat:
      return {"filename", "dirfd"};
    case EventType::open:
    case EventType::creat:
      return {"name"};
    case EventType::openat:
    case EventType::openat2:
      return {"name", "dirfd"};
    case EventType::rename:
    case EventType::link:
      return {nullptr, nullptr, "oldpath", nullptr, "newpath", nullptr};
    case EventType::renameat:
    case EventType::renameat2:
      return {nullptr, nullptr, "oldpath", "olddirfd", "newpath", "newdirfd"};
    case EventType::linkat:
      return {nullptr, nullptr, "oldpath", "olddir", "newpath", "newdir"};
    case EventType::symlink:
      return {nullptr, nullptr, "target", nullptr, "linkpath", nullptr};
    case EventType::symlinkat:
      return {nullptr, nullptr, "target", nullptr, "linkpath", "linkdirfd"};
    default:
      return {};
  }
}

constexpr int kMaxAncestors = 64;

}  // namespace

// ---- registry ----------------------------------------------------------------------------------

std::span<const FieldInfo> all_fields() {
  return kFields;
}

const FieldInfo* find_field(std::string_view name) {
  for (const auto& field : kFields)
    if (field.name == name) return &field;
  return nullptr;
}

FieldResolution resolve_field(std::string_view name, std::optional<std::string_view> argument) {
  FieldResolution result;
  const FieldInfo* info = find_field(name);
  std::string dotted_key;
  if (info == nullptr) {
    // The dotted key form: evt.arg.flags = evt.arg[flags].
    for (std::size_t dot = name.rfind('.'); dot != std::string_view::npos && dot > 0;
         dot = name.rfind('.', dot - 1)) {
      const FieldInfo* prefix = find_field(name.substr(0, dot));
      if (prefix != nullptr && (prefix->arg == AK::Key || prefix->arg == AK::OptionalKey)) {
        if (argument) {
          result.error = "field '" + std::string(name) + "' cannot take both .key and [" +
                         std::string(*argument) + "]";
          return result;
        }
        info = prefix;
        dotted_key = std::string(name.substr(dot + 1));
        argument = dotted_key;
        break;
      }
      if (dot == 0) break;
    }
  }
  if (info == nullptr) {
    result.error = "unknown field '" + std::string(name) + "'";
    return result;
  }
  BoundField bound;
  bound.info = info;
  bound.id = static_cast<uint16_t>(info - kFields);
  bound.type = info->type;
  bound.multi_valued = info->multi_valued;
  bound.param_slot.fill(-1);
  switch (info->arg) {
    case AK::None:
      if (argument) {
        result.error = "field '" + std::string(info->name) + "' takes no argument";
        return result;
      }
      break;
    case AK::Index:
    case AK::OptionalIndex:
      if (!argument) {
        if (info->arg == AK::Index) {
          result.error = "field '" + std::string(info->name) + "' needs an index, e.g. " +
                         std::string(info->name) + "[1]";
          return result;
        }
        break;
      }
      if (auto index = parse_index(*argument)) {
        bound.index = *index;
        bound.multi_valued = false;
      } else {
        result.error = "'" + std::string(*argument) + "' is not a valid index for field '" +
                       std::string(info->name) + "' (expected a number)";
        return result;
      }
      break;
    case AK::Key:
    case AK::OptionalKey:
      if (!argument || argument->empty()) {
        if (info->arg == AK::Key) {
          result.error = "field '" + std::string(info->name) + "' needs an argument, e.g. " +
                         std::string(info->name) + "[name] or " + std::string(info->name) + ".name";
          return result;
        }
        break;
      }
      bound.key = std::string(*argument);
      break;
  }
  auto id = static_cast<FieldId>(bound.id);
  if (id == FieldId::EvtArg || id == FieldId::EvtRawarg) {
    const bool raw = id == FieldId::EvtRawarg;
    auto index = parse_index(bound.key);
    if (index && !raw) {
      // Positional: counts input arguments, skipping the return value in params[0], so that
      // evt.arg[0] of socket is the domain as in rules written for enter events.
      bound.index = *index;
      for (std::size_t i = 0; i < capture::kEventTypeCount; ++i) {
        auto count = capture::event_spec(static_cast<EventType>(i)).params.size();
        if (static_cast<std::size_t>(*index) + 1 < count)
          bound.param_slot[i] = static_cast<int8_t>(*index + 1);
      }
      bound.type = FieldType::String;
    } else {
      for (std::size_t i = 0; i < capture::kEventTypeCount; ++i)
        bound.param_slot[i] = static_cast<int8_t>(param_slot(static_cast<EventType>(i), bound.key));
      bound.type = argument_type(bound.key, raw, bound.param_slot);
    }
  }
  result.field = std::move(bound);
  return result;
}

// ---- extraction --------------------------------------------------------------------------------

FieldExtractor::FieldExtractor() = default;

void FieldExtractor::begin_event() {
  scratch_used_ = 0;
  ++event_number_;
  fd_event_ = nullptr;
}

std::string& FieldExtractor::scratch() {
  if (scratch_used_ == scratch_.size()) scratch_.push_back(std::make_unique<std::string>());
  std::string& text = *scratch_[scratch_used_++];
  text.clear();
  return text;
}

const FdInfo* FieldExtractor::event_fd(const EventContext& context, int64_t& number) {
  const Event& event = *context.event;
  if (fd_event_ != &event) {
    fd_event_ = &event;
    fd_known_ = false;
    fd_info_ = nullptr;
    const auto& slots = fd_slots();
    auto index = static_cast<std::size_t>(event.type);
    int slot = slots.slot[index];
    if (slot >= 0 && slot < event.param_count && event.params[slot].present) {
      fd_known_ = true;
      fd_number_ = static_cast<int64_t>(event.params[slot].number);
      if (fd_number_ >= 0 && context.thread != nullptr && context.threads != nullptr)
        fd_info_ = context.threads->fd(*context.thread, fd_number_);
      if (fd_number_ < 0 && slots.returns_fd[index] &&
          (is_open_family(event.type) || event.type == EventType::creat)) {
        // A failed open still names the file it asked for (Falco reports fd.num=-1 and the
        // path in fd.name, which rules about failed opens rely on).
        const Param* name = event.param("name");
        if (name != nullptr && name->present) {
          failed_open_.type = FdType::File;
          failed_open_.name.clear();
          std::string_view base = "/";
          if (context.thread != nullptr && !context.thread->cwd.empty()) base = context.thread->cwd;
          if (const Param* dirfd = event.param("dirfd");
              dirfd != nullptr && dirfd->present && context.thread != nullptr &&
              context.threads != nullptr && static_cast<int64_t>(dirfd->number) >= 0) {
            if (const FdInfo* dir =
                    context.threads->fd(*context.thread, static_cast<int64_t>(dirfd->number)))
              base = dir->name;
          }
          capture::resolve_path_into(failed_open_.name, base, name->bytes);
          const Param* flags = event.param("flags");
          failed_open_.open_flags =
              flags != nullptr ? static_cast<uint32_t>(flags->number) : 01101u;
          fd_number_ = -1;
          fd_info_ = &failed_open_;
        }
      }
    }
  }
  number = fd_number_;
  return fd_known_ ? fd_info_ : nullptr;
}

void FieldExtractor::extract(const BoundField& field, const EventContext& context,
                             std::vector<Value>& out) {
  if (context.event == nullptr) return;
  const Event& event = *context.event;
  const ThreadInfo* thread = context.thread;
  const capture::ThreadTable* threads = context.threads;

  auto push_text = [&](std::string_view text) {
    Value value;
    value.type = FieldType::String;
    value.text = text;
    out.push_back(value);
  };
  auto push_int = [&](int64_t number) {
    Value value;
    value.type = FieldType::Int64;
    value.integer = number;
    out.push_back(value);
  };
  auto push_uint = [&](uint64_t number) {
    Value value;
    value.type = FieldType::Uint64;
    value.unsigned_integer = number;
    out.push_back(value);
  };
  auto push_bool = [&](bool flag) {
    Value value;
    value.type = FieldType::Bool;
    value.integer = flag ? 1 : 0;
    out.push_back(value);
  };
  auto push_time = [&](FieldType type, int64_t ns) {
    Value value;
    value.type = type;
    value.integer = ns;
    out.push_back(value);
  };
  auto push_ip = [&](FieldType type, uint8_t socket_family, const std::array<uint8_t, 16>& ip) {
    uint8_t family = ip_family(socket_family);
    if (family == 0) return;
    Value value;
    value.type = type;
    value.ip.family = family;
    std::copy_n(ip.begin(), family == 4 ? 4 : 16, value.ip.bytes.begin());
    out.push_back(value);
  };

  // Ancestor walk: calls visit(process, depth) for depth 0 (the process) .. ; visit returns
  // false to stop. Bounded and cycle-safe (a pid seen twice ends the walk).
  auto walk = [&](auto&& visit) {
    if (thread == nullptr) return;
    std::array<int64_t, kMaxAncestors> seen{};
    const ThreadInfo* current = thread;
    for (int depth = 0; current != nullptr && depth < kMaxAncestors; ++depth) {
      for (int i = 0; i < depth; ++i)
        if (seen[i] == current->pid) return;
      seen[depth] = current->pid;
      if (!visit(*current, depth)) return;
      current = threads != nullptr ? threads->parent_of(*current) : nullptr;
    }
  };
  auto ancestor = [&](int64_t wanted) -> const ThreadInfo* {
    const ThreadInfo* found = nullptr;
    walk([&](const ThreadInfo& info, int depth) {
      if (depth == wanted) {
        found = &info;
        return false;
      }
      return true;
    });
    return found;
  };
  auto parent = [&]() -> const ThreadInfo* {
    return thread != nullptr && threads != nullptr ? threads->parent_of(*thread) : nullptr;
  };
  auto cmdline = [&](const ThreadInfo& info) -> std::string_view {
    if (info.args.empty()) return info.comm;
    std::string& text = scratch();
    text.append(info.comm);
    for (const auto& arg : info.args) {
      text.push_back(' ');
      text.append(arg);
    }
    return text;
  };
  // For proc.aname-style fields: one ancestor ([N]) or all ancestors above the process.
  auto per_ancestor = [&](auto&& produce) {
    if (field.index) {
      if (const ThreadInfo* info = ancestor(*field.index)) produce(*info);
      return;
    }
    walk([&](const ThreadInfo& info, int depth) {
      if (depth > 0) produce(info);
      return true;
    });
  };
  auto container = [&]() -> const capture::ContainerInfo* {
    if (thread == nullptr || thread->container_id.empty() || threads == nullptr) return nullptr;
    return threads->container(thread->container_id);
  };
  auto argument = [&](const char* name) -> const Param* {
    if (name == nullptr) return nullptr;
    const Param* param = event.param(name);
    return param != nullptr && param->present ? param : nullptr;
  };
  auto path_base = [&](const char* dirfd_name) -> std::string_view {
    if (const Param* dirfd = argument(dirfd_name); dirfd != nullptr &&
                                                   static_cast<int64_t>(dirfd->number) >= 0 &&
                                                   thread != nullptr && threads != nullptr) {
      if (const FdInfo* dir = threads->fd(*thread, static_cast<int64_t>(dirfd->number)))
        return dir->name;
    }
    if (thread != nullptr && !thread->cwd.empty()) return thread->cwd;
    return "/";
  };
  auto push_path = [&](const char* name, const char* dirfd, bool raw) {
    const Param* path = argument(name);
    if (path == nullptr) return;
    if (raw) {
      push_text(path->bytes);
      return;
    }
    std::string& text = scratch();
    capture::resolve_path_into(text, path_base(dirfd), path->bytes);
    push_text(text);
  };
  auto open_flags = [&](uint32_t& flags) -> bool {
    if (event.type == EventType::creat) {
      flags = 01101;  // O_WRONLY|O_CREAT|O_TRUNC
      return true;
    }
    if (!is_open_family(event.type)) return false;
    const Param* param = argument("flags");
    flags = param != nullptr ? static_cast<uint32_t>(param->number) : 0;
    return true;
  };

  switch (static_cast<FieldId>(field.id)) {
    // -- evt ------------------------------------------------------------------------------------
    case FieldId::EvtNum:
      push_uint(event_number_);
      return;
    case FieldId::EvtTime:
    case FieldId::EvtTimeS:
    case FieldId::EvtTimeIso8601:
    case FieldId::EvtDatetime:
    case FieldId::EvtDatetimeS: {
      auto seconds = static_cast<time_t>(event.timestamp_ns / 1000000000u);
      uint64_t nanos = event.timestamp_ns % 1000000000u;
      std::tm tm{};
      gmtime_r(&seconds, &tm);
      std::string& text = scratch();
      auto id = static_cast<FieldId>(field.id);
      bool with_date = id == FieldId::EvtTimeIso8601 || id == FieldId::EvtDatetime ||
                       id == FieldId::EvtDatetimeS;
      if (with_date) {
        append_padded(text, static_cast<uint64_t>(tm.tm_year + 1900), 4);
        text.push_back('-');
        append_padded(text, static_cast<uint64_t>(tm.tm_mon + 1), 2);
        text.push_back('-');
        append_padded(text, static_cast<uint64_t>(tm.tm_mday), 2);
        text.push_back(id == FieldId::EvtTimeIso8601 ? 'T' : ' ');
      }
      append_padded(text, static_cast<uint64_t>(tm.tm_hour), 2);
      text.push_back(':');
      append_padded(text, static_cast<uint64_t>(tm.tm_min), 2);
      text.push_back(':');
      append_padded(text, static_cast<uint64_t>(tm.tm_sec), 2);
      if (id != FieldId::EvtTimeS && id != FieldId::EvtDatetimeS) {
        text.push_back('.');
        append_padded(text, nanos, 9);
      }
      if (id == FieldId::EvtTimeIso8601) text.push_back('Z');
      push_text(text);
      return;
    }
    case FieldId::EvtRawtime:
      push_time(FieldType::AbsTime, static_cast<int64_t>(event.timestamp_ns));
      return;
    case FieldId::EvtRawtimeS:
      push_uint(event.timestamp_ns / 1000000000u);
      return;
    case FieldId::EvtRawtimeNs:
      push_uint(event.timestamp_ns % 1000000000u);
      return;
    case FieldId::EvtLatency:
      push_time(FieldType::RelTime, 0);
      return;
    case FieldId::EvtHostname:
      if (!context.hostname.empty()) push_text(context.hostname);
      return;
    case FieldId::EvtSource:
      push_text("syscall");
      return;
    case FieldId::EvtType:
      push_text(capture::event_type_name(event.type));
      return;
    case FieldId::EvtDir:
      push_text("<");
      return;
    case FieldId::EvtCpu:
      push_int(event.cpu);
      return;
    case FieldId::EvtCategory:
      push_text(event_category(event.type));
      return;
    case FieldId::EvtRes:
      if (event.result >= 0) {
        push_text("SUCCESS");
      } else if (auto name = capture::errno_name(static_cast<uint64_t>(-event.result));
                 !name.empty()) {
        push_text(name);
      } else {
        std::string& text = scratch();
        append_int(text, event.result);
        push_text(text);
      }
      return;
    case FieldId::EvtRawres:
      push_int(event.result);
      return;
    case FieldId::EvtFailed:
      push_bool(event.result < 0);
      return;
    case FieldId::EvtArgs: {
      const auto& spec = capture::event_spec(event.type);
      std::string& text = scratch();
      for (std::size_t i = 0; i < event.param_count && i < spec.params.size(); ++i) {
        if (!event.params[i].present) continue;
        if (!text.empty()) text.push_back(' ');
        text.append(spec.params[i].name);
        text.push_back('=');
        append_param(text, context, spec.params[i], event.params[i]);
      }
      push_text(text);
      return;
    }
    case FieldId::EvtArg:
    case FieldId::EvtRawarg: {
      int slot = field.param_slot[static_cast<std::size_t>(event.type)];
      if (slot < 0 || slot >= event.param_count || !event.params[slot].present) return;
      const ParamSpec& spec = capture::event_spec(event.type).params[slot];
      const Param& param = event.params[slot];
      if (field.type == FieldType::Int64) {
        push_int(static_cast<int64_t>(param.number));
      } else if (field.type == FieldType::Uint64) {
        push_uint(param.number);
      } else if (static_cast<FieldId>(field.id) == FieldId::EvtRawarg) {
        if (is_text_param(spec.type)) {
          push_text(param.bytes);
        } else {
          std::string& text = scratch();
          if (is_signed_param(spec.type)) {
            append_int(text, static_cast<int64_t>(param.number));
          } else {
            append_uint(text, param.number);
          }
          push_text(text);
        }
      } else if (spec.type == ParamType::Path || spec.type == ParamType::String ||
                 spec.type == ParamType::Bytes) {
        push_text(param.bytes);  // no copy for text arguments (the hot case)
      } else {
        std::string& text = scratch();
        append_param(text, context, spec, param);
        push_text(text);
      }
      return;
    }
    case FieldId::EvtIsOpenRead:
    case FieldId::EvtIsOpenWrite:
    case FieldId::EvtIsOpenExec:
    case FieldId::EvtIsOpenCreate: {
      uint32_t flags = 0;
      if (!open_flags(flags)) {
        push_bool(false);
        return;
      }
      uint32_t access = flags & 03;
      bool create = (flags & 0100) != 0;
      switch (static_cast<FieldId>(field.id)) {
        case FieldId::EvtIsOpenRead:
          push_bool(event.type != EventType::creat && (access == 0 || access == 2));
          return;
        case FieldId::EvtIsOpenWrite:
          push_bool(access == 1 || access == 2);
          return;
        case FieldId::EvtIsOpenCreate:
          push_bool(create);
          return;
        default: {
          const Param* mode = argument("mode");
          push_bool(create && mode != nullptr && (mode->number & 0111) != 0);
          return;
        }
      }
    }
    case FieldId::EvtBuffer:
      if (const Param* data = argument("data")) {
        Value value;
        value.type = FieldType::Bytes;
        value.text = data->bytes;
        out.push_back(value);
      }
      return;
    case FieldId::EvtBuflen:
      if (is_io_read(event.type) || is_io_write(event.type)) {
        if (event.result >= 0) push_uint(static_cast<uint64_t>(event.result));
      }
      return;
    case FieldId::EvtIsIo:
      push_bool(is_io_read(event.type) || is_io_write(event.type));
      return;
    case FieldId::EvtIsIoRead:
      push_bool(is_io_read(event.type));
      return;
    case FieldId::EvtIsIoWrite:
      push_bool(is_io_write(event.type));
      return;

    // -- fs.path --------------------------------------------------------------------------------
    case FieldId::FsPathName:
    case FieldId::FsPathNameraw: {
      PathArgs args = path_args(event.type);
      if (is_open_family(event.type)) {
        uint32_t flags = 0;
        if (!open_flags(flags) || (flags & 0100) == 0) return;  // only creating opens change
      }
      push_path(args.name, args.name_dirfd,
                static_cast<FieldId>(field.id) == FieldId::FsPathNameraw);
      return;
    }
    case FieldId::FsPathSource:
    case FieldId::FsPathSourceraw: {
      PathArgs args = path_args(event.type);
      // A symlink's target is stored as written: it is not resolved against anything.
      bool raw = static_cast<FieldId>(field.id) == FieldId::FsPathSourceraw ||
                 event.type == EventType::symlink || event.type == EventType::symlinkat;
      push_path(args.source, args.source_dirfd, raw);
      return;
    }
    case FieldId::FsPathTarget:
    case FieldId::FsPathTargetraw: {
      PathArgs args = path_args(event.type);
      push_path(args.target, args.target_dirfd,
                static_cast<FieldId>(field.id) == FieldId::FsPathTargetraw);
      return;
    }

    // -- proc -----------------------------------------------------------------------------------
    case FieldId::ProcPid:
      if (thread) push_int(thread->pid);
      return;
    case FieldId::ProcPpid:
      if (thread && thread->ppid > 0) push_int(thread->ppid);
      return;
    case FieldId::ProcVpid:
      if (thread && thread->vpid > 0) push_int(thread->vpid);
      return;
    case FieldId::ProcPvpid:
      if (const ThreadInfo* info = parent(); info && info->vpid > 0) push_int(info->vpid);
      return;
    case FieldId::ProcApid:
      per_ancestor([&](const ThreadInfo& info) { push_int(info.pid); });
      return;
    case FieldId::ProcName:
      if (thread) push_text(thread->comm);
      return;
    case FieldId::ProcPname:
      if (const ThreadInfo* info = parent()) push_text(info->comm);
      return;
    case FieldId::ProcAname:
      per_ancestor([&](const ThreadInfo& info) { push_text(info.comm); });
      return;
    case FieldId::ProcExe:
      if (thread) push_text(thread->exe);
      return;
    case FieldId::ProcPexe:
      if (const ThreadInfo* info = parent()) push_text(info->exe);
      return;
    case FieldId::ProcAexe:
      per_ancestor([&](const ThreadInfo& info) { push_text(info.exe); });
      return;
    case FieldId::ProcExepath:
      if (thread) push_text(thread->exepath);
      return;
    case FieldId::ProcPexepath:
      if (const ThreadInfo* info = parent()) push_text(info->exepath);
      return;
    case FieldId::ProcAexepath:
      per_ancestor([&](const ThreadInfo& info) { push_text(info.exepath); });
      return;
    case FieldId::ProcCmdline:
      if (thread) push_text(cmdline(*thread));
      return;
    case FieldId::ProcPcmdline:
      if (const ThreadInfo* info = parent()) push_text(cmdline(*info));
      return;
    case FieldId::ProcAcmdline:
      per_ancestor([&](const ThreadInfo& info) { push_text(cmdline(info)); });
      return;
    case FieldId::ProcArgs: {
      if (!thread) return;
      if (thread->args.size() == 1) {
        push_text(thread->args.front());
        return;
      }
      std::string& text = scratch();
      for (const auto& arg : thread->args) {
        if (!text.empty() || &arg != &thread->args.front()) text.push_back(' ');
        text.append(arg);
      }
      push_text(text);
      return;
    }
    case FieldId::ProcCmdnargs:
      if (thread) push_uint(thread->args.size());
      return;
    case FieldId::ProcCmdlenargs:
      if (thread) {
        uint64_t total = 0;
        for (const auto& arg : thread->args) total += arg.size();
        push_uint(total);
      }
      return;
    case FieldId::ProcEnv: {
      if (event.type != EventType::execve && event.type != EventType::execveat) return;
      const Param* env = argument("env");
      if (env == nullptr) return;
      std::string_view list = env->bytes;
      if (!field.key.empty()) {
        while (!list.empty()) {
          auto end = list.find('\0');
          std::string_view entry = list.substr(0, end);
          if (entry.size() > field.key.size() && entry.starts_with(field.key) &&
              entry[field.key.size()] == '=') {
            push_text(entry.substr(field.key.size() + 1));
            return;
          }
          if (end == std::string_view::npos) break;
          list.remove_prefix(end + 1);
        }
        return;
      }
      if (!list.empty() && list.back() == '\0') list.remove_suffix(1);
      std::string& text = scratch();
      for (char c : list) text.push_back(c == '\0' ? ' ' : c);
      push_text(text);
      return;
    }
    case FieldId::ProcCwd:
      if (thread && !thread->cwd.empty()) {
        if (thread->cwd.back() == '/') {
          push_text(thread->cwd);
        } else {
          std::string& text = scratch();
          text.append(thread->cwd);
          text.push_back('/');
          push_text(text);
        }
      }
      return;
    case FieldId::ProcTty:
      if (thread) push_int(thread->tty);
      return;
    case FieldId::ProcSid:
      if (thread) push_int(thread->sid);
      return;
    case FieldId::ProcSname:
    case FieldId::ProcSidExe:
    case FieldId::ProcSidExepath:
    case FieldId::ProcVpgidName:
    case FieldId::ProcVpgidExe:
    case FieldId::ProcVpgidExepath: {
      if (!thread) return;
      auto id = static_cast<FieldId>(field.id);
      bool session =
          id == FieldId::ProcSname || id == FieldId::ProcSidExe || id == FieldId::ProcSidExepath;
      int64_t leader = session ? thread->sid : thread->vpgid;
      if (leader <= 0) return;
      // The leader is the ancestor (or the process) whose pid - as seen in its namespace when
      // known - is the session / group id.
      const ThreadInfo* found = nullptr;
      walk([&](const ThreadInfo& info, int) {
        if ((info.vpid > 0 ? info.vpid : info.pid) == leader || info.pid == leader) {
          found = &info;
          return false;
        }
        return true;
      });
      if (!found) return;
      if (id == FieldId::ProcSname || id == FieldId::ProcVpgidName) {
        push_text(found->comm);
      } else if (id == FieldId::ProcSidExe || id == FieldId::ProcVpgidExe) {
        push_text(found->exe);
      } else {
        push_text(found->exepath);
      }
      return;
    }
    case FieldId::ProcVpgid:
      if (thread && thread->vpgid > 0) push_int(thread->vpgid);
      return;
    case FieldId::ProcIsVpgidLeader:
      if (thread && thread->vpgid > 0) {
        int64_t own = thread->vpid > 0 ? thread->vpid : thread->pid;
        push_bool(own == thread->vpgid);
      }
      return;
    case FieldId::ProcIsSessionLeader:
      if (thread && thread->sid > 0) {
        int64_t own = thread->vpid > 0 ? thread->vpid : thread->pid;
        push_bool(own == thread->sid);
      }
      return;
    case FieldId::ProcLoginshellid: {
      static constexpr std::string_view kShells[] = {"ash", "bash", "csh", "ksh",
                                                     "sh",  "tcsh", "zsh", "dash"};
      int64_t shell = -1;
      walk([&](const ThreadInfo& info, int) {
        if (std::find(std::begin(kShells), std::end(kShells), info.comm) != std::end(kShells))
          shell = info.pid;
        return true;
      });
      if (shell >= 0) push_int(shell);
      return;
    }
    case FieldId::ProcDuration:
      if (thread && thread->start_ns > 0 && event.timestamp_ns >= thread->start_ns)
        push_time(FieldType::RelTime, static_cast<int64_t>(event.timestamp_ns - thread->start_ns));
      return;
    case FieldId::ProcPpidDuration:
      if (const ThreadInfo* info = parent();
          info && info->start_ns > 0 && event.timestamp_ns >= info->start_ns)
        push_time(FieldType::RelTime, static_cast<int64_t>(event.timestamp_ns - info->start_ns));
      return;
    case FieldId::ProcIsExeWritable:
      if (thread) push_bool(thread->exe_writable);
      return;
    case FieldId::ProcIsExeUpperLayer:
      if (thread) push_bool(thread->exe_upper_layer);
      return;
    case FieldId::ProcIsExeFromMemfd:
      if (thread) push_bool(thread->exe_from_memfd);
      return;
    case FieldId::ProcExeIno:
    case FieldId::ProcExeInoCtime:
    case FieldId::ProcExeInoMtime:
    case FieldId::ProcExeInoCtimeDurationProcStart:
    case FieldId::ProcIsContainerHealthcheck:
    case FieldId::ProcIsContainerLivenessProbe:
    case FieldId::ProcIsContainerReadinessProbe:
      return;

    // -- thread ---------------------------------------------------------------------------------
    case FieldId::ThreadTid:
      if (thread) push_int(thread->tid);
      return;
    case FieldId::ThreadVtid:
      if (thread && thread->vtid > 0) push_int(thread->vtid);
      return;
    case FieldId::ThreadIsmain:
      if (thread) push_bool(thread->tid == thread->pid);
      return;
    case FieldId::ThreadCapEffective:
    case FieldId::ThreadCapPermitted:
    case FieldId::ThreadCapInheritable: {
      if (!thread) return;
      auto id = static_cast<FieldId>(field.id);
      uint64_t caps = id == FieldId::ThreadCapEffective   ? thread->cap_effective
                      : id == FieldId::ThreadCapPermitted ? thread->cap_permitted
                                                          : thread->cap_inheritable;
      std::string& text = scratch();
      append_capabilities(text, caps);
      push_text(text);
      return;
    }

    // -- user / group ---------------------------------------------------------------------------
    case FieldId::UserUid:
      if (thread) push_uint(thread->uid);
      return;
    case FieldId::UserName:
      if (thread) {
        auto name = user_name(context, thread->uid, thread->container_id);
        if (!name.empty()) push_text(name);
      }
      return;
    case FieldId::UserLoginuid:
      if (thread)
        push_int(thread->loginuid == UINT32_MAX ? -1 : static_cast<int64_t>(thread->loginuid));
      return;
    case FieldId::UserLoginname:
      if (thread && thread->loginuid != UINT32_MAX) {
        auto name = user_name(context, thread->loginuid, thread->container_id);
        if (!name.empty()) push_text(name);
      }
      return;
    case FieldId::UserHomedir:
    case FieldId::UserShell:
      return;
    case FieldId::GroupGid:
      if (thread) push_uint(thread->gid);
      return;
    case FieldId::GroupName:
      if (thread) {
        auto name = group_name(context, thread->gid, thread->container_id);
        if (!name.empty()) push_text(name);
      }
      return;

    // -- fd -------------------------------------------------------------------------------------
    case FieldId::FdNum: {
      int64_t number = -1;
      event_fd(context, number);
      if (fd_known_) push_int(number);
      return;
    }
    case FieldId::FdTypes: {
      if (!thread || !thread->fd_table) return;
      if (field.index) {
        auto it = thread->fd_table->fds.find(*field.index);
        if (it != thread->fd_table->fds.end()) push_text(capture::fd_type_name(it->second.type));
        return;
      }
      std::array<bool, 32> seen{};
      for (const auto& [number, info] : thread->fd_table->fds) {
        auto kind = static_cast<std::size_t>(info.type);
        if (kind < seen.size() && seen[kind]) continue;
        if (kind < seen.size()) seen[kind] = true;
        push_text(capture::fd_type_name(info.type));
      }
      return;
    }
    case FieldId::FdCipName:
    case FieldId::FdSipName:
    case FieldId::FdLipName:
    case FieldId::FdRipName:
      return;
    default:
      break;
  }

  // The remaining fd.* fields describe the event's fd.
  switch (static_cast<FieldId>(field.id)) {
    case FieldId::FdType:
    case FieldId::FdTypechar:
    case FieldId::FdName:
    case FieldId::FdNameraw:
    case FieldId::FdDirectory:
    case FieldId::FdFilename:
    case FieldId::FdIp:
    case FieldId::FdCip:
    case FieldId::FdSip:
    case FieldId::FdLip:
    case FieldId::FdRip:
    case FieldId::FdPort:
    case FieldId::FdCport:
    case FieldId::FdSport:
    case FieldId::FdLport:
    case FieldId::FdRport:
    case FieldId::FdNet:
    case FieldId::FdCnet:
    case FieldId::FdSnet:
    case FieldId::FdLnet:
    case FieldId::FdRnet:
    case FieldId::FdL4proto:
    case FieldId::FdSockfamily:
    case FieldId::FdIsServer:
    case FieldId::FdConnected:
    case FieldId::FdNameChanged:
    case FieldId::FdDev:
    case FieldId::FdIno: {
      int64_t number = -1;
      const FdInfo* fd = event_fd(context, number);
      if (fd == nullptr) return;
      const bool is_file = fd->type == FdType::File || fd->type == FdType::Directory;
      const bool is_ip = fd->type == FdType::Ipv4Socket || fd->type == FdType::Ipv6Socket;
      // Endpoints: the table's tuple, or (unconnected datagram sockets) the event's own tuple.
      capture::SocketTuple tuple = fd->tuple;
      if (is_ip && tuple.family == 0) {
        if (const Param* param = argument("tuple")) {
          if (auto decoded = capture::decode_socket_tuple(param->bytes)) tuple = *decoded;
        }
      }
      const bool have_tuple = is_ip && ip_family(tuple.family) != 0;
      // The table stores client -> server (the remote end first on the server side).
      const auto& local_ip = fd->server_role ? tuple.destination_ip : tuple.source_ip;
      const auto& remote_ip = fd->server_role ? tuple.source_ip : tuple.destination_ip;
      uint16_t local_port = fd->server_role ? tuple.destination_port : tuple.source_port;
      uint16_t remote_port = fd->server_role ? tuple.source_port : tuple.destination_port;
      switch (static_cast<FieldId>(field.id)) {
        case FieldId::FdType:
          push_text(capture::fd_type_name(fd->type));
          return;
        case FieldId::FdTypechar: {
          static constexpr std::string_view kChars = "abcdefghijklmnopqrstuvwxyz0123456789?";
          char c = capture::fd_type_char(fd->type);
          auto at = kChars.find(c);
          push_text(at == std::string_view::npos ? std::string_view("?") : kChars.substr(at, 1));
          return;
        }
        case FieldId::FdName:
          if (!fd->name.empty()) push_text(fd->name);
          return;
        case FieldId::FdNameraw:
          if (is_file && fd_slots().returns_fd[static_cast<std::size_t>(event.type)]) {
            if (const Param* name = argument("name")) {
              push_text(name->bytes);
              return;
            }
          }
          if (!fd->name.empty()) push_text(fd->name);
          return;
        case FieldId::FdDirectory:
        case FieldId::FdFilename: {
          if (!is_file || fd->name.empty()) return;
          std::string_view name = fd->name;
          bool directory = static_cast<FieldId>(field.id) == FieldId::FdDirectory;
          if (fd->type == FdType::Directory) {
            if (directory) push_text(name);
            return;
          }
          auto slash = name.rfind('/');
          if (slash == std::string_view::npos) {
            if (!directory) push_text(name);
            return;
          }
          if (directory) {
            push_text(slash == 0 ? name.substr(0, 1) : name.substr(0, slash));
          } else {
            push_text(name.substr(slash + 1));
          }
          return;
        }
        case FieldId::FdIp:
        case FieldId::FdNet: {
          if (!have_tuple) return;
          FieldType type = static_cast<FieldId>(field.id) == FieldId::FdIp ? FieldType::IpAddr
                                                                           : FieldType::IpNet;
          push_ip(type, tuple.family, tuple.source_ip);
          push_ip(type, tuple.family, tuple.destination_ip);
          return;
        }
        case FieldId::FdCip:
          if (have_tuple) push_ip(FieldType::IpAddr, tuple.family, tuple.source_ip);
          return;
        case FieldId::FdSip:
          if (have_tuple) push_ip(FieldType::IpAddr, tuple.family, tuple.destination_ip);
          return;
        case FieldId::FdLip:
          if (have_tuple) push_ip(FieldType::IpAddr, tuple.family, local_ip);
          return;
        case FieldId::FdRip:
          if (have_tuple) push_ip(FieldType::IpAddr, tuple.family, remote_ip);
          return;
        case FieldId::FdCnet:
          if (have_tuple) push_ip(FieldType::IpNet, tuple.family, tuple.source_ip);
          return;
        case FieldId::FdSnet:
          if (have_tuple) push_ip(FieldType::IpNet, tuple.family, tuple.destination_ip);
          return;
        case FieldId::FdLnet:
          if (have_tuple) push_ip(FieldType::IpNet, tuple.family, local_ip);
          return;
        case FieldId::FdRnet:
          if (have_tuple) push_ip(FieldType::IpNet, tuple.family, remote_ip);
          return;
        case FieldId::FdPort:
          if (have_tuple) {
            push_uint(tuple.source_port);
            push_uint(tuple.destination_port);
          }
          return;
        case FieldId::FdCport:
          if (have_tuple) push_uint(tuple.source_port);
          return;
        case FieldId::FdSport:
          if (have_tuple) push_uint(tuple.destination_port);
          return;
        case FieldId::FdLport:
          if (have_tuple) push_uint(local_port);
          return;
        case FieldId::FdRport:
          if (have_tuple) push_uint(remote_port);
          return;
        case FieldId::FdL4proto:
          if (!is_ip) return;
          switch (fd->l4proto) {
            case 6:
              push_text("tcp");
              return;
            case 17:
              push_text("udp");
              return;
            case 1:
            case 58:
              push_text("icmp");
              return;
            case 255:
              push_text("raw");
              return;
            default:
              return;
          }
        case FieldId::FdSockfamily:
          if (is_ip) push_text("ip");
          if (fd->type == FdType::UnixSocket) push_text("unix");
          return;
        case FieldId::FdIsServer:
          if (is_ip || fd->type == FdType::UnixSocket) push_bool(fd->server_role);
          return;
        case FieldId::FdConnected:
          if (is_ip || fd->type == FdType::UnixSocket) push_bool(fd->connected);
          return;
        case FieldId::FdNameChanged:
          push_bool(fd->name_changed);
          return;
        case FieldId::FdDev:
        case FieldId::FdIno:
          if (is_file && fd_slots().returns_fd[static_cast<std::size_t>(event.type)]) {
            const Param* param =
                argument(static_cast<FieldId>(field.id) == FieldId::FdDev ? "dev" : "ino");
            if (param != nullptr) push_uint(param->number);
          }
          return;
        default:
          return;
      }
    }

    // -- container ------------------------------------------------------------------------------
    case FieldId::ContainerId:
    case FieldId::ContainerFullId:
    case FieldId::ContainerName: {
      if (!thread) return;
      if (thread->container_id.empty()) {
        push_text("host");
        return;
      }
      auto id = static_cast<FieldId>(field.id);
      if (id == FieldId::ContainerId) {
        push_text(std::string_view(thread->container_id).substr(0, 12));
      } else if (id == FieldId::ContainerFullId) {
        push_text(thread->container_id);
      } else if (const auto* info = container(); info && !info->name.empty()) {
        push_text(info->name);
      }
      return;
    }
    case FieldId::ContainerImage:
      if (const auto* info = container(); info && !info->image.empty()) push_text(info->image);
      return;
    case FieldId::ContainerImageRepository:
      if (const auto* info = container(); info && !info->image_repository.empty())
        push_text(info->image_repository);
      return;
    case FieldId::ContainerImageTag:
      if (const auto* info = container(); info && !info->image_tag.empty())
        push_text(info->image_tag);
      return;
    case FieldId::ContainerType:
      if (thread && thread->container_id.empty()) {
        push_text("host");
      } else if (const auto* info = container(); info && !info->runtime.empty()) {
        push_text(info->runtime);
      }
      return;
    case FieldId::ContainerPrivileged:
      if (const auto* info = container()) push_bool(info->privileged);
      return;
    case FieldId::ContainerInfo: {
      if (!thread) return;
      std::string& text = scratch();
      text.append("container_id=");
      if (thread->container_id.empty()) {
        text.append("host container_name=host");
      } else {
        text.append(std::string_view(thread->container_id).substr(0, 12));
        text.append(" container_name=");
        const auto* info = container();
        text.append(info && !info->name.empty() ? std::string_view(info->name) : "<NA>");
      }
      push_text(text);
      return;
    }
    default:
      // Fields that always yield no value (no data source): image ids, mounts, probes, k8s.*.
      return;
  }
}

void FieldExtractor::render(const BoundField& /*field*/, const Value& value, std::string& out) {
  switch (value.type) {
    case FieldType::String:
      out.append(value.text);
      return;
    case FieldType::Bytes:
      for (char c : value.text) {
        auto byte = static_cast<unsigned char>(c);
        out.push_back(byte >= 0x20 && byte < 0x7f ? c : '.');
      }
      return;
    case FieldType::Int64:
    case FieldType::AbsTime:
    case FieldType::RelTime:
      append_int(out, value.integer);
      return;
    case FieldType::Uint64:
      append_uint(out, value.unsigned_integer);
      return;
    case FieldType::Bool:
      out.append(value.integer != 0 ? "true" : "false");
      return;
    case FieldType::IpAddr:
    case FieldType::IpNet:
      append_ip(out, value.ip.family, value.ip.bytes.data());
      return;
  }
}

}  // namespace bulkhead::detect
