// `dnsim inspect MODEL`: each layer with its input and output shapes, parameters and MACs.
#pragma once

#include <ostream>

#include "workloads/graph/graph.h"

namespace dnsim::tb {

/// Prints the per-layer table and the totals.
void print_model_summary(const workloads::Graph& g, std::ostream& os);

}  // namespace dnsim::tb
