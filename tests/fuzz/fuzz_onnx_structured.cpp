// libFuzzer harness: ONNX models mutated as protobuf messages rather than as bytes, so that
// most inputs still parse and reach the importer's checks of shapes, attributes and graphs.
// The check is fuzz_onnx's (fuzz_onnx_input.h).
//
// LLVMFuzzerCustomMutator parses the input as an onnx::ModelProto (when it does not parse:
// half of the time libFuzzer's byte mutation, otherwise a tiny valid Conv + Relu model), makes
// one change through protobuf reflection and serialises the result:
//   - it lists every field of every message in the tree (set or not) and picks one;
//   - integers get a boundary value (0, +-1, 2^31, 2^32, INT64_MAX, ...), their neighbour, their
//     negation or a small number; reals 0, -0, +-1, NaN, +-inf, FLT_MAX, a denormal, ...;
//     booleans flip; enums take another declared value;
//   - strings take a string of the model (tensor and node names), an op type dnsim imports, an
//     attribute name, a domain or a metadata key, or libFuzzer's byte mutation of their bytes;
//     raw_data is cut, grown, emptied, doubled or has a value written into it;
//   - repeated fields gain an element (empty, or a copy of a message of the same type from
//     anywhere in the model), or lose, duplicate or swap one;
//   - a message field is cleared, created, or replaced by a copy of another of its type;
//   - a TensorProto gets raw_data of the size its dims and data type declare (so that a change
//     of a shape is not refused at once for a data size that no longer matches).
// LLVMFuzzerCustomCrossOver copies a message of one model (a node, an initializer, an
// attribute, a value info ...) into a field of the same type in the other.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <onnx/onnx_pb.h>

