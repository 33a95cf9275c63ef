// SPDX-License-Identifier: MIT
// The metrics HTTP server: the request head parser (RFC 9112) on its own,
// and the server on a real event loop over loopback TCP: GET and HEAD,
// 404, 405, 400 for garbage, 431 for an oversized head, 503 for one client
// too many, the timeout, and an answer that survives input left unread.
#include "io/http_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "io/event_loop.h"
#include "io/process_stats.h"

namespace pptpx::io {
namespace {

using Status = HttpRequestHead::Status;

HttpRequestHead parse(std::string_view s, size_t max = 8192) {
  return parse_http_request_head(s, max);
}

TEST(HttpHead, ParsesRequestLineAndSkipsTheQuery) {
  HttpRequestHead h = parse(
      "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9723\r\nAccept: text/plain\r\n"
      "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n");
  EXPECT_EQ(h.status, Status::kComplete);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.path, "/metrics");
  // Bare LF line ends and empty lines before the request line (RFC 9112 2.2).
  h = parse("\r\n\nHEAD / HTTP/1.0\nHost: x\n\n");
  EXPECT_EQ(h.status, Status::kComplete);
  EXPECT_EQ(h.method, "HEAD");
  EXPECT_EQ(h.path, "/");
}

TEST(HttpHead, WaitsForTheEmptyLine) {
  EXPECT_EQ(parse("").status, Status::kIncomplete);
  EXPECT_EQ(parse("GET /metrics HTTP/1.1\r\n").status, Status::kIncomplete);
  EXPECT_EQ(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n").status, Status::kIncomplete);
  EXPECT_EQ(parse("\r\n").status, Status::kIncomplete);
}

TEST(HttpHead, RefusesWhatIsNotAnHttp1RequestHead) {
  for (const char* bad : {
           "garbage\r\n\r\n",
           "GET /metrics\r\n\r\n",            // HTTP/0.9
           "GET  /metrics HTTP/1.1\r\n\r\n",  // two spaces
           "GET /metrics HTTP/1.1 \r\n\r\n",  // trailing space
           "GET metrics HTTP/1.1\r\n\r\n",    // not origin-form
           "GET http://a/metrics HTTP/1.1\r\n\r\n",
           "G(T /metrics HTTP/1.1\r\n\r\n",  // not a token
           "GET /metrics HTTP/1.x\r\n\r\n",
           "GET /metrics HTTP/1.1\r\nHost x\r\n\r\n",            // no colon
           "GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n",          // space before the colon
           "GET /metrics HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n",  // obsolete line folding
           "GET /met\x01rics HTTP/1.1\r\n\r\n",
       })
    EXPECT_EQ(parse(bad).status, Status::kBad) << bad;
  constexpr char kNul[] = "GET /a HTTP/1.1\r\nA: \0\r\n\r\n";
  EXPECT_EQ(parse(std::string_view(kNul, sizeof kNul - 1)).status, Status::kBad);
  EXPECT_EQ(parse("GET /metrics HTTP/2.0\r\n\r\n").status, Status::kVersionNotSupported);
}

TEST(HttpHead, RefusesAHeadLongerThanTheLimit) {
  std::string big = "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(200, 'a');
  EXPECT_EQ(parse(big, 100).status, Status::kTooLarge);
  EXPECT_EQ(parse(big + "\r\n\r\n", 100).status, Status::kTooLarge);
  EXPECT_EQ(parse(big + "\r\n\r\n", 1000).status, Status::kComplete);
}

const Ipv4 kLoopback{0x7F000001};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loop = std::move(EventLoop::create()).value();
    start({});
  }

  void start(HttpServer::Limits limits) {
    server.reset();
    server = std::make_unique<HttpServer>(
        *loop, Logger(),
        [this](std::string_view path) -> std::optional<HttpServer::Page> {
          ++pages;
          if (path != "/metrics") return std::nullopt;
          return HttpServer::Page{"text/plain; version=0.0.4; charset=utf-8", "a_metric 1\n"};
        },
        limits);
    ASSERT_FALSE(server->listen({kLoopback, 0}));
    port = server->local_address()->port;
  }

  // A blocking client connected to the server.
  Fd connect_client() {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(kLoopback.value);
    sin.sin_port = htons(port);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    return fd;
  }

  static void send_all(const Fd& fd, std::string_view s) {
    ASSERT_EQ(::send(fd.get(), s.data(), s.size(), MSG_NOSIGNAL), ssize_t(s.size()));
  }

  // What the server sends until it closes, turning the loop meanwhile;
  // "<reset>" appended when the connection was reset.
  std::string receive_all(const Fd& fd, Duration limit = seconds(5)) {
    std::string got;
    Time end = loop->now() + limit;
    while (loop->now() < end) {
      EXPECT_FALSE(loop->run_once(milliseconds(10)));
      char buf[4096];
      ssize_t n = ::recv(fd.get(), buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) return got;
      if (n > 0) got.append(buf, size_t(n));
      if (n < 0 && errno != EAGAIN) return got + "<reset>";
    }
    return got + "<still open>";
  }

  std::string exchange(std::string_view request) {
    Fd c = connect_client();
    send_all(c, request);
    return receive_all(c);
  }

