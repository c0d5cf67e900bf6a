// A LisaFS client: what a sandbox kernel does to talk to its gofer, for our
// tests, the `hardgofer client` CLI and the benchmarks.
//
//   HG_ASSIGN_OR_RETURN(UniqueFd sock, ConnectUnixSocket("/run/gofer.sock"));
//   HG_ASSIGN_OR_RETURN(std::unique_ptr<Client> c, Client::Mount(std::move(sock)));
//   FDID root = c->root().control_fd;
//   HG_ASSIGN_OR_RETURN(WalkResult w, c->Walk(root, {"etc", "hosts"}));
//   ScopedFdId f(c.get(), w.inodes.back().control_fd);
//   HG_ASSIGN_OR_RETURN(OpenedFile o, c->OpenAt(f.get(), O_RDONLY));
//   std::vector<uint8_t> buf(4096);
//   HG_ASSIGN_OR_RETURN(size_t n, c->PRead(o.open_fd, 0, buf));
//   c->CloseFd(o.open_fd);
//
// Behaviour follows gVisor's pkg/lisafs client (client.go, client_file.go):
//   * Mount is the first message, on the socket; it may donate the mount
//     point's host FD (TakeMountHostFd). The server's max message size and
//     supported MIDs come back with it; an RPC the server did not advertise
//     fails with EOPNOTSUPP before anything is sent.
//   * Channels: Mount starts clamp(CPUs, 2, 4) flipcall channels (Options),
//     concurrently, and needs at least one (ENOMEM otherwise, as gVisor). A
//     request goes over a free channel, else over the socket, which is
//     serialized by a mutex. All methods are thread-safe.
//   * Every RPC returns the server's errno (MID 0 Error) as hg::Errno. A
//     transport failure (server gone, malformed response) is EIO; a response
//     with another MID than the request's is EINVAL. Donated host FDs come
//     back as UniqueFd; FDs a failed RPC carried are closed.
//   * FDIDs are closed in batches (CloseFd, 100 per Close RPC) unless flushed.
//   * A watchdog thread polls the socket for hang-up and then shuts every
//     channel down: a dead server never wakes a futex, so without it a caller
//     blocked on a channel would wait forever.
// The server is trusted less than the client's own memory: every response is
// decoded by gofer/wire with bounds checks and copied out before the
// communicator is reused.
#ifndef HARDGOFER_GOFER_CLIENT_CLIENT_H_
#define HARDGOFER_GOFER_CLIENT_CLIENT_H_

#include <bitset>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "gofer/client/scoped_fd_id.h"
#include "gofer/client/types.h"
#include "gofer/transport/channel_set.h"
#include "gofer/transport/client_channel.h"
#include "gofer/transport/socket_communicator.h"
#include "gofer/wire/messages.h"

namespace hg::client {

// gVisor's client closes FDIDs in batches of this many (client.go:
// fdsToCloseBatchSize).
inline constexpr size_t kCloseBatchSize = 100;

// A server advertising a smaller max message size than this is refused at
// Mount (EIO): PRead/PWrite chunking needs room for data after the headers,
// and a Walk of one component needs 155 bytes.
inline constexpr uint32_t kMinMessageSize = 4096;

// Connects a new AF_UNIX SOCK_STREAM socket (O_CLOEXEC) to `path`.
// ENAMETOOLONG if the path does not fit sun_path.
Result<UniqueFd> ConnectUnixSocket(std::string_view path);

struct ClientOptions {
  // Flipcall channels to open after Mount: gVisor's clamp(CPUs, 2, 4). 0
  // keeps everything on the socket (what the sentry does with directfs).
  size_t channels = transport::DefaultMaxChannels();
  // How a caller waiting for a channel reply polls before sleeping
  // (gofer/transport/flipcall_endpoint.h); {.spin_ns = 0} never polls.
  transport::EndpointOptions channel_endpoint{.spin_ns = transport::kDefaultSpinNs,
                                              .wake_spin_ns = transport::kDefaultWakeSpinNs};
};

class Client {
 public:
  using Options = ClientOptions;

  // Takes a connected AF_UNIX stream socket, sends Mount and starts the
  // channels. Fails with the Mount errno, EIO for a broken response or a max
  // message size below kMinMessageSize, or ENOMEM when channels were wanted,
  // the server supports them, and not one could be created.
  static Result<std::unique_ptr<Client>> Mount(UniqueFd sock, const ClientOptions& opts = {});

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  // Shuts the channels and the socket down (the server then drops every FDID of
  // this connection) and joins the watchdog. Precondition: no call in flight.
  ~Client();

