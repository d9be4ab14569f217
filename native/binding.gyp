# Builds native/build/Release/iolens_symbols.node:
#   npx node-gyp rebuild --directory native
# Needs libdw-dev and libelf-dev (elfutils) and a C++17 compiler.
{
  "targets": [
    {
      "target_name": "iolens_symbols",
      "sources": [
        "src/cfa.cc",
        "src/debug_search.cc",
        "src/demangle.cc",
        "src/elf_module.cc",
        "src/errors.cc",
        "src/js_convert.cc",
        "src/module.cc",
        "src/module_cache.cc",
        "src/resolve.cc",
        "src/scopes.cc",
        "src/source_path.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      # C++ exceptions carry errors from libdw calls up to module.cc, which turns
      # them into JS exceptions; node-gyp's defaults turn them off, so undo that.
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "libraries": ["-ldw", "-lelf"]
    }
  ]
}
