// Where to look for separate debug files, and the libdwfl callbacks that do it.

#pragma once

#include <elfutils/libdwfl.h>

#include <string>
#include <vector>

namespace iolens {

/** Where a Symbolizer looks for separate debug files (SymbolizerOptions in index.d.ts). */
struct DebugPlaces {
  /** Directories holding .build-id/xx/yyyy.debug trees (default /usr/lib/debug). */
  std::vector<std::string> dirs;
  /**
   * Directories in the debuginfod client cache's layout, <dir>/<build-id hex>/debuginfo
   * (files a debuginfod client fetched; this addon never fetches).
   */
  std::vector<std::string> build_id_caches;
};

/**
 * The debug directories of one Symbolizer and the Dwfl_Callbacks built from them.
 *
 * libdwfl keeps a pointer to the callbacks (and reads *debuginfo_path lazily), so
 * this object must outlive every Dwfl that uses it; modules hold it by shared_ptr.
 * It is neither copyable nor movable because `callbacks` points into itself.
 */
struct DebugSearch {
  explicit DebugSearch(DebugPlaces places);
  DebugSearch(const DebugSearch&) = delete;
  DebugSearch& operator=(const DebugSearch&) = delete;

  /** Absolute directories holding .build-id/xx/yyyy.debug trees (default /usr/lib/debug). */
  std::vector<std::string> dirs;
  /** Debuginfod client caches: <dir>/<build-id hex>/debuginfo. */
  std::vector<std::string> build_id_caches;
  /** `dirs` joined with ':' — the format of Dwfl_Callbacks::debuginfo_path. */
  std::string path;
  char* path_ptr;
  Dwfl_Callbacks callbacks;
};

/**
 * What the find_debuginfo callback needs to know about one module; stored in the
 * module's libdwfl userdata slot.
 */
struct DebugLookup {
  const DebugSearch* search;
  /** The main file's path exactly as reported to libdwfl. */
  std::string main_path;
};

}  // namespace iolens
