// Datasets for replay and training: images as one N x C x H x W float tensor plus labels.
// Loaders for IDX (MNIST/Fashion-MNIST, optionally gzip-compressed), CIFAR-10 binary and NumPy
// .npy files; every malformed file gives a ConfigError naming the file and what was expected.
// The loaders read regular files only, check every size a file declares (overflow and
// DatasetSpec::max_elements) before reading its data, and read no further than it declares.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "workloads/datasets/input_normalisation.h"
#include "workloads/graph/graph.h"
#include "workloads/graph/tensor.h"

namespace dnsim::config {
template <class S>
class KeySet;
}

namespace dnsim::workloads {

struct Dataset {
    std::string name;  ///< where it came from (shown in reports)
    /// The files it was read from (images first), for the provenance of results.
    std::vector<std::string> files;
    Tensor images;  ///< N x C x H x W, normalised
    std::vector<std::int32_t> labels;
    /// What load_dataset applied: the scale (8-bit pixel data only), mean, std and the order
    /// the channels are in (gray, rgb; empty for other channel counts).
    InputNormalisation normalisation;
    std::int64_t size() const { return images.dims.empty() ? 0 : images.dims[0]; }
};

/// The most pixel values (N x C x H x W) a dataset file may declare unless dataset.max_elements
/// says otherwise: 2^28, 1 GiB as float32 (CIFAR-10's training set has 1.5 x 10^8).
inline constexpr std::int64_t kDefaultMaxElements = std::int64_t{1} << 28;

/// The dataset formats (dataset.format) and the Fashion-MNIST splits (dataset.split): the one
/// table of names of each, with what a name means.
inline constexpr std::array<std::pair<const char*, const char*>, 4> kDatasetFormatNames{{
    {"fashion-mnist", "Debian's dataset-fashion-mnist"},
    {"idx", "IDX image and label files (dataset.images, dataset.labels)"},
    {"cifar10", "CIFAR-10 binary batches (dataset.images)"},
    {"npy", "NumPy .npy images and labels (dataset.images, dataset.labels)"},
}};
inline constexpr std::array<std::pair<const char*, const char*>, 2> kFashionMnistSplitNames{{
    {"test", "10 000 images"},
    {"train", "60 000 images"},
}};

/// Where to read a dataset from; the dataset.* configuration keys.
struct DatasetSpec {
    /// fashion-mnist (Debian's dataset-fashion-mnist), idx, cifar10 or npy.
    std::string format = "fashion-mnist";
    std::string images;  ///< idx/npy: image file; cifar10: data_batch file(s), ','-separated
    std::string labels;  ///< idx/npy: label file (unused for cifar10)
    std::string split = "test";       ///< fashion-mnist: test (10 000 images) or train (60 000)
    std::int64_t limit = 0;           ///< use only the first `limit` images (0: all)
    std::vector<float> mean;          ///< per channel (or one for all), after scaling to [0, 1]
    std::vector<float> std;           ///< per channel (or one for all)
    std::optional<PixelScale> scale;  ///< 8-bit pixels x scale; unset: 1/255
    /// The order the model expects (gray, rgb, bgr); empty: as stored (IDX gray, CIFAR-10 and
    /// 3-channel .npy RGB). bgr reverses the three channel planes before mean/std apply.
    std::string channel_order;
    /// The most pixel values a dataset file may declare (all its images, before `limit`).
    std::int64_t max_elements = kDefaultMaxElements;

    /// The dataset.* keys (dataset_config.cpp; docs/keys.md).
    static const config::KeySet<DatasetSpec>& keys();
};

/// Where Debian's dataset-fashion-mnist installs its files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
/// Fashion-MNIST training-set statistics used as its default normalisation.
inline constexpr float kFashionMnistMean = 0.2860f;
inline constexpr float kFashionMnistStd = 0.3530f;

/// The normalisation load_dataset applies where `spec` leaves it open: scale 1/255, and the
/// format's mean and std (fashion-mnist: kFashionMnistMean / kFashionMnistStd; others 0 and 1).
InputNormalisation default_normalisation(const DatasetSpec& spec);

/// Loads per spec: uint8 pixels are scaled (default 1/255, to [0, 1]), channels put in the
/// requested order, then (x - mean[c]) / std[c]. A dataset without images is an error.
Dataset load_dataset(const DatasetSpec& spec);

/// IDX image and label files (magic 0x00000803 and 0x00000801), plain or gzip.
/// `max_elements` bounds the pixel values the image file may declare (all images, not only
/// the first `limit`); more is a ConfigError naming dataset.max_elements.
Dataset load_idx(const std::string& images, const std::string& labels, std::int64_t limit = 0,
                 PixelScale scale = {}, std::int64_t max_elements = kDefaultMaxElements);
/// CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes (3 x 32 x 32).
Dataset load_cifar10(const std::vector<std::string>& files, std::int64_t limit = 0,
                     PixelScale scale = {}, std::int64_t max_elements = kDefaultMaxElements);
/// NumPy .npy images (N, C, H, W) or (N, H, W), uint8/float32/float64, and labels (N,) of any
/// integer type. `scale` applies to uint8 images; float images are used as stored.
Dataset load_npy(const std::string& images, const std::string& labels, std::int64_t limit = 0,
                 PixelScale scale = {}, std::int64_t max_elements = kDefaultMaxElements);

/// Applies (x - mean[c]) / std[c]; `key` names the configuration in errors.
void normalise(Dataset& d, const std::vector<float>& mean, const std::vector<float>& std,
               const std::string& key = "dataset");

/// Checks the images fit the graph's single input and every label is a valid class index;
/// throws ConfigError naming the dataset and the expected shape.
void check_dataset_for_model(const Dataset& d, const Graph& g);

}  // namespace dnsim::workloads
