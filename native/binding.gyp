{
  "targets": [
    {
      "target_name": "tunelab_native",
      "sources": [
        "src/addon.cc",
        "src/matmul.cc",
        "src/elementwise.cc",
        "src/reduce.cc",
        "src/layout.cc",
        "src/quant.cc",
        "src/softmax_xent.cc",
        "src/compact_matmul.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": [
        "-std=c++17",
        "-O3",
        "-march=<!(node -p \"process.env.TUNELAB_NATIVE_MARCH || 'native'\")",
        "-fopenmp",
        "-fno-math-errno"
      ],
      "conditions": [
        ["OS=='mac'", {
          "cflags_cc!": ["-fopenmp"],
          "libraries": ["-framework Accelerate"],
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "OTHER_CPLUSPLUSFLAGS": ["-O3"]
          }
        }, {
          "libraries": ["-lopenblas", "-fopenmp"]
        }],
        ["OS=='linux' and target_arch=='x64'", {
          "libraries": ["-lmvec"]
        }]
      ]
    }
  ]
}