#include "fuzz_onnx_input.h"

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace {

namespace gp = google::protobuf;
using Field = gp::FieldDescriptor;

/// Op types dnsim imports (workloads/onnx/onnx_import.cpp), and a few it does not.
const char* const kOps[] = {"Add",
                            "AveragePool",
                            "BatchNormalization",
                            "Cast",
                            "Clip",
                            "Concat",
                            "Constant",
                            "ConstantOfShape",
                            "Conv",
                            "Div",
                            "Dropout",
                            "Equal",
                            "Erf",
                            "Expand",
                            "Flatten",
                            "Gather",
                            "Gemm",
                            "GlobalAveragePool",
                            "HardSigmoid",
                            "HardSwish",
                            "Identity",
                            "LayerNormalization",
                            "LeakyRelu",
                            "MatMul",
                            "MaxPool",
                            "Mod",
                            "Mul",
                            "Neg",
                            "Not",
                            "Pad",
                            "Pow",
                            "Range",
                            "ReduceMean",
                            "ReduceSum",
                            "Relu",
                            "Reshape",
                            "ScatterND",
                            "Shape",
                            "Sigmoid",
                            "Slice",
                            "Softmax",
                            "Split",
                            "Sqrt",
                            "Squeeze",
                            "Sub",
                            "Tanh",
                            "Transpose",
                            "Unsqueeze",
                            "Where",
                            "Denoiser",
                            "LSTM",
                            "If",
                            "Loop",
                            "ConvTranspose"};

/// Attribute names the importer reads, domains, metadata keys and other strings of meaning.
const char* const kWords[] = {"allowzero",
                              "alpha",
                              "auto_pad",
                              "axes",
                              "axis",
                              "beta",
                              "ceil_mode",
                              "count_include_pad",
                              "dilations",
                              "epsilon",
                              "group",
                              "keepdims",
                              "kernel_shape",
                              "max",
                              "min",
                              "mode",
                              "pads",
                              "perm",
                              "ratio",
                              "split",
                              "starts",
                              "ends",
                              "steps",
                              "storage_order",
                              "strides",
                              "to",
                              "transA",
                              "transB",
                              "value",
                              "value_float",
                              "value_floats",
                              "value_int",
                              "value_ints",
                              "noop_with_empty_axes",
                              "stash_type",
                              "training_mode",
                              "constant",
                              "reflect",
                              "edge",
                              "NOTSET",
                              "SAME_UPPER",
                              "SAME_LOWER",
                              "VALID",
                              "",
                              "ai.onnx",
                              "ai.dnsim",
                              "ai.onnx.ml",
                              "com.microsoft",
                              "dnsim.input.mean",
                              "dnsim.input.std",
                              "dnsim.input.scale",
                              "dnsim.input.channel_order",
                              "0.5,0.5,0.5",
                              "1/255",
                              "rgb",
                              "bgr",
                              "gray",
                              "x",
                              "y"};

/// A random source over libFuzzer's seed.
class Rng {
  public:
    explicit Rng(unsigned seed) : m_gen(seed) {}
    /// Uniform in [0, n), n > 0.
    std::size_t below(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(m_gen);
    }
    /// True with probability 1/n.
    bool one_in(std::size_t n) { return below(n) == 0; }
    template <typename T, std::size_t N>
    const T& pick(const T (&items)[N]) {
        return items[below(N)];
    }
    std::uint64_t bits() { return m_gen(); }

  private:
    std::mt19937_64 m_gen;
};

/// Every field of every message in a model, the messages, and the model's strings.
struct Tree {
    struct Site {
        gp::Message* message;
        const Field* field;
    };
    std::vector<Site> sites;
    std::vector<gp::Message*> messages;
    std::vector<std::string> strings;

    void collect(gp::Message* m, int depth) {
        messages.push_back(m);
        const gp::Descriptor* d = m->GetDescriptor();
        const gp::Reflection* r = m->GetReflection();
        for (int i = 0; i < d->field_count(); ++i) {
            const Field* f = d->field(i);
            sites.push_back({m, f});
            if (f->cpp_type() == Field::CPPTYPE_MESSAGE && depth < 24) {
                if (f->is_repeated()) {
                    for (int k = 0; k < r->FieldSize(*m, f); ++k)
                        collect(r->MutableRepeatedMessage(m, f, k), depth + 1);
                } else if (r->HasField(*m, f)) {
                    collect(r->MutableMessage(m, f), depth + 1);
                }
            } else if (f->type() == Field::TYPE_STRING && strings.size() < 256) {
                if (f->is_repeated()) {
                    for (int k = 0; k < r->FieldSize(*m, f) && k < 16; ++k)
                        strings.push_back(r->GetRepeatedString(*m, f, k));
                } else if (r->HasField(*m, f)) {
                    strings.push_back(r->GetString(*m, f));
                }
            }
        }
    }

    /// A message of type `d` in the tree (nullptr if none).
    gp::Message* of_type(const gp::Descriptor* d, Rng& rng) const {
        std::vector<gp::Message*> found;
        for (gp::Message* m : messages) {
            if (m->GetDescriptor() == d)
                found.push_back(m);
        }
        return found.empty() ? nullptr : found[rng.below(found.size())];
    }
};

std::int64_t boundary_int(std::int64_t current, Rng& rng) {
    static const std::int64_t values[] = {0,
                                          1,
                                          -1,
                                          2,
                                          3,
                                          4,
                                          7,
                                          8,
                                          16,
                                          255,
                                          256,
                                          65535,
                                          65536,
                                          std::int64_t{1} << 30,
                                          (std::int64_t{1} << 30) + 1,
                                          std::numeric_limits<std::int32_t>::max(),
                                          std::int64_t{1} << 31,
                                          std::numeric_limits<std::uint32_t>::max(),
                                          std::int64_t{1} << 32,
                                          (std::int64_t{1} << 32) + 1,
                                          std::int64_t{1} << 62,
                                          std::numeric_limits<std::int64_t>::max(),
                                          std::numeric_limits<std::int64_t>::min(),
                                          std::numeric_limits<std::int32_t>::min()};
    switch (rng.below(6)) {
        case 0:
            return static_cast<std::int64_t>(static_cast<std::uint64_t>(current) + 1);
        case 1:
            return static_cast<std::int64_t>(static_cast<std::uint64_t>(current) - 1);
        case 2:
            return static_cast<std::int64_t>(0 - static_cast<std::uint64_t>(current));
        case 3:
            return static_cast<std::int64_t>(rng.below(20));
        default:
            return rng.pick(values);
    }
}

double boundary_real(double current, Rng& rng) {
    static const double values[] = {0.0,
                                    -0.0,
                                    1.0,
                                    -1.0,
                                    0.5,
                                    1e-3,
                                    1e-5,
                                    255.0,
                                    1e38,
                                    -1e38,
                                    std::numeric_limits<float>::max(),
                                    std::numeric_limits<float>::denorm_min(),
                                    std::numeric_limits<double>::max(),
                                    std::numeric_limits<double>::quiet_NaN(),
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity()};
    switch (rng.below(4)) {
        case 0:
            return -current;
        case 1:
            return current * 2.0;
        default:
            return rng.pick(values);
    }
}

/// libFuzzer's byte mutation of `s`, to at most twice its size plus 16 bytes.
void mutate_bytes(std::string& s) {
    const std::size_t max = s.size() * 2 + 16;
    std::vector<std::uint8_t> buf(s.begin(), s.end());
    buf.resize(max);
    const std::size_t n = LLVMFuzzerMutate(buf.data(), s.size(), max);
    s.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(std::min(n, max)));
}

