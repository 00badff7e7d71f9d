// libFuzzer harness: CIFAR-10 binary batches (plain or gzip) through load_dataset. Input: flags
// (bit 0 gzip the first file, bit 1 the second, bits 2-3 dataset.limit, bit 4 two files), then
// the first file and the second (fuzz_common.h, split); with one file, both parts are the first.
#include <cstdint>
#include <cstdlib>

#include "fuzz_common.h"
#include "workloads/datasets/dataset.h"

using namespace dnsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::TempFile first("cifar10-a");
    static fuzz::TempFile second("cifar10-b");
    const fuzz::Parts p = fuzz::split(data, size);
    const bool two = (p.flags & 16) != 0;
    workloads::DatasetSpec spec;
    spec.format = "cifar10";
    spec.images = first.write(two ? p.first : p.first + p.second, (p.flags & 1) != 0);
    if (two)
        spec.images += "," + second.write(p.second, (p.flags & 2) != 0);
    spec.limit = fuzz::limit_from(p.flags >> 2);
    spec.max_elements = 1 << 20;
    try {
        const workloads::Dataset d = workloads::load_dataset(spec);
        if (d.images.dims.size() != 4 || d.images.dims[0] < 1 ||
            d.labels.size() != static_cast<std::size_t>(d.images.dims[0])) {
            std::abort();
        }
        for (const std::int32_t l : d.labels) {
            if (l < 0 || l > 9)
                std::abort();
        }
    } catch (const ConfigError& e) {
        const std::string key = "dataset.images";
        fuzz::check_error(e, {&first.path(), &second.path(), &key});
    }
    return 0;
}
