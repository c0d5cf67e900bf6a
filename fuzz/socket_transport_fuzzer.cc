// socket_transport: SocketCommunicator framing and SCM_RIGHTS handling over a
// real in-process AF_UNIX socketpair.
//
// Input:  byte 0  bits 0-1 mode
//                   0 = a hostile client writes raw chunks; the SERVER side Recv()s
//                   1 = a hostile server writes raw chunks; the CLIENT side
//                       Recv(want_fds)s
//                   2 = a server SocketCommunicator Send()s frames with FDs; a
//                       client Recv(want_fds)s them (the cooperative path,
//                       including short writes of large frames)
//                   3 = as 0
//                 bits 2-4 max payload: 0, 4, 8, 64, 256, 4096, 65536, gVisor's
//         byte 1  want_fds for the client side (0..255)
//         then records, each:
//           u8 flags   bits 0-2 FDs attached to this chunk / frame:
//                        0, 1, 2, 3, 5, 16, 64, 254 (one over SCM_MAX_FD)
//                      bit 3 chunk starts with a synthetic 8-byte header
//                      bit 4 that header's length gets 0xFFFF0000 ORed in
//                      bit 5 mode 2: repeat the payload 1024 times
//           [u16 len, u8 mid]   when bit 3 (modes 0/1) / always (mode 2)
//           u8 n, n data bytes
// In modes 0/1 the chunks are one byte stream written by a thread with one
// sendmsg each (their FDs in one SCM_RIGHTS message), then SHUT_WR.
//
// Oracles:
//   * modes 0/1: the frames and errors Recv returns are exactly those of a
//     reference parse of the byte stream (frame / kTooLarge and keep going /
//     kTruncated / kEof), nothing else (no kProtocol, no kSystem);
//   * server side: no FD ever appears in this process while it reads (the
//     descriptor table is unchanged), and chunks with FDs are counted as
//     dropped control messages;
//   * client side: Frame::fds has exactly want_fds entries; every valid one is
//     close-on-exec and refers to a file that was sent; mode 2: exactly the
//     first min(sent, want) FDs arrive, in order, with their frame;
//   * after each input the descriptor table is back where it started.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "fuzz/support/fd_table.h"
#include "gofer/transport/frame.h"
#include "gofer/transport/socket_communicator.h"
#include "gofer/transport/transport_error.h"

namespace {

using hg::UniqueFd;
using hg::fuzz::FileId;
using hg::transport::ErrorKind;
using hg::transport::Side;
using hg::transport::SocketCommunicator;

constexpr size_t kFdCounts[8] = {0, 1, 2, 3, 5, 16, 64, 254};
constexpr size_t kRepeat = 1024;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "socket_transport: %s\n", what);
  std::abort();
}

// Two files whose descriptors are attached to messages, made once.
struct Attachments {
  UniqueFd a, b;
  FileId id_a, id_b;
  Attachments() {
    a.reset(::memfd_create("fuzz-attach-a", MFD_CLOEXEC));
    b.reset(::memfd_create("fuzz-attach-b", MFD_CLOEXEC));
    if (!a.valid() || !b.valid()) Fail("memfd_create");
    id_a = FileId::Of(a.get());
    id_b = FileId::Of(b.get());
  }
  int Nth(size_t i) const { return i % 2 == 0 ? a.get() : b.get(); }
  FileId NthId(size_t i) const { return i % 2 == 0 ? id_a : id_b; }
  bool IsOurs(FileId id) const { return id == id_a || id == id_b; }
};
const Attachments& Attach() {
  static const Attachments* a = new Attachments();
  return *a;
}