std::string new_string(const std::string& current, bool raw, const Tree& tree, Rng& rng) {
    if (raw) {
        // Tensor data: cut, grow, empty, double, or a value written at an aligned offset.
        std::string s = current;
        switch (rng.below(7)) {
            case 0:
                s.resize(s.empty() ? 0 : rng.below(s.size()));
                break;
            case 1:
                s.resize(s.size() + 1 + rng.below(64), rng.one_in(2) ? '\0' : '\x7f');
                break;
            case 2:
                s.clear();
                break;
            case 3:
                if (s.size() < 16384)
                    s += s;
                break;
            case 4:
                if (s.size() >= 8) {
                    const std::size_t at = rng.below(s.size() / 8) * 8;
                    const double v = boundary_real(0.0, rng);
                    if (rng.one_in(2)) {
                        const float f = static_cast<float>(v);
                        std::memcpy(&s[at], &f, sizeof f);
                    } else {
                        const std::int64_t i = boundary_int(0, rng);
                        std::memcpy(&s[at], &i, sizeof i);
                    }
                }
                break;
            default:
                mutate_bytes(s);
                break;
        }
        return s;
    }
    switch (rng.below(6)) {
        case 0:
            return rng.pick(kOps);
        case 1:
            return rng.pick(kWords);
        case 2: {
            std::string s = current;
            mutate_bytes(s);
            return s;
        }
        default:
            return tree.strings.empty() ? std::string(rng.pick(kWords))
                                        : tree.strings[rng.below(tree.strings.size())];
    }
}

/// A copy of a message of type `d` from the tree, or an empty one. Copied before anything
/// changes: the donor may hold the place it goes to (a graph copied into one of its
/// attributes), and creating a member of a oneof frees the other members.
std::unique_ptr<gp::Message> donation(const gp::Message& prototype, const Tree& tree, Rng& rng) {
    std::unique_ptr<gp::Message> copy(prototype.New());
    if (!rng.one_in(4)) {
        if (const gp::Message* donor = tree.of_type(prototype.GetDescriptor(), rng))
            copy->CopyFrom(*donor);
    }
    return copy;
}

/// Bytes per element of an ONNX data type (0: not a fixed-size type).
std::size_t element_size(int data_type) {
    switch (data_type) {
        case onnx::TensorProto::FLOAT:
        case onnx::TensorProto::INT32:
        case onnx::TensorProto::UINT32:
            return 4;
        case onnx::TensorProto::INT64:
        case onnx::TensorProto::UINT64:
        case onnx::TensorProto::DOUBLE:
            return 8;
        case onnx::TensorProto::UINT8:
        case onnx::TensorProto::INT8:
        case onnx::TensorProto::BOOL:
            return 1;
        case onnx::TensorProto::UINT16:
        case onnx::TensorProto::INT16:
        case onnx::TensorProto::FLOAT16:
        case onnx::TensorProto::BFLOAT16:
            return 2;
        default:
            return 0;
    }
}

/// Gives a tensor raw_data of the size its dims and type declare (when small enough).
bool fit_raw_data(onnx::TensorProto& t) {
    const std::size_t elem = element_size(t.data_type());
    if (elem == 0)
        return false;
    std::uint64_t count = 1;
    for (const std::int64_t d : t.dims()) {
        if (d < 0 || d > 16384 || (count *= static_cast<std::uint64_t>(d)) > 16384)
            return false;
    }
    t.clear_float_data();
    t.clear_int32_data();
    t.clear_int64_data();
    t.clear_double_data();
    t.clear_uint64_data();
    t.mutable_raw_data()->resize(count * elem, '\0');
    return true;
}

