#include "module_cache.h"

#include <sys/stat.h>

#include <cerrno>

#include "errors.h"

namespace iolens {

ModuleCache::ModuleCache(DebugPlaces places)
    : search_(std::make_shared<DebugSearch>(std::move(places))) {}

ElfModule& ModuleCache::Get(const std::string& path) {
  // One stat per call (a call carries a whole batch of offsets) is cheap next to
  // resolving with a stale module.
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    modules_.erase(path);
    throw SystemError(errno, "stat", path);
  }
  auto it = modules_.find(path);
  if (it != modules_.end()) {
    if (it->second->identity() == FileIdentity::Of(st)) return *it->second;
    modules_.erase(it);  // changed on disk: never touch the old mapping again
  }
  std::unique_ptr<ElfModule> module = ElfModule::Open(path, search_);
  ElfModule& ref = *module;
  modules_.emplace(path, std::move(module));
  return ref;
}

}  // namespace iolens
