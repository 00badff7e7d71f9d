// libFuzzer harness: a NumPy .npy image file and its label file through load_dataset. Input:
// flags (bit 0 gzip the images, bit 1 the labels, bits 2-3 dataset.limit), then the image file
// and the label file (fuzz_common.h, split).
#include <cstdint>
#include <cstdlib>

#include "fuzz_common.h"
#include "workloads/datasets/dataset.h"

using namespace dnsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::TempFile images("npy-images");
    static fuzz::TempFile labels("npy-labels");
    const fuzz::Parts p = fuzz::split(data, size);
    workloads::DatasetSpec spec;
    spec.format = "npy";
    spec.images = images.write(p.first, (p.flags & 1) != 0);
    spec.labels = labels.write(p.second, (p.flags & 2) != 0);
    spec.limit = fuzz::limit_from(p.flags >> 2);
    spec.max_elements = 1 << 20;
    try {
        const workloads::Dataset d = workloads::load_dataset(spec);
        const auto& dims = d.images.dims;
        if (dims.size() != 4 || dims[0] < 1 ||
            d.labels.size() != static_cast<std::size_t>(dims[0]) ||
            d.images.data.size() != static_cast<std::size_t>(workloads::numel(dims))) {
            std::abort();
        }
        for (const std::int32_t l : d.labels) {
            if (l < 0)
                std::abort();
        }
    } catch (const ConfigError& e) {
        const std::string key = "dataset.max_elements";
        fuzz::check_error(e, {&images.path(), &labels.path(), &key});
    }
    return 0;
}
