#!/bin/sh
# CMake arguments for building llama.cpp (llama-cpp-python) on x86-64 Linux for the instruction
# sets the kernel reports in /proc/cpuinfo, without AMX. llama.cpp's default, -march=native,
# enables AMX wherever the CPU has it; in some virtual machines that report it (Firecracker here)
# the first prompt then segfaults in ggml_backend_amx_mul_mat. Elsewhere this prints nothing
# (llama.cpp's defaults). Pass CMAKE_ARGS to override.
[ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ] || exit 0
flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
args="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
for pair in sse4_2:SSE42 avx:AVX avx2:AVX2 bmi2:BMI2 fma:FMA f16c:F16C avx_vnni:AVX_VNNI \
    avx512f:AVX512 avx512vbmi:AVX512_VBMI avx512_vnni:AVX512_VNNI avx512_bf16:AVX512_BF16; do
    case "$flags" in
        *" ${pair%%:*} "*) args="$args -DGGML_${pair#*:}=ON" ;;
        *) args="$args -DGGML_${pair#*:}=OFF" ;;
    esac
done
echo "$args"