void mutate_scalar(gp::Message* m, const Field* f, int index, const Tree& tree, Rng& rng) {
    const gp::Reflection* r = m->GetReflection();
    const bool rep = f->is_repeated();
    switch (f->cpp_type()) {
        case Field::CPPTYPE_INT32: {
            const std::int64_t cur = rep ? r->GetRepeatedInt32(*m, f, index) : r->GetInt32(*m, f);
            const auto v = static_cast<std::int32_t>(boundary_int(cur, rng));
            rep ? r->SetRepeatedInt32(m, f, index, v) : r->SetInt32(m, f, v);
            break;
        }
        case Field::CPPTYPE_INT64: {
            const std::int64_t cur = rep ? r->GetRepeatedInt64(*m, f, index) : r->GetInt64(*m, f);
            const std::int64_t v = boundary_int(cur, rng);
            rep ? r->SetRepeatedInt64(m, f, index, v) : r->SetInt64(m, f, v);
            break;
        }
        case Field::CPPTYPE_UINT32: {
            const std::int64_t cur = rep ? r->GetRepeatedUInt32(*m, f, index) : r->GetUInt32(*m, f);
            const auto v = static_cast<std::uint32_t>(boundary_int(cur, rng));
            rep ? r->SetRepeatedUInt32(m, f, index, v) : r->SetUInt32(m, f, v);
            break;
        }
        case Field::CPPTYPE_UINT64: {
            const auto cur = static_cast<std::int64_t>(rep ? r->GetRepeatedUInt64(*m, f, index)
                                                           : r->GetUInt64(*m, f));
            const auto v = static_cast<std::uint64_t>(boundary_int(cur, rng));
            rep ? r->SetRepeatedUInt64(m, f, index, v) : r->SetUInt64(m, f, v);
            break;
        }
        case Field::CPPTYPE_FLOAT: {
            const float cur = rep ? r->GetRepeatedFloat(*m, f, index) : r->GetFloat(*m, f);
            const auto v = static_cast<float>(boundary_real(cur, rng));
            rep ? r->SetRepeatedFloat(m, f, index, v) : r->SetFloat(m, f, v);
            break;
        }
        case Field::CPPTYPE_DOUBLE: {
            const double cur = rep ? r->GetRepeatedDouble(*m, f, index) : r->GetDouble(*m, f);
            const double v = boundary_real(cur, rng);
            rep ? r->SetRepeatedDouble(m, f, index, v) : r->SetDouble(m, f, v);
            break;
        }
        case Field::CPPTYPE_BOOL: {
            const bool v = !(rep ? r->GetRepeatedBool(*m, f, index) : r->GetBool(*m, f));
            rep ? r->SetRepeatedBool(m, f, index, v) : r->SetBool(m, f, v);
            break;
        }
        case Field::CPPTYPE_ENUM: {
            const gp::EnumDescriptor* e = f->enum_type();
            const gp::EnumValueDescriptor* v =
                e->value(static_cast<int>(rng.below(e->value_count())));
            rep ? r->SetRepeatedEnum(m, f, index, v) : r->SetEnum(m, f, v);
            break;
        }
        case Field::CPPTYPE_STRING: {
            const bool raw = f->type() == Field::TYPE_BYTES || f->name() == "raw_data";
            const std::string cur = rep ? r->GetRepeatedString(*m, f, index) : r->GetString(*m, f);
            const std::string v = new_string(cur, raw, tree, rng);
            rep ? r->SetRepeatedString(m, f, index, v) : r->SetString(m, f, v);
            break;
        }
        case Field::CPPTYPE_MESSAGE:
            break;
    }
}

