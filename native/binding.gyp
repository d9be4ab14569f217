# Builds native/build/Release/iolens_symbols.node:
#   npx node-gyp rebuild --directory native
# Needs libdw-dev and libelf-dev (elfutils) and a C++17 compiler.
{
  "variables": {
    "elfutils_dir%": "<!(node -p \"process.env.IOLENS_ELFUTILS_DIR || ''\")"
  },
  "targets": [
    {
      "target_name": "iolens_symbols",
      "sources": [
        "src/cfa.cc",
        "src/cu_index.cc",
        "src/debug_search.cc",
        "src/demangle.cc",
        "src/elf_module.cc",
        "src/errors.cc",
        "src/js_convert.cc",
        "src/module.cc",
        "src/module_cache.cc",
        "src/resolve.cc",
        "src/scopes.cc",
        "src/source_path.cc",
        "src/unwind_rule.cc"
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
      "conditions": [
        # The VSIX's build (scripts/portable.mjs): elfutils built from Debian's source with -fPIC
        # and linked in statically with zlib, xz and libstdc++, symbols kept inside
        # (--exclude-libs, a version script exporting only the N-API entry), glibc references
        # pinned to versions <= 2.28 (portable/glibc_compat.c): loads without elfutils, a
        # compiler or a newer glibc. Without it: the system's libdw and libelf (a developer build).
        ["elfutils_dir!=''", {
          "sources": ["portable/glibc_compat.c"],
          "include_dirs": ["<(elfutils_dir)/include"],
          "ldflags": [
            "-static-libstdc++",
            "-Wl,--exclude-libs,ALL",
            "-Wl,--version-script=<(module_root_dir)/portable/exports.map",
            "-Wl,-z,text",
            "-Wl,--strip-debug"
          ],
          "libraries": [
            "<(elfutils_dir)/lib/libdw.a",
            "<(elfutils_dir)/lib/libelf.a",
            "-Wl,-Bstatic", "-lz", "-llzma", "-Wl,-Bdynamic",
            # libiberty's Rust demangler (Debian ships it as a static, position-independent archive)
            "-l:libiberty.a",
            # glibc < 2.34 keeps pthread_once & co. and dlopen in these two (stubs since)
            "-Wl,--no-as-needed", "-l:libpthread.so.0", "-l:libdl.so.2", "-Wl,--as-needed"
          ]
        }, {
          "libraries": ["-ldw", "-lelf", "-l:libiberty.a"]
        }]
      ]
    }
  ]
}
