// Writes a fresh self-signed certificate (CN=localhost, SAN localhost and 127.0.0.1, EC P-256,
// valid for a day) and its private key as PEM files, for TLS tests. Stateless; thread-safe.
#pragma once

#include <string>

#include "common/result.h"

namespace kprogress::http_test {

struct CertFiles {
  std::string cert_file;
  std::string key_file;
};

// Writes `<dir>/<name>.crt` and `<dir>/<name>.key`. REQUIRES: `dir` exists.
Result<CertFiles> write_self_signed_cert(const std::string& dir, const std::string& name);

}  // namespace kprogress::http_test
