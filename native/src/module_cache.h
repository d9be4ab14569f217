// Opened ELF modules, kept until the file on disk changes.

#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "debug_search.h"
#include "elf_module.h"

namespace iolens {

/**
 * Opening a module is the expensive part (libc's debug info takes tens of
 * milliseconds), so modules are kept by path and reused while the file keeps the
 * same device, inode, mtime, ctime and size. A rebuilt binary is therefore re-read.
 */
class ModuleCache {
 public:
  explicit ModuleCache(DebugPlaces places);

  /** The module for `path`, opened now if new or changed; throws SymbolError. */
  ElfModule& Get(const std::string& path);

  /** Drops every module. */
  void Clear() { modules_.clear(); }

 private:
  std::shared_ptr<const DebugSearch> search_;
  std::unordered_map<std::string, std::unique_ptr<ElfModule>> modules_;
};

}  // namespace iolens
