#include "unwind_rule.h"

#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>

#include <cstdlib>

#include "cfi_lookup.h"

namespace iolens {
namespace {

/** DWARF register number of the frame pointer (psABI tables); -1 when unknown. */
int FramePointerOf(uint16_t machine) {
  switch (machine) {
    case EM_X86_64:
      return 6;  // rbp
    case EM_386:
      return 5;  // ebp
    case EM_AARCH64:
      return 29;  // x29
    default:
      return -1;
  }
}

std::vector<DwarfOp> OpsOf(const Dwarf_Op* ops, size_t nops) {
  std::vector<DwarfOp> out;
  out.reserve(nops);
  for (size_t i = 0; i < nops; ++i) out.push_back({ops[i].atom, ops[i].number, ops[i].number2});
  return out;
}

RegisterRule RegisterOf(Dwarf_Frame* frame, int regno) {
  if (regno < 0) return {RegisterRule::Kind::kUndefined, {}};
  Dwarf_Op mem[3];
  Dwarf_Op* ops = nullptr;
  size_t nops = 0;
  if (dwarf_frame_register(frame, regno, mem, &ops, &nops) != 0) return {RegisterRule::Kind::kUndefined, {}};
  if (nops == 0) return {ops == nullptr ? RegisterRule::Kind::kSameValue : RegisterRule::Kind::kUndefined, {}};
  return {RegisterRule::Kind::kExpression, OpsOf(ops, nops)};
}

std::optional<UnwindRule> RuleFrom(Dwarf_CFI* cfi, Dwarf_Addr addr, uint16_t machine) {
  Dwarf_Frame* frame = nullptr;
  if (dwarf_cfi_addrframe(cfi, addr, &frame) != 0) return std::nullopt;
  UnwindRule rule{};
  Dwarf_Addr start = 0, end = 0;
  bool signal = false;
  int ra = dwarf_frame_info(frame, &start, &end, &signal);
  rule.signal = signal;
  Dwarf_Op* ops = nullptr;
  size_t nops = 0;
  if (dwarf_frame_cfa(frame, &ops, &nops) == 0) rule.cfa = OpsOf(ops, nops);
  rule.return_address = RegisterOf(frame, ra);
  rule.frame_pointer = RegisterOf(frame, FramePointerOf(machine));
  std::free(frame);  // the ops copied above pointed into it
  return rule;
}

}  // namespace

std::optional<UnwindRule> UnwindRuleAt(Dwfl_Module* mod, uint16_t machine, Dwarf_Addr addr) {
  return ForEachCfi(mod, addr, [machine](Dwarf_CFI* cfi, Dwarf_Addr at) { return RuleFrom(cfi, at, machine); });
}

}  // namespace iolens
