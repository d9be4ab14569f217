// The unwind rule at an address (CFA, return address, frame pointer), from the
// unwind tables: what a CFI unwinder of a stack snapshot needs per frame.

#pragma once

#include <elfutils/libdwfl.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace iolens {

/** One DWARF expression operation: atom and its two operands (libdw's Dwarf_Op). */
struct DwarfOp {
  uint8_t atom;
  uint64_t number;
  uint64_t number2;
};

/** How a caller's register is recovered (mirrors RegisterRule in index.d.ts). */
struct RegisterRule {
  enum class Kind { kUndefined, kSameValue, kExpression } kind;
  /** kExpression: a DWARF location (evaluated with the CFA pushed first); a value when it ends with DW_OP_stack_value. */
  std::vector<DwarfOp> ops;
};

/** The rule in force at an address: mirrors UnwindRule in index.d.ts. */
struct UnwindRule {
  /** A DWARF expression giving the CFA; empty when the CFA is undefined. */
  std::vector<DwarfOp> cfa;
  RegisterRule return_address;
  RegisterRule frame_pointer;
  /** The frame is a signal trampoline's: its "return address" is the interrupted pc itself. */
  bool signal;
};

/**
 * The unwind rule at libdwfl address `addr`, from .eh_frame or, failing that,
 * .debug_frame; nothing when no FDE covers it. `machine` (ELF e_machine) says
 * which DWARF register is the frame pointer.
 */
std::optional<UnwindRule> UnwindRuleAt(Dwfl_Module* mod, uint16_t machine, Dwarf_Addr addr);

}  // namespace iolens
