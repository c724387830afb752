// The empty-program floor for `bulkhead watch`: two eBPF programs that do nothing (`r0 = 0;
// exit`), attached to the sys_enter and sys_exit tracepoints the way the daemon's programs are,
// and held there until SIGTERM/SIGINT. Whatever a syscall costs more with these in place is the
// price of the attachment itself (the tracepoint becoming active, the trampoline into the
// program), which no watcher can avoid; the daemon's own cost is measured against it.
//
// No clang: the two-instruction programs are loaded with libbpf's low-level API.
//   tp_btf (default): BPF_PROG_TYPE_TRACING, expected_attach_type BPF_TRACE_RAW_TP,
//     attach_btf_id = the vmlinux BTF typedef btf_trace_sys_enter / btf_trace_sys_exit;
//   raw_tp (fallback, or --mode raw_tp): BPF_PROG_TYPE_RAW_TRACEPOINT, opened by name.
//
//   bulkhead_bpf_floor [--mode auto|tp_btf|raw_tp] [--copies N] [--check]
//
// stdout: "attached <mode> <programs>" once every program is attached (flushed), then nothing
// until a signal ends the process. --check detaches and exits right after that line.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/error.h"
#include "base/unique_fd.h"

namespace {

using bulkhead::Error;
using bulkhead::UniqueFd;

enum class Mode { TpBtf, RawTp };

const char* mode_name(Mode mode) {
  return mode == Mode::TpBtf ? "tp_btf" : "raw_tp";
}

// r0 = 0; exit. The smallest program the verifier accepts for either type.
constexpr bpf_insn kEmptyProgram[] = {
    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
};
constexpr size_t kEmptyProgramLength = sizeof kEmptyProgram / sizeof kEmptyProgram[0];

const char* const kTracepoints[] = {"sys_enter", "sys_exit"};

// libbpf returns -errno (and sets errno) on failure.
[[noreturn]] void throw_libbpf(const std::string& what, int result) {
  int err = result < 0 ? -result : errno;
  throw bulkhead::SystemError(what, err);
}

// vmlinux BTF, freed on every path.
class VmlinuxBtf {
 public:
  VmlinuxBtf() : btf_(btf__load_vmlinux_btf()) {
    if (!btf_)
      throw bulkhead::SystemError("loading the kernel's BTF (/sys/kernel/btf/vmlinux)", errno);
  }
  ~VmlinuxBtf() { btf__free(btf_); }
  VmlinuxBtf(const VmlinuxBtf&) = delete;
  VmlinuxBtf& operator=(const VmlinuxBtf&) = delete;

  // The typedef a tp_btf program for this raw tracepoint attaches to.
  unsigned trace_typedef_id(const std::string& tracepoint) const {
    std::string name = "btf_trace_" + tracepoint;
    int id = btf__find_by_name_kind(btf_, name.c_str(), BTF_KIND_TYPEDEF);
    if (id < 0) throw_libbpf("finding " + name + " in the kernel's BTF", id);
    return static_cast<unsigned>(id);
  }

 private:
  btf* btf_;
};

UniqueFd load_empty_program(Mode mode, const std::string& tracepoint, const VmlinuxBtf* btf) {
  LIBBPF_OPTS(bpf_prog_load_opts, opts);
  bpf_prog_type type = BPF_PROG_TYPE_RAW_TRACEPOINT;
  if (mode == Mode::TpBtf) {
    type = BPF_PROG_TYPE_TRACING;
    opts.expected_attach_type = BPF_TRACE_RAW_TP;
    opts.attach_btf_id = btf->trace_typedef_id(tracepoint);
  }
  int fd = bpf_prog_load(type, "bh_floor", "GPL", kEmptyProgram, kEmptyProgramLength, &opts);
  if (fd < 0)
    throw_libbpf(std::string("loading an empty ") + mode_name(mode) + " program for " + tracepoint,
                 fd);
  return UniqueFd(fd);
}

// The returned fd is the attachment: closing it detaches the program.
UniqueFd attach(Mode mode, const std::string& tracepoint, const UniqueFd& program) {
  // A tracing program knows its tracepoint from attach_btf_id, so it is opened without a name.
  int fd =
      bpf_raw_tracepoint_open(mode == Mode::TpBtf ? nullptr : tracepoint.c_str(), program.get());
  if (fd < 0)
    throw_libbpf(
        std::string("attaching the empty ") + mode_name(mode) + " program to " + tracepoint, fd);
  return UniqueFd(fd);
}

struct Attachment {
  UniqueFd program;
  UniqueFd link;
};

std::vector<Attachment> attach_all(Mode mode, int copies) {
  std::optional<VmlinuxBtf> btf;
  if (mode == Mode::TpBtf) btf.emplace();
  std::vector<Attachment> attached;
  for (int copy = 0; copy < copies; ++copy) {
    for (const char* tracepoint : kTracepoints) {
      Attachment a;
      a.program = load_empty_program(mode, tracepoint, btf ? &*btf : nullptr);
      a.link = attach(mode, tracepoint, a.program);
      attached.push_back(std::move(a));
    }
  }
  return attached;
}

int run(const std::string& mode_arg, int copies, bool check) {
  // Blocked before anything is attached, so a signal that arrives early still ends the wait below
  // instead of killing the process with the default action (the fds would be closed either way,
  // but the exit status would say "killed").
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  if (sigprocmask(SIG_BLOCK, &stop_signals, nullptr) != 0) bulkhead::throw_errno("sigprocmask");

  Mode mode = mode_arg == "raw_tp" ? Mode::RawTp : Mode::TpBtf;
  std::vector<Attachment> attached;
  try {
    attached = attach_all(mode, copies);
  } catch (const Error& e) {
    if (mode_arg != "auto") throw;
    std::fprintf(stderr, "bulkhead_bpf_floor: tp_btf failed (%s); falling back to raw_tp\n",
                 e.what());
    mode = Mode::RawTp;
    attached = attach_all(mode, copies);
  }
  std::printf("attached %s %zu\n", mode_name(mode), attached.size());
  std::fflush(stdout);
  if (check) return 0;
  int signal = 0;
  while (sigwait(&stop_signals, &signal) != 0) {
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Attach empty eBPF programs to sys_enter and sys_exit and hold them until killed"};
  std::string mode = "auto";
  int copies = 1;
  bool check = false;
  app.add_option("--mode", mode, "tp_btf, raw_tp, or auto (tp_btf, else raw_tp)")
      ->check(CLI::IsMember({"auto", "tp_btf", "raw_tp"}));
  app.add_option("--copies", copies, "programs per tracepoint")->check(CLI::Range(1, 64));
  app.add_flag("--check", check, "exit right after attaching");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(mode, copies, check);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bulkhead_bpf_floor: %s\n", e.what());
    return 1;
  }
}
