// Posts alerts (Falco JSON, one per request) to `--webhook URL` from a thread of its own, so a
// slow or dead receiver never stalls the event loop: the caller only queues, a full queue drops
// and counts.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "base/http.h"

namespace bulkhead::detect {

struct WebhookOptions {
  std::chrono::milliseconds request_timeout{2000};  // connect + send + status line, per try
  int attempts = 2;  // tries per alert on connection errors, timeouts and 5xx answers
  std::chrono::milliseconds retry_delay{100};
  // close() keeps posting what is queued for at most this long, then drops the rest.
  std::chrono::milliseconds drain_timeout{5000};
};

struct WebhookStats {
  uint64_t posted = 0;   // answered with a 2xx status
  uint64_t failed = 0;   // every try failed (no connection, timeout, non-2xx)
  uint64_t dropped = 0;  // never sent: queue full, or still queued when close() gave up
};

class WebhookSender {
 public:
  WebhookSender(http::Url url, std::size_t queue_capacity, WebhookOptions options = {});
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;
  ~WebhookSender();

  // Queues one alert body (application/json). Never waits for the network: returns false and
  // counts a drop when the queue is full or the sender is closed.
  bool enqueue(std::string json_body);

  // Posts what is queued (bounded by drain_timeout), then stops the worker. Idempotent.
  void close();

  WebhookStats stats() const;
  // Why the most recent failed alert failed ("" if none failed): for the daemon to log.
  std::string last_error() const;
  const http::Url& url() const { return url_; }

 private:
  void run();
  // Tries to post one body; returns "" on success or the reason it failed.
  std::string deliver(const std::string& body, std::chrono::steady_clock::time_point give_up_at);

  const http::Url url_;
  const std::size_t capacity_;
  const WebhookOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool closing_ = false;
  std::chrono::steady_clock::time_point drain_deadline_{};
  WebhookStats stats_;
  std::string last_error_;

  std::thread worker_;  // last: starts after every member it uses exists
};

}  // namespace bulkhead::detect
