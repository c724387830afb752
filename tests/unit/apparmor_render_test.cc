// Rendering a Landlock policy as an AppArmor profile: the rules each access word becomes, the
// fixed denials, the network comment, and names and paths that need care. (The integration
// test feeds the output to apparmor_parser.)
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "base/error.h"
#include "mac/apparmor.h"
#include "mac/landlock.h"

namespace bulkhead::mac {
namespace {

constexpr const char* kNginxPolicy = R"(version: 1
paths:
  - path: /var/www/html
    access: [read]
  - path: /var/log/nginx/
    access: [read, write]
  - path: [/bin, /usr]
    access: [read, execute]
network:
  bind: [80]
  connect: [443, 5432]
)";

std::string render(const std::string& policy_text, const std::string& name = "bulkhead-test") {
  return render_apparmor_profile(parse_landlock_policy(policy_text, "p.yaml"), name);
}

bool has_line(const std::string& profile, const std::string& line) {
  return profile.find("\n" + line + "\n") != std::string::npos;
}

TEST(ApparmorRender, ProfileSkeleton) {
  std::string profile = render(kNginxPolicy, "bulkhead-nginx");
  EXPECT_TRUE(has_line(profile, "abi <abi/3.0>,")) << profile;
  EXPECT_TRUE(has_line(profile, "include <tunables/global>")) << profile;
  EXPECT_TRUE(
      has_line(profile, "profile bulkhead-nginx flags=(attach_disconnected,mediate_deleted) {"))
      << profile;
  EXPECT_TRUE(has_line(profile, "  include <abstractions/base>")) << profile;
  EXPECT_EQ(profile.substr(profile.size() - 2), "}\n");
  // Braces balance: one profile block; path globs open and close their own.
  EXPECT_EQ(std::count(profile.begin(), profile.end(), '{'),
            std::count(profile.begin(), profile.end(), '}'));
}

TEST(ApparmorRender, PathRulesFollowTheAccessWords) {
  std::string profile = render(kNginxPolicy);
  EXPECT_TRUE(has_line(profile, "  /var/www/html{,/,/**} rk,")) << profile;
  EXPECT_TRUE(has_line(profile, "  /var/log/nginx{,/,/**} rwkl,"))
      << profile;  // trailing / dropped
  EXPECT_TRUE(has_line(profile, "  /bin{,/,/**} rkmix,")) << profile;
  EXPECT_TRUE(has_line(profile, "  /usr{,/,/**} rkmix,")) << profile;
  EXPECT_NE(profile.find("# read, write (p.yaml:5:5)"), std::string::npos) << profile;
}

TEST(ApparmorRender, FineGrainedRights) {
  std::string profile = render(R"(version: 1
paths:
  - {path: /a, access: [execute]}
  - {path: /b, access: [make_dir]}
  - {path: /c, access: [refer]}
  - {path: /dev/null, access: [ioctl_dev]}
  - {path: /, access: [read_dir]}
)");
  EXPECT_TRUE(has_line(profile, "  /a{,/,/**} mix,")) << profile;
  EXPECT_TRUE(has_line(profile, "  /b{,/,/**} wk,")) << profile;
  EXPECT_TRUE(has_line(profile, "  /c{,/,/**} l,")) << profile;
  EXPECT_TRUE(has_line(profile, "  /{,**} rk,")) << profile;
  // ioctl on devices has no AppArmor file permission of its own: said, not invented.
  EXPECT_NE(profile.find("no file permission AppArmor can express"), std::string::npos);
  EXPECT_EQ(profile.find("/dev/null{"), std::string::npos) << profile;
}

TEST(ApparmorRender, FixedDenials) {
  std::string profile = render("version: 1\n");
  for (const char* line :
       {"  deny mount,", "  deny umount,", "  deny pivot_root,", "  deny ptrace (trace),",
        "  deny @{PROC}/sysrq-trigger rwklx,", "  deny @{PROC}/kcore rwklx,",
        "  deny @{PROC}/sys/** wkl,", "  deny /sys/firmware/** rwklx,"})
    EXPECT_TRUE(has_line(profile, line)) << line << "\n" << profile;
  EXPECT_TRUE(has_line(profile, "  signal (send, receive) peer=bulkhead-test,")) << profile;
}

TEST(ApparmorRender, NetworkPortsAreLandlocksJob) {
  std::string restricted = render(kNginxPolicy);
  EXPECT_NE(restricted.find("AppArmor cannot match ports"), std::string::npos) << restricted;
  EXPECT_NE(restricted.find("bind to ports: 80; connect to ports: 443, 5432"), std::string::npos)
      << restricted;
  EXPECT_TRUE(has_line(restricted, "  network inet stream,")) << restricted;
  EXPECT_TRUE(has_line(restricted, "  network inet6 stream,")) << restricted;
  EXPECT_FALSE(has_line(restricted, "  network,")) << restricted;

  std::string no_tcp = render("version: 1\nnetwork:\n");
  EXPECT_FALSE(has_line(no_tcp, "  network inet stream,")) << no_tcp;
  EXPECT_TRUE(has_line(no_tcp, "  network inet dgram,")) << no_tcp;

  std::string open = render("version: 1\n");
  EXPECT_TRUE(has_line(open, "  network,")) << open;
}

TEST(ApparmorRender, PathsAreEscaped) {
  std::string profile = render(R"(version: 1
paths:
  - path: ["/srv/a b", "/srv/x*y{z}", "/srv/@{HOME}"]
    access: [read]
)");
  EXPECT_TRUE(has_line(profile, "  \"/srv/a b{,/,/**}\" rk,")) << profile;
  EXPECT_TRUE(has_line(profile, "  /srv/x\\*y\\{z\\}{,/,/**} rk,")) << profile;
  EXPECT_TRUE(has_line(profile, "  /srv/\\@\\{HOME\\}{,/,/**} rk,")) << profile;
}

TEST(ApparmorRender, RejectsNamesThatAreNotPlain) {
  LandlockPolicy policy = parse_landlock_policy("version: 1\n", "p.yaml");
  for (const char* name : {"", "has space", "/usr/bin/x", "-flag", "a{b}", "a,b", "x\ny"})
    EXPECT_THROW(render_apparmor_profile(policy, name), Error) << name;
  EXPECT_NO_THROW(render_apparmor_profile(policy, "bulkhead-web_1.0:x+y"));
}

}  // namespace
}  // namespace bulkhead::mac
