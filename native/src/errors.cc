#include "errors.h"

#include <cerrno>
#include <cstring>

namespace iolens {

SymbolError SystemError(int err, const std::string& syscall, const std::string& path) {
  // The API promises a small set of codes. Path-shaped failures all mean "there is
  // no such file to read", permission failures mean "not allowed"; anything else
  // (EMFILE, EIO...) is rare and reported as EELF with the system's own message.
  std::string code;
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
    case ELOOP:
      code = "ENOENT";
      break;
    case EACCES:
    case EPERM:
      code = "EACCES";
      break;
    case EISDIR:
      code = "ENOTELF";
      break;
    default:
      code = "EELF";
      break;
  }
  return SymbolError(code, code + ": " + std::strerror(err) + ", " + syscall + " '" + path + "'",
                     path);
}

SymbolError NotElfError(const std::string& why, const std::string& path) {
  return SymbolError("ENOTELF", "ENOTELF: " + why + ", '" + path + "'", path);
}

SymbolError ElfError(const std::string& detail, const std::string& path) {
  return SymbolError("EELF", "EELF: " + detail + ", '" + path + "'", path);
}

}  // namespace iolens
