// Records real client sessions as fuzz seeds: hardgofer's own LisaFS client
// (gofer/client) talks to the real server + fsgofer on the stateful target's
// scratch tree through a recording proxy, and every request/response frame
// is written out in the input formats of the targets that take frames.
//
//   cmake --build build-fuzz --target record_sessions
//   build-fuzz/fuzz/record_sessions fuzz/corpus      # writes rec-* seeds
//
// Written per session NAME:
//   server_stateful/rec-NAME    mount-rules byte + every request as a raw-frame op
//   server_dispatch/rec-NAME    the requests as records (no implicit Mount)
//   socket_transport/rec-NAME   the request byte stream, hostile-client mode
//   wire_decode/rec-NAME-NNN-{req,resp}   each payload with its MID
// The client runs without channels so every frame crosses the socket (the
// proxy cannot see shared-memory windows). FDIDs in the requests are the ones
// the server handed out, which replay identically on the same tree.
#include <fcntl.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "fuzz/support/scratch_fs.h"
#include "gofer/client/client.h"
#include "gofer/fsgofer/fs_connection.h"
#include "gofer/server/server.h"
#include "gofer/transport/socket_communicator.h"
#include "gofer/wire/max_message_size.h"

namespace {

using hg::UniqueFd;
using hg::client::Client;
namespace wire = hg::wire;

struct Frame {
  uint16_t mid;
  std::vector<uint8_t> payload;
};
struct Recording {
  std::vector<Frame> requests;
  std::vector<Frame> responses;
};

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "record_sessions: %s\n", what);
  std::exit(1);
}

// Forwards client frames to the server and answers back, FDs included.
void Proxy(hg::transport::SocketCommunicator* to_client, hg::transport::SocketCommunicator* to_server,
           Recording* rec) {
  for (;;) {
    auto req = to_client->Recv();
    if (!req.ok()) return;
    rec->requests.push_back({req->mid, {req->payload.begin(), req->payload.end()}});
    auto resp = to_server->Call(req->mid, req->payload, 2);
    if (!resp.ok()) return;
    rec->responses.push_back({resp->mid, {resp->payload.begin(), resp->payload.end()}});
    std::vector<int> fds;
    for (const UniqueFd& fd : resp->fds) {
      if (fd.valid()) fds.push_back(fd.get());
    }
    if (!to_client->Send(resp->mid, resp->payload, fds).ok()) return;
  }
}

Recording Record(uint8_t cfg, const std::function<void(Client&)>& session) {
  hg::fuzz::ScratchFs& fs = hg::fuzz::ScratchFs::Get();
  fs.ResetRoot();
  auto host = hg::fsgofer::HostResources::Open();
  if (!host.ok()) Die("HostResources::Open");
  hg::fsgofer::MountRules rules;
  if (cfg & 2) rules.host_uds = hg::fsgofer::HostUds::kAll;
  if (cfg & 4) rules.host_fifo = hg::fsgofer::HostFifo::kOpen;
  rules.max_file_size = 1 << 20;  // as server_stateful
  hg::server::Server server;
  hg::server::ConnectionConfig cc;
  cc.mount_path = fs.root();
  cc.opts = hg::fsgofer::ConnectionOptsFor(rules);
  auto impl = hg::fsgofer::FsConnectionImpl::Create({.rules = rules, .host = *host, .walk = {}});
  if (!impl.ok()) Die("FsConnectionImpl::Create");
  cc.impl = std::move(impl).value();
  int s[2], c[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) != 0 ||
      ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c) != 0) {
    Die("socketpair");
  }
  if (!server.StartConnection(UniqueFd(s[1]), std::move(cc)).ok()) Die("StartConnection");
  const uint32_t max = wire::MaxMessageSize();
  auto to_server = hg::transport::SocketCommunicator::Create(UniqueFd(s[0]),
                                                             hg::transport::Side::kClient, max);
  auto to_client = hg::transport::SocketCommunicator::Create(UniqueFd(c[1]),
                                                             hg::transport::Side::kServer, max);
  if (!to_server.ok() || !to_client.ok()) Die("SocketCommunicator::Create");
  Recording rec;
  std::thread proxy(Proxy, to_client->get(), to_server->get(), &rec);
  {
    auto client = Client::Mount(UniqueFd(c[0]), {.channels = 0});
    if (!client.ok()) Die("Client::Mount through the proxy");
    session(**client);
    (void)(*client)->FlushCloses();
  }
  proxy.join();
  to_server->reset();
  server.Wait();
  return rec;
}

