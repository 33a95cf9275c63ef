// SPDX-License-Identifier: MIT
#include "app/server/call_table.h"

namespace pptpx::server {

CallTable::CallTable(Rng& rng) : index_(65536, nullptr) {
  next_ = static_cast<uint16_t>(rng.u16() | 1);
}

uint16_t CallTable::allocate() {
  for (int i = 0; i < 65536; ++i) {
    uint16_t id = next_++;
    if (id != 0 && !index_[id]) return id;
  }
  return 0;
}

Link& CallTable::insert(std::unique_ptr<Link> link) {
  Link& ref = *link;
  index_[ref.our_id] = &ref;
  links_[ref.our_id] = std::move(link);
  return ref;
}

void CallTable::erase(uint16_t our_id) {
  index_[our_id] = nullptr;
  links_.erase(our_id);
}

std::vector<uint16_t> CallTable::ids() const {
  std::vector<uint16_t> v;
  v.reserve(links_.size());
  for (const auto& [id, link] : links_) v.push_back(id);
  return v;
}

}  // namespace pptpx::server
