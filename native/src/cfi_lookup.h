// The one place that decides which unwind table answers for an address.

#pragma once

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <optional>
#include <utility>

namespace iolens {

/**
 * Asks `fn(cfi, address in that table)` of the module's `.eh_frame` first, then
 * of its `.debug_frame`, each with its own load bias, and returns the first
 * answer that holds a value (std::nullopt when neither table has one).
 * `.eh_frame` comes first: it is in the binary itself, so the lookup does not
 * load the (possibly large) separate debug info, and it is what the runtime's
 * own unwinder uses.
 */
template <typename Fn>
auto ForEachCfi(Dwfl_Module* mod, Dwarf_Addr addr, Fn fn) -> decltype(fn(std::declval<Dwarf_CFI*>(), addr)) {
  Dwarf_Addr bias = 0;
  if (Dwarf_CFI* eh = dwfl_module_eh_cfi(mod, &bias)) {
    if (auto answer = fn(eh, addr - bias)) return answer;
  }
  if (Dwarf_CFI* debug = dwfl_module_dwarf_cfi(mod, &bias)) return fn(debug, addr - bias);
  return std::nullopt;
}

}  // namespace iolens
