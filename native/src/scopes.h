// The DIEs whose code ranges contain an address: the physical nesting of
// lexical blocks, inlined calls and the function, innermost first.

#pragma once

#include <elfutils/libdw.h>

#include <vector>

namespace iolens {

/**
 * The scopes of compilation unit `cudie` that contain `pc` (a DWARF address),
 * innermost first, ending with the outermost DW_TAG_subprogram; empty when no
 * function of the unit covers `pc`.
 *
 * This is what dwarf_getscopes + dwarf_getscopes_die give eu-addr2line -i, in
 * one pruned walk: functions and blocks that do not contain `pc` are skipped
 * whole, where libdw visits every scope of the unit (twice), which made it the
 * bulk of the lookup cost. Not found: GCC nested functions (their code lies
 * outside the enclosing function's range); the symbol table still names them.
 */
std::vector<Dwarf_Die> ScopesAt(Dwarf_Die* cudie, Dwarf_Addr pc);

}  // namespace iolens
