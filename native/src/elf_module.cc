#include "elf_module.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "errors.h"

namespace iolens {
namespace {

/** Closes a descriptor unless ownership was handed on with release(). */
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  void release() { fd_ = -1; }

 private:
  int fd_;
};

std::string DwflMessage() {
  const char* msg = dwfl_errmsg(-1);
  return msg != nullptr ? msg : "unknown libdwfl error";
}

std::string Hex(const unsigned char* bytes, int len) {
  std::string out;
  char buf[3];
  for (int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    out += buf;
  }
  return out;
}

/** True when `elf` has a section `name` whose bytes are actually in the file. */
bool HasSectionData(Elf* elf, const char* name) {
  size_t shstrndx;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return false;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) continue;
    const char* scn_name = elf_strptr(elf, shstrndx, shdr.sh_name);
    // Stripped debug files keep section headers as SHT_NOBITS, so check the type.
    if (scn_name != nullptr && std::strcmp(scn_name, name) == 0 && shdr.sh_type != SHT_NOBITS &&
        shdr.sh_size > 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

FileIdentity FileIdentity::Of(const struct stat& st) {
  return FileIdentity{st.st_dev,
                      st.st_ino,
                      static_cast<int64_t>(st.st_mtim.tv_sec),
                      static_cast<int64_t>(st.st_mtim.tv_nsec),
                      static_cast<int64_t>(st.st_ctim.tv_sec),
                      static_cast<int64_t>(st.st_ctim.tv_nsec),
                      st.st_size};
}

bool FileIdentity::operator==(const FileIdentity& other) const {
  return dev == other.dev && ino == other.ino && mtime_sec == other.mtime_sec &&
         mtime_nsec == other.mtime_nsec && ctime_sec == other.ctime_sec &&
         ctime_nsec == other.ctime_nsec && size == other.size;
}

std::unique_ptr<ElfModule> ElfModule::Open(const std::string& path,
                                           std::shared_ptr<const DebugSearch> search) {
  // Open the file ourselves first: libdwfl folds errno into its own messages, and
  // callers need ENOENT/EACCES/ENOTELF to decide what to tell the user.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw SystemError(errno, "open", path);
  FdGuard guard(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) throw SystemError(errno, "stat", path);
  if (S_ISDIR(st.st_mode)) throw NotElfError("is a directory", path);
  if (!S_ISREG(st.st_mode)) throw NotElfError("not a regular file", path);
  unsigned char magic[SELFMAG];
  ssize_t got = pread(fd, magic, SELFMAG, 0);
  if (got < 0) throw SystemError(errno, "read", path);
  if (got != SELFMAG || std::memcmp(magic, ELFMAG, SELFMAG) != 0) {
    throw NotElfError("not an ELF file", path);
  }

  std::unique_ptr<ElfModule> m(new ElfModule());
  m->search_ = std::move(search);
  m->lookup_ = DebugLookup{m->search_.get(), path};
  m->identity_ = FileIdentity::Of(st);
  m->dwfl_ = dwfl_begin(&m->search_->callbacks);
  if (m->dwfl_ == nullptr) throw ElfError(DwflMessage(), path);

  // Base 0 with add_p_vaddr: libdwfl's bias is 0 for ET_DYN as for ET_EXEC, so an
  // address here is the ELF virtual address (what nm, objdump and DWARF show).
  dwfl_report_begin(m->dwfl_);
  const char* base_name = std::strrchr(path.c_str(), '/');
  base_name = base_name != nullptr ? base_name + 1 : path.c_str();
  m->module_ = dwfl_report_elf(m->dwfl_, base_name, path.c_str(), fd, 0, true);
  if (m->module_ == nullptr) throw ElfError(DwflMessage(), path);
  guard.release();  // libdwfl owns the descriptor now and closes it in dwfl_end
  if (dwfl_report_end(m->dwfl_, nullptr, nullptr) != 0) throw ElfError(DwflMessage(), path);

  // The find_debuginfo callback reads this to learn the debug dirs and main path.
  void** userdata = nullptr;
  dwfl_module_info(m->module_, &userdata, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  *userdata = &m->lookup_;

  Elf* elf = dwfl_module_getelf(m->module_, &m->bias_);
  GElf_Ehdr ehdr;
  if (elf == nullptr || gelf_getehdr(elf, &ehdr) == nullptr) {
    throw ElfError(elf == nullptr ? DwflMessage() : elf_errmsg(-1), path);
  }
  m->machine_ = ehdr.e_machine;
  m->elf_type_ = ehdr.e_type;
  size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) != 0) phnum = 0;  // e.g. ET_REL: no segments
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr phdr;
    if (gelf_getphdr(elf, static_cast<int>(i), &phdr) == nullptr || phdr.p_type != PT_LOAD) {
      continue;
    }
    m->segments_.push_back(
        Segment{phdr.p_offset, phdr.p_vaddr, phdr.p_filesz, (phdr.p_flags & PF_X) != 0});
  }
  return m;
}

ElfModule::~ElfModule() {
  if (dwfl_ != nullptr) dwfl_end(dwfl_);
}

std::optional<Dwarf_Addr> ElfModule::AddressOfFileOffset(uint64_t offset) const {
  // Segments do not share bytes in normal layouts; if a hand-made file makes them,
  // code is what stacks point at, so an executable segment wins.
  const Segment* found = nullptr;
  for (const Segment& seg : segments_) {
    if (offset >= seg.offset && offset - seg.offset < seg.filesz &&
        (found == nullptr || (seg.executable && !found->executable))) {
      found = &seg;
    }
  }
  if (found == nullptr) return std::nullopt;
  return offset - found->offset + found->vaddr + bias_;
}

ElfSummary ElfModule::Summarize() {
  ElfSummary summary{};
  const unsigned char* id = nullptr;
  GElf_Addr id_vaddr;
  int id_len = dwfl_module_build_id(module_, &id, &id_vaddr);
  if (id_len > 0) summary.build_id = Hex(id, id_len);
  summary.type = elf_type_ == ET_EXEC ? "exec" : elf_type_ == ET_DYN ? "dyn" : "other";

  // Both calls may load the separate debug file; afterwards libdwfl knows its name.
  Dwarf_Addr dwbias;
  Dwarf* dwarf = dwfl_module_getdwarf(module_, &dwbias);
  summary.has_symbols = dwfl_module_getsymtab(module_) > 0;
  Elf* dwarf_elf = dwarf != nullptr ? dwarf_getelf(dwarf) : nullptr;
  summary.has_lines = dwarf_elf != nullptr && (HasSectionData(dwarf_elf, ".debug_line") ||
                                               HasSectionData(dwarf_elf, ".zdebug_line"));

  const char* main_file = nullptr;
  const char* debug_file = nullptr;
  dwfl_module_info(module_, nullptr, nullptr, nullptr, nullptr, nullptr, &main_file, &debug_file);
  if (debug_file != nullptr && (main_file == nullptr || std::strcmp(debug_file, main_file) != 0)) {
    summary.debug_file = debug_file;
  }
  return summary;
}

const CuIndex* ElfModule::Units() {
  if (!units_) {
    Dwarf* dwarf = dwfl_module_getdwarf(module_, &units_bias_);
    units_ = std::make_unique<CuIndex>(dwarf);
  }
  return units_->empty() ? nullptr : units_.get();
}

}  // namespace iolens
