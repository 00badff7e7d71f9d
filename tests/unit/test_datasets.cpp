// Dataset loaders: values read back from files written here, Debian's Fashion-MNIST, and one
// clear error per kind of bad file.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include <zlib.h>

#include "scratch_dir.h"
#include "workloads/datasets/dataset.h"
#include "workloads/topologies/scalesim_csv.h"
#include "workloads/topologies/topologies.h"

using namespace dnsim;
using namespace dnsim::workloads;
namespace fs = std::filesystem;

namespace {

fs::path tmp_dir() {
    return test::scratch_dir("dnsim_test_datasets");
}

std::string be32(std::uint32_t v) {
    return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

std::string write(const std::string& name, const std::string& content, bool gzip = false) {
    const std::string path = (tmp_dir() / name).string();
    if (gzip) {
        gzFile f = gzopen(path.c_str(), "wb");
        gzwrite(f, content.data(), unsigned(content.size()));
        gzclose(f);
    } else {
        std::ofstream(path, std::ios::binary) << content;
    }
    return path;
}

/// IDX images: n images of 2x3 with pixel value (i * 6 + p) and labels i % 10.
std::pair<std::string, std::string> idx_pair(int n) {
    std::string img = be32(0x803) + be32(n) + be32(2) + be32(3);
    std::string lab = be32(0x801) + be32(n);
    for (int i = 0; i < n; ++i) {
        for (int p = 0; p < 6; ++p)
            img += char(i * 6 + p);
        lab += char(i % 10);
    }
    return {img, lab};
}

std::string npy(const std::string& descr, const std::string& shape, const std::string& data) {
    std::string header =
        "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::string s = "\x93NUMPY";
    s += char(1);
    s += char(0);
    s += char(header.size() & 0xff);
    s += char(header.size() >> 8);
    return s + header + data;
}

}  // namespace

TEST_CASE("IDX files, plain and gzip, read back exactly") {
    const auto [img, lab] = idx_pair(4);
    for (const bool gz : {false, true}) {
        const Dataset d = load_idx(write("i.idx" + std::string(gz ? ".gz" : ""), img, gz),
                                   write("l.idx" + std::string(gz ? ".gz" : ""), lab, gz));
        CHECK(d.images.dims == Dims{4, 1, 2, 3});
        CHECK(d.images.data[6 * 3 + 5] == Approx(23.0 / 255.0));
        CHECK(d.labels == std::vector<std::int32_t>{0, 1, 2, 3});
    }
    CHECK(load_idx(write("i.idx", img), write("l.idx", lab), 2).size() == 2);
}

TEST_CASE("bad IDX files name the file and what was expected") {
    const auto [img, lab] = idx_pair(4);
    const std::string good_img = write("gi.idx", img);
    const std::string good_lab = write("gl.idx", lab);
    CHECK_THROWS_WITH(load_idx(write("bad_magic.idx", be32(0x804) + img.substr(4)), good_lab),
                      Catch::Contains("bad_magic.idx: not an IDX image file: expected magic "
                                      "0x00000803") &&
                          Catch::Contains("found 0x00000804"));
    CHECK_THROWS_WITH(load_idx(write("trunc.idx", img.substr(0, img.size() - 5)), good_lab),
                      Catch::Contains("trunc.idx: truncated or oversized: the header declares 4 "
                                      "images of 2x3 (40 bytes), the file has 35"));
    CHECK_THROWS_WITH(
        load_idx(good_img, write("few.idx", idx_pair(3).second)),
        Catch::Contains("few.idx: has 3 labels but") && Catch::Contains("has 4 images"));
    CHECK_THROWS_WITH(load_idx(good_img, good_img), Catch::Contains("not an IDX label file"));
    std::string gz;
    {
        const std::string p = write("full.gz", img, true);
        std::ifstream f(p, std::ios::binary);
        gz.assign(std::istreambuf_iterator<char>(f), {});
    }
    CHECK_THROWS_WITH(load_idx(write("cut.gz", gz.substr(0, gz.size() - 12)), good_lab),
                      Catch::Contains("cut.gz: "));
    CHECK_THROWS_WITH(load_idx("/nonexistent.idx", good_lab), "/nonexistent.idx: cannot open file");
}

TEST_CASE("Debian's Fashion-MNIST test set loads and fits the 28x28 models") {
    DatasetSpec spec;
    spec.limit = 500;
    const Dataset d = load_dataset(spec);
    CHECK(d.images.dims == Dims{500, 1, 28, 28});
    for (const auto l : d.labels)
        CHECK((l >= 0 && l <= 9));
    // The first test image is an ankle boot (class 9) in Fashion-MNIST.
    CHECK(d.labels[0] == 9);
    check_dataset_for_model(d, builtin_model("resnet18_28"));
    CHECK_THROWS_WITH(check_dataset_for_model(d, builtin_model("resnet18")),
                      "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz: images are "
                      "1x28x28; model 'resnet18' expects 3x224x224 "
                      "(input 'input')");
}

TEST_CASE("CIFAR-10 binary batches") {
    std::string rec(3073, '\0');
    rec[0] = 7;
    rec[1] = char(255);
    const Dataset d = load_cifar10({write("c.bin", rec + rec)});
    CHECK(d.images.dims == Dims{2, 3, 32, 32});
    CHECK(d.labels == std::vector<std::int32_t>{7, 7});
    CHECK(d.images.data[0] == 1.0f);
    CHECK_THROWS_WITH(load_cifar10({write("c_cut.bin", rec + rec.substr(0, 100))}),
                      Catch::Contains("c_cut.bin: not a CIFAR-10 binary batch: 3173 bytes"));
    std::string bad = rec;
    bad[0] = 12;
    CHECK_THROWS_WITH(load_cifar10({write("c_label.bin", bad)}),
                      Catch::Contains("record 0 has label 12"));
}

TEST_CASE("NumPy .npy images and labels") {
    std::string px;
    for (int i = 0; i < 2 * 4; ++i) {
        const float v = float(i) * 0.5f;
        px.append(reinterpret_cast<const char*>(&v), 4);
    }
    std::string lb;
    for (std::int64_t l : {3, 1})
        lb.append(reinterpret_cast<const char*>(&l), 8);
    const std::string images = write("x.npy", npy("<f4", "(2, 2, 2)", px));
    const std::string labels = write("y.npy", npy("<i8", "(2,)", lb));
    const Dataset d = load_npy(images, labels);
    CHECK(d.images.dims == Dims{2, 1, 2, 2});
    CHECK(d.images.data[7] == 3.5f);
    CHECK(d.labels == std::vector<std::int32_t>{3, 1});

    CHECK_THROWS_WITH(load_npy(write("m.npy", "PK\x03\x04 zip"), labels),
                      Catch::Contains("m.npy: not a NumPy .npy file"));
    CHECK_THROWS_WITH(load_npy(write("t.npy", npy("<f4", "(2, 2, 2)", px.substr(0, 20))), labels),
                      Catch::Contains("t.npy: truncated: shape (2, 2, 2) needs 32 bytes"));
    CHECK_THROWS_WITH(load_npy(write("c.npy", npy("<c8", "(2, 2, 2)", px)), labels),
                      Catch::Contains("data type '<c8' is not supported"));
    CHECK_THROWS_WITH(load_npy(images, write("y3.npy", npy("<i8", "(1,)", lb.substr(0, 8)))),
                      Catch::Contains("y3.npy: has 1 labels but"));
    CHECK_THROWS_WITH(load_npy(write("s.npy", npy("<f4", "(8,)", px)), labels),
                      Catch::Contains("shape (8,) is not supported; expected (N, C, H, W)"));
}

TEST_CASE("normalisation per channel and its configuration errors") {
    Dataset d;
    d.name = "t";
    d.images = Tensor({1, 2, 1, 1}, {0.5f, 1.0f});
    normalise(d, {0.5f, 0.0f}, {1.0f, 0.5f});
    CHECK(d.images.data == std::vector<float>{0.0f, 2.0f});
    CHECK_THROWS_WITH(normalise(d, {0.1f, 0.2f, 0.3f}, {}),
                      "dataset.mean: has 3 values; expected 1 or 2 (one per channel)");
    CHECK_THROWS_WITH(normalise(d, {}, {0.0f}), "dataset.std: 0 must be greater than 0");
    DatasetSpec bad;
    bad.format = "imagenet";
    CHECK_THROWS_WITH(load_dataset(bad),
                      Catch::Contains("dataset.format: 'imagenet' is not one of"));
}

TEST_CASE("SCALE-Sim topology CSV as a conv-only graph") {
    const std::string csv = write("net.csv",
                                  "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter "
                                  "Width, Channels, Num Filter, Strides,\n"
                                  "Conv1, 224, 224, 7, 7, 3, 64, 2,\n"
                                  "CB2a_1, 56, 56, 1, 1, 64, 64, 1,\n");
    const Graph g = import_scalesim_csv(csv);
    REQUIRE(g.nodes.size() == 2);
    const auto st = g.node_stats();
    // (224 - 7) / 2 + 1 = 109 (SCALE-Sim's IFMAP includes the padding).
    CHECK(st[0].output_dims == Dims{1, 64, 109, 109});
    CHECK(st[0].macs == 109 * 109 * 64 * 7 * 7 * 3);
    CHECK(st[1].macs == 56 * 56 * 64 * 64);
    CHECK_THROWS_WITH(import_scalesim_csv(write(
                          "bad.csv", "Layer name,a,b,c,d,e,f,g\nL1, 56, x, 3, 3, 1, 1, 1,\n")),
                      Catch::Contains("bad.csv: line 2: column 'IFMAP Width' must be a positive "
                                      "integer, got 'x'"));
    CHECK_THROWS_WITH(import_scalesim_csv(write("short.csv", "L1, 56, 56, 3\n")),
                      Catch::Contains("short.csv: line 1: expected 8 columns"));
    CHECK_THROWS_WITH(import_scalesim_csv(write("big.csv", "L1, 5, 5, 7, 7, 1, 1, 1\n")),
                      Catch::Contains("filter 7x7 is larger than the IFMAP 5x5"));
}
