// Finding separate debug files without ever touching the network.
//
// dwfl_standard_find_debuginfo would do the same local searches, but when they
// find nothing and DEBUGINFOD_URLS is set it downloads from a debuginfod server,
// synchronously, on the extension host's only thread. So the callback here keeps
// the two local steps: by build-id (libdwfl's own dwfl_build_id_find_debuginfo,
// which reads `debuginfo_path`), then in the debuginfod client caches iolens was
// given (files fetched off the host's thread, extension/src/core/symbols/debuginfod.ts),
// then by .gnu_debuglink in the places GDB and elfutils look.

#include "debug_search.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace iolens {
namespace {

int FindNothing(Dwfl_Module*, void**, const char*, Dwarf_Addr, char**, Elf**) {
  // Modules are reported with an open descriptor, so libdwfl never needs to
  // look for a main file; refuse rather than let it search.
  return -1;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

/** True when the ELF open on `fd` carries exactly `id` as its GNU build-id. */
bool HasBuildId(int fd, const unsigned char* id, int id_len) {
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (elf == nullptr) return false;
  const void* found = nullptr;
  ssize_t len = dwelf_elf_gnu_build_id(elf, &found);
  bool same = len == id_len && std::memcmp(found, id, static_cast<size_t>(len)) == 0;
  elf_end(elf);
  return same;
}

/** Opens `candidate` if it is a plausible debug file for the module; -1 otherwise. */
int OpenCandidate(Dwfl_Module* mod, const std::string& candidate, const struct stat& main_st) {
  int fd = open(candidate.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            !(st.st_dev == main_st.st_dev && st.st_ino == main_st.st_ino);
  if (ok) {
    // A stale debug file next to a rebuilt binary would give wrong lines; when the
    // binary has a build-id (every modern toolchain emits one) it must match.
    // Without one we trust the name, as the CRC would cost a read of the whole file.
    const unsigned char* id = nullptr;
    GElf_Addr id_vaddr;
    int id_len = dwfl_module_build_id(mod, &id, &id_vaddr);
    if (id_len > 0) ok = HasBuildId(fd, id, id_len);
  }
  if (!ok) {
    close(fd);
    return -1;
  }
  return fd;
}

/** The module's build-id in lowercase hex; empty when it has none. */
std::string BuildIdHex(Dwfl_Module* mod) {
  const unsigned char* id = nullptr;
  GElf_Addr id_vaddr;
  int len = dwfl_module_build_id(mod, &id, &id_vaddr);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < len; ++i) {
    hex += kHex[id[i] >> 4];
    hex += kHex[id[i] & 15];
  }
  return hex;
}

int FindDebuginfo(Dwfl_Module* mod, void** userdata, const char* modname, Dwarf_Addr base,
                  const char* file_name, const char* debuglink, GElf_Word crc,
                  char** debuginfo_file_name) {
  int fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink, crc,
                                        debuginfo_file_name);
  if (fd >= 0) return fd;

  const auto* lookup = static_cast<const DebugLookup*>(*userdata);
  // libdwfl also calls this for a dwz "alt" file (then file_name is the debug file);
  // distributions make those reachable by build-id, which was tried above.
  if (lookup == nullptr || file_name == nullptr || lookup->main_path != file_name) {
    errno = 0;
    return -1;
  }
  struct stat main_st;
  if (stat(file_name, &main_st) != 0) {
    if (debuglink == nullptr) errno = 0;  // as before the caches were looked at: simply nothing found
    return -1;
  }

  std::string hex = lookup->search->build_id_caches.empty() ? "" : BuildIdHex(mod);
  if (!hex.empty()) {
    for (const std::string& cache : lookup->search->build_id_caches) {
      std::string candidate = cache + "/" + hex + "/debuginfo";
      fd = OpenCandidate(mod, candidate, main_st);
      if (fd >= 0) {
        *debuginfo_file_name = strdup(candidate.c_str());
        return fd;
      }
    }
  }
  if (debuglink == nullptr) {
    errno = 0;
    return -1;
  }

  std::vector<std::string> candidates;
  if (debuglink[0] == '/') {
    candidates.push_back(debuglink);
  } else {
    // The directory of the file as named and, if that is a symlink, of its target.
    std::vector<std::string> dirs{DirName(file_name)};
    char* real = realpath(file_name, nullptr);
    if (real != nullptr) {
      std::string real_dir = DirName(real);
      if (real_dir != dirs[0]) dirs.push_back(real_dir);
      free(real);
    }
    for (const std::string& dir : dirs) {
      candidates.push_back(dir + "/" + debuglink);
      candidates.push_back(dir + "/.debug/" + debuglink);
      // GDB's layout: /usr/lib/debug/usr/bin/prog.debug for /usr/bin/prog.
      if (dir[0] == '/') {
        for (const std::string& root : lookup->search->dirs) {
          candidates.push_back(root + dir + "/" + debuglink);
        }
      }
    }
  }
  for (const std::string& candidate : candidates) {
    fd = OpenCandidate(mod, candidate, main_st);
    if (fd >= 0) {
      *debuginfo_file_name = strdup(candidate.c_str());
      return fd;
    }
  }
  errno = 0;
  return -1;
}

}  // namespace

DebugSearch::DebugSearch(DebugPlaces places)
    : dirs(std::move(places.dirs)), build_id_caches(std::move(places.build_id_caches)) {
  for (const std::string& dir : dirs) {
    if (!path.empty()) path += ':';
    path += dir;
  }
  path_ptr = path.data();
  callbacks = Dwfl_Callbacks{};
  callbacks.find_elf = FindNothing;
  callbacks.find_debuginfo = FindDebuginfo;
  callbacks.section_address = dwfl_offline_section_address;
  callbacks.debuginfo_path = &path_ptr;
}

}  // namespace iolens
