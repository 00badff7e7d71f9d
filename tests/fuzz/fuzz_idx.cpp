// libFuzzer harness: IDX image and label files (plain or gzip) through load_dataset. Input:
// flags (bit 0 gzip the images, bit 1 gzip the labels, bits 2-3 dataset.limit), then the image
// file and the label file (fuzz_common.h, split).
#include <cstdint>
#include <cstdlib>

#include "fuzz_common.h"
#include "workloads/datasets/dataset.h"

using namespace dnsim;

namespace {

/// A loaded dataset must be consistent: images N x C x H x W with N labels, N >= 1.
void check_dataset(const workloads::Dataset& d) {
    const auto& dims = d.images.dims;
    if (dims.size() != 4 || dims[0] < 1 || d.labels.size() != static_cast<std::size_t>(dims[0]) ||
        d.images.data.size() != static_cast<std::size_t>(workloads::numel(dims))) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::TempFile images("idx-images");
    static fuzz::TempFile labels("idx-labels");
    const fuzz::Parts p = fuzz::split(data, size);
    images.write(p.first, (p.flags & 1) != 0);
    labels.write(p.second, (p.flags & 2) != 0);
    workloads::DatasetSpec spec;
    spec.format = "idx";
    spec.images = images.path();
    spec.labels = labels.path();
    spec.limit = fuzz::limit_from(p.flags >> 2);
    spec.max_elements = 1 << 20;
    try {
        check_dataset(workloads::load_dataset(spec));
    } catch (const ConfigError& e) {
        const std::string dataset_key = "dataset.max_elements";
        fuzz::check_error(e, {&images.path(), &labels.path(), &dataset_key});
    }
    return 0;
}
