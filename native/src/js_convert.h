// Checking JavaScript arguments and building the JavaScript results.

#pragma once

#include <napi.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cfa.h"
#include "debug_search.h"
#include "elf_module.h"
#include "errors.h"
#include "resolve.h"
#include "unwind_rule.h"

namespace iolens {

/** info[index] as a string; throws TypeError naming `what` otherwise. */
std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* what);

/**
 * info[index] as file offsets: an array of non-negative safe integers.
 * Throws TypeError for a non-array or a non-number element, RangeError for a
 * negative, fractional or too-large number.
 */
std::vector<uint64_t> OffsetsArg(const Napi::CallbackInfo& info, size_t index);

/**
 * `options.debugDirs` (default /usr/lib/debug) and `options.buildIdCaches`
 * (default none) of the constructor.
 */
DebugPlaces DebugPlacesOption(const Napi::CallbackInfo& info);

Napi::Object FrameToJs(Napi::Env env, const Frame& frame);
Napi::Object SummaryToJs(Napi::Env env, const ElfSummary& summary);
Napi::Value CfaRuleToJs(Napi::Env env, const std::optional<CfaRule>& rule);
Napi::Value UnwindRuleToJs(Napi::Env env, const std::optional<UnwindRule>& rule);

/** A JS Error carrying `.code` and `.path`, ready to throw. */
Napi::Error SymbolErrorToJs(Napi::Env env, const SymbolError& error);

}  // namespace iolens
