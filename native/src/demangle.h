// Readable names for C++ and Rust symbols.

#pragma once

#include <string>

namespace iolens {

/**
 * Demangles an Itanium C++ name ("_ZN3foo3barEv" -> "foo::bar()") and a legacy
 * Rust name ("_ZN4core3fmt5write17h0123456789abcdefE" -> "core::fmt::write":
 * the ::h<hash> suffix dropped, "$LT$"-style escapes decoded). Anything else,
 * including Rust v0 ("_R...") names, comes back unchanged.
 */
std::string Demangle(const char* name);

/** True when `name` looks like a mangled name Demangle() could not decode. */
bool LooksMangled(const std::string& name);

}  // namespace iolens
