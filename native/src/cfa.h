// The call frame address (CFA) rule at an address, from the unwind tables.

#pragma once

#include <elfutils/libdwfl.h>

#include <cstdint>
#include <optional>

namespace iolens {

/** Which register the CFA is computed from (mirrors CfaRule in index.d.ts). */
enum class CfaRegister { kStackPointer, kFramePointer, kOther };

/** CFA = register + offset; kOther with offset 0 when the CFA is a DWARF expression. */
struct CfaRule {
  CfaRegister reg;
  int64_t offset;
};

/**
 * The CFA rule in force at libdwfl address `addr`, from .eh_frame or, failing
 * that, .debug_frame; nothing when no FDE covers the address. `machine` (ELF
 * e_machine) says which DWARF register numbers are the stack and frame pointers.
 */
std::optional<CfaRule> CfaAt(Dwfl_Module* mod, uint16_t machine, Dwarf_Addr addr);

}  // namespace iolens
