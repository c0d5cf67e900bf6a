// Where a backend puts multi-record results: straight into the response
// buffer (the flipcall window or the socket send buffer), no intermediate vector.
//
//   Status MyDir::Getdents64(uint32_t count, bool seek0, DirentSink& out) {
//     ... for each kernel dirent d:
//       if (!out.Add({.ino = d->d_ino, .off = d->d_off, .type = d->d_type, .name = d->d_name}))
//         { lseek(fd, last_accepted_off, SEEK_SET); break; }   // did not fit: keep it
//   }
//
//   Status MyDir::WalkStat(bool stat_self, std::span<const Name> path, StatSink& out) {
//     if (stat_self) out.Add(stat_of_me);
//     for (const Name& n : path) { ...; out.Add(st); if (S_ISLNK(st.mode)) break; }
//   }
#ifndef HARDGOFER_GOFER_SERVER_SINKS_H_
#define HARDGOFER_GOFER_SERVER_SINKS_H_

#include <cstddef>

#include "gofer/wire/messages_dir.h"
#include "gofer/wire/statx.h"

namespace hg::server {

// Getdents64 output. Add() copies the dirent (its name may point into the
// backend's buffer) and returns false, writing nothing, when it does not fit in
// the bytes the client asked for (already bounded by the server) or the u16
// count is full. A refused entry was NOT delivered: the backend must make the
// next Getdents64 return it again (seek back to the last accepted entry's off).
class DirentSink {
 public:
  virtual bool Add(const wire::Dirent64& d) = 0;
  virtual size_t count() const = 0;

 protected:
  ~DirentSink() = default;
};

// WalkStat output, in walk order. The server sizes it for every requested
// component (plus the "" self entry), so Add() only returns false if the
// backend records more stats than components, which is a backend bug.
class StatSink {
 public:
  virtual bool Add(const wire::Statx& st) = 0;
  virtual size_t count() const = 0;

 protected:
  ~StatSink() = default;
};

}  // namespace hg::server

#endif  // HARDGOFER_GOFER_SERVER_SINKS_H_