/// Appends an element to a repeated field: a message from the tree (or empty), a scalar that
/// mutate_scalar then sets.
void add_element(gp::Message* m, const Field* f, const Tree& tree, Rng& rng) {
    const gp::Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
        case Field::CPPTYPE_MESSAGE: {
            const std::unique_ptr<gp::Message> fresh =
                donation(*r->GetMessageFactory()->GetPrototype(f->message_type()), tree, rng);
            r->AddMessage(m, f)->CopyFrom(*fresh);
            return;
        }
        case Field::CPPTYPE_INT32:
            r->AddInt32(m, f, 0);
            break;
        case Field::CPPTYPE_INT64:
            r->AddInt64(m, f, 0);
            break;
        case Field::CPPTYPE_UINT32:
            r->AddUInt32(m, f, 0);
            break;
        case Field::CPPTYPE_UINT64:
            r->AddUInt64(m, f, 0);
            break;
        case Field::CPPTYPE_FLOAT:
            r->AddFloat(m, f, 0.0F);
            break;
        case Field::CPPTYPE_DOUBLE:
            r->AddDouble(m, f, 0.0);
            break;
        case Field::CPPTYPE_BOOL:
            r->AddBool(m, f, false);
            break;
        case Field::CPPTYPE_ENUM:
            r->AddEnum(m, f, f->enum_type()->value(0));
            break;
        case Field::CPPTYPE_STRING:
            r->AddString(m, f, "");
            break;
    }
    mutate_scalar(m, f, r->FieldSize(*m, f) - 1, tree, rng);
}

/// One change to a repeated field.
void mutate_repeated(gp::Message* m, const Field* f, const Tree& tree, Rng& rng) {
    const gp::Reflection* r = m->GetReflection();
    const int n = r->FieldSize(*m, f);
    const bool message = f->cpp_type() == Field::CPPTYPE_MESSAGE;
    if (n == 0) {
        add_element(m, f, tree, rng);
        return;
    }
    const int at = static_cast<int>(rng.below(static_cast<std::size_t>(n)));
    switch (rng.below(message ? 5 : 6)) {
        case 0:
            add_element(m, f, tree, rng);
            break;
        case 1:  // remove one
            r->SwapElements(m, f, at, n - 1);
            r->RemoveLast(m, f);
            if (at < n - 1 && rng.one_in(2)) {
                // Keep the order of the rest.
                for (int k = at; k < n - 2; ++k)
                    r->SwapElements(m, f, k, k + 1);
            }
            break;
        case 2: {  // duplicate a message; a new scalar at a random place
            if (message) {
                std::unique_ptr<gp::Message> copy(r->GetRepeatedMessage(*m, f, at).New());
                copy->CopyFrom(r->GetRepeatedMessage(*m, f, at));
                r->AddMessage(m, f)->CopyFrom(*copy);
            } else {
                add_element(m, f, tree, rng);
                r->SwapElements(m, f, at, n);
            }
            break;
        }
        case 3:  // swap two
            r->SwapElements(m, f, at, static_cast<int>(rng.below(static_cast<std::size_t>(n))));
            break;
        case 4:  // empty the field
            r->ClearField(m, f);
            break;
        default:
            mutate_scalar(m, f, at, tree, rng);
            break;
    }
}

/// One change at a random place of `model`.
void mutate_model(onnx::ModelProto& model, Rng& rng) {
    Tree tree;
    tree.collect(&model, 0);
    if (rng.one_in(8)) {
        // A tensor's data fitted to its (perhaps just mutated) dims and type.
        std::vector<onnx::TensorProto*> tensors;
        for (gp::Message* m : tree.messages) {
            if (m->GetDescriptor() == onnx::TensorProto::descriptor())
                tensors.push_back(static_cast<onnx::TensorProto*>(m));
        }
        if (!tensors.empty() && fit_raw_data(*tensors[rng.below(tensors.size())]))
            return;
    }
    const Tree::Site site = tree.sites[rng.below(tree.sites.size())];
    gp::Message* m = site.message;
    const Field* f = site.field;
    const gp::Reflection* r = m->GetReflection();
    if (f->is_repeated()) {
        mutate_repeated(m, f, tree, rng);
    } else if (f->cpp_type() == Field::CPPTYPE_MESSAGE) {
        if (r->HasField(*m, f) && rng.one_in(3))
            r->ClearField(m, f);
        else {
            const std::unique_ptr<gp::Message> fresh =
                donation(*r->GetMessageFactory()->GetPrototype(f->message_type()), tree, rng);
            r->MutableMessage(m, f)->CopyFrom(*fresh);
        }
    } else if (r->HasField(*m, f) && rng.one_in(8)) {
        r->ClearField(m, f);
    } else {
        mutate_scalar(m, f, 0, tree, rng);
    }
}

