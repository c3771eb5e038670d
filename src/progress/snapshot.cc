#include "progress/snapshot.h"

#include <algorithm>
#include <stdexcept>

namespace kprogress {
namespace {

bool tp_less(const PartitionSnapshot& p, const TopicPartition& tp) { return p.progress.tp < tp; }

}  // namespace

PartitionSnapshot& PartitionTable::insert(PartitionSnapshot p) {
  if (items_.empty() || items_.back().progress.tp < p.progress.tp) {
    return items_.emplace_back(std::move(p));  // the collector adds in order
  }
  auto it = std::lower_bound(items_.begin(), items_.end(), p.progress.tp, tp_less);
  if (it != items_.end() && it->progress.tp == p.progress.tp) {
    *it = std::move(p);
    return *it;
  }
  return *items_.insert(it, std::move(p));
}

const PartitionSnapshot* PartitionTable::find(const TopicPartition& tp) const {
  auto it = std::lower_bound(items_.begin(), items_.end(), tp, tp_less);
  return it != items_.end() && it->progress.tp == tp ? &*it : nullptr;
}

const PartitionSnapshot& PartitionTable::at(const TopicPartition& tp) const {
  const PartitionSnapshot* p = find(tp);
  if (!p) throw std::out_of_range("no partition " + tp.to_string() + " in the group");
  return *p;
}

}  // namespace kprogress
