// Block parameters: synthetic generation, quantisation and the packed memory layout.
#include "models/denoiser/block.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

#include "models/common/random_streams.h"
#include "models/common/rng.h"

namespace dnsim::denoiser {

namespace {

template <typename From, typename To, typename F>
BlockParams<To> map_block(const BlockParams<From>& w, F&& weight_fn, F&& bias_fn) {
    BlockParams<To> out(w.channels, w.reduced);
    const auto map = [](const std::vector<From>& src, std::vector<To>& dst, auto& fn) {
        for (std::size_t i = 0; i < src.size(); ++i) {
            dst[i] = fn(src[i]);
        }
    };
    map(w.reduce_w, out.reduce_w, weight_fn);
    map(w.reduce_b, out.reduce_b, bias_fn);
    map(w.dw_w, out.dw_w, weight_fn);
    map(w.dw_b, out.dw_b, bias_fn);
    map(w.mean_w, out.mean_w, weight_fn);
    map(w.mean_b, out.mean_b, bias_fn);
    map(w.var_w, out.var_w, weight_fn);
    map(w.var_b, out.var_b, bias_fn);
    return out;
}

template <typename T>
std::vector<std::vector<T>*> arrays_in_packed_order(BlockParams<T>& w) {
    return {&w.reduce_w, &w.reduce_b, &w.dw_w, &w.dw_b, &w.mean_w, &w.mean_b, &w.var_w, &w.var_b};
}

}  // namespace

BlockWeightsF synthetic_block_weights(unsigned channels, unsigned reduced, std::uint64_t seed) {
    BlockWeightsF w(channels, reduced);
    Rng rng(seed, {streams::kSyntheticBlockWeights, channels, reduced});
    const auto fill = [&rng](std::vector<double>& v, double bound) {
        for (auto& x : v) {
            x = (2.0 * rng.uniform() - 1.0) * bound;
        }
    };
    // Kaiming-uniform bound sqrt(6 / fan_in), halved so the synthetic block stays in range.
    fill(w.reduce_w, 0.5 * std::sqrt(6.0 / channels));
    fill(w.reduce_b, 0.05);
    fill(w.dw_w, 0.5 * std::sqrt(6.0 / 9.0));
    fill(w.dw_b, 0.05);
    fill(w.mean_w, 0.1 * std::sqrt(6.0 / reduced));
    fill(w.mean_b, 0.01);
    fill(w.var_w, 0.01 * std::sqrt(6.0 / reduced));
    for (auto& b : w.var_b) {
        b = 0.0036 * (0.5 + rng.uniform());  // predicted variance around (6 %)^2
    }
    return w;
}

BlockWeights quantize_block(const BlockWeightsF& w, const BlockFormat& fmt) {
    const FixedFormat wf = fmt.weight();
    const FixedFormat af = fmt.activation();
    std::function<std::int16_t(double)> qw = [wf](double v) { return wf.quantize(v); };
    std::function<std::int16_t(double)> qb = [af](double v) { return af.quantize(v); };
    return map_block<double, std::int16_t>(w, qw, qb);
}

BlockWeightsF dequantize_block(const BlockWeights& w, const BlockFormat& fmt) {
    const FixedFormat wf = fmt.weight();
    const FixedFormat af = fmt.activation();
    std::function<double(std::int16_t)> dw = [wf](std::int16_t v) { return wf.to_double(v); };
    std::function<double(std::int16_t)> db = [af](std::int16_t v) { return af.to_double(v); };
    return map_block<std::int16_t, double>(w, dw, db);
}

PackedLayout packed_layout(unsigned c, unsigned cr) {
    PackedLayout l{};
    std::uint64_t off = 0;
    const auto take = [&off](std::uint64_t n) {
        const std::uint64_t at = off;
        off += n;
        return at;
    };
    l.reduce_w = take(std::uint64_t{cr} * c);
    l.reduce_b = take(cr);
    l.dw_w = take(std::uint64_t{cr} * 9);
    l.dw_b = take(cr);
    l.mean_w = take(std::uint64_t{c} * cr);
    l.mean_b = take(c);
    l.var_w = take(std::uint64_t{c} * cr);
    l.var_b = take(c);
    l.total = off;
    return l;
}

std::vector<std::int16_t> pack_block(const BlockWeights& w) {
    std::vector<std::int16_t> out;
    out.reserve(packed_words(w.channels, w.reduced));
    BlockWeights copy = w;
    for (const auto* arr : arrays_in_packed_order(copy)) {
        out.insert(out.end(), arr->begin(), arr->end());
    }
    return out;
}

BlockWeights unpack_block(unsigned c, unsigned cr, const std::int16_t* words, std::size_t count) {
    if (count != packed_words(c, cr)) {
        throw std::invalid_argument("packed block has the wrong number of words");
    }
    BlockWeights w(c, cr);
    std::size_t off = 0;
    for (auto* arr : arrays_in_packed_order(w)) {
        std::copy(words + off, words + off + arr->size(), arr->begin());
        off += arr->size();
    }
    return w;
}

}  // namespace dnsim::denoiser
