#include "core/status.h"

namespace smeg {

std::string Status::to_string() const {
  const char* name = "ok";
  switch (code_) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      name = "invalid argument";
      break;
    case Code::kNotFound:
      name = "not found";
      break;
    case Code::kCorruption:
      name = "corruption";
      break;
    case Code::kConflict:
      name = "conflict";
      break;
    case Code::kUnsupported:
      name = "unsupported";
      break;
    case Code::kIoError:
      name = "i/o error";
      break;
  }
  return std::string(name) + ": " + message_;
}

}  // namespace smeg
