#include "gofer/wire/messages_metadata.h"

#include "gofer/wire/reader.h"

namespace hg::wire {

Decoded<ReadLinkAtResp> ReadLinkAtResp::Decode(std::span<const uint8_t> src) {
  Reader r(src);
  ReadLinkAtResp m{r.SizedString()};
  if (!r.ok()) return r.error();
  return m;
}

}  // namespace hg::wire
