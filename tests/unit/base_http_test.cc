// The tiny HTTP server and client, over loopback only.
#include "base/http.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <condition_variable>
#include <mutex>
#include <string>

#include "base/error.h"
#include "support/loopback_port.h"

namespace bulkhead::http {
namespace {

using namespace std::chrono_literals;

// Connects to 127.0.0.1:port, sends `request` as is, and reads until the server closes.
std::string raw_exchange(uint16_t port, std::string_view request) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  timeval timeout{10, 0};  // only a guard against a hung test, not a threshold
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) {
    throw_errno("connect");
  }
  std::string_view left = request;
  while (!left.empty()) {
    ssize_t sent = ::send(fd.get(), left.data(), left.size(), MSG_NOSIGNAL);
    if (sent <= 0) break;  // the server may answer and stop reading early (oversized requests)
    left.remove_prefix(static_cast<std::size_t>(sent));
  }
  std::string response;
  char buffer[4096];
  for (;;) {
    ssize_t count = ::recv(fd.get(), buffer, sizeof(buffer), 0);
    if (count <= 0) break;
    response.append(buffer, static_cast<std::size_t>(count));
  }
  return response;
}

std::string status_line(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

std::string body_of(const std::string& response) {
  std::size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

Response metrics_and_healthz(const Request& request) {
  if (request.path == "/metrics") return {200, "text/plain; version=0.0.4", "up 1\n"};
  if (request.path == "/healthz") return {200, "text/plain", "ok\n"};
  return {404, "text/plain", "not found\n"};
}

ListenAddress loopback_any_port() {
  return parse_listen_address("127.0.0.1:0");
}

TEST(HttpServer, AnswersMetricsAndHealthz) {
  Server server(loopback_any_port(), metrics_and_healthz);
  ASSERT_NE(server.port(), 0);

  std::string metrics = raw_exchange(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(metrics,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: 5\r\n"
            "Connection: close\r\n\r\nup 1\n");

  std::string health = raw_exchange(server.port(), "GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(status_line(health), "HTTP/1.1 200 OK");
  EXPECT_EQ(body_of(health), "ok\n");

  std::string missing = raw_exchange(server.port(), "GET /nope HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_line(missing), "HTTP/1.1 404 Not Found");
}

TEST(HttpServer, PassesQueryAndHeadersToTheHandler) {
  Request seen;
  Server server(loopback_any_port(), [&](const Request& request) {
    seen = request;
    return Response{200, "text/plain", ""};
  });
  raw_exchange(server.port(), "GET /metrics?name=x HTTP/1.1\r\nHost: Example\r\nX-A:  b \r\n\r\n");
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.path, "/metrics");
  EXPECT_EQ(seen.query, "name=x");
  ASSERT_NE(seen.header("host"), nullptr);
  EXPECT_EQ(*seen.header("host"), "Example");
  ASSERT_NE(seen.header("x-a"), nullptr);
  EXPECT_EQ(*seen.header("x-a"), "b");
  EXPECT_EQ(seen.header("missing"), nullptr);
}

TEST(HttpServer, HeadSendsHeadersOnly) {
  Server server(loopback_any_port(), metrics_and_healthz);
  std::string response = raw_exchange(server.port(), "HEAD /healthz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_line(response), "HTTP/1.1 200 OK");
  EXPECT_NE(response.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_EQ(body_of(response), "");
}

TEST(HttpServer, RejectsMalformedRequestsWith400) {
  Server server(loopback_any_port(), metrics_and_healthz);
  for (std::string_view request : {
           std::string_view("GARBAGE\r\n\r\n"),
           std::string_view("GET metrics HTTP/1.1\r\n\r\n"),   // not origin-form
           std::string_view("GET /metrics HTTP/2.0\r\n\r\n"),  // unsupported version
           std::string_view("get /metrics HTTP/1.1\r\n\r\n"),  // methods are upper case
           std::string_view("GET /metrics HTTP/1.1\r\nNoColon\r\n\r\n"),
           std::string_view("GET /metrics HTTP/1.1\r\n : empty name\r\n\r\n"),
       }) {
    std::string response = raw_exchange(server.port(), request);
    EXPECT_EQ(status_line(response), "HTTP/1.1 400 Bad Request") << request;
  }
  // A head that never finishes is cut off by the receive timeout.
  {
    Server impatient(loopback_any_port(), metrics_and_healthz,
                     ServerOptions{.receive_timeout = std::chrono::milliseconds(50)});
    EXPECT_EQ(status_line(raw_exchange(impatient.port(), "GET /metrics HTTP/1.1\r\n")),
              "HTTP/1.1 400 Bad Request");
  }
  // Still serving afterwards.
  EXPECT_EQ(status_line(raw_exchange(server.port(), "GET /healthz HTTP/1.1\r\n\r\n")),
            "HTTP/1.1 200 OK");
}

TEST(HttpServer, RejectsOtherMethodsWith405) {
  Server server(loopback_any_port(), metrics_and_healthz);
  for (std::string_view request :
       {std::string_view("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"),
        std::string_view("DELETE /metrics HTTP/1.1\r\n\r\n")}) {
    std::string response = raw_exchange(server.port(), request);
    EXPECT_EQ(status_line(response), "HTTP/1.1 405 Method Not Allowed") << request;
    EXPECT_NE(response.find("Allow: GET, HEAD\r\n"), std::string::npos);
  }
}

TEST(HttpServer, RejectsOversizedRequestsWith400) {
  Server server(loopback_any_port(), metrics_and_healthz);
  std::string request = "GET /metrics HTTP/1.1\r\nX-Padding: ";
  request.append(Server::kMaxRequestHeaderBytes + 100, 'a');
  request += "\r\n\r\n";
  std::string response = raw_exchange(server.port(), request);
  EXPECT_EQ(status_line(response), "HTTP/1.1 400 Bad Request");
  EXPECT_NE(body_of(response).find("larger than 8192 bytes"), std::string::npos);
}

TEST(HttpServer, AHandlerExceptionBecomes500) {
  Server server(loopback_any_port(),
                [](const Request&) -> Response { throw Error("snapshot failed"); });
  std::string response = raw_exchange(server.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_line(response), "HTTP/1.1 500 Internal Server Error");
  EXPECT_EQ(body_of(response), "snapshot failed\n");
}

TEST(HttpServer, StopReturnsWhileAClientIsConnectedAndSilent) {
  auto server = std::make_unique<Server>(loopback_any_port(), metrics_and_healthz,
                                         ServerOptions{.receive_timeout = std::chrono::hours(1)});
  UniqueFd idle(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server->port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(idle.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  // A partial request: whether the server is still in accept or already waiting for the rest,
  // with an hour-long receive timeout only the stop pipe can end the wait.
  ASSERT_EQ(::send(idle.get(), "GET /", 5, MSG_NOSIGNAL), 5);
  server->stop();
  server->stop();  // idempotent
  server.reset();
}

TEST(HttpServer, ListensOnIpv6Loopback) {
  Server server(parse_listen_address("[::1]:0"), metrics_and_healthz);
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(server.port());
  address.sin6_addr = in6addr_loopback;
  ASSERT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string request = "GET /healthz HTTP/1.1\r\n\r\n";
  ASSERT_EQ(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[512];
  for (ssize_t n; (n = ::recv(fd.get(), buffer, sizeof(buffer), 0)) > 0;)
    response.append(buffer, n);
  EXPECT_EQ(status_line(response), "HTTP/1.1 200 OK");
}

TEST(HttpServer, BindingABusyPortFails) {
  Server first(loopback_any_port(), metrics_and_healthz);
  std::string taken = "127.0.0.1:" + std::to_string(first.port());
  try {
    Server second(parse_listen_address(taken), metrics_and_healthz);
    FAIL() << "second bind succeeded";
  } catch (const SystemError& error) {
    EXPECT_EQ(error.code(), EADDRINUSE);
    EXPECT_NE(std::string(error.what()).find(taken), std::string::npos) << error.what();
  }
}

TEST(HttpPost, DeliversTheBodyToALoopbackServer) {
  std::mutex mutex;
  std::vector<Request> received;
  Server server(
      loopback_any_port(),
      [&](const Request& request) {
        std::lock_guard lock(mutex);
        received.push_back(request);
        return Response{202, "text/plain", ""};
      },
      ServerOptions{.accept_post = true});
  Url url = parse_url("http://127.0.0.1:" + std::to_string(server.port()) + "/alerts?k=v");
  const std::string body = R"({"rule":"Terminal shell in container","output":"a\nb"})";
  EXPECT_EQ(post(url, "application/json", body, 10s), 202);

  std::lock_guard lock(mutex);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "POST");
  EXPECT_EQ(received[0].path, "/alerts");
  EXPECT_EQ(received[0].query, "k=v");
  EXPECT_EQ(received[0].body, body);
  ASSERT_NE(received[0].header("content-type"), nullptr);
  EXPECT_EQ(*received[0].header("content-type"), "application/json");
  ASSERT_NE(received[0].header("host"), nullptr);
  EXPECT_EQ(*received[0].header("host"), "127.0.0.1:" + std::to_string(server.port()));
}

TEST(HttpPost, ResolvesHostNames) {
  Server server(
      loopback_any_port(),
      [](const Request&) {
        return Response{200, "text/plain", ""};
      },
      ServerOptions{.accept_post = true});
  // localhost may resolve to ::1 first, where nothing listens: post() tries the next address.
  EXPECT_EQ(
      post(parse_url("http://localhost:" + std::to_string(server.port())), "text/plain", "x", 10s),
      200);
}

TEST(HttpPost, ReturnsErrorStatuses) {
  Server server(
      loopback_any_port(),
      [](const Request&) {
        return Response{503, "text/plain", "busy"};
      },
      ServerOptions{.accept_post = true});
  EXPECT_EQ(post(parse_url("http://127.0.0.1:" + std::to_string(server.port()) + "/"),
                 "application/json", "{}", 10s),
            503);
}

TEST(HttpPost, RejectsBodiesWithoutLengthOrTooLarge) {
  Server server(
      loopback_any_port(),
      [](const Request&) {
        return Response{200, "text/plain", ""};
      },
      ServerOptions{.accept_post = true, .max_body_bytes = 4});
  EXPECT_EQ(status_line(raw_exchange(server.port(), "POST / HTTP/1.1\r\n\r\n")),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(
      status_line(raw_exchange(server.port(), "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")),
      "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(status_line(
                raw_exchange(server.port(), "POST / HTTP/1.1\r\nContent-Length: 0x4\r\n\r\nhell")),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(
      status_line(raw_exchange(server.port(), "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nhell")),
      "HTTP/1.1 200 OK");
}

TEST(HttpPost, ConnectionRefusedNamesTheUrl) {
  Url url =
      parse_url("http://127.0.0.1:" + std::to_string(testing::free_loopback_port()) + "/hook");
  try {
    post(url, "application/json", "{}", 10s);
    FAIL() << "post to a closed port succeeded";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(url.str()), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("refused"), std::string::npos) << error.what();
  }
}

TEST(HttpParse, Urls) {
  Url url = parse_url("http://127.0.0.1:8080/alerts?x=1#frag");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.path, "/alerts?x=1");
  EXPECT_EQ(url.str(), "http://127.0.0.1:8080/alerts?x=1");

  url = parse_url("HTTP://hooks.example");
  EXPECT_EQ(url.host, "hooks.example");
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.path, "/");

  url = parse_url("http://[::1]:9/x");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 9);
  EXPECT_EQ(url.str(), "http://[::1]:9/x");

  EXPECT_EQ(parse_url("http://h?q").path, "/?q");
}

void expect_url_error(std::string_view text, std::string_view part) {
  try {
    parse_url(text);
    ADD_FAILURE() << text << " was accepted";
  } catch (const Error& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("\"" + std::string(text) + "\""), std::string::npos) << message;
    EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

TEST(HttpParse, UrlErrors) {
  expect_url_error("https://hooks.example/x",
                   "https is not supported; put a local TLS proxy in front");
  expect_url_error("ftp://hooks.example/x", "only http://");
  expect_url_error("hooks.example", "only http://");
  expect_url_error("http://", "missing host");
  expect_url_error("http://:80/", "missing host");
  expect_url_error("http://h:0/", "invalid port");
  expect_url_error("http://h:65536/", "invalid port");
  expect_url_error("http://h:-1/", "invalid port");
  expect_url_error("http://h:/", "invalid port");
  expect_url_error("http://h:8x/", "invalid port");
  expect_url_error("http://[::1/", "malformed host");
  expect_url_error("http://::1:80/", "malformed host");
  expect_url_error("http://[nothex]:80/", "invalid host");
  expect_url_error("http://bad host/", "invalid host");
  expect_url_error("http://user:pw@h/", "user information");
  expect_url_error("http://h/a b", "spaces or control characters");
  expect_url_error("http://h/a\r\nX-Injected: 1", "spaces or control characters");
}

TEST(HttpParse, ListenAddresses) {
  ListenAddress v4 = parse_listen_address("127.0.0.1:9376");
  EXPECT_EQ(v4.storage.ss_family, AF_INET);
  EXPECT_EQ(v4.str(), "127.0.0.1:9376");
  EXPECT_EQ(parse_listen_address("0.0.0.0:0").str(), "0.0.0.0:0");
  ListenAddress v6 = parse_listen_address("[::1]:9376");
  EXPECT_EQ(v6.storage.ss_family, AF_INET6);
  EXPECT_EQ(v6.length, sizeof(sockaddr_in6));
  EXPECT_EQ(v6.str(), "[::1]:9376");

  for (std::string_view bad : {"127.0.0.1", "127.0.0.1:", "localhost:9376", "1.2.3.4:65536",
                               "[::1]", "::1:80", "[127.0.0.1]:80", "1.2.3:80", ":80"}) {
    try {
      parse_listen_address(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find("\"" + std::string(bad) + "\""), std::string::npos)
          << error.what();
    }
  }
}

}  // namespace
}  // namespace bulkhead::http
