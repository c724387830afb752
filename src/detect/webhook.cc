#include "detect/webhook.h"

#include <algorithm>
#include <exception>

#include "base/error.h"

namespace bulkhead::detect {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

WebhookSender::WebhookSender(http::Url url, std::size_t queue_capacity, WebhookOptions options)
    : url_(std::move(url)), capacity_(queue_capacity), options_(options) {
  if (capacity_ == 0) throw Error("webhook queue capacity must be at least 1");
  if (options_.attempts < 1) throw Error("webhook attempts must be at least 1");
  worker_ = std::thread([this] { run(); });
}

WebhookSender::~WebhookSender() {
  close();
}

bool WebhookSender::enqueue(std::string json_body) {
  {
    std::lock_guard lock(mutex_);
    if (closing_ || queue_.size() >= capacity_) {
      ++stats_.dropped;
      return false;
    }
    queue_.push_back(std::move(json_body));
  }
  wake_.notify_one();
  return true;
}

void WebhookSender::close() {
  {
    std::lock_guard lock(mutex_);
    if (!closing_) {
      closing_ = true;
      drain_deadline_ = Clock::now() + options_.drain_timeout;
    }
  }
  wake_.notify_one();
  if (worker_.joinable()) worker_.join();
}

WebhookStats WebhookSender::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::string WebhookSender::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void WebhookSender::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing and drained
    if (closing_ && Clock::now() >= drain_deadline_) {
      stats_.dropped += queue_.size();
      queue_.clear();
      return;
    }
    std::string body = std::move(queue_.front());
    queue_.pop_front();
    // While closing, no single post may run past the drain deadline.
    const Clock::time_point give_up_at = closing_ ? drain_deadline_ : Clock::time_point::max();
    lock.unlock();
    std::string failure = deliver(body, give_up_at);
    lock.lock();
    if (failure.empty()) {
      ++stats_.posted;
    } else {
      ++stats_.failed;
      last_error_ = std::move(failure);
    }
  }
}

std::string WebhookSender::deliver(const std::string& body, Clock::time_point give_up_at) {
  std::string failure;
  for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
    if (attempt > 1) {
      // Wait before retrying, but wake early if close() starts (the deadline may then be near).
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.retry_delay, [this] { return closing_; });
      if (closing_) give_up_at = std::min(give_up_at, drain_deadline_);
    }
    auto timeout = options_.request_timeout;
    if (give_up_at != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up_at - Clock::now());
      if (left.count() <= 0) return failure.empty() ? "gave up: shutting down" : failure;
      timeout = std::min(timeout, left);
    }
    try {
      int status = http::post(url_, "application/json", body, timeout);
      if (status >= 200 && status < 300) return {};
      failure = "POST to " + url_.str() + ": HTTP status " + std::to_string(status);
      // A 4xx answer will not change on a retry; only a server-side failure might.
      if (status < 500) return failure;
    } catch (const std::exception& error) {
      failure = error.what();
    }
  }
  return failure;
}

}  // namespace bulkhead::detect