/// A tiny valid model (Conv 3x3 with pads, then Relu), where an input does not parse.
onnx::ModelProto tiny_model() {
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.add_opset_import()->set_version(13);
    onnx::GraphProto* g = m.mutable_graph();
    g->set_name("tiny");
    const auto value = [](onnx::ValueInfoProto* v, const char* name,
                          std::initializer_list<std::int64_t> dims) {
        v->set_name(name);
        onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
        t->set_elem_type(onnx::TensorProto::FLOAT);
        for (const std::int64_t d : dims)
            t->mutable_shape()->add_dim()->set_dim_value(d);
    };
    value(g->add_input(), "x", {1, 1, 4, 4});
    value(g->add_output(), "z", {1, 1, 4, 4});
    onnx::TensorProto* w = g->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    for (const std::int64_t d : {1, 1, 3, 3})
        w->add_dims(d);
    for (int i = 0; i < 9; ++i)
        w->add_float_data(0.125F * static_cast<float>(i));
    onnx::NodeProto* conv = g->add_node();
    conv->set_name("conv");
    conv->set_op_type("Conv");
    conv->add_input("x");
    conv->add_input("w");
    conv->add_output("y");
    onnx::AttributeProto* pads = conv->add_attribute();
    pads->set_name("pads");
    pads->set_type(onnx::AttributeProto::INTS);
    for (int i = 0; i < 4; ++i)
        pads->add_ints(1);
    onnx::NodeProto* relu = g->add_node();
    relu->set_name("relu");
    relu->set_op_type("Relu");
    relu->add_input("y");
    relu->add_output("z");
    return m;
}

/// Writes `m` into `out` if it fits `max_size`; its size, or 0.
std::size_t serialise(const onnx::ModelProto& m, std::uint8_t* out, std::size_t max_size) {
    std::string bytes;
    if (!m.SerializeToString(&bytes) || bytes.size() > max_size)
        return 0;
    std::memcpy(out, bytes.data(), bytes.size());
    return bytes.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    dnsim::fuzz::check_onnx_model(data, size);
    return 0;
}

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
    Rng rng(seed);
    onnx::ModelProto model;
    if (!model.ParseFromArray(data, static_cast<int>(size))) {
        if (rng.one_in(2))
            return LLVMFuzzerMutate(data, size, max_size);
        model = tiny_model();
    }
    mutate_model(model, rng);
    const std::size_t n = serialise(model, data, max_size);
    return n != 0 ? n : LLVMFuzzerMutate(data, size, max_size);
}

extern "C" std::size_t LLVMFuzzerCustomCrossOver(const std::uint8_t* data1, std::size_t size1,
                                                 const std::uint8_t* data2, std::size_t size2,
                                                 std::uint8_t* out, std::size_t max_out_size,
                                                 unsigned int seed) {
    Rng rng(seed);
    onnx::ModelProto into;
    onnx::ModelProto from;
    if (!into.ParseFromArray(data1, static_cast<int>(size1)) ||
        !from.ParseFromArray(data2, static_cast<int>(size2)))
        return 0;
    Tree donors;
    donors.collect(&from, 0);
    if (donors.messages.size() < 2)
        return 0;
    // A message of the second model (not the model itself) ...
    const gp::Message* part = donors.messages[1 + rng.below(donors.messages.size() - 1)];
    // ... into a field of its type in the first.
    Tree target;
    target.collect(&into, 0);
    std::vector<Tree::Site> fits;
    for (const Tree::Site& s : target.sites) {
        if (s.field->message_type() == part->GetDescriptor())
            fits.push_back(s);
    }
    if (fits.empty())
        return 0;
    const Tree::Site s = fits[rng.below(fits.size())];
    const gp::Reflection* r = s.message->GetReflection();
    if (!s.field->is_repeated()) {
        r->MutableMessage(s.message, s.field)->CopyFrom(*part);
    } else {
        const int n = r->FieldSize(*s.message, s.field);
        r->AddMessage(s.message, s.field)->CopyFrom(*part);
        if (n > 0 && rng.one_in(2))
            r->SwapElements(s.message, s.field,
                            static_cast<int>(rng.below(static_cast<std::size_t>(n))), n);
    }
    return serialise(into, out, max_out_size);
}
