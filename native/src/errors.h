// Errors the addon reports to JavaScript.
//
// Native code throws SymbolError; module.cc turns it into a JS Error whose
// `.code` tells callers what went wrong without parsing the message.

#pragma once

#include <stdexcept>
#include <string>

namespace iolens {

/** An error with a Node-style code ('ENOENT', 'EACCES', 'ENOTELF', 'EELF'). */
class SymbolError : public std::runtime_error {
 public:
  SymbolError(std::string code, const std::string& message, std::string path)
      : std::runtime_error(message), code_(std::move(code)), path_(std::move(path)) {}

  const std::string& code() const { return code_; }
  const std::string& path() const { return path_; }

 private:
  std::string code_;
  std::string path_;
};

/** An error from open()/stat() on `path`, mapped onto the codes the API promises. */
SymbolError SystemError(int err, const std::string& syscall, const std::string& path);

/** The file exists but is not an ELF object (wrong magic, a directory, a FIFO...). */
SymbolError NotElfError(const std::string& why, const std::string& path);

/** libelf/libdw/libdwfl rejected the file; `detail` is their message. */
SymbolError ElfError(const std::string& detail, const std::string& path);

}  // namespace iolens
