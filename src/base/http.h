// A deliberately small HTTP/1.1 over plain TCP: a server for `/metrics` and `/healthz` (GET only,
// one request per connection) and a client that POSTs alerts to a webhook. No TLS, no keep-alive,
// no chunked bodies: the daemon needs nothing more, and every line here is code we must trust.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/unique_fd.h"

namespace bulkhead::http {

// An `http://host[:port][/path]` URL. `host` is a name or an IP literal (IPv6 without brackets).
struct Url {
  std::string host;
  uint16_t port = 80;
  std::string path = "/";  // always starts with '/'; includes any query string

  // "http://host:port/path" (IPv6 hosts in brackets): how URLs appear in error messages.
  std::string str() const;
};

// Throws Error naming the URL for anything but a well-formed http:// URL (https is refused with
// a hint: alerts go over plain TCP, so a TLS endpoint needs a local proxy in front).
Url parse_url(std::string_view text);

// A socket address to listen on: "127.0.0.1:9376", "[::1]:9376", "0.0.0.0:0" (0 = any free port).
// Only IP literals: a listening address is configuration, not something to resolve.
struct ListenAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  std::string str() const;
};
ListenAddress parse_listen_address(std::string_view text);

struct Request {
  std::string method;  // "GET"
  std::string path;    // the request target without the query string: "/metrics"
  std::string query;   // after '?', without it; empty when there is none
  // Header names in lower case, values without surrounding whitespace, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // only for POST on a server that accepts it

  // The first header named `lower_case_name`, or nullptr.
  const std::string* header(std::string_view lower_case_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Reason phrase for the status codes this module emits ("OK", "Not Found", ...).
std::string_view reason_phrase(int status);

struct ServerOptions {
  // The whole request (head and body) must arrive within this time after the connection is
  // accepted, so a stalled or trickling peer cannot hold the single serving thread.
  std::chrono::milliseconds receive_timeout{2000};
  // The metrics endpoint is GET-only; a test webhook receiver needs POST with a body.
  bool accept_post = false;
  std::size_t max_body_bytes = 1024 * 1024;
};

// Serves requests on its own thread until stop() or destruction. The handler decides what each
// path means (404 included); the server itself answers 400 to malformed or oversized requests
// (request line and headers are limited to 8 KiB) and 405 to methods other than GET and HEAD
// (and POST when accepted). Connections are handled one at a time, one request each
// (`Connection: close`): scrapes are rare and tiny.
class Server {
 public:
  using Handler = std::function<Response(const Request&)>;

  static constexpr std::size_t kMaxRequestHeaderBytes = 8 * 1024;

  // Binds and listens before returning (errors throw), then starts the accept thread.
  Server(const ListenAddress& address, Handler handler, ServerOptions options = {});
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // The bound port (useful after binding port 0).
  uint16_t port() const { return port_; }
  // Stops accepting and joins the thread; a request in progress is finished or timed out first.
  // Idempotent.
  void stop();

 private:
  void accept_loop();
  void serve_connection(UniqueFd connection);

  Handler handler_;
  ServerOptions options_;
  UniqueFd listen_fd_;
  UniqueFd stop_read_fd_;   // poll()ed with the listening socket; readable once stop() wrote
  UniqueFd stop_write_fd_;  // written once by stop()
  uint16_t port_ = 0;
  std::thread thread_;
};

// POSTs `body` to `url` and returns the response's status code. Connecting, sending and reading
// the status line must all finish within `timeout`. Throws Error naming the URL on a failed
// resolution or connection, a timeout or a malformed response.
int post(const Url& url, std::string_view content_type, std::string_view body,
         std::chrono::milliseconds timeout);

}  // namespace bulkhead::http
