{
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["-std=c++17", "-O3", "-fno-exceptions", "-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off"],
    "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off"] }
  },
  "targets": [
    {
      "target_name": "scalerank_native",
      "sources": ["src/addon.cc", "src/gemm.cc", "src/ops_portable.cc"],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", { "dependencies": ["ops_avx2", "ops_avx512"] }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64' or target_arch=='ia32'", {
      "targets": [
        { "target_name": "ops_avx2", "type": "static_library", "sources": ["src/ops_avx2.cc"],
          "cflags": ["-fPIC"], "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"] } },
        { "target_name": "ops_avx512", "type": "static_library", "sources": ["src/ops_avx512.cc"],
          "cflags": ["-fPIC"], "cflags_cc": ["-mavx512f", "-mavx512vl", "-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512vl", "-mavx2", "-mfma"] } }
      ]
    }]
  ]
}