struct Chunk {
  std::vector<uint8_t> bytes;
  size_t nfds = 0;
  uint16_t mid = 0;  // mode 2
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  bool empty() const { return pos_ >= in_.size(); }
  uint8_t U8() { return pos_ < in_.size() ? in_[pos_++] : 0; }
  std::span<const uint8_t> Take(size_t n) {
    n = std::min(n, in_.size() - pos_);
    auto s = in_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

void PutU32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}

std::vector<Chunk> ParseChunks(Reader& r, bool frames) {
  std::vector<Chunk> out;
  while (!r.empty()) {
    const uint8_t flags = r.U8();
    Chunk c;
    c.nfds = kFdCounts[flags & 7];
    if (frames) {
      c.mid = static_cast<uint16_t>(r.U8() | (r.U8() << 8));
      r.U8();
      auto data = r.Take(r.U8());
      const size_t reps = (flags & 0x20) ? kRepeat : 1;
      for (size_t i = 0; i < reps; ++i) c.bytes.insert(c.bytes.end(), data.begin(), data.end());
    } else {
      if (flags & 0x08) {
        uint32_t len = static_cast<uint32_t>(r.U8() | (r.U8() << 8));
        if (flags & 0x10) len |= 0xFFFF0000u;
        const uint8_t mid = r.U8();
        PutU32(c.bytes, len);
        c.bytes.push_back(mid);
        c.bytes.push_back(0);
        c.bytes.push_back(0);
        c.bytes.push_back(0);
      }
      auto data = r.Take(r.U8());
      c.bytes.insert(c.bytes.end(), data.begin(), data.end());
    }
    out.push_back(std::move(c));
  }
  return out;
}

// One sendmsg per chunk, its FDs in one SCM_RIGHTS message; the kernel may
// refuse the FDs (more than SCM_MAX_FD, or too many in flight), then the
// bytes go alone. Stops quietly if the reader has gone. Returns whether any
// FDs were sent.
bool WriteChunks(int sock, const std::vector<Chunk>& chunks) {
  bool fds_sent = false;
  std::vector<uint8_t> control;
  for (const Chunk& c : chunks) {
    if (c.bytes.empty()) continue;  // a stream cannot carry FDs without bytes
    size_t sent = 0;
    size_t nfds = c.nfds;
    while (sent < c.bytes.size()) {
      iovec iov{const_cast<uint8_t*>(c.bytes.data()) + sent, c.bytes.size() - sent};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      if (nfds > 0) {
        control.assign(CMSG_SPACE(sizeof(int) * nfds), 0);
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        for (size_t i = 0; i < nfds; ++i) {
          const int fd = Attach().Nth(i);
          std::memcpy(CMSG_DATA(cm) + i * sizeof(int), &fd, sizeof(int));
        }
      }
      const ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (nfds > 0 && (errno == EINVAL || errno == ETOOMANYREFS)) {
          nfds = 0;
          continue;
        }
        return fds_sent;  // EPIPE: the reader is gone
      }
      fds_sent |= nfds > 0;
      sent += static_cast<size_t>(n);
      nfds = 0;
    }
  }
  return fds_sent;
}

// What the communicator must report, from the stream bytes alone.
struct Expected {
  enum Kind { kFrame, kTooLarge, kTruncated, kEof } kind;
  uint16_t mid = 0;
  std::span<const uint8_t> payload;
};

std::vector<Expected> Model(std::span<const uint8_t> s, uint32_t max_payload) {
  std::vector<Expected> out;
  size_t pos = 0;
  for (;;) {
    const size_t rem = s.size() - pos;
    if (rem == 0) {
      out.push_back({Expected::kEof, 0, {}});
      return out;
    }
    if (rem < hg::transport::kSocketHeaderSize) {
      out.push_back({Expected::kTruncated, 0, {}});
      return out;
    }
    const auto h = hg::transport::SocketHeader::Decode(s.data() + pos);
    const size_t body = rem - hg::transport::kSocketHeaderSize;
    if (h.payload_len > body) {
      out.push_back({Expected::kTruncated, 0, {}});
      return out;
    }
    if (h.payload_len > max_payload) {
      out.push_back({Expected::kTooLarge, h.mid, {}});
    } else {
      out.push_back({Expected::kFrame, h.mid,
                     s.subspan(pos + hg::transport::kSocketHeaderSize, h.payload_len)});
    }
    pos += hg::transport::kSocketHeaderSize + h.payload_len;
  }
}

void CheckClientFds(const std::vector<UniqueFd>& fds, size_t want) {
  if (fds.size() != want) Fail("client Frame::fds does not have want_fds entries");
  for (const UniqueFd& fd : fds) {
    if (!fd.valid()) continue;
    if (!hg::fuzz::IsCloexec(fd.get())) Fail("received FD without FD_CLOEXEC");
    if (!Attach().IsOurs(FileId::Of(fd.get()))) Fail("received FD refers to a file never sent");
  }
}

void RawStream(Side side, uint32_t max_payload, uint8_t want, Reader& r) {
  const std::vector<Chunk> chunks = ParseChunks(r, false);
  std::vector<uint8_t> stream;
  for (const Chunk& c : chunks) stream.insert(stream.end(), c.bytes.begin(), c.bytes.end());
  const std::vector<Expected> expected = Model(stream, max_payload);

  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) Fail("socketpair");
  UniqueFd peer(sv[1]);
  auto comm = SocketCommunicator::Create(UniqueFd(sv[0]), side, max_payload);
  if (!comm.ok()) Fail("SocketCommunicator::Create");
  const size_t fds_while_reading = hg::fuzz::CountOpenFds();

  std::atomic<bool> fds_sent{false};
  std::thread writer([&] {
    fds_sent = WriteChunks(peer.get(), chunks);
    ::shutdown(peer.get(), SHUT_WR);
  });
  size_t i = 0;
  for (;; ++i) {
    auto f = (*comm)->Recv(want);
    if (i >= expected.size()) Fail("more results than the stream holds");
    const Expected& e = expected[i];
    if (f.ok()) {
      if (e.kind != Expected::kFrame) Fail("Recv returned a frame the stream does not hold");
      if (f->mid != e.mid || !std::ranges::equal(f->payload, e.payload)) {
        Fail("Recv returned a frame different from the stream's");
      }
      if (side == Side::kClient) {
        CheckClientFds(f->fds, want);
      } else if (!f->fds.empty()) {
        Fail("server Frame carries FDs");
      }
      continue;
    }
    const ErrorKind k = f.error().kind;
    if (k == ErrorKind::kTooLarge) {
      if (e.kind != Expected::kTooLarge || f.error().mid != e.mid) Fail("unexpected kTooLarge");
      if (!f.error().must_reply()) Fail("kTooLarge must be answered");
      continue;
    }
    if (k == ErrorKind::kTruncated && e.kind == Expected::kTruncated) break;
    if (k == ErrorKind::kEof && e.kind == Expected::kEof) break;
    std::fprintf(stderr, "result %zu: got %s, expected kind %d\n", i, f.error().ToString().c_str(),
                 static_cast<int>(e.kind));
    Fail("Recv error differs from the stream model");
  }
  if (side == Side::kServer) {
    // The server passes no control buffer: nothing was ever installed.
    hg::fuzz::ExpectFdCount(fds_while_reading, "while the server read FD-carrying chunks");
    // The writer is done: its SHUT_WR came after its last sendmsg.
    if (fds_sent.load() && (*comm)->dropped_control_messages() == 0) {
      Fail("FDs sent to the server were not counted as dropped");
    }
  }
  ::shutdown((*comm)->fd(), SHUT_RDWR);
  writer.join();
}

