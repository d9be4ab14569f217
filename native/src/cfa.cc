#include "cfa.h"

#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>

#include <cstdlib>

#include "cfi_lookup.h"

namespace iolens {
namespace {

/** DWARF register numbers of the stack and frame pointers (psABI tables). */
struct PointerRegisters {
  int sp;
  int fp;
};

std::optional<PointerRegisters> PointerRegistersOf(uint16_t machine) {
  switch (machine) {
    case EM_X86_64:
      return PointerRegisters{7, 6};  // rsp, rbp
    case EM_386:
      return PointerRegisters{4, 5};  // esp, ebp
    case EM_AARCH64:
      return PointerRegisters{31, 29};  // sp, x29
    default:
      return std::nullopt;
  }
}

std::optional<CfaRule> RuleFrom(Dwarf_CFI* cfi, Dwarf_Addr addr, uint16_t machine) {
  Dwarf_Frame* frame = nullptr;
  if (dwarf_cfi_addrframe(cfi, addr, &frame) != 0) return std::nullopt;
  Dwarf_Op* ops = nullptr;
  size_t nops = 0;
  std::optional<CfaRule> rule;
  if (dwarf_frame_cfa(frame, &ops, &nops) == 0) {
    // libdw hands a "register + offset" rule back as one DW_OP_bregx op;
    // anything else is a real expression (PLT entries, signal frames). No ops
    // at all means an undefined CFA: the outermost frame, nothing to report.
    if (nops == 1 && ops[0].atom == DW_OP_bregx) {
      auto regs = PointerRegistersOf(machine);
      auto regno = static_cast<int>(ops[0].number);
      CfaRegister reg = !regs ? CfaRegister::kOther
                        : regno == regs->sp ? CfaRegister::kStackPointer
                        : regno == regs->fp ? CfaRegister::kFramePointer
                                            : CfaRegister::kOther;
      rule = CfaRule{reg, static_cast<int64_t>(ops[0].number2)};
    } else if (nops > 0) {
      rule = CfaRule{CfaRegister::kOther, 0};
    }
  }
  std::free(frame);  // ops point into frame
  return rule;
}

}  // namespace

std::optional<CfaRule> CfaAt(Dwfl_Module* mod, uint16_t machine, Dwarf_Addr addr) {
  return ForEachCfi(mod, addr, [machine](Dwarf_CFI* cfi, Dwarf_Addr at) { return RuleFrom(cfi, at, machine); });
}

}  // namespace iolens
