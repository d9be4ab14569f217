#include "demangle.h"

#include <cxxabi.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

// libiberty declares basename() unless told that the C library does (glibc's C++ overloads clash)
#define HAVE_DECL_BASENAME 1
#include <libiberty/demangle.h>

namespace iolens {
namespace {

constexpr size_t kRustHashDigits = 16;

bool AllHex(const char* s, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

/** Legacy Rust names are Itanium names whose last component is "17h<16 hex>". */
bool IsRustLegacy(const char* mangled) {
  const char* pos = std::strstr(mangled, "17h");
  for (; pos != nullptr; pos = std::strstr(pos + 1, "17h")) {
    const char* hash = pos + 3;
    if (std::strlen(hash) > kRustHashDigits && AllHex(hash, kRustHashDigits) && hash[kRustHashDigits] == 'E') return true;
  }
  return false;
}

/** libiberty's Rust demangler (legacy and v0 names, the hash left out); empty when it refuses. */
std::string RustDemangle(const char* name) {
  char* demangled = rust_demangle(name, DMGL_PARAMS);
  if (demangled == nullptr) return "";
  std::string result(demangled);
  std::free(demangled);
  return result;
}

}  // namespace

std::string Demangle(const char* name) {
  // Rust: v0 names ("_R…", rustc's default since 1.9x) and legacy ones (Itanium with a hash)
  if (std::strncmp(name, "_R", 2) == 0 || (std::strncmp(name, "_Z", 2) == 0 && IsRustLegacy(name))) {
    std::string rust = RustDemangle(name);
    if (!rust.empty()) return rust;
  }
  if (std::strncmp(name, "_Z", 2) != 0) return name;
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || demangled == nullptr) {
    std::free(demangled);
    return name;
  }
  std::string result(demangled);
  std::free(demangled);
  return result;
}

bool LooksMangled(const std::string& name) {
  return name.size() > 2 && name[0] == '_' && (name[1] == 'Z' || name[1] == 'R') &&
         (std::isupper(static_cast<unsigned char>(name[2])) ||
          std::isdigit(static_cast<unsigned char>(name[2])));
}

}  // namespace iolens