  void turn(Duration d) {
    Time end = loop->now() + d;
    while (loop->now() < end) EXPECT_FALSE(loop->run_once(milliseconds(10)));
  }

  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<HttpServer> server;
  uint16_t port = 0;
  int pages = 0;
};

TEST_F(HttpServerTest, AnswersGetMetricsAndCloses) {
  std::string r = exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: 11\r\nConnection: close\r\n\r\na_metric 1\n");
  EXPECT_EQ(server->stats().requests, 1u);
  // The server closes its side once the client has closed its own.
  turn(milliseconds(50));
  EXPECT_EQ(server->clients(), 0u);
  // HEAD: the same head, no body.
  r = exchange("HEAD /metrics HTTP/1.0\r\n\r\n");
  EXPECT_NE(r.find("Content-Length: 11\r\n"), std::string::npos) << r;
  EXPECT_EQ(r.substr(r.size() - 4), "\r\n\r\n") << r;
}

TEST_F(HttpServerTest, AnswersOtherPathsMethodsAndGarbageWithErrors) {
  EXPECT_EQ(exchange("GET /other HTTP/1.1\r\n\r\n").substr(0, 22), "HTTP/1.1 404 Not Found");
  std::string r = exchange("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(r.substr(0, 31), "HTTP/1.1 405 Method Not Allowed") << r;
  EXPECT_NE(r.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos) << r;
  EXPECT_EQ(exchange("\x16\x03\x01 hello\r\n\r\n").substr(0, 24), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(exchange("GET / HTTP/2.0\r\n\r\n").substr(0, 39),
            "HTTP/1.1 505 HTTP Version Not Supported");
  EXPECT_EQ(pages, 1);  // only the GET of a path asked the handler
  EXPECT_EQ(server->stats().errors, 4u);
  turn(milliseconds(50));
  EXPECT_EQ(server->clients(), 0u);
}

TEST_F(HttpServerTest, OversizedHeadGets431AndTheAnswerSurvivesUnreadInput) {
  // 64 KiB of header the server never reads in full: it stops sending,
  // drains, and the client still reads the whole answer.
  Fd c = connect_client();
  std::string big = "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(size_t{64} * 1024, 'a');
  send_all(c, big);
  std::string r = receive_all(c);
  EXPECT_EQ(r.substr(0, 46), "HTTP/1.1 431 Request Header Fields Too Large\r\n") << r.substr(0, 80);
  EXPECT_NE(r.find("request head longer than 8192 octets\n"), std::string::npos) << r;
  // A request with a pipelined second one: the first is answered whole.
  r = exchange("GET /metrics HTTP/1.1\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.substr(r.size() - 11), "a_metric 1\n") << r;
}

TEST_F(HttpServerTest, OneClientTooManyGets503AndSilentClientsTimeOut) {
  start({.max_clients = 3, .max_head = 8192, .timeout = milliseconds(400)});
  std::vector<Fd> idle;
  idle.reserve(3);
  for (int i = 0; i < 3; ++i) idle.push_back(connect_client());
  turn(milliseconds(50));
  EXPECT_EQ(server->clients(), 3u);
  Fd extra = connect_client();
  std::string r = receive_all(extra, seconds(1));
  EXPECT_EQ(r.substr(0, 32), "HTTP/1.1 503 Service Unavailable") << r;
  EXPECT_EQ(server->stats().clients_refused, 1u);
  // Half a request, then nothing: closed at the timeout like the idle ones.
  send_all(idle[0], "GET /metr");
  EXPECT_EQ(receive_all(idle[0], seconds(2)), "");
  turn(milliseconds(100));
  EXPECT_EQ(server->clients(), 0u);
  EXPECT_EQ(server->stats().timeouts, 3u);
  // And a new client is served.
  EXPECT_EQ(exchange("GET /metrics HTTP/1.1\r\n\r\n").substr(0, 15), "HTTP/1.1 200 OK");
}

TEST(ProcessStats, ParsesProcStatAndReadsItsOwn) {
  // A command name with spaces and parentheses: fields count from the last ')'.
  std::string line =
      "4242 (a b) c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 125 0 0 20 0 1 0 9000 "
      "14426112 2544 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto f = parse_proc_stat(line);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->utime_ticks, 250u);
  EXPECT_EQ(f->stime_ticks, 125u);
  EXPECT_EQ(f->start_ticks, 9000u);
  EXPECT_EQ(f->virtual_bytes, 14426112u);
  EXPECT_EQ(f->resident_pages, 2544u);
  EXPECT_FALSE(parse_proc_stat("4242 (x) S 1 2 3"));
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nbtime 1700000000\nprocesses 5\n"), 1700000000u);
  EXPECT_FALSE(parse_boot_time("cpu 1\n"));

  auto s = read_process_stats();
  ASSERT_TRUE(s);
  EXPECT_GT(s->resident_bytes, 0u);
  EXPECT_GE(s->virtual_bytes, s->resident_bytes);
  EXPECT_GT(s->open_fds, 2u);
  EXPECT_GE(s->max_fds, s->open_fds);
  EXPECT_GT(s->start_time_seconds, 1.6e9);
}

}  // namespace
}  // namespace pptpx::io
