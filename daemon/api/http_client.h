// A client of the local API's unix socket (smegctl and the tests): one HTTP/1.1 request, one
// response, with a deadline. Errors say what failed: "smegd is not running (no socket at
// PATH)", a refused connection, a timeout, a malformed response.
#pragma once

#include <string>

#include "core/status.h"

namespace smeg::daemon {

struct HttpResult {
  unsigned status = 0;
  std::string body;
};

Result<HttpResult> http_request(const std::string& socket_path, const std::string& method,
                                const std::string& target, const std::string& body = "",
                                int timeout_ms = 30000);

}  // namespace smeg::daemon
