#include "runtime/rootfs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "base/error.h"
#include "base/strings.h"
#include "support/temp_dir.h"

namespace bulkhead::runtime {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

// Sets (or unsets) BULKHEAD_BUILTIN_ROOTFS_DIR for one test and puts the old value back.
class ScopedBuiltinDirEnv {
 public:
  explicit ScopedBuiltinDirEnv(const std::optional<std::string>& value) {
    if (const char* old = std::getenv(kName)) old_ = old;
    if (value)
      ::setenv(kName, value->c_str(), 1);
    else
      ::unsetenv(kName);
  }
  ScopedBuiltinDirEnv(const ScopedBuiltinDirEnv&) = delete;
  ScopedBuiltinDirEnv& operator=(const ScopedBuiltinDirEnv&) = delete;
  ~ScopedBuiltinDirEnv() {
    if (old_)
      ::setenv(kName, old_->c_str(), 1);
    else
      ::unsetenv(kName);
  }

 private:
  static constexpr const char* kName = "BULKHEAD_BUILTIN_ROOTFS_DIR";
  std::optional<std::string> old_;
};

std::string error_of(const std::string& arg) {
  try {
    resolve_rootfs(arg);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "resolve_rootfs(\"" << arg << "\") did not throw";
  return "";
}

TEST(Rootfs, BuiltinBusyboxComesFromTheEnvironmentDirectory) {
  TempDir dir;
  fs::create_directories(dir.path() / "busybox" / "bin");
  ScopedBuiltinDirEnv env(dir.path().string());
  EXPECT_EQ(builtin_rootfs_root(), dir.path().string());
  EXPECT_EQ(resolve_rootfs("builtin:busybox"), fs::canonical(dir.path() / "busybox").string());
}

TEST(Rootfs, BuiltinNotBuiltSaysHowToBuildIt) {
  TempDir dir;
  ScopedBuiltinDirEnv env(dir.path().string());
  const std::string message = error_of("builtin:busybox");
  EXPECT_NE(message.find("ninja busybox_rootfs"), std::string::npos) << message;
  EXPECT_NE(message.find((dir.path() / "busybox").string()), std::string::npos) << message;
}

TEST(Rootfs, EmptyEnvironmentFallsBackToTheBuildTree) {
  ScopedBuiltinDirEnv env(std::string{});
  const std::string root = builtin_rootfs_root();
  EXPECT_FALSE(root.empty());
  EXPECT_TRUE(root.ends_with("/rootfs")) << root;
}

TEST(Rootfs, DefaultBuiltinIsTheBuildTreesBusybox) {
  ScopedBuiltinDirEnv env(std::nullopt);
  // The busybox_rootfs target may not have been built in this build directory; either way the
  // answer must be about <build>/rootfs/busybox.
  try {
    const std::string path = resolve_rootfs("builtin:busybox");
    EXPECT_TRUE(path.ends_with("/rootfs/busybox")) << path;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/rootfs/busybox"), std::string::npos) << e.what();
  }
}

TEST(Rootfs, UnknownBuiltinListsTheBuiltins) {
  const std::string message = error_of("builtin:alpine");
  EXPECT_NE(message.find("builtin:alpine"), std::string::npos) << message;
  EXPECT_NE(message.find("builtin:busybox"), std::string::npos) << message;
  EXPECT_NE(error_of("builtin:").find("builtin:busybox"), std::string::npos);
}

TEST(Rootfs, DirectoryBecomesCanonicalAbsolutePath) {
  TempDir dir;
  fs::create_directories(dir.path() / "tree" / "bin");
  fs::create_directory_symlink(dir.path() / "tree", dir.path() / "link");
  const std::string expected = fs::canonical(dir.path() / "tree").string();
  EXPECT_EQ(resolve_rootfs((dir.path() / "tree").string()), expected);
  EXPECT_EQ(resolve_rootfs((dir.path() / "link").string()), expected);
  EXPECT_EQ(resolve_rootfs((dir.path() / "tree" / "bin" / ".." / "").string()), expected);

  // A relative path is resolved against the working directory.
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir.path());
  std::string relative;
  try {
    relative = resolve_rootfs("link");
  } catch (...) {
    fs::current_path(old_cwd);
    throw;
  }
  fs::current_path(old_cwd);
  EXPECT_EQ(relative, expected);
}

TEST(Rootfs, MissingPathIsASystemErrorNamingIt) {
  TempDir dir;
  const std::string missing = (dir.path() / "nope").string();
  try {
    resolve_rootfs(missing);
    FAIL() << "no error";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), ENOENT);
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
}

TEST(Rootfs, EmptyArgumentIsAnError) {
  EXPECT_THROW(resolve_rootfs(""), Error);
}

TEST(Rootfs, RegularFileIsNotARootfs) {
  TempDir dir;
  const std::string file = (dir.path() / "true").string();
  write_file(file, "");
  EXPECT_NE(error_of(file).find("not a directory"), std::string::npos);
}

TEST(Rootfs, TarArchivesAreNotSupportedYet) {
  TempDir dir;
  for (const char* name : {"rootfs.tar", "rootfs.tar.gz", "rootfs.tgz"}) {
    const std::string file = (dir.path() / name).string();
    write_file(file, "");
    const std::string message = error_of(file);
    EXPECT_NE(message.find("not supported yet"), std::string::npos) << message;
    EXPECT_NE(message.find(file), std::string::npos) << message;
  }
}

TEST(Rootfs, OciImageLayoutIsNotSupportedYet) {
  TempDir dir;
  write_file((dir.path() / "oci-layout").string(), R"({"imageLayoutVersion":"1.0.0"})");
  write_file((dir.path() / "index.json").string(), R"({"schemaVersion":2,"manifests":[]})");
  const std::string message = error_of(dir.path().string());
  EXPECT_NE(message.find("OCI image layout"), std::string::npos) << message;
  EXPECT_NE(message.find("not supported yet"), std::string::npos) << message;

  // Either file alone is just a file in a rootfs directory.
  TempDir tree;
  write_file((tree.path() / "index.json").string(), "{}");
  EXPECT_EQ(resolve_rootfs(tree.path().string()), fs::canonical(tree.path()).string());
}

}  // namespace
}  // namespace bulkhead::runtime
