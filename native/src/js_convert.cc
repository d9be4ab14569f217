#include "js_convert.h"

#include <cmath>

namespace iolens {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER

Napi::Value StringOrNull(Napi::Env env, const std::string& s) {
  return s.empty() ? env.Null() : Napi::String::New(env, s);
}

Napi::Value PositiveOrNull(Napi::Env env, int n) {
  return n > 0 ? Napi::Number::New(env, n) : env.Null();
}

}  // namespace

std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  }
  return info[index].As<Napi::String>().Utf8Value();
}

std::vector<uint64_t> OffsetsArg(const Napi::CallbackInfo& info, size_t index) {
  Napi::Env env = info.Env();
  if (info.Length() <= index || !info[index].IsArray()) {
    throw Napi::TypeError::New(env, "offsets must be an array of numbers");
  }
  Napi::Array array = info[index].As<Napi::Array>();
  std::vector<uint64_t> offsets;
  offsets.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value value = array.Get(i);
    if (!value.IsNumber()) {
      throw Napi::TypeError::New(env, "offsets[" + std::to_string(i) + "] must be a number");
    }
    double number = value.As<Napi::Number>().DoubleValue();
    if (!(number >= 0 && number <= kMaxSafeInteger) || std::floor(number) != number) {
      throw Napi::RangeError::New(
          env, "offsets[" + std::to_string(i) + "] must be a non-negative integer file offset");
    }
    offsets.push_back(static_cast<uint64_t>(number));
  }
  return offsets;
}

namespace {

/**
 * options[name]: absolute directories without ':' (libdwfl takes debug
 * directories as one ':'-separated list and ignores relative entries for
 * build-id lookups, so both would fail silently); `fallback` when undefined.
 */
std::vector<std::string> DirsOption(Napi::Env env, Napi::Object options, const char* name,
                                    std::vector<std::string> fallback) {
  Napi::Value dirs_value = options.Get(name);
  if (dirs_value.IsUndefined()) return fallback;
  if (!dirs_value.IsArray()) {
    throw Napi::TypeError::New(env, std::string("options.") + name + " must be an array of strings");
  }
  Napi::Array array = dirs_value.As<Napi::Array>();
  std::vector<std::string> dirs;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value value = array.Get(i);
    std::string dir = value.IsString() ? value.As<Napi::String>().Utf8Value() : "";
    if (dir.empty() || dir[0] != '/' || dir.find(':') != std::string::npos) {
      throw Napi::TypeError::New(env, std::string("options.") + name + "[" + std::to_string(i) +
                                          "] must be an absolute path without ':'");
    }
    dirs.push_back(dir);
  }
  return dirs;
}

}  // namespace

DebugPlaces DebugPlacesOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() == 0 || info[0].IsUndefined()) return {{"/usr/lib/debug"}, {}};
  if (!info[0].IsObject() || info[0].IsArray() || info[0].IsFunction()) {
    throw Napi::TypeError::New(env, "options must be an object");
  }
  Napi::Object options = info[0].As<Napi::Object>();
  return {DirsOption(env, options, "debugDirs", {"/usr/lib/debug"}),
          DirsOption(env, options, "buildIdCaches", {})};
}

Napi::Object FrameToJs(Napi::Env env, const Frame& frame) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("function", StringOrNull(env, frame.function));
  out.Set("file", StringOrNull(env, frame.file));
  out.Set("line", PositiveOrNull(env, frame.line));
  out.Set("column", PositiveOrNull(env, frame.column));
  out.Set("inlined", Napi::Boolean::New(env, frame.inlined));
  return out;
}

Napi::Object SummaryToJs(Napi::Env env, const ElfSummary& summary) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("buildId", StringOrNull(env, summary.build_id));
  out.Set("type", Napi::String::New(env, summary.type));
  out.Set("debugFile", summary.debug_file ? Napi::String::New(env, *summary.debug_file)
                                          : env.Null());
  out.Set("hasLines", Napi::Boolean::New(env, summary.has_lines));
  out.Set("hasSymbols", Napi::Boolean::New(env, summary.has_symbols));
  return out;
}

Napi::Value CfaRuleToJs(Napi::Env env, const std::optional<CfaRule>& rule) {
  if (!rule) return env.Null();
  const char* reg = rule->reg == CfaRegister::kStackPointer   ? "rsp"
                    : rule->reg == CfaRegister::kFramePointer ? "rbp"
                                                              : "other";
  Napi::Object out = Napi::Object::New(env);
  out.Set("register", Napi::String::New(env, reg));
  out.Set("offset", Napi::Number::New(env, static_cast<double>(rule->offset)));
  return out;
}

namespace {

/** DWARF operations as [atom, number, number2] triples; the operands as signed 64-bit numbers. */
Napi::Array OpsToJs(Napi::Env env, const std::vector<DwarfOp>& ops) {
  Napi::Array out = Napi::Array::New(env, ops.size());
  for (uint32_t i = 0; i < ops.size(); ++i) {
    Napi::Array op = Napi::Array::New(env, 3);
    op.Set(0u, Napi::Number::New(env, ops[i].atom));
    op.Set(1u, Napi::Number::New(env, static_cast<double>(static_cast<int64_t>(ops[i].number))));
    op.Set(2u, Napi::Number::New(env, static_cast<double>(static_cast<int64_t>(ops[i].number2))));
    out.Set(i, op);
  }
  return out;
}

Napi::Value RegisterRuleToJs(Napi::Env env, const RegisterRule& rule) {
  switch (rule.kind) {
    case RegisterRule::Kind::kUndefined:
      return Napi::String::New(env, "undefined");
    case RegisterRule::Kind::kSameValue:
      return Napi::String::New(env, "same");
    case RegisterRule::Kind::kExpression:
      break;
  }
  return OpsToJs(env, rule.ops);
}

}  // namespace

Napi::Value UnwindRuleToJs(Napi::Env env, const std::optional<UnwindRule>& rule) {
  if (!rule) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("cfa", OpsToJs(env, rule->cfa));
  out.Set("returnAddress", RegisterRuleToJs(env, rule->return_address));
  out.Set("framePointer", RegisterRuleToJs(env, rule->frame_pointer));
  out.Set("signal", Napi::Boolean::New(env, rule->signal));
  return out;
}

Napi::Error SymbolErrorToJs(Napi::Env env, const SymbolError& error) {
  Napi::Error js = Napi::Error::New(env, error.what());
  js.Set("code", Napi::String::New(env, error.code()));
  js.Set("path", Napi::String::New(env, error.path()));
  return js;
}

}  // namespace iolens
