#include "base/http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>

#include "base/error.h"
#include "base/strings.h"

namespace bulkhead::http {

namespace {

using Clock = std::chrono::steady_clock;

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool is_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Decimal port 0..65535; nullopt on anything else (signs, spaces, overflow).
std::optional<uint16_t> parse_port(std::string_view text) {
  if (!is_digits(text) || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

bool is_ipv6_literal(const std::string& text) {
  in6_addr address{};
  return ::inet_pton(AF_INET6, text.c_str(), &address) == 1;
}

// Host names as RFC 1123 allows them (plus '_', which real internal DNS names carry).
bool is_valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return host.front() != '.' && host.front() != '-';
}

// Bytes that would let a value break out of the request line or a header.
bool has_control_or_space(std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return true;
  }
  return false;
}

std::string format_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// Splits "host:port" / "[v6]:port" into a bracket-free host and the port text. nullopt when the
// shape is wrong; `port` is empty when there is no ":port" at all.
struct HostPort {
  std::string host;
  std::string_view port;
  bool has_port = false;
  bool bracketed = false;
};
std::optional<HostPort> split_host_port(std::string_view authority) {
  HostPort out;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    out.bracketed = true;
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      out.port = rest.substr(1);
      out.has_port = true;
    }
    return out;
  }
  std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    out.host = std::string(authority);
    return out;
  }
  // An unbracketed IPv6 literal is ambiguous with host:port: refuse it.
  if (authority.substr(0, colon).find(':') != std::string_view::npos) return std::nullopt;
  out.host = std::string(authority.substr(0, colon));
  out.port = authority.substr(colon + 1);
  out.has_port = true;
  return out;
}

int milliseconds_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  // Round up so a sub-millisecond remainder still waits instead of spinning.
  return static_cast<int>(left.count()) + 1;
}

enum class WaitResult { kReady, kTimedOut, kStopped };

// Waits until `fd` has `events` (or an error/hangup), the deadline passes, or `stop_fd` (if >= 0)
// becomes readable.
WaitResult wait_for(int fd, short events, Clock::time_point deadline, int stop_fd = -1) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    int timeout = milliseconds_until(deadline);
    if (timeout == 0) return WaitResult::kTimedOut;
    int ready = ::poll(fds, stop_fd >= 0 ? 2 : 1, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw_errno("waiting on a socket");
    }
    if (ready == 0) continue;  // re-check the deadline (poll may wake a little early)
    if (stop_fd >= 0 && fds[1].revents != 0) return WaitResult::kStopped;
    if (fds[0].revents != 0) return WaitResult::kReady;
  }
}

// Sends all of `data` on a non-blocking socket before `deadline`. Returns false on a timeout,
// a stop request or a peer that went away (the caller only drops the connection then).
bool send_all(int fd, std::string_view data, Clock::time_point deadline, int stop_fd = -1) {
  while (!data.empty()) {
    ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      data.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_for(fd, POLLOUT, deadline, stop_fd) != WaitResult::kReady) return false;
      continue;
    }
    return false;
  }
  return true;
}

std::size_t find_header_end(std::string_view data) {
  std::size_t crlf = data.find("\r\n\r\n");
  if (crlf != std::string_view::npos) return crlf + 4;
  std::size_t lf = data.find("\n\n");
  if (lf != std::string_view::npos) return lf + 2;
  return std::string_view::npos;
}

