#include "resolve.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>

#include "cu_index.h"
#include "demangle.h"
#include "scopes.h"
#include "source_path.h"

namespace iolens {
namespace {

/** A position in the source; empty file / zero line or column when unknown. */
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
};

const char* CompDir(Dwarf_Die* cu) {
  Dwarf_Attribute attr;
  return dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
}

/** A line-table row's position; empty when there is no row. */
Location LocationOfLine(const char* file, const char* comp_dir, int lineno, int column) {
  Location loc;
  if (file != nullptr) loc.file = SourcePath(file, comp_dir);
  loc.line = lineno > 0 ? lineno : 0;
  loc.column = column > 0 ? column : 0;
  return loc;
}

/** The line-table row covering `addr`: where the instruction itself comes from. */
Location LocationOfAddress(Dwfl_Module* mod, Dwarf_Addr addr) {
  Dwfl_Line* line = dwfl_module_getsrc(mod, addr);
  if (line == nullptr) return Location{};
  int lineno = 0;
  int column = 0;
  const char* file = dwfl_lineinfo(line, nullptr, &lineno, &column, nullptr, nullptr);
  return LocationOfLine(file, dwfl_line_comp_dir(line), lineno, column);
}

/** The row covering DWARF address `pc` in the line table of unit `cudie`. */
Location LocationInUnit(Dwarf_Die* cudie, Dwarf_Addr pc) {
  Dwarf_Line* line = dwarf_getsrc_die(cudie, pc);
  if (line == nullptr) return Location{};
  int lineno = 0;
  int column = 0;
  dwarf_lineno(line, &lineno);
  dwarf_linecol(line, &column);
  return LocationOfLine(dwarf_linesrc(line, nullptr, nullptr), CompDir(cudie), lineno, column);
}

int UdataAttr(Dwarf_Die* die, unsigned int name) {
  Dwarf_Attribute attr;
  Dwarf_Word value = 0;
  if (dwarf_formudata(dwarf_attr(die, name, &attr), &value) != 0) return 0;
  return static_cast<int>(value);
}

/** Where the inlined call `inlined` sits in its caller (DW_AT_call_file/line/column). */
Location CallSiteOf(Dwarf_Die* inlined) {
  Location loc;
  Dwarf_Attribute attr;
  Dwarf_Word file_index = 0;
  Dwarf_Die cu;
  Dwarf_Files* files = nullptr;
  size_t nfiles = 0;
  // The call_file index refers to the line table of the unit holding this DIE.
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &file_index) == 0 &&
      dwarf_diecu(inlined, &cu, nullptr, nullptr) != nullptr &&
      dwarf_getsrcfiles(&cu, &files, &nfiles) == 0 && file_index < nfiles) {
    const char* name = dwarf_filesrc(files, file_index, nullptr, nullptr);
    if (name != nullptr) loc.file = SourcePath(name, CompDir(&cu));
  }
  loc.line = UdataAttr(inlined, DW_AT_call_line);
  loc.column = UdataAttr(inlined, DW_AT_call_column);
  return loc;
}

/**
 * The name of a subprogram or inlined subroutine. The "integrate" lookups follow
 * DW_AT_abstract_origin (inlined copies) and DW_AT_specification (C++ methods
 * defined out of class). The linkage name demangles to the qualified C++ or Rust
 * name; plain C functions only have DW_AT_name.
 */
std::string FunctionName(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  const char* linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
  if (linkage == nullptr) {
    linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
  }
  const char* name = dwarf_diename(die);
  if (linkage != nullptr) {
    std::string demangled = Demangle(linkage);
    // A name we cannot demangle (Rust v0) reads worse than the short DW_AT_name.
    if (!(LooksMangled(demangled) && name != nullptr)) return demangled;
  }
  return name != nullptr ? name : "";
}

/** The function symbol covering `addr`, demangled; empty when there is none. */
std::string SymbolName(Dwfl_Module* mod, Dwarf_Addr addr) {
  GElf_Off offset = 0;
  GElf_Sym sym;
  const char* name = dwfl_module_addrinfo(mod, addr, &offset, &sym, nullptr, nullptr, nullptr);
  if (name == nullptr) return "";
  int type = GELF_ST_TYPE(sym.st_info);
  // An address in data (an offset into .rodata, say) is no function.
  if (type != STT_FUNC && type != STT_GNU_IFUNC) return "";
  return Demangle(name);
}

/**
 * Appends the DWARF frames at `addr` to `frames`. Returns true when the chain
 * ended at its out-of-line function; otherwise `next` is the location the
 * missing outer frame would have (a call site, or the address's own row).
 */
bool DwarfFrames(ElfModule& module, Dwarf_Addr addr, std::vector<Frame>* frames, Location* next) {
  Dwfl_Module* mod = module.dwfl_module();
  *next = LocationOfAddress(mod, addr);
  Dwarf_Addr bias = 0;
  Dwarf_Die* cudie = dwfl_module_addrdie(mod, addr, &bias);
  Dwarf_Die indexed;
  if (cudie == nullptr) {
    // no .debug_aranges (clang's default): the units' own ranges place the address
    const CuIndex* units = module.Units();
    if (units == nullptr || !units->Find(addr - module.dwarf_bias(), &indexed)) return false;
    cudie = &indexed;
    bias = module.dwarf_bias();
    if (next->file.empty() && next->line == 0) *next = LocationInUnit(cudie, addr - bias);
  }

  std::vector<Dwarf_Die> scopes = ScopesAt(cudie, addr - bias);
  for (Dwarf_Die& scope : scopes) {
    Dwarf_Die* die = &scope;
    int tag = dwarf_tag(die);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram) continue;
    Frame frame{FunctionName(die), next->file, next->line, next->column,
                tag == DW_TAG_inlined_subroutine};
    if (tag == DW_TAG_subprogram) {
      if (frame.function.empty()) frame.function = SymbolName(mod, addr);
      frames->push_back(frame);
      return true;
    }
    frames->push_back(frame);
    *next = CallSiteOf(die);
  }
  return false;
}

}  // namespace

std::vector<Frame> ResolveAddress(ElfModule& module, Dwarf_Addr addr) {
  Dwfl_Module* mod = module.dwfl_module();
  std::vector<Frame> frames;
  Location next;
  if (DwarfFrames(module, addr, &frames, &next)) return frames;

  // No DWARF function here (no debug info, or hand-written assembly that only has
  // line rows): the symbol table names the out-of-line function.
  std::string symbol = SymbolName(mod, addr);
  if (symbol.empty()) {
    // Inlined frames whose container DWARF does not describe: the outermost one
    // is as close to a real function as we can get.
    if (!frames.empty()) frames.back().inlined = false;
    return frames;
  }
  frames.push_back(Frame{symbol, next.file, next.line, next.column, false});
  return frames;
}

}  // namespace iolens
