// Compilation units by the code ranges they state themselves, for files without
// .debug_aranges.

#pragma once

#include <elfutils/libdw.h>

#include <vector>

namespace iolens {

/**
 * The units of one DWARF file by their own DW_AT_ranges or low_pc/high_pc. libdwfl
 * (elfutils 0.188, Debian 12's) finds the unit of an address only through
 * .debug_aranges, which clang does not emit by default (nor Go's linker): every
 * address of such a binary had a function from the symbol table but no line.
 * Built once per module, on its first address libdwfl could not place.
 */
class CuIndex {
 public:
  /** Reads the ranges of every compile and partial unit of `dwarf` (may be null: an empty index). */
  explicit CuIndex(Dwarf* dwarf);

  /** The unit whose code holds DWARF address `pc`; false when none does. */
  bool Find(Dwarf_Addr pc, Dwarf_Die* cudie) const;

  /** Whether the index holds any range. */
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    Dwarf_Addr low;
    Dwarf_Addr high;  // exclusive
    Dwarf_Off die;    // the unit DIE's offset
  };

  Dwarf* dwarf_;
  std::vector<Range> ranges_;  // sorted by low
};

}  // namespace iolens