  // ---- Session ------------------------------------------------------------
  // The mount root's control FD and stat (owned by the Client; never closed
  // through CloseFd by well-behaved callers).
  const wire::Inode& root() const { return root_; }
  FDID root_fd() const { return root_.control_fd; }
  // The mount point's host FD if the server donated one (directfs), once.
  UniqueFd TakeMountHostFd();
  // Largest payload either side may send (from Mount, capped at ours).
  uint32_t max_message_size() const { return max_message_size_; }
  bool IsSupported(wire::MID mid) const;
  const std::vector<wire::MID>& supported_mids() const { return supported_list_; }
  // Channels currently usable (not shut down).
  size_t channel_count() const;
  // True once the watchdog saw the server hang up.
  bool hung_up() const;

  // ---- Channels (MID 2) -----------------------------------------------------
  // The raw Channel RPC: what the server grants, not yet connected.
  Result<ChannelGrant> Channel();
  // Channel RPC + map + handshake; the channel then serves requests.
  Status AddChannel();
  // Adds `n` channels concurrently (so channels can carry Channel RPCs, as in
  // gVisor). Returns how many were added; ENOMEM (or the first error) if n > 0
  // and none was.
  Result<size_t> StartChannels(size_t n);

  // ---- Metadata -------------------------------------------------------------
  Result<wire::Statx> FStat(FDID fd);                              // MID 3
  Result<wire::SetStatResp> SetStat(const wire::SetStatReq& req);  // MID 4
  Result<wire::StatFS> FStatFS(FDID fd);                           // MID 17
  Result<std::string> ReadLinkAt(FDID fd);                         // MID 19

  // ---- Walking --------------------------------------------------------------
  // MID 5. Names are sent as given (the server validates them).
  Result<WalkResult> Walk(FDID dir, std::span<const std::string> names);
  Result<WalkResult> Walk(FDID dir, std::initializer_list<std::string_view> names);
  // One component: the child's Inode; ENOENT if missing, ENOTDIR if `dir` is a
  // symlink (gVisor's ClientFD.Walk).
  Result<wire::Inode> WalkOne(FDID dir, std::string_view name);
  // MID 6. A leading "" stats `dir` itself.
  Result<std::vector<wire::Statx>> WalkStat(FDID dir, std::span<const std::string> names);
  Result<std::vector<wire::Statx>> WalkStat(FDID dir,
                                            std::initializer_list<std::string_view> names);

  // ---- File I/O -------------------------------------------------------------
  Result<OpenedFile> OpenAt(FDID fd, uint32_t flags);  // MID 7
  // MID 8: O_CREAT|O_EXCL semantics on the server.
  Result<CreatedFile> OpenCreateAt(FDID dir, std::string_view name, uint32_t flags, uint16_t mode,
                                   wire::UID uid, wire::GID gid);
  // MID 12, chunked to the max message size. Returns the bytes read: fewer
  // than dst.size() at end of file (0 at EOF, not an error).
  Result<size_t> PRead(FDID fd, uint64_t offset, std::span<uint8_t> dst);
  // MID 11, chunked. Returns the bytes written; stops at the first short write.
  // An error after some chunks were written returns the count written so far.
  Result<size_t> PWrite(FDID fd, uint64_t offset, std::span<const uint8_t> src);
  Status FSync(std::span<const FDID> fds);                                     // MID 10
  Status FAllocate(FDID fd, uint64_t mode, uint64_t offset, uint64_t length);  // MID 18
  // MID 20. Like gVisor's client: a server that does not advertise Flush
  // treats it as a no-op, so this succeeds without an RPC.
  Status Flush(FDID fd);
  // MID 24. count: bytes; negative seeks to the start first.
  Result<std::vector<Dirent>> Getdents64(FDID dir_open_fd, int32_t count);

  // ---- Closing (MID 9) ------------------------------------------------------
  // Queues `fd` for the next batched Close; sends the batch when it reaches
  // kCloseBatchSize or when `flush`. Errors are not actionable (the server
  // frees every FDID at disconnect) and are dropped, as in gVisor.
  void CloseFd(FDID fd, bool flush = false);
  // Sends whatever CloseFd queued.
  Status FlushCloses();
  // The Close RPC itself, unbatched.
  Status Close(std::span<const FDID> fds);
  size_t pending_closes() const;

  // ---- Directory tree -------------------------------------------------------
  Result<wire::Inode> MkdirAt(FDID dir, std::string_view name, uint16_t mode, wire::UID uid,
                              wire::GID gid);  // MID 13
  Result<wire::Inode> MknodAt(FDID dir, std::string_view name, uint16_t mode, wire::UID uid,
                              wire::GID gid, uint32_t minor, uint32_t major);  // MID 14
  Result<wire::Inode> SymlinkAt(FDID dir, std::string_view name, std::string_view target,
                                wire::UID uid, wire::GID gid);               // MID 15
  Result<wire::Inode> LinkAt(FDID dir, FDID target, std::string_view name);  // MID 16
  Status UnlinkAt(FDID dir, std::string_view name, uint32_t flags);          // MID 22
  Status RenameAt(FDID old_dir, std::string_view old_name, FDID new_dir,
                  std::string_view new_name);  // MID 23
  Status RenameAt2(FDID old_dir, std::string_view old_name, FDID new_dir, std::string_view new_name,
                   uint32_t flags);  // MID 33

