// SPDX-License-Identifier: MIT
// The server's calls by our call ID: admission (a free call ID), lookup for
// GRE demultiplexing in constant time, and ownership of each Link.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "app/server/link.h"
#include "base/rng.h"

namespace pptpx::server {

class CallTable {
 public:
  // Call IDs start at a random odd number and go up from there.
  explicit CallTable(Rng& rng);

  // A free call ID, never 0; 0 when all 65,535 are taken.
  uint16_t allocate();
  Link& insert(std::unique_ptr<Link> link);
  // Destroys the link.
  void erase(uint16_t our_id);
  Link* find(uint16_t our_id) const { return index_[our_id]; }
  size_t size() const { return links_.size(); }
  bool empty() const { return links_.empty(); }
  std::vector<uint16_t> ids() const;
  // Iteration in call-ID order (for stats and shutdown).
  const std::map<uint16_t, std::unique_ptr<Link>>& links() const { return links_; }

 private:
  std::map<uint16_t, std::unique_ptr<Link>> links_;
  std::vector<Link*> index_;  // 65,536 entries
  uint16_t next_ = 0;
};

}  // namespace pptpx::server
