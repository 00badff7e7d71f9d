"""Independent check of an exported model with Debian's python3-onnx: onnx.checker (full check)
accepts it, and it holds the expected number of ai.dnsim Denoiser nodes."""
import sys

import onnx

model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
denoisers = [n for n in model.graph.node if n.op_type == "Denoiser" and n.domain == "ai.dnsim"]
if len(denoisers) != int(sys.argv[2]):
    sys.exit(f"expected {sys.argv[2]} ai.dnsim Denoiser nodes, found {len(denoisers)}")
print(f"onnx.checker accepts {sys.argv[1]}: {len(model.graph.node)} nodes, "
      f"{len(denoisers)} denoisers")
