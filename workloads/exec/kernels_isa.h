// The kernels of kernels_gemm.cpp, declared once per vector-ISA copy (common/isa.h).
#pragma once

#include "models/common/isa.h"
#include "workloads/exec/kernels.h"

namespace dnsim::workloads::kernels {

#define DNSIM_GEMM_KERNELS(NS)                                                              \
    namespace NS {                                                                          \
    void im2col(const float* x, float* col, std::int64_t c, std::int64_t h, std::int64_t w, \
                std::int64_t ho, std::int64_t wo, const NodeAttrs& a);                      \
    Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor* bias, const NodeAttrs& a, \
                  const ConvEpilogue* epilogue);                                            \
    Tensor gemm(const Tensor& a, const Tensor& b, const Tensor* c, const NodeAttrs& at,     \
                const Dims& out_dims);                                                      \
    Tensor matmul(const Tensor& a, const Tensor& b, const Dims& out_dims);                  \
    bool gemm_fused();                                                                      \
    bool conv_channels_last();                                                              \
    Tensor conv2d_channels_last(const Tensor& x, const Tensor& w, const Tensor* bias,       \
                                const NodeAttrs& a, const ConvEpilogue* epilogue,           \
                                const Tensor* residual, Tensor* into);                      \
    }
DNSIM_ISA_FOR_EACH(DNSIM_GEMM_KERNELS)
#undef DNSIM_GEMM_KERNELS

}  // namespace dnsim::workloads::kernels
