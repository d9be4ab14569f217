#include "scopes.h"

#include <dwarf.h>

#include <algorithm>

namespace iolens {
namespace {

/** Deep enough for any real nesting. */
constexpr int kMaxDepth = 64;

/**
 * DIEs one lookup may visit: far above what a real unit needs (its top-level
 * DIEs plus one path down), but it stops a malformed file whose units import
 * each other from making a lookup endless.
 */
constexpr long kMaxVisits = 1L << 22;

bool HasCodeRange(Dwarf_Die* die) {
  return dwarf_hasattr(die, DW_AT_low_pc) || dwarf_hasattr(die, DW_AT_ranges) ||
         dwarf_hasattr(die, DW_AT_entry_pc);
}

/** Appends the chain below `parent` that contains `pc`, outermost first. */
bool Descend(Dwarf_Die* parent, Dwarf_Addr pc, std::vector<Dwarf_Die>* chain, int depth,
             long* visits) {
  Dwarf_Die child;
  if (depth > kMaxDepth || dwarf_child(parent, &child) != 0) return false;
  do {
    if (++*visits > kMaxVisits) return false;
    switch (dwarf_tag(&child)) {
      case DW_TAG_subprogram:
      case DW_TAG_inlined_subroutine:
        // Declarations and abstract (inline) definitions have no range: skipped.
        if (dwarf_haspc(&child, pc) == 1) {
          chain->push_back(child);
          Descend(&child, pc, chain, depth + 1, visits);
          return true;
        }
        break;
      case DW_TAG_lexical_block:
      case DW_TAG_try_block:
      case DW_TAG_catch_block:
        if (!HasCodeRange(&child)) {
          // A block without a range of its own can still hold ones that have.
          if (Descend(&child, pc, chain, depth + 1, visits)) return true;
        } else if (dwarf_haspc(&child, pc) == 1) {
          chain->push_back(child);
          Descend(&child, pc, chain, depth + 1, visits);
          return true;
        }
        break;
      case DW_TAG_namespace:
      case DW_TAG_module:
        // Containers without code of their own (C++ namespaces, Fortran modules).
        if (Descend(&child, pc, chain, depth + 1, visits)) return true;
        break;
      case DW_TAG_imported_unit: {
        // dwz moves shared DIEs into partial units that units import.
        Dwarf_Attribute attr;
        Dwarf_Die unit;
        if (dwarf_formref_die(dwarf_attr(&child, DW_AT_import, &attr), &unit) != nullptr &&
            Descend(&unit, pc, chain, depth + 1, visits)) {
          return true;
        }
        break;
      }
      default:
        break;  // types, variables, parameters: no code inside
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

}  // namespace

std::vector<Dwarf_Die> ScopesAt(Dwarf_Die* cudie, Dwarf_Addr pc) {
  std::vector<Dwarf_Die> chain;
  long visits = 0;
  Descend(cudie, pc, &chain, 0, &visits);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

}  // namespace iolens