void FrameRoundTrip(uint32_t max_payload, uint8_t want, Reader& r) {
  const std::vector<Chunk> frames = ParseChunks(r, true);
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) Fail("socketpair");
  auto server = SocketCommunicator::Create(UniqueFd(sv[0]), Side::kServer, max_payload);
  auto client = SocketCommunicator::Create(UniqueFd(sv[1]), Side::kClient, max_payload);
  if (!server.ok() || !client.ok()) Fail("SocketCommunicator::Create");

  // Which frames Send accepted (the rest sent nothing).
  std::vector<bool> accepted(frames.size(), false);
  std::thread writer([&] {
    std::vector<int> fds;
    for (size_t i = 0; i < frames.size(); ++i) {
      fds.clear();
      for (size_t k = 0; k < frames[i].nfds; ++k) fds.push_back(Attach().Nth(k));
      auto s = (*server)->Send(frames[i].mid, frames[i].bytes, fds);
      if (s.ok()) {
        accepted[i] = true;
        continue;
      }
      const auto& e = s.error();
      const bool too_large = e.kind == ErrorKind::kTooLarge && frames[i].bytes.size() > max_payload;
      const bool too_many = e.kind == ErrorKind::kSystem && e.sys_errno == EINVAL &&
                            frames[i].nfds > hg::transport::kMaxSocketFds;
      if (too_large || too_many) continue;
      // ETOOMANYREFS (FDs in flight over RLIMIT_NOFILE) is the kernel's
      // limit, not ours; anything else is a transport bug.
      if (e.kind == ErrorKind::kSystem && e.sys_errno == ETOOMANYREFS) break;
      std::fprintf(stderr, "Send: %s\n", e.ToString().c_str());
      Fail("Send failed unexpectedly");
    }
    (*server)->Shutdown();  // EOF for the client
  });

  struct Got {
    uint16_t mid;
    std::vector<uint8_t> payload;
    std::vector<UniqueFd> fds;
  };
  std::vector<Got> got;
  for (;;) {
    auto f = (*client)->Recv(want);
    if (!f.ok()) {
      if (f.error().kind != ErrorKind::kEof) {
        std::fprintf(stderr, "client Recv: %s\n", f.error().ToString().c_str());
        Fail("client Recv of well-formed frames failed");
      }
      break;
    }
    CheckClientFds(f->fds, want);
    got.push_back({f->mid, std::vector<uint8_t>(f->payload.begin(), f->payload.end()),
                   std::move(f->fds)});
  }
  writer.join();

  size_t g = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    if (!accepted[i]) continue;
    if (g >= got.size()) Fail("an accepted frame never arrived");
    const Got& x = got[g++];
    if (x.mid != frames[i].mid || x.payload != frames[i].bytes) Fail("frame arrived altered");
    const size_t n = std::min<size_t>(frames[i].nfds, want);
    for (size_t k = 0; k < x.fds.size(); ++k) {
      if (k < n) {
        if (!x.fds[k].valid() || FileId::Of(x.fds[k].get()) != Attach().NthId(k)) {
          Fail("a sent FD did not arrive in its slot with its frame");
        }
      } else if (x.fds[k].valid()) {
        Fail("an FD arrived in a slot nothing was sent for");
      }
    }
  }
  if (g != got.size()) Fail("frames arrived that were never accepted");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Attach();
  static const uint32_t kMax[8] = {0,   4,    8,     64,
                                   256, 4096, 65536, hg::transport::DefaultMaxPayload()};
  const size_t baseline = hg::fuzz::CountOpenFds();
  Reader r(std::span<const uint8_t>(data, size));
  const uint8_t cfg = r.U8();
  const uint8_t want = r.U8();
  const uint32_t max_payload = kMax[(cfg >> 2) & 7];
  switch (cfg & 3) {
    case 1:
      RawStream(Side::kClient, max_payload, want, r);
      break;
    case 2:
      FrameRoundTrip(max_payload, want, r);
      break;
    default:
      RawStream(Side::kServer, max_payload, want, r);
      break;
  }
  hg::fuzz::ExpectFdCount(baseline, "after the input");
  return 0;
}
