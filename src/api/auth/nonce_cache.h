// NonceCache: the signature nonces of accepted requests, remembered while a replay of the same
// request could still pass the timestamp check, so that a captured request cannot be sent twice
// (SignatureNonceUsed). Memory is bounded: entries past their expiry are dropped first; when
// the cache is still full, insert() refuses (kFull) instead of forgetting a live nonce, because
// forgetting one would let that request be replayed. The caller answers kFull with
// Throttling.User: only requests with a valid signature are recorded, so only a key holder
// sending more than max_entries requests per window can fill it.
// Thread-safe: all members may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace kprogress::auth {

class NonceCache {
 public:
  // REQUIRES: max_entries > 0
  explicit NonceCache(size_t max_entries);
  NonceCache(const NonceCache&) = delete;
  NonceCache& operator=(const NonceCache&) = delete;

  enum class Outcome {
    kRecorded,  // new: remembered until expires_at_ms
    kReplayed,  // the same (scope, nonce) is remembered and has not expired
    kFull,      // max_entries live entries; nothing was recorded
  };
  struct InsertResult {
    Outcome outcome;
    int64_t retry_after_ms;  // kFull: ms until the oldest entry expires (>= 1); else 0
  };

  // Records `nonce` within `scope` (the access key id, so one key's nonces never block
  // another's) until `expires_at_ms` inclusive, first dropping the entries that expired
  // before `now_ms`.
  InsertResult insert(std::string_view scope, std::string_view nonce, int64_t expires_at_ms,
                      int64_t now_ms);

  size_t size() const;
  size_t max_entries() const { return max_entries_; }

 private:
  void drop_expired(int64_t now_ms);  // REQUIRES: mu_ held

  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> expiry_by_key_;  // scope '\0' nonce -> expiry
  std::multimap<int64_t, std::string> keys_by_expiry_;      // the same entries, oldest first
};

}  // namespace kprogress::auth
