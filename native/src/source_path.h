// Turning the file names DWARF records into paths an editor can open.

#pragma once

#include <string>

namespace iolens {

/**
 * The path of a source file named `name` in a compilation unit built in
 * `comp_dir` (DW_AT_comp_dir, may be null): joined with comp_dir when relative,
 * then cleaned lexically ("a/./b" -> "a/b", "a/x/../b" -> "a/b").
 *
 * Binaries built with -ffile-prefix-map (Debian's libc among them) record a
 * relative comp_dir such as "./io"; their paths stay relative to the source root.
 */
std::string SourcePath(const char* name, const char* comp_dir);

/** Lexical clean-up of a path: drops "." and empty components, folds "x/..". */
std::string NormalizePath(const std::string& path);

}  // namespace iolens