  // ---- Extended attributes --------------------------------------------------
  Result<std::string> FGetXattr(FDID fd, std::string_view name, uint32_t buf_size);  // MID 25
  Status FSetXattr(FDID fd, std::string_view name, std::string_view value,
                   uint32_t flags);                                     // MID 26
  Result<std::vector<std::string>> FListXattr(FDID fd, uint64_t size);  // MID 27
  Status FRemoveXattr(FDID fd, std::string_view name);                  // MID 28

  // ---- Host unix sockets ----------------------------------------------------
  // MID 21 / 32: the connected host socket. EBADF if the server sent none.
  Result<UniqueFd> Connect(FDID fd, uint32_t sock_type);
  Result<UniqueFd> ConnectWithCreds(FDID fd, uint32_t sock_type, wire::UID uid, wire::GID gid);
  Result<BoundSocket> BindAt(FDID dir, std::string_view name, uint32_t sock_type, uint16_t mode,
                             wire::UID uid, wire::GID gid);  // MID 29
  Status Listen(FDID bound_fd, int32_t backlog);             // MID 30
  Result<AcceptedSocket> Accept(FDID bound_fd);              // MID 31

  // ---- Raw access (tests, extension MIDs) ---------------------------------
  struct RawResponse {
    uint16_t mid = 0;
    std::vector<uint8_t> payload;
    std::vector<UniqueFd> fds;
  };
  // Sends `payload` under `mid` as is (no support check) and returns whatever
  // came back, Error responses included. Transport failures: EIO.
  Result<RawResponse> RawCall(uint16_t mid, std::span<const uint8_t> payload, uint8_t want_fds);

 private:
  explicit Client(std::unique_ptr<transport::SocketCommunicator> sock);

  // A request encoded straight into the communicator's buffer: `encode`
  // writes exactly `len` bytes.
  struct RequestEncoder {
    size_t len = 0;
    const void* obj = nullptr;
    void (*encode)(const void* obj, wire::Writer& w) = nullptr;
  };
  // Sees a response whose MID matched, before the communicator is released
  // (its payload is a view into the communicator's buffer).
  struct ResponseHandler {
    void* obj = nullptr;
    Status (*handle)(void* obj, transport::Frame& frame) = nullptr;
  };
  // The typed front of Send, defined in client_rpc.h for the RPC files only.
  template <typename Req, typename OnResponse>
  Status Rpc(wire::MID mid, const Req& req, uint8_t want_fds, OnResponse&& on_response);

  // Type-erased request over a communicator: channel if one is free, else the
  // socket. `check_mid` is false for RawCall.
  Status Send(uint16_t mid, const RequestEncoder& req, uint8_t want_fds, bool check_mid,
              const ResponseHandler& on_response);
  Status HandleFrame(uint16_t mid, transport::Frame& frame, bool check_mid,
                     const ResponseHandler& on_response) const;
  transport::ClientChannel* PopChannel();
  void PushChannel(transport::ClientChannel* ch);
  Status StartWatchdog();
  void Watchdog();
  void ShutdownChannels();

  // Socket: one request at a time.
  std::mutex sock_mu_;
  std::unique_ptr<transport::SocketCommunicator> sock_;
  std::vector<uint8_t> sock_buf_;  // guarded by sock_mu_

  // Channels. Shut-down channels stay in channels_ (destroyed with the Client)
  // but never return to available_.
  mutable std::mutex chan_mu_;
  std::condition_variable chan_idle_;
  std::vector<std::unique_ptr<transport::ClientChannel>> channels_;  // guarded by chan_mu_
  std::vector<transport::ClientChannel*> available_;                 // guarded by chan_mu_
  size_t active_ = 0;                                                // guarded by chan_mu_
  bool hung_up_ = false;                                             // guarded by chan_mu_

  // Batched Close.
  mutable std::mutex close_mu_;
  std::vector<FDID> to_close_;  // guarded by close_mu_

  // Set once by Mount, immutable afterwards.
  wire::Inode root_;
  uint32_t max_message_size_ = 0;
  transport::EndpointOptions channel_endpoint_;  // for channels added later
  std::bitset<65536> supported_;
  std::vector<wire::MID> supported_list_;
  std::mutex mount_fd_mu_;
  UniqueFd mount_host_fd_;  // guarded by mount_fd_mu_

  // Watchdog: polls the socket for hang-up and wake_ for destruction.
  UniqueFd wake_;
  std::thread watchdog_;
};

}  // namespace hg::client

#endif  // HARDGOFER_GOFER_CLIENT_CLIENT_H_