std::string_view first_line(std::string_view data) {
  std::size_t end = data.find('\n');
  std::string_view line = data.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// Parses "METHOD /target HTTP/1.x" and checks every header line has a name and a colon.
// Returns nullopt for anything malformed.
std::optional<Request> parse_request_head(std::string_view head) {
  std::string_view request_line = first_line(head);
  std::size_t first_space = request_line.find(' ');
  if (first_space == std::string_view::npos) return std::nullopt;
  std::size_t second_space = request_line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) return std::nullopt;
  std::string_view method = request_line.substr(0, first_space);
  std::string_view target = request_line.substr(first_space + 1, second_space - first_space - 1);
  std::string_view version = request_line.substr(second_space + 1);
  if (!is_token(method)) return std::nullopt;
  if (target.empty() || target.front() != '/' || has_control_or_space(target)) return std::nullopt;
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return std::nullopt;

  std::vector<std::pair<std::string, std::string>> headers;

  std::size_t line_start = head.find('\n');
  while (line_start != std::string_view::npos && line_start + 1 < head.size()) {
    std::size_t line_end = head.find('\n', line_start + 1);
    std::string_view line =
        head.substr(line_start + 1, line_end == std::string_view::npos ? std::string_view::npos
                                                                       : line_end - line_start - 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of headers
    std::size_t colon = line.find(':');
    // No obsolete line folding, no empty names, no whitespace before the colon (RFC 9112 5.1).
    if (colon == std::string_view::npos || colon == 0 ||
        has_control_or_space(line.substr(0, colon))) {
      return std::nullopt;
    }
    std::string name(line.substr(0, colon));
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    headers.emplace_back(std::move(name), std::string(value));
    line_start = line_end;
  }

  Request request;
  request.headers = std::move(headers);
  request.method = std::string(method);
  std::size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  return request;
}

std::string render_response(const Response& response, bool include_body,
                            std::string_view extra_headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " ";
  out += reason_phrase(response.status);
  out += "\r\nContent-Type: ";
  out += response.content_type;
  out += "\r\nContent-Length: " + std::to_string(response.body.size());
  out += "\r\nConnection: close\r\n";
  out += extra_headers;
  out += "\r\n";
  if (include_body) out += response.body;
  return out;
}

Response plain_error(int status, std::string message) {
  Response response;
  response.status = status;
  response.body = std::move(message);
  response.body += '\n';
  return response;
}

uint16_t bound_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) < 0) {
    throw_errno("reading the metrics server's bound address");
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

}  // namespace

std::string Url::str() const {
  return "http://" + format_host(host) + ":" + std::to_string(port) + path;
}

Url parse_url(std::string_view text) {
  auto fail = [&](const std::string& why) -> Error {
    return Error("invalid URL \"" + std::string(text) + "\": " + why);
  };
  if (starts_with_ignoring_case(text, "https://")) {
    throw fail("https is not supported; put a local TLS proxy in front");
  }
  if (!starts_with_ignoring_case(text, "http://")) {
    throw fail("only http:// URLs are supported");
  }
  std::string_view rest = text.substr(7);
  std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path_and_query =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

  if (authority.find('@') != std::string_view::npos) {
    throw fail("user information in URLs is not supported");
  }
  auto host_port = split_host_port(authority);
  if (!host_port) throw fail("malformed host (write IPv6 addresses in brackets: [::1])");
  Url url;
  url.host = std::move(host_port->host);
  if (url.host.empty()) throw fail("missing host");
  if (host_port->bracketed ? !is_ipv6_literal(url.host) : !is_valid_host_name(url.host)) {
    throw fail("invalid host \"" + url.host + "\"");
  }
  if (host_port->has_port) {
    auto port = parse_port(host_port->port);
    if (!port || *port == 0) {
      throw fail("invalid port \"" + std::string(host_port->port) + "\" (expected 1-65535)");
    }
    url.port = *port;
  }

  // The fragment never goes on the wire.
  path_and_query = path_and_query.substr(0, path_and_query.find('#'));
  if (has_control_or_space(path_and_query)) {
    throw fail("the path contains spaces or control characters (percent-encode them)");
  }
  if (path_and_query.empty()) {
    url.path = "/";
  } else if (path_and_query.front() == '?') {
    url.path = "/" + std::string(path_and_query);
  } else {
    url.path = std::string(path_and_query);
  }
  return url;
}

std::string ListenAddress::str() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, buffer, sizeof(buffer));
    return "[" + std::string(buffer) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
  ::inet_ntop(AF_INET, &v4->sin_addr, buffer, sizeof(buffer));
  return std::string(buffer) + ":" + std::to_string(ntohs(v4->sin_port));
}

