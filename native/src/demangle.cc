#include "demangle.h"

#include <cxxabi.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

namespace iolens {
namespace {

constexpr size_t kRustHashDigits = 16;

bool AllHex(const std::string& s, size_t pos, size_t count) {
  if (pos + count > s.size()) return false;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

/** Legacy Rust names are Itanium names whose last component is "17h<16 hex>". */
bool IsRustLegacy(const std::string& mangled) {
  size_t pos = mangled.rfind("17h");
  return pos != std::string::npos && AllHex(mangled, pos + 3, kRustHashDigits) &&
         pos + 3 + kRustHashDigits < mangled.size() && mangled[pos + 3 + kRustHashDigits] == 'E';
}

/** Decodes one "$...$" escape of a legacy Rust name; empty when unknown. */
std::string RustEscape(const std::string& code) {
  static const struct {
    const char* code;
    const char* text;
  } kNamed[] = {{"SP", "@"}, {"BP", "*"}, {"RF", "&"}, {"LT", "<"},
                {"GT", ">"}, {"LP", "("}, {"RP", ")"}, {"C", ","}};
  for (const auto& named : kNamed) {
    if (code == named.code) return named.text;
  }
  if (code.size() > 1 && code[0] == 'u' && AllHex(code, 1, code.size() - 1)) {
    long value = std::strtol(code.c_str() + 1, nullptr, 16);
    if (value > 0 && value < 0x80) return std::string(1, static_cast<char>(value));
  }
  return "";
}

/** "a::b::h0123456789abcdef" with "$LT$"-style escapes -> "a::b" in plain text. */
std::string CleanRustLegacy(std::string text) {
  size_t hash = text.rfind("::h");
  if (hash != std::string::npos && AllHex(text, hash + 3, kRustHashDigits)) {
    text.erase(hash, 3 + kRustHashDigits);
  }
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool component_start = i == 0 || (i >= 2 && text.compare(i - 2, 2, "::") == 0);
    if (component_start && text.compare(i, 2, "_$") == 0) {
      ++i;  // rustc prefixes a component that starts with an escape with '_'
      continue;
    }
    if (text[i] == '$') {
      size_t end = text.find('$', i + 1);
      if (end != std::string::npos) {
        std::string decoded = RustEscape(text.substr(i + 1, end - i - 1));
        if (!decoded.empty()) {
          out += decoded;
          i = end + 1;
          continue;
        }
      }
    }
    if (text.compare(i, 2, "..") == 0) {
      out += "::";
      i += 2;
      continue;
    }
    out += text[i++];
  }
  return out;
}

}  // namespace

std::string Demangle(const char* name) {
  if (std::strncmp(name, "_Z", 2) != 0) return name;
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || demangled == nullptr) {
    std::free(demangled);
    return name;
  }
  std::string result(demangled);
  std::free(demangled);
  if (IsRustLegacy(name)) result = CleanRustLegacy(result);
  return result;
}

bool LooksMangled(const std::string& name) {
  return name.size() > 2 && name[0] == '_' && (name[1] == 'Z' || name[1] == 'R') &&
         (std::isupper(static_cast<unsigned char>(name[2])) ||
          std::isdigit(static_cast<unsigned char>(name[2])));
}

}  // namespace iolens
