#include "cu_index.h"

#include <dwarf.h>

#include <algorithm>

namespace iolens {

CuIndex::CuIndex(Dwarf* dwarf) : dwarf_(dwarf) {
  if (dwarf == nullptr) return;
  Dwarf_CU* cu = nullptr;
  Dwarf_Die cudie;
  uint8_t unit_type = 0;
  while (dwarf_get_units(dwarf, cu, &cu, nullptr, &unit_type, &cudie, nullptr) == 0) {
    if (unit_type != DW_UT_compile && unit_type != DW_UT_partial && unit_type != DW_UT_skeleton) continue;
    Dwarf_Addr base = 0;
    Dwarf_Addr start = 0;
    Dwarf_Addr end = 0;
    Dwarf_Off die = dwarf_dieoffset(&cudie);
    for (ptrdiff_t next = 0; (next = dwarf_ranges(&cudie, next, &base, &start, &end)) > 0;) {
      if (end > start) ranges_.push_back(Range{start, end, die});
    }
  }
  std::sort(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) { return a.low < b.low; });
}

bool CuIndex::Find(Dwarf_Addr pc, Dwarf_Die* cudie) const {
  // the last range starting at or below pc, then those before it that may still
  // reach pc (units' ranges rarely overlap; a few steps back at most)
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), pc,
                             [](Dwarf_Addr value, const Range& r) { return value < r.low; });
  for (int steps = 0; it != ranges_.begin() && steps < 8; ++steps) {
    --it;
    if (pc < it->high) return dwarf_offdie(dwarf_, it->die, cudie) != nullptr;
  }
  return false;
}

}  // namespace iolens
