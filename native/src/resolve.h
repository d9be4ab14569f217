// Address -> function, file, line, column, with the chain of inlined calls.

#pragma once

#include <elfutils/libdwfl.h>

#include "elf_module.h"

#include <string>
#include <vector>

namespace iolens {

/** One frame of a resolved address (mirrors ResolvedFrame in index.d.ts). */
struct Frame {
  std::string function;  // empty when unknown
  std::string file;      // empty when unknown
  int line = 0;          // 0 when unknown
  int column = 0;        // 0 when unknown
  bool inlined = false;
};

/**
 * The frames at libdwfl address `addr` of `module`, innermost first: the inlined
 * calls (inlined = true), then the out-of-line function that contains them.
 * Each frame's line is the position inside that frame's function, so an inlined
 * frame's caller gets the call site (DW_AT_call_*) — as `eu-addr2line -i` prints.
 * Without DWARF for the address the symbol table names the function and the
 * line table (if any) gives the line. Empty when no function covers `addr`.
 */
std::vector<Frame> ResolveAddress(ElfModule& module, Dwarf_Addr addr);

}  // namespace iolens
