// Name look-ups over the op table.
#include "workloads/graph/op_info.h"

namespace dnsim::workloads {

const char* op_name(Op op) {
    const auto i = static_cast<std::size_t>(op);
    return i < kOpCount ? kOpTable[i].name : "?";
}

std::optional<Op> op_from_name(std::string_view name) {
    for (const OpInfo& info : kOpTable) {
        if (name == info.name)
            return info.op;
    }
    return std::nullopt;
}

}  // namespace dnsim::workloads
