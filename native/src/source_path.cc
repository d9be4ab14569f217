#include "source_path.h"

#include <cstring>
#include <vector>

namespace iolens {

std::string NormalizePath(const std::string& path) {
  bool absolute = !path.empty() && path[0] == '/';
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
        continue;
      }
      if (absolute) continue;  // "/.." is "/"
    }
    parts.push_back(part);
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  if (out.empty()) out = ".";
  return out;
}

std::string SourcePath(const char* name, const char* comp_dir) {
  std::string path = name;
  if (path.empty()) return path;
  // libdw has already prefixed names in directory 0 with that directory, which
  // is the comp_dir; names in other relative directories are still relative to
  // comp_dir. With a relative comp_dir the two cases look alike, so a name that
  // already starts with comp_dir is taken as joined.
  if (path[0] != '/' && comp_dir != nullptr && comp_dir[0] != '\0') {
    size_t dir_len = std::strlen(comp_dir);
    bool joined = comp_dir[0] != '/' && path.compare(0, dir_len, comp_dir) == 0 &&
                  (path.size() == dir_len || path[dir_len] == '/');
    if (!joined) path = std::string(comp_dir) + "/" + path;
  }
  return NormalizePath(path);
}

}  // namespace iolens