ListenAddress parse_listen_address(std::string_view text) {
  auto fail = [&](const std::string& why) -> Error {
    return Error("invalid listen address \"" + std::string(text) + "\": " + why +
                 " (expected IP:PORT, e.g. 127.0.0.1:9376 or [::1]:9376)");
  };
  auto host_port = split_host_port(text);
  if (!host_port || !host_port->has_port) throw fail("missing port");
  auto port = parse_port(host_port->port);
  if (!port) throw fail("invalid port \"" + std::string(host_port->port) + "\"");

  ListenAddress address;
  if (host_port->bracketed) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    if (::inet_pton(AF_INET6, host_port->host.c_str(), &v6->sin6_addr) != 1) {
      throw fail("\"" + host_port->host + "\" is not an IPv6 address");
    }
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(*port);
    address.length = sizeof(sockaddr_in6);
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
    if (::inet_pton(AF_INET, host_port->host.c_str(), &v4->sin_addr) != 1) {
      throw fail("\"" + host_port->host + "\" is not an IPv4 address");
    }
    v4->sin_family = AF_INET;
    v4->sin_port = htons(*port);
    address.length = sizeof(sockaddr_in);
  }
  return address;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 411:
      return "Length Required";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return status < 400 ? "OK" : "Error";
  }
}

Server::Server(const ListenAddress& address, Handler handler, ServerOptions options)
    : handler_(std::move(handler)), options_(options) {
  listen_fd_.reset(
      ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP));
  if (!listen_fd_) throw_errno("creating the socket for " + address.str());
  int one = 1;
  if (::setsockopt(listen_fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
    throw_errno("setting SO_REUSEADDR on " + address.str());
  }
  if (::bind(listen_fd_.get(), reinterpret_cast<const sockaddr*>(&address.storage),
             address.length) < 0) {
    throw_errno("binding " + address.str());
  }
  if (::listen(listen_fd_.get(), 16) < 0) throw_errno("listening on " + address.str());
  port_ = bound_port(listen_fd_.get());

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0) throw_errno("creating the server's stop pipe");
  stop_read_fd_.reset(pipe_fds[0]);
  stop_write_fd_.reset(pipe_fds[1]);

  thread_ = std::thread([this] { accept_loop(); });
}

Server::~Server() {
  stop();
}

void Server::stop() {
  if (!thread_.joinable()) return;
  char byte = 1;
  // The pipe is empty until now, so this cannot fail for lack of room; a failure would leave
  // the thread running and join() hanging, which is why the result is checked.
  while (::write(stop_write_fd_.get(), &byte, 1) < 0) {
    if (errno != EINTR) std::terminate();
  }
  thread_.join();
  listen_fd_.reset();
}

void Server::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_.get(), POLLIN, 0}, {stop_read_fd_.get(), POLLIN, 0}};
    int ready = ::poll(fds, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return;  // cannot happen with valid fds; nothing to report to from this thread
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    UniqueFd connection(
        ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    // EAGAIN (the peer gave up before we accepted), ECONNABORTED, EMFILE...: keep serving; the
    // next poll() retries. EMFILE would spin, so back off briefly.
    if (!connection) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        pollfd stop_only = {stop_read_fd_.get(), POLLIN, 0};
        if (::poll(&stop_only, 1, 100) > 0) return;
      }
      continue;
    }
    serve_connection(std::move(connection));
  }
}

namespace {

// Reads from a non-blocking socket into `out` until `done(out)` holds, the peer closes, the
// deadline passes or the server stops.
enum class ReadResult { kDone, kClosed, kTimedOut, kStopped, kFailed };
template <typename Done>
ReadResult read_until(int fd, std::string& out, Clock::time_point deadline, int stop_fd,
                      Done done) {
  char buffer[4096];
  while (!done(out)) {
    ssize_t count = ::recv(fd, buffer, sizeof(buffer), 0);
    if (count > 0) {
      out.append(buffer, static_cast<std::size_t>(count));
      continue;
    }
    if (count == 0) return ReadResult::kClosed;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return ReadResult::kFailed;
    WaitResult waited = wait_for(fd, POLLIN, deadline, stop_fd);
    if (waited == WaitResult::kStopped) return ReadResult::kStopped;
    if (waited == WaitResult::kTimedOut) return ReadResult::kTimedOut;
  }
  return ReadResult::kDone;
}

}  // namespace

