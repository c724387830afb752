// The webhook sender against loopback servers: ordering, drops, failures, draining.
#include "detect/webhook.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/http.h"
#include "support/loopback_port.h"

namespace bulkhead::detect {
namespace {

using namespace std::chrono_literals;

// A loopback webhook receiver that records bodies and answers with `status`.
class Receiver {
 public:
  explicit Receiver(int status = 200)
      : status_(status),
        server_(
            http::parse_listen_address("127.0.0.1:0"),
            [this](const http::Request& request) { return handle(request); },
            http::ServerOptions{.accept_post = true}) {}

  http::Url url() const {
    return http::parse_url("http://127.0.0.1:" + std::to_string(server_.port()) + "/alerts");
  }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
  }

  // Makes the next request wait inside the handler until release().
  void hold_next() {
    std::lock_guard lock(mutex_);
    hold_ = true;
  }
  void wait_until_held() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return holding_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    hold_ = false;
    changed_.notify_all();
  }
  // Answers the next `count` requests with `status` before reverting to the default.
  void fail_next(int count, int status) {
    std::lock_guard lock(mutex_);
    failures_left_ = count;
    failure_status_ = status;
  }
  int requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  http::Response handle(const http::Request& request) {
    std::unique_lock lock(mutex_);
    ++requests_;
    if (hold_) {
      holding_ = true;
      changed_.notify_all();
      changed_.wait(lock, [this] { return !hold_; });
      holding_ = false;
    }
    if (failures_left_ > 0) {
      --failures_left_;
      return {failure_status_, "text/plain", ""};
    }
    bodies_.push_back(request.body);
    return {status_, "text/plain", ""};
  }

  const int status_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> bodies_;
  bool hold_ = false;
  bool holding_ = false;
  int failures_left_ = 0;
  int failure_status_ = 0;
  int requests_ = 0;
  http::Server server_;  // last: its thread calls handle(), which uses the members above
};

std::string alert_json(int n) {
  return R"({"rule":"Read sensitive file","priority":"Warning","output":"n=)" + std::to_string(n) +
         R"("})";
}

TEST(Webhook, DeliversAlertsInOrder) {
  Receiver receiver;
  WebhookSender sender(receiver.url(), 64, WebhookOptions{.request_timeout = 10s});
  std::vector<std::string> sent;
  for (int i = 0; i < 20; ++i) {
    sent.push_back(alert_json(i));
    EXPECT_TRUE(sender.enqueue(sent.back()));
  }
  sender.close();
  EXPECT_EQ(receiver.bodies(), sent);
  WebhookStats stats = sender.stats();
  EXPECT_EQ(stats.posted, 20u);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(stats.dropped, 0u);
  EXPECT_EQ(sender.last_error(), "");
}

TEST(Webhook, DropsWhenTheQueueIsFullBehindASlowReceiver) {
  Receiver receiver;
  WebhookSender sender(receiver.url(), 2, WebhookOptions{.request_timeout = 60s});
  receiver.hold_next();
  ASSERT_TRUE(sender.enqueue(alert_json(0)));
  receiver.wait_until_held();  // the worker is now stuck posting alert 0; the queue is empty
  EXPECT_TRUE(sender.enqueue(alert_json(1)));
  EXPECT_TRUE(sender.enqueue(alert_json(2)));
  EXPECT_FALSE(sender.enqueue(alert_json(3)));
  EXPECT_FALSE(sender.enqueue(alert_json(4)));
  EXPECT_FALSE(sender.enqueue(alert_json(5)));
  EXPECT_EQ(sender.stats().dropped, 3u);
  receiver.release();
  sender.close();
  EXPECT_EQ(receiver.bodies(),
            (std::vector<std::string>{alert_json(0), alert_json(1), alert_json(2)}));
  WebhookStats stats = sender.stats();
  EXPECT_EQ(stats.posted, 3u);
  EXPECT_EQ(stats.dropped, 3u);
  EXPECT_EQ(stats.failed, 0u);
}

TEST(Webhook, CountsFailuresWhenNothingListens) {
  http::Url url =
      http::parse_url("http://127.0.0.1:" + std::to_string(testing::free_loopback_port()) + "/");
  WebhookSender sender(url, 8, WebhookOptions{.retry_delay = 1ms});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(sender.enqueue(alert_json(i)));
  sender.close();
  WebhookStats stats = sender.stats();
  EXPECT_EQ(stats.posted, 0u);
  EXPECT_EQ(stats.failed, 3u);
  EXPECT_EQ(stats.dropped, 0u);
  EXPECT_NE(sender.last_error().find(url.str()), std::string::npos) << sender.last_error();
}

TEST(Webhook, RetriesServerErrorsButNotClientErrors) {
  Receiver receiver;
  WebhookSender sender(receiver.url(), 8,
                       WebhookOptions{.request_timeout = 10s, .retry_delay = 1ms});
  receiver.fail_next(1, 503);
  ASSERT_TRUE(sender.enqueue(alert_json(0)));
  sender.close();
  EXPECT_EQ(receiver.requests(), 2);  // one 503, one retry that succeeded
  EXPECT_EQ(sender.stats().posted, 1u);

  Receiver rejecting;
  WebhookSender second(rejecting.url(), 8,
                       WebhookOptions{.request_timeout = 10s, .retry_delay = 1ms});
  rejecting.fail_next(5, 400);
  ASSERT_TRUE(second.enqueue(alert_json(0)));
  second.close();
  EXPECT_EQ(rejecting.requests(), 1);  // a 400 would not change on a retry
  EXPECT_EQ(second.stats().failed, 1u);
  EXPECT_NE(second.last_error().find("HTTP status 400"), std::string::npos);
}

TEST(Webhook, CloseDrainsTheQueueAndRefusesMore) {
  Receiver receiver;
  WebhookSender sender(receiver.url(), 100, WebhookOptions{.request_timeout = 10s});
  receiver.hold_next();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(sender.enqueue(alert_json(i)));
  receiver.wait_until_held();
  receiver.release();
  sender.close();  // returns only after the nine still queued were posted
  EXPECT_EQ(receiver.bodies().size(), 10u);
  EXPECT_EQ(sender.stats().posted, 10u);

  EXPECT_FALSE(sender.enqueue(alert_json(10)));
  EXPECT_EQ(sender.stats().dropped, 1u);
  sender.close();  // idempotent
}

TEST(Webhook, CloseGivesUpOnWhatIsLeftAfterTheDrainTimeout) {
  Receiver receiver;
  // A zero drain budget: whatever is still queued when close() starts is dropped, not posted.
  WebhookSender sender(receiver.url(), 1 << 20,
                       WebhookOptions{.request_timeout = 60s, .drain_timeout = 0ms});
  receiver.hold_next();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(sender.enqueue(alert_json(i)));
  receiver.wait_until_held();
  std::thread closer([&] { sender.close(); });
  // Once enqueue() is refused, close() has started (the queue is far from full); only then let
  // the in-flight post finish.
  uint64_t accepted_meanwhile = 0;
  while (sender.enqueue("{}")) ++accepted_meanwhile;
  receiver.release();
  closer.join();
  WebhookStats stats = sender.stats();
  EXPECT_EQ(stats.posted, 1u);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(stats.dropped, 4u + accepted_meanwhile + 1u);  // + the refused enqueue
  EXPECT_EQ(receiver.bodies(), std::vector<std::string>{alert_json(0)});
}

TEST(Webhook, RejectsAZeroCapacity) {
  EXPECT_THROW(WebhookSender(http::parse_url("http://127.0.0.1:1/"), 0), Error);
}

}  // namespace
}  // namespace bulkhead::detect
