#include "api/auth/nonce_cache.h"

#include <cassert>

namespace kprogress::auth {

NonceCache::NonceCache(size_t max_entries) : max_entries_(max_entries) { assert(max_entries > 0); }

void NonceCache::drop_expired(int64_t now_ms) {
  while (!keys_by_expiry_.empty() && keys_by_expiry_.begin()->first < now_ms) {
    expiry_by_key_.erase(keys_by_expiry_.begin()->second);
    keys_by_expiry_.erase(keys_by_expiry_.begin());
  }
}

NonceCache::InsertResult NonceCache::insert(std::string_view scope, std::string_view nonce,
                                            int64_t expires_at_ms, int64_t now_ms) {
  std::string key;
  key.reserve(scope.size() + 1 + nonce.size());
  key.append(scope).push_back('\0');
  key.append(nonce);

  std::lock_guard<std::mutex> lock(mu_);
  drop_expired(now_ms);
  if (expiry_by_key_.count(key) > 0) return {Outcome::kReplayed, 0};
  if (expiry_by_key_.size() >= max_entries_) {
    int64_t wait = keys_by_expiry_.begin()->first - now_ms + 1;
    return {Outcome::kFull, wait < 1 ? 1 : wait};
  }
  expiry_by_key_.emplace(key, expires_at_ms);
  keys_by_expiry_.emplace(expires_at_ms, std::move(key));
  return {Outcome::kRecorded, 0};
}

size_t NonceCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return expiry_by_key_.size();
}

}  // namespace kprogress::auth