void Write(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!f) Die(("cannot write " + path).c_str());
}

void Emit(const std::string& out, const std::string& name, uint8_t cfg, const Recording& rec) {
  std::vector<uint8_t> stateful{cfg}, dispatch{0x08, 0}, stream{0, 0};
  for (const Frame& f : rec.requests) {
    // server_stateful: op 31 = raw frame (u8 MID, u8 length); longer frames
    // do not fit and are left out.
    if (f.payload.size() <= 255) {
      stateful.push_back(31);
      stateful.push_back(static_cast<uint8_t>(f.mid));
      stateful.push_back(static_cast<uint8_t>(f.payload.size()));
      stateful.insert(stateful.end(), f.payload.begin(), f.payload.end());
    }
    dispatch.push_back(static_cast<uint8_t>(f.mid));
    dispatch.push_back(0);
    dispatch.push_back(static_cast<uint8_t>(f.payload.size()));
    dispatch.push_back(static_cast<uint8_t>(f.payload.size() >> 8));
    dispatch.insert(dispatch.end(), f.payload.begin(), f.payload.end());
    // socket_transport: one chunk per frame with a synthetic header.
    if (f.payload.size() <= 255) {
      stream.push_back(0x08);
      stream.push_back(static_cast<uint8_t>(f.payload.size()));
      stream.push_back(0);
      stream.push_back(static_cast<uint8_t>(f.mid));
      stream.push_back(static_cast<uint8_t>(f.payload.size()));
      stream.insert(stream.end(), f.payload.begin(), f.payload.end());
    }
  }
  Write(out + "/server_stateful/rec-" + name, stateful);
  Write(out + "/server_dispatch/rec-" + name, dispatch);
  Write(out + "/socket_transport/rec-" + name, stream);
  for (size_t i = 0; i < rec.requests.size(); ++i) {
    char suffix[32];
    std::snprintf(suffix, sizeof(suffix), "-%03zu-req", i);
    std::vector<uint8_t> w{static_cast<uint8_t>(rec.requests[i].mid), 0};
    w.insert(w.end(), rec.requests[i].payload.begin(), rec.requests[i].payload.end());
    Write(out + "/wire_decode/rec-" + name + suffix, w);
    if (i < rec.responses.size()) {
      std::snprintf(suffix, sizeof(suffix), "-%03zu-resp", i);
      std::vector<uint8_t> r{static_cast<uint8_t>(rec.responses[i].mid), 1};
      r.insert(r.end(), rec.responses[i].payload.begin(), rec.responses[i].payload.end());
      Write(out + "/wire_decode/rec-" + name + suffix, r);
    }
  }
  std::printf("%-10s %3zu requests\n", name.c_str(), rec.requests.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT (e.g. fuzz/corpus)\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  using hg::wire::FDID;

  Emit(out, "read", 0, Record(0, [](Client& c) {
         const FDID root = c.root_fd();
         auto w = c.Walk(root, {"d", "f"});
         if (w.ok() && w->inodes.size() == 2) {
           auto o = c.OpenAt(w->inodes[1].control_fd, O_RDONLY);
           if (o.ok()) {
             std::vector<uint8_t> buf(64);
             (void)c.PRead(o->open_fd, 0, buf);
             (void)c.FStat(o->open_fd);
             c.CloseFd(o->open_fd);
           }
           auto dir = c.OpenAt(w->inodes[0].control_fd, O_RDONLY);
           if (dir.ok()) {
             (void)c.Getdents64(dir->open_fd, 4096);
             (void)c.Getdents64(dir->open_fd, -4096);
           }
         }
         (void)c.WalkStat(root, {"", "d", "f"});
         auto l = c.WalkOne(root, "lnk_out");
         if (l.ok()) (void)c.ReadLinkAt(l->control_fd);
         (void)c.FStatFS(root);
         (void)c.FGetXattr(root, "user.k", 0);
       }));

  Emit(out, "write", 0, Record(0, [](Client& c) {
         const FDID root = c.root_fd();
         auto f = c.OpenCreateAt(root, "new", O_RDWR, 0644, wire::kNoUID, wire::kNoGID);
         if (f.ok()) {
           const uint8_t data[] = "hello, gofer";
           (void)c.PWrite(f->open_fd, 0, data);
           const FDID fds[] = {f->open_fd};
           (void)c.FSync(fds);
           (void)c.FAllocate(f->open_fd, 0, 0, 8192);
           wire::SetStatReq st;
           st.fd = f->child.control_fd;
           st.mask = STATX_SIZE | STATX_MODE;
           st.size = 5;
           st.mode = 0600;
           (void)c.SetStat(st);
           (void)c.FSetXattr(f->child.control_fd, "user.x", "1", 0);
           (void)c.FListXattr(f->child.control_fd, 4096);
           (void)c.FGetXattr(f->child.control_fd, "user.x", 64);
           (void)c.FRemoveXattr(f->child.control_fd, "user.x");
           (void)c.LinkAt(root, f->child.control_fd, "hard");
         }
         auto d = c.MkdirAt(root, "x", 0755, wire::kNoUID, wire::kNoGID);
         if (d.ok()) (void)c.SymlinkAt(d->control_fd, "y", "../a", wire::kNoUID, wire::kNoGID);
         (void)c.MknodAt(root, "node", S_IFREG | 0644, wire::kNoUID, wire::kNoGID, 0, 0);
         (void)c.RenameAt(root, "new", root, "b");
         (void)c.RenameAt2(root, "b", root, "a", 2 /* RENAME_EXCHANGE */);
         (void)c.UnlinkAt(root, "hard", 0);
         (void)c.UnlinkAt(root, "x", AT_REMOVEDIR);
       }));

  Emit(out, "escape", 0, Record(0, [](Client& c) {
         const FDID root = c.root_fd();
         (void)c.Walk(root, {"lnk_dir", "secret"});
         (void)c.Walk(root, {"d", "up", "outside"});
         auto l = c.WalkOne(root, "lnk_abs");
         if (l.ok()) (void)c.OpenAt(l->control_fd, O_RDWR);
         (void)c.RenameAt(root, "a", root, "..");
         (void)c.SymlinkAt(root, "s", "../outside/secret", wire::kNoUID, wire::kNoGID);
         auto s = c.WalkOne(root, "s");
         if (s.ok()) (void)c.OpenAt(s->control_fd, O_WRONLY | O_TRUNC);
         (void)c.UnlinkAt(root, "..", AT_REMOVEDIR);
       }));

  Emit(out, "sockets", 2 | 4, Record(2 | 4, [](Client& c) {
         const FDID root = c.root_fd();
         auto b = c.BindAt(root, "sock", SOCK_STREAM, 0644, wire::kNoUID, wire::kNoGID);
         if (b.ok()) {
           (void)c.Listen(b->bound_socket_fd, 8);
           (void)c.Connect(b->child.control_fd, SOCK_STREAM);
           (void)c.Accept(b->bound_socket_fd);
         }
         auto l = c.WalkOne(root, "lnk_sock");
         if (l.ok()) (void)c.Connect(l->control_fd, SOCK_STREAM);
         auto f = c.WalkOne(root, "fifo");
         if (f.ok()) (void)c.OpenAt(f->control_fd, O_RDONLY | O_NONBLOCK);
       }));
  return 0;
}
