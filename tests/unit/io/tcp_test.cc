// SPDX-License-Identifier: MIT
// TCP listener/connection over loopback, driven by the EventLoop.
#include "io/tcp.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include "io/event_loop.h"

namespace pptpx::io {
namespace {

const Ipv4 kLoopback{0x7F000001};

TEST(Tcp, AcceptReadWriteOverLoopback) {
  auto loop = std::move(EventLoop::create()).value();
  ASSERT_TRUE(loop);
  auto listener = TcpListener::listen({kLoopback, 0});
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  auto laddr = listener->local_address();
  ASSERT_TRUE(laddr.ok());
  ASSERT_NE(laddr->port, 0);

  // Nothing pending yet.
  auto none = listener->accept();
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(would_block(none.error()));

  auto client = TcpConnection::connect(*laddr);
  ASSERT_TRUE(client.ok()) << client.error().message();

  std::optional<TcpConnection> server;
  SocketAddress peer;
  ASSERT_FALSE(loop->add(listener->fd(), kReadable, [&](uint32_t) {
    auto a = listener->accept();
    ASSERT_TRUE(a.ok()) << a.error().message();
    peer = a->peer;
    EXPECT_EQ(a->local, *laddr);
    server.emplace(std::move(a->fd));
  }));
  bool connected = false;
  ASSERT_FALSE(loop->add(client->fd(), kWritable, [&](uint32_t) {
    EXPECT_FALSE(client->finish_connect());
    connected = true;
    EXPECT_FALSE(loop->modify(client->fd(), 0));
  }));
  for (int i = 0; i < 100 && !(server && connected); ++i) ASSERT_FALSE(loop->run_once(seconds(1)));
  ASSERT_TRUE(server && connected);
  EXPECT_EQ(peer.addr, kLoopback);
  EXPECT_EQ(peer, *client->local_address());
  EXPECT_FALSE(server->set_nodelay(true));

  // A large write cannot go out at once: the rest queues, writable interest
  // drains it while the client reads.
  Bytes big(8 << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7);
  ASSERT_FALSE(server->write(big));
  EXPECT_TRUE(server->want_write());
  server->close_after_flush();
  EXPECT_FALSE(server->should_close());
  ASSERT_FALSE(loop->add(server->fd(), kWritable, [&](uint32_t) {
    ASSERT_FALSE(server->flush());
    if (server->should_close()) {
      loop->remove(server->fd());
      server->close();
    }
  }));
  Bytes got;
  bool eof = false;
  ASSERT_FALSE(loop->modify(client->fd(), kReadable));
  loop->remove(client->fd());
  ASSERT_FALSE(loop->add(client->fd(), kReadable, [&](uint32_t) {
    uint8_t buf[65536];
    for (;;) {
      auto n = client->read(buf);
      if (!n.ok()) {
        ASSERT_TRUE(would_block(n.error())) << n.error().message();
        return;
      }
      if (*n == 0) {
        eof = true;
        loop->remove(client->fd());
        return;
      }
      got.insert(got.end(), buf, buf + *n);
    }
  }));
  for (int i = 0; i < 10000 && !eof; ++i) ASSERT_FALSE(loop->run_once(seconds(1)));
  EXPECT_TRUE(eof);
  EXPECT_FALSE(server->is_open());
  ASSERT_EQ(got.size(), big.size());
  EXPECT_TRUE(got == big);

  // Writing to a peer that has gone is an error, not SIGPIPE.
  auto l2 = TcpListener::listen({kLoopback, 0});
  ASSERT_TRUE(l2.ok());
  auto c2 = TcpConnection::connect(*l2->local_address());
  ASSERT_TRUE(c2.ok());
  pollfd p{l2->fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);
  {
    auto a = l2->accept();
    ASSERT_TRUE(a.ok());
  }  // accepted and closed at once
  std::error_code ec;
  uint8_t chunk[4096] = {};
  for (int i = 0; i < 200 && !ec; ++i) {
    ec = c2->write(chunk);
    ::usleep(1000);
  }
  EXPECT_TRUE(ec);
}

TEST(Tcp, ListenerQueueInfo) {
  auto l = TcpListener::listen({kLoopback, 0}, 7);
  ASSERT_TRUE(l.ok());
  auto q = l->queue_info();
  ASSERT_TRUE(q.ok()) << q.error().message();
  EXPECT_EQ(q->backlog, 7u);
  EXPECT_EQ(q->queued, 0u);
  auto a = TcpConnection::connect(*l->local_address());
  auto b = TcpConnection::connect(*l->local_address());
  ASSERT_TRUE(a.ok() && b.ok());
  // Loopback handshakes complete in the kernel without accept().
  for (int i = 0; i < 100 && l->queue_info()->queued < 2; ++i) ::usleep(10000);
  EXPECT_EQ(l->queue_info()->queued, 2u);
  ASSERT_TRUE(l->accept().ok());
  EXPECT_EQ(l->queue_info()->queued, 1u);
}

TEST(Tcp, ConnectRefused) {
  auto l = TcpListener::listen({kLoopback, 0});
  ASSERT_TRUE(l.ok());
  SocketAddress addr = *l->local_address();
  *l = TcpListener();  // closes: nothing listens there now
  auto c = TcpConnection::connect(addr);
  if (!c.ok()) {
    EXPECT_EQ(c.error(), std::errc::connection_refused);
    return;
  }
  pollfd p{c->fd(), POLLOUT, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);
  EXPECT_EQ(c->finish_connect(), std::errc::connection_refused);
}

}  // namespace
}  // namespace pptpx::io
