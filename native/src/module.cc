// The N-API surface: class Symbolizer { inspect, resolve, cfa, unwind, clear }.
// Declared for TypeScript in ../index.d.ts.
//
// Everything runs synchronously on the calling thread; libdw objects are not
// thread-safe and one Symbolizer owns its own modules, so no locking is needed.

#include <libelf.h>
#include <napi.h>

#include <memory>
#include <new>

#include "cfa.h"
#include "unwind_rule.h"
#include "errors.h"
#include "js_convert.h"
#include "module_cache.h"
#include "resolve.h"

namespace iolens {
namespace {

class Symbolizer : public Napi::ObjectWrap<Symbolizer> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Symbolizer",
                       {
                           InstanceMethod<&Symbolizer::Inspect>("inspect"),
                           InstanceMethod<&Symbolizer::Resolve>("resolve"),
                           InstanceMethod<&Symbolizer::Cfa>("cfa"),
                           InstanceMethod<&Symbolizer::Unwind>("unwind"),
                           InstanceMethod<&Symbolizer::Clear>("clear"),
                       });
  }

  explicit Symbolizer(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<Symbolizer>(info),
        cache_(std::make_unique<ModuleCache>(DebugPlacesOption(info))) {}

 private:
  /** Runs `body`, turning native failures into JS exceptions (never a crash). */
  template <typename Body>
  static Napi::Value Guarded(Napi::Env env, Body body) {
    try {
      return body();
    } catch (const SymbolError& error) {
      throw SymbolErrorToJs(env, error);
    } catch (const Napi::Error&) {
      throw;  // TypeError/RangeError from argument checks
    } catch (const std::bad_alloc&) {
      throw Napi::Error::New(env, "iolens_symbols: out of memory");
    } catch (const std::exception& error) {
      throw Napi::Error::New(env, std::string("iolens_symbols: ") + error.what());
    }
  }

  Napi::Value Inspect(const Napi::CallbackInfo& info) {
    return Guarded(info.Env(), [&]() -> Napi::Value {
      std::string path = StringArg(info, 0, "path");
      return SummaryToJs(info.Env(), cache_->Get(path).Summarize());
    });
  }

  Napi::Value Resolve(const Napi::CallbackInfo& info) {
    return PerAddress(info, [](Napi::Env env, ElfModule& module, const std::optional<Dwarf_Addr>& addr) -> Napi::Value {
      Napi::Array frames = Napi::Array::New(env);
      if (!addr) return frames;
      std::vector<Frame> resolved = ResolveAddress(module, *addr);
      for (uint32_t k = 0; k < resolved.size(); ++k) frames.Set(k, FrameToJs(env, resolved[k]));
      return frames;
    });
  }

  Napi::Value Cfa(const Napi::CallbackInfo& info) {
    return PerAddress(info, [](Napi::Env env, ElfModule& module, const std::optional<Dwarf_Addr>& addr) {
      return CfaRuleToJs(env, addr ? CfaAt(module.dwfl_module(), module.machine(), *addr) : std::nullopt);
    });
  }

  Napi::Value Unwind(const Napi::CallbackInfo& info) {
    return PerAddress(info, [](Napi::Env env, ElfModule& module, const std::optional<Dwarf_Addr>& addr) {
      return UnwindRuleToJs(env, addr ? UnwindRuleAt(module.dwfl_module(), module.machine(), *addr) : std::nullopt);
    });
  }

  /**
   * The (path, offsets) calls: one `answer(env, module, address)` per offset, in order; the
   * address is empty when the offset is in no loaded segment.
   */
  template <typename Answer>
  Napi::Value PerAddress(const Napi::CallbackInfo& info, Answer answer) {
    return Guarded(info.Env(), [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      std::string path = StringArg(info, 0, "path");
      std::vector<uint64_t> offsets = OffsetsArg(info, 1);
      ElfModule& module = cache_->Get(path);
      Napi::Array result = Napi::Array::New(env, offsets.size());
      for (uint32_t i = 0; i < offsets.size(); ++i) {
        result.Set(i, answer(env, module, module.AddressOfFileOffset(offsets[i])));
      }
      return result;
    });
  }

  Napi::Value Clear(const Napi::CallbackInfo& info) {
    cache_->Clear();
    return info.Env().Undefined();
  }

  std::unique_ptr<ModuleCache> cache_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  elf_version(EV_CURRENT);  // libelf refuses to work until told the ELF version
  exports.Set("Symbolizer", Symbolizer::Define(env));
  return exports;
}

}  // namespace
}  // namespace iolens

// The registration macro pastes its argument into an identifier, so it needs an
// unqualified name.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return iolens::Init(env, exports);
}

NODE_API_MODULE(iolens_symbols, InitModule)