const std::string* Request::header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return &value;
  }
  return nullptr;
}

void Server::serve_connection(UniqueFd connection) {
  const int fd = connection.get();
  const int stop_fd = stop_read_fd_.get();
  const Clock::time_point deadline = Clock::now() + options_.receive_timeout;

  std::string received;
  std::size_t header_end = std::string::npos;
  ReadResult head_read = read_until(fd, received, deadline, stop_fd, [&](const std::string& data) {
    header_end = find_header_end(data);
    return header_end != std::string::npos || data.size() > kMaxRequestHeaderBytes;
  });
  if (head_read == ReadResult::kStopped || head_read == ReadResult::kFailed) return;
  // The peer closed or stalled before finishing the head: a half request earns a 400 (it may
  // still be reading), an empty connection (a port probe) just gets closed.
  if (head_read != ReadResult::kDone && received.empty()) return;

  std::string wire = [&]() -> std::string {
    if (header_end == std::string::npos) {
      if (received.size() > kMaxRequestHeaderBytes) {
        return render_response(
            plain_error(400, "request header larger than " +
                                 std::to_string(kMaxRequestHeaderBytes) + " bytes"),
            true);
      }
      return render_response(plain_error(400, "incomplete request"), true);
    }
    if (header_end > kMaxRequestHeaderBytes) {
      return render_response(
          plain_error(400, "request header larger than " + std::to_string(kMaxRequestHeaderBytes) +
                               " bytes"),
          true);
    }
    auto request = parse_request_head(std::string_view(received).substr(0, header_end));
    if (!request) return render_response(plain_error(400, "malformed request"), true);

    const bool is_post = request->method == "POST" && options_.accept_post;
    if (request->method != "GET" && request->method != "HEAD" && !is_post) {
      return render_response(
          plain_error(405, options_.accept_post ? "only GET, HEAD and POST are supported"
                                                : "only GET and HEAD are supported"),
          true, options_.accept_post ? "Allow: GET, HEAD, POST\r\n" : "Allow: GET, HEAD\r\n");
    }
    if (is_post) {
      if (request->header("transfer-encoding") != nullptr) {
        return render_response(plain_error(400, "chunked request bodies are not supported"), true);
      }
      const std::string* length_text = request->header("content-length");
      auto length = length_text ? parse_uint64(*length_text) : std::optional<uint64_t>{};
      if (!length || !is_digits(*length_text)) {
        return render_response(plain_error(400, "POST needs a decimal Content-Length"), true);
      }
      if (*length > options_.max_body_bytes) {
        return render_response(
            plain_error(400, "request body larger than " + std::to_string(options_.max_body_bytes) +
                                 " bytes"),
            true);
      }
      const std::size_t wanted = header_end + static_cast<std::size_t>(*length);
      ReadResult body_read =
          read_until(fd, received, deadline, stop_fd,
                     [&](const std::string& data) { return data.size() >= wanted; });
      if (body_read == ReadResult::kStopped || body_read == ReadResult::kFailed) return {};
      if (body_read != ReadResult::kDone) {
        return render_response(plain_error(400, "incomplete request body"), true);
      }
      request->body = received.substr(header_end, static_cast<std::size_t>(*length));
    }
    Response response;
    try {
      response = handler_(*request);
    } catch (const std::exception& error) {
      // A failing scrape must not take the daemon down; the scraper sees why.
      response = plain_error(500, error.what());
    }
    return render_response(response, request->method != "HEAD");
  }();
  if (wire.empty()) return;

  const Clock::time_point send_deadline = Clock::now() + options_.receive_timeout;
  if (!send_all(fd, wire, send_deadline, stop_fd)) return;
  // Close gracefully: closing with unread request bytes (an oversized head or an unexpected
  // body) makes the kernel send RST, which can destroy the response before the client reads it.
  // So end our side, then drain what the client still sends, bounded in time and amount.
  ::shutdown(fd, SHUT_WR);
  std::string drained;
  const Clock::time_point drain_deadline = Clock::now() + std::chrono::milliseconds(200);
  read_until(fd, drained, drain_deadline, stop_fd,
             [](const std::string& data) { return data.size() > 256 * 1024; });
}

