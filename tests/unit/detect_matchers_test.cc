#include "detect/matchers.h"

#include <gtest/gtest.h>

namespace bulkhead::detect {
namespace {

TEST(DetectMatchers, GlobMatchesWholeText) {
  EXPECT_TRUE(glob_match("/usr/*", "/usr/bin/ls"));  // '*' crosses '/'
  EXPECT_TRUE(glob_match("*.so", "libc.so"));
  EXPECT_FALSE(glob_match("*.so", "libc.so.6"));
  EXPECT_TRUE(glob_match("/proc/[0-9]*/ns/*", "/proc/1/ns/mnt"));
  EXPECT_FALSE(glob_match("/proc/[0-9]*/ns/*", "/proc/self/ns/mnt"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_TRUE(glob_match("[!a]x", "bx"));
  EXPECT_FALSE(glob_match("[!a]x", "ax"));
  EXPECT_TRUE(glob_match("[^a]x", "bx"));
  EXPECT_TRUE(glob_match("\\*", "*"));
  EXPECT_FALSE(glob_match("\\*", "a"));
  EXPECT_TRUE(glob_match("[", "["));  // unterminated bracket is literal
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_FALSE(glob_match("", "a"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("[]]", "]"));
}

TEST(DetectMatchers, GlobIsNotExponential) {
  std::string text(5000, 'a');
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*b", text));
}

TEST(DetectMatchers, IpNetworks) {
  auto network = parse_ip_network("10.0.0.0/8");
  ASSERT_TRUE(network);
  EXPECT_TRUE(network->contains(*parse_ip("10.1.2.3")));
  EXPECT_FALSE(network->contains(*parse_ip("11.0.0.1")));
  EXPECT_FALSE(network->contains(*parse_ip("::1")));
  auto odd = parse_ip_network("172.16.0.0/12");
  EXPECT_TRUE(odd->contains(*parse_ip("172.31.255.255")));
  EXPECT_FALSE(odd->contains(*parse_ip("172.32.0.0")));
  auto single = parse_ip_network("192.0.2.1");
  EXPECT_TRUE(single->contains(*parse_ip("192.0.2.1")));
  EXPECT_FALSE(single->contains(*parse_ip("192.0.2.2")));
  auto v6 = parse_ip_network("fc00::/7");
  EXPECT_TRUE(v6->contains(*parse_ip("fd12::1")));
  EXPECT_FALSE(v6->contains(*parse_ip("fe80::1")));
  EXPECT_TRUE(parse_ip_network("0.0.0.0/0")->contains(*parse_ip("8.8.8.8")));
  EXPECT_FALSE(parse_ip_network("10.0.0.0/33"));
  EXPECT_FALSE(parse_ip_network("10.0.0.0/"));
  EXPECT_FALSE(parse_ip_network("nonsense"));
  EXPECT_EQ(format_ip(*parse_ip("2001:db8::1")), "2001:db8::1");
}

TEST(DetectMatchers, PathPrefixSetMatchesAtComponentBoundaries) {
  PathPrefixSet set;
  set.add("/usr/bin");
  set.add("/etc/");
  EXPECT_TRUE(set.matches("/usr/bin"));
  EXPECT_TRUE(set.matches("/usr/bin/ls"));
  EXPECT_FALSE(set.matches("/usr/binx"));
  EXPECT_FALSE(set.matches("/usr"));
  EXPECT_TRUE(set.matches("/etc/shadow"));
  EXPECT_TRUE(set.matches("/etc"));
  PathPrefixSet root;
  root.add("/");
  EXPECT_TRUE(root.matches("/anything"));
  EXPECT_FALSE(root.matches("relative"));
}

TEST(DetectMatchers, CaseInsensitiveSearch) {
  EXPECT_TRUE(icontains("Hello World", "world"));
  EXPECT_FALSE(icontains("Hello", "world"));
  EXPECT_TRUE(icontains("x", ""));
  EXPECT_TRUE(iequals("ABC", "abc"));
  EXPECT_FALSE(iequals("ABCD", "abc"));
}

TEST(DetectMatchers, Decoders) {
  EXPECT_EQ(decode_base64("aGVsbG8="), "hello");
  EXPECT_EQ(decode_base64("aGVsbG8"), "hello");
  EXPECT_FALSE(decode_base64("a"));
  EXPECT_FALSE(decode_base64("a!b"));
  EXPECT_EQ(decode_hex("7f454c46"), std::string("\x7f"
                                                "ELF"));
  EXPECT_EQ(decode_hex("7f 45"), std::string("\x7f"
                                             "E"));
  EXPECT_FALSE(decode_hex("7"));
  EXPECT_FALSE(decode_hex("zz"));
  EXPECT_FALSE(decode_hex(""));
}

}  // namespace
}  // namespace bulkhead::detect
