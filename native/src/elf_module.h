// One ELF file opened with libdwfl, plus what is needed to turn the file offsets
// seen in memory mappings into the addresses libdwfl understands.

#pragma once

#include <elfutils/libdwfl.h>
#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cu_index.h"
#include "debug_search.h"

namespace iolens {

/** Identifies one version of a file on disk; a change means the cached module is stale. */
struct FileIdentity {
  dev_t dev;
  ino_t ino;
  int64_t mtime_sec;
  int64_t mtime_nsec;
  // ctime too: tools that restore mtime (cp -p, tar) still move ctime.
  int64_t ctime_sec;
  int64_t ctime_nsec;
  off_t size;

  static FileIdentity Of(const struct stat& st);
  bool operator==(const FileIdentity& other) const;
};

/** What inspect() reports about a file (mirrors ElfInfo in index.d.ts). */
struct ElfSummary {
  std::string build_id;  // lowercase hex, empty when the file has none
  std::string type;      // "exec", "dyn" or "other"
  std::optional<std::string> debug_file;
  bool has_lines;
  bool has_symbols;
};

/**
 * An ELF file reported to its own Dwfl session at base 0, so that for executables
 * and shared libraries alike a libdwfl address is the ELF virtual address.
 */
class ElfModule {
 public:
  /** Opens and reports `path`; throws SymbolError (ENOENT, EACCES, ENOTELF, EELF). */
  static std::unique_ptr<ElfModule> Open(const std::string& path,
                                         std::shared_ptr<const DebugSearch> search);
  ~ElfModule();
  ElfModule(const ElfModule&) = delete;
  ElfModule& operator=(const ElfModule&) = delete;

  const std::string& path() const { return lookup_.main_path; }
  const FileIdentity& identity() const { return identity_; }
  Dwfl_Module* dwfl_module() const { return module_; }
  /** ELF e_machine, which says how to read DWARF register numbers. */
  uint16_t machine() const { return machine_; }

  /**
   * The libdwfl address of the byte at `offset` in the file, through the PT_LOAD
   * program headers (the mapping the loader made); nothing when no segment holds it.
   */
  std::optional<Dwarf_Addr> AddressOfFileOffset(uint64_t offset) const;

  /**
   * The DWARF units by their own code ranges (built on the first call), for the
   * addresses libdwfl cannot place without .debug_aranges; null without DWARF.
   */
  const CuIndex* Units();
  /** What to subtract from a libdwfl address to get a DWARF address of Units()' file. */
  Dwarf_Addr dwarf_bias() const { return units_bias_; }

  /** Looks for DWARF (loading a separate debug file if needed) and summarizes the file. */
  ElfSummary Summarize();

 private:
  struct Segment {
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
    bool executable;
  };

  ElfModule() = default;

  std::shared_ptr<const DebugSearch> search_;
  DebugLookup lookup_;
  FileIdentity identity_{};
  Dwfl* dwfl_ = nullptr;
  Dwfl_Module* module_ = nullptr;
  Dwarf_Addr bias_ = 0;
  uint16_t machine_ = 0;
  uint16_t elf_type_ = 0;
  std::vector<Segment> segments_;
  std::unique_ptr<CuIndex> units_;
  Dwarf_Addr units_bias_ = 0;
};

}  // namespace iolens