int post(const Url& url, std::string_view content_type, std::string_view body,
         std::chrono::milliseconds timeout) {
  const std::string where = url.str();
  if (content_type.find_first_of("\r\n") != std::string_view::npos) {
    throw Error("POST to " + where + ": content type contains a line break");
  }
  const Clock::time_point deadline = Clock::now() + timeout;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* raw_results = nullptr;
  const std::string port_text = std::to_string(url.port);
  int status = ::getaddrinfo(url.host.c_str(), port_text.c_str(), &hints, &raw_results);
  if (status != 0) {
    throw Error("POST to " + where + ": cannot resolve \"" + url.host +
                "\": " + ::gai_strerror(status));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> results(raw_results, ::freeaddrinfo);

  // Try each address in turn (e.g. "localhost" resolves to ::1 and 127.0.0.1).
  UniqueFd socket_fd;
  std::string last_failure = "no address";
  for (const addrinfo* candidate = results.get(); candidate != nullptr;
       candidate = candidate->ai_next) {
    UniqueFd attempt(::socket(candidate->ai_family,
                              candidate->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                              candidate->ai_protocol));
    if (!attempt) {
      last_failure = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    if (::connect(attempt.get(), candidate->ai_addr, candidate->ai_addrlen) == 0) {
      socket_fd = std::move(attempt);
      break;
    }
    if (errno != EINPROGRESS) {
      last_failure = std::string("connect: ") + std::strerror(errno);
      continue;
    }
    if (wait_for(attempt.get(), POLLOUT, deadline) != WaitResult::kReady) {
      last_failure = "connect: timed out after " + std::to_string(timeout.count()) + " ms";
      break;  // the deadline covers the whole call: no time left for other addresses
    }
    int error = 0;
    socklen_t length = sizeof(error);
    ::getsockopt(attempt.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      last_failure = std::string("connect: ") + std::strerror(error);
      continue;
    }
    socket_fd = std::move(attempt);
    break;
  }
  if (!socket_fd) throw Error("POST to " + where + ": " + last_failure);

  std::string request = "POST " + url.path + " HTTP/1.1\r\nHost: " + format_host(url.host);
  if (url.port != 80) request += ":" + std::to_string(url.port);
  request += "\r\nUser-Agent: bulkhead\r\nContent-Type: ";
  request += content_type;
  request += "\r\nContent-Length: " + std::to_string(body.size());
  request += "\r\nConnection: close\r\n\r\n";
  request += body;
  if (!send_all(socket_fd.get(), request, deadline)) {
    throw Error("POST to " + where + ": sending the request failed or timed out");
  }

  // Only the status line matters; read until it is complete.
  std::string response;
  char buffer[1024];
  while (response.find('\n') == std::string::npos) {
    ssize_t count = ::recv(socket_fd.get(), buffer, sizeof(buffer), 0);
    if (count > 0) {
      response.append(buffer, static_cast<std::size_t>(count));
      if (response.size() > 8192) break;
      continue;
    }
    if (count == 0) break;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      throw Error("POST to " + where + ": reading the response: " + std::strerror(errno));
    }
    if (wait_for(socket_fd.get(), POLLIN, deadline) != WaitResult::kReady) {
      throw Error("POST to " + where + ": no response within " + std::to_string(timeout.count()) +
                  " ms");
    }
  }
  std::string_view status_line = first_line(response);
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ' ||
      !is_digits(status_line.substr(9, 3)) || (status_line.size() > 12 && status_line[12] != ' ')) {
    throw Error("POST to " + where + ": malformed response status line \"" +
                std::string(status_line.substr(0, 80)) + "\"");
  }
  return std::stoi(std::string(status_line.substr(9, 3)));
}

}  // namespace bulkhead::http
