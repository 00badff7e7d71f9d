"""The torchvision model zoo through dnsim's ONNX importer: each case exports one model with
Debian's PyTorch (python3-torch, python3-torchvision) in one export variant, with random weights
and randomised BatchNorm / LayerNorm statistics, evaluates it in PyTorch and in dnsim
(dnsim_zoo_case: import + float executor) on the same random input, and compares the logits.

Error measure: max |dnsim - torch| / max |torch| over all logits of the case (the batch
included); a case passes when it is at most 1e-4.

usage:
  zoo.py --list [--all]                 case ids (CI set; --all: every model)
  zoo.py --case ID --helper BIN --work DIR [--dnsim BIN] [--exports DIR]
                                        runs one case (and, with --dnsim, `dnsim run
                                        --timing-only` on the model: the replay must give
                                        cycles and energy; and `dnsim inspect --export`: the
                                        export must pass onnx.checker and re-import within
                                        the tolerance)
  zoo.py --all --helper BIN --work DIR --write-docs docs/onnx-conformance.md
                                        runs every case and rewrites the page's model-zoo
                                        table (only with this switch)

A case id is MODEL/VARIANT, VARIANT = o<opset>[-nofold][-dyn][-initin]: nofold exports with
do_constant_folding=False, dyn with a dynamic batch axis (then the input has 2 images),
initin with keep_initializers_as_inputs=True.

Exports are kept: --exports DIR (default: the work folder) holds each case's model.onnx,
input.pb and output.pb (PyTorch's logits) with the key they were made under, a hash of this
file and the versions of Python, PyTorch, torchvision and onnx. A case whose export has the
current key reuses it instead of exporting again, so a second build (the sanitizer build in CI)
sharing the folder spends its time on dnsim, not on PyTorch; any other key is exported anew.
The export is deterministic (fixed seeds), so a reused export is the one a new run would make.
"""
import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time

TOL = 1e-4
DEFAULT = "o13"
# The variant matrix, run on a few representative models.
MATRIX = ["o11", "o12", "o14", "o15", "o16", "o17", "o13-nofold", "o13-dyn", "o13-initin",
          "o17-nofold-dyn-initin", "o11-nofold-dyn"]
MATRIX_MODELS = ["resnet18", "shufflenet_v2_x0_5", "convnext_mini", "vit_tiny"]

# name: (constructor expression, input size, in CI). Heavy models run only with --all; each is
# covered in CI by a smaller sibling of the same architecture (noted after it).
MODELS = {
    "alexnet": ("M.alexnet(num_classes=10)", 224, True),  # 224: its adaptive pool needs 6x6
    "resnet18": ("M.resnet18(num_classes=10)", 32, True),
    "resnet34": ("M.resnet34(num_classes=10)", 32, False),  # resnet18
    "resnet50": ("M.resnet50(num_classes=10)", 32, True),
    "resnet101": ("M.resnet101(num_classes=10)", 32, False),  # resnet50
    "resnet152": ("M.resnet152(num_classes=10)", 32, False),  # resnet50
    "resnext50_32x4d": ("M.resnext50_32x4d(num_classes=10)", 32, True),
    "resnext101_32x8d": ("M.resnext101_32x8d(num_classes=10)", 32, False),  # resnext50
    "resnext101_64x4d": ("M.resnext101_64x4d(num_classes=10)", 32, False),  # resnext50
    "wide_resnet50_2": ("M.wide_resnet50_2(num_classes=10)", 32, False),  # resnet50
    "wide_resnet101_2": ("M.wide_resnet101_2(num_classes=10)", 32, False),  # resnet50
    "mobilenet_v2": ("M.mobilenet_v2(num_classes=10)", 32, True),
    "mobilenet_v3_small": ("M.mobilenet_v3_small(num_classes=10)", 32, True),
    "mobilenet_v3_large": ("M.mobilenet_v3_large(num_classes=10)", 32, True),
    "efficientnet_b0": ("M.efficientnet_b0(num_classes=10)", 32, True),
    "efficientnet_b1": ("M.efficientnet_b1(num_classes=10)", 32, False),  # b0
    "efficientnet_b2": ("M.efficientnet_b2(num_classes=10)", 32, False),  # b0
    "efficientnet_b3": ("M.efficientnet_b3(num_classes=10)", 32, False),  # b0
    "efficientnet_b4": ("M.efficientnet_b4(num_classes=10)", 32, False),  # b0
    "efficientnet_b5": ("M.efficientnet_b5(num_classes=10)", 32, False),  # b0
    "efficientnet_b6": ("M.efficientnet_b6(num_classes=10)", 32, False),  # b0
    "efficientnet_b7": ("M.efficientnet_b7(num_classes=10)", 32, False),  # b0
    "efficientnet_v2_s": ("M.efficientnet_v2_s(num_classes=10)", 32, True),
    "efficientnet_v2_m": ("M.efficientnet_v2_m(num_classes=10)", 32, False),  # v2_s
    "efficientnet_v2_l": ("M.efficientnet_v2_l(num_classes=10)", 32, False),  # v2_s
    "densenet121": ("M.densenet121(num_classes=10)", 32, True),
    "densenet161": ("M.densenet161(num_classes=10)", 32, False),  # densenet121
    "densenet169": ("M.densenet169(num_classes=10)", 32, False),  # densenet121
    "densenet201": ("M.densenet201(num_classes=10)", 32, False),  # densenet121
    "googlenet": ("M.googlenet(num_classes=10, aux_logits=False, init_weights=True)", 64, True),
    "inception_v3": ("M.inception_v3(num_classes=10, aux_logits=False, init_weights=True)", 75,
                     True),
    "mnasnet0_5": ("M.mnasnet0_5(num_classes=10)", 32, True),
    "mnasnet0_75": ("M.mnasnet0_75(num_classes=10)", 32, False),  # mnasnet0_5
    "mnasnet1_0": ("M.mnasnet1_0(num_classes=10)", 32, False),  # mnasnet0_5
    "mnasnet1_3": ("M.mnasnet1_3(num_classes=10)", 32, False),  # mnasnet0_5
    "shufflenet_v2_x0_5": ("M.shufflenet_v2_x0_5(num_classes=10)", 32, True),
    "shufflenet_v2_x1_0": ("M.shufflenet_v2_x1_0(num_classes=10)", 32, False),  # x0_5
    "shufflenet_v2_x1_5": ("M.shufflenet_v2_x1_5(num_classes=10)", 32, False),  # x0_5
    "shufflenet_v2_x2_0": ("M.shufflenet_v2_x2_0(num_classes=10)", 32, False),  # x0_5
    "squeezenet1_0": ("M.squeezenet1_0(num_classes=10)", 64, True),
    "squeezenet1_1": ("M.squeezenet1_1(num_classes=10)", 64, True),
    "regnet_x_400mf": ("M.regnet_x_400mf(num_classes=10)", 32, True),
    "regnet_y_400mf": ("M.regnet_y_400mf(num_classes=10)", 32, True),
    "regnet_x_800mf": ("M.regnet_x_800mf(num_classes=10)", 32, False),  # x_400mf
    "regnet_y_800mf": ("M.regnet_y_800mf(num_classes=10)", 32, False),  # y_400mf
    "regnet_x_1_6gf": ("M.regnet_x_1_6gf(num_classes=10)", 32, False),  # x_400mf
    "regnet_y_1_6gf": ("M.regnet_y_1_6gf(num_classes=10)", 32, False),  # y_400mf
    "regnet_x_3_2gf": ("M.regnet_x_3_2gf(num_classes=10)", 32, False),  # x_400mf
    "regnet_y_3_2gf": ("M.regnet_y_3_2gf(num_classes=10)", 32, False),  # y_400mf
    "regnet_x_8gf": ("M.regnet_x_8gf(num_classes=10)", 32, False),  # x_400mf
    "regnet_y_8gf": ("M.regnet_y_8gf(num_classes=10)", 32, False),  # y_400mf
    "regnet_x_16gf": ("M.regnet_x_16gf(num_classes=10)", 32, False),  # x_400mf
    "regnet_y_16gf": ("M.regnet_y_16gf(num_classes=10)", 32, False),  # y_400mf
    "regnet_x_32gf": ("M.regnet_x_32gf(num_classes=10)", 32, False),  # x_400mf
    "regnet_y_32gf": ("M.regnet_y_32gf(num_classes=10)", 32, False),  # y_400mf
    "vgg11": ("M.vgg11(num_classes=10)", 224, False),  # alexnet (same ops; >130 M parameters)
    "vgg11_bn": ("M.vgg11_bn(num_classes=10)", 224, False),
    "vgg13": ("M.vgg13(num_classes=10)", 224, False),
    "vgg16": ("M.vgg16(num_classes=10)", 224, False),
    "vgg19": ("M.vgg19(num_classes=10)", 224, False),
    "vgg19_bn": ("M.vgg19_bn(num_classes=10)", 224, False),
    "convnext_tiny": ("M.convnext_tiny(num_classes=10)", 32, True),
    "convnext_small": ("M.convnext_small(num_classes=10)", 32, False),  # tiny
    "convnext_base": ("M.convnext_base(num_classes=10)", 32, False),  # tiny
    "convnext_large": ("M.convnext_large(num_classes=10)", 32, False),  # tiny
    # ConvNeXt with one block of each stage at a sixth of Tiny's widths: Tiny's graph (stem,
    # depthwise 7x7, LayerNorm over channels, layer scale, downsampling), small, for the
    # variant matrix; Tiny itself runs at the default variant.
    "convnext_mini": ("M.convnext.ConvNeXt([M.convnext.CNBlockConfig(16, 32, 1), "
                      "M.convnext.CNBlockConfig(32, 64, 1), M.convnext.CNBlockConfig(64, 128, 1), "
                      "M.convnext.CNBlockConfig(128, None, 1)], num_classes=10)", 32, True),
    # A two-layer ViT at 32x32 with 16x16 patches: vit_b_16's graph, small.
    "vit_tiny": ("M.VisionTransformer(image_size=32, patch_size=16, num_layers=2, num_heads=4, "
                 "hidden_dim=64, mlp_dim=128, num_classes=10)", 32, True),
    "vit_b_16": ("M.vit_b_16(num_classes=10, image_size=32)", 32, False),  # vit_tiny
    "vit_b_32": ("M.vit_b_32(num_classes=10, image_size=32)", 32, False),  # vit_tiny
    "swin_t": ("M.swin_t(num_classes=10)", 64, True),
}


def case_ids(everything):
    ids = []
    for name, (_, _, ci) in MODELS.items():
        if ci or everything:
            ids.append(f"{name}/{DEFAULT}")
    for name in MATRIX_MODELS:
        ids += [f"{name}/{v}" for v in MATRIX]
    return ids


def parse_variant(v):
    parts = v.split("-")
    m = re.fullmatch(r"o(\d+)", parts[0])
    if not m or any(p not in ("nofold", "dyn", "initin") for p in parts[1:]):
        raise SystemExit(f"bad variant '{v}'")
    return int(m.group(1)), "nofold" not in parts, "dyn" in parts, "initin" in parts


def randomise(model, torch):
    """Random BatchNorm / LayerNorm statistics and affine parameters (so BN is not the
    identity), and random values for parameters initialised to zero or to a constant (ViT's
    class token and head, ConvNeXt's layer scale) so every part of the graph shows in the
    logits."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
                mod.running_mean.copy_(torch.randn(mod.running_mean.shape, generator=g) * 0.2)
                mod.running_var.copy_(torch.rand(mod.running_var.shape, generator=g) + 0.5)
                if mod.affine:
                    mod.weight.copy_(torch.rand(mod.weight.shape, generator=g) + 0.5)
                    mod.bias.copy_(torch.randn(mod.bias.shape, generator=g) * 0.2)
            elif isinstance(mod, torch.nn.LayerNorm) and mod.elementwise_affine:
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=g) + 0.5)
                mod.bias.copy_(torch.randn(mod.bias.shape, generator=g) * 0.2)
        for name, p in model.named_parameters():
            flat = p.detach().flatten()
            if flat.numel() > 1 and bool((flat == flat[0]).all()):
                p.copy_(torch.randn(p.shape, generator=g) * (0.5 if "layer_scale" in name else
                                                              0.05))


def export_key():
    """What an export depends on besides the case id: this file and the package versions
    (read from the packages' metadata, without importing PyTorch)."""
    from importlib import metadata
    h = hashlib.sha256(open(os.path.abspath(__file__), "rb").read())
    h.update(sys.version.encode())
    for pkg in ("torch", "torchvision", "onnx"):
        try:
            h.update(f"{pkg} {metadata.version(pkg)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{pkg} none".encode())
    return h.hexdigest()


def exported(case_id, exports):
    """EXPORTS/<case>/ with model.onnx, input.pb and output.pb made under the current key:
    reused when its key matches, exported anew (into a scratch folder, then renamed into place,
    so that an interrupted export is never reused) otherwise."""
    final = os.path.join(exports, case_id.replace("/", "_"))
    key = export_key()
    key_file = os.path.join(final, "export.key")
    if os.path.exists(key_file) and open(key_file).read() == key:
        return final
    os.makedirs(exports, exist_ok=True)
    scratch = f"{final}.partial-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        export_case(case_id, scratch)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    with open(os.path.join(scratch, "export.key"), "w") as f:
        f.write(key)
    stale = f"{final}.stale-{os.getpid()}"
    if os.path.exists(final):
        os.rename(final, stale)
    os.rename(scratch, final)
    shutil.rmtree(stale, ignore_errors=True)
    return final


def export_case(case_id, out):
    """Exports the case into OUT/: model.onnx, input.pb, output.pb."""
    import warnings
    warnings.filterwarnings("ignore")
    import torch
    import torchvision.models as M  # noqa: F401 (used by the constructor expressions)
    from onnx import numpy_helper

    name, variant = case_id.split("/")
    opset, fold, dyn, initin = parse_variant(variant)
    expr, size, _ = MODELS[name]
    torch.manual_seed(0)
    model = eval(expr).eval()
    randomise(model, torch)
    batch = 2 if dyn else 1
    x = torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(2))
    os.makedirs(out, exist_ok=True)
    with torch.no_grad():
        y = model(x)
    # Exported with autograd on: under no_grad, nn.MultiheadAttention takes a fused fast path
    # that torch.onnx cannot export.
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        torch.onnx.export(model, x[:1] if dyn else x, os.path.join(out, "model.onnx"),
                          opset_version=opset, do_constant_folding=fold,
                          keep_initializers_as_inputs=initin, input_names=["input"],
                          output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}} if dyn else None)
    for fname, t in (("input.pb", x), ("output.pb", y)):
        with open(os.path.join(out, fname), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy()).SerializeToString())


def run_case(case_id, helper, work, dnsim=None, exports=None):
    """Returns (status, detail, max relative error or None); status: passed, FAILED,
    not imported. The export comes from EXPORTS (default WORK); dnsim's outputs go to WORK."""
    try:
        src = exported(case_id, exports or work)
    except Exception as e:  # an export PyTorch itself refuses
        return "not exported", f"torch.onnx.export: {str(e).splitlines()[0][:160]}", None
    out = os.path.join(work, case_id.replace("/", "_"))
    os.makedirs(out, exist_ok=True)
    model = os.path.join(src, "model.onnx")
    x_pb, y_pb = os.path.join(src, "input.pb"), os.path.join(src, "output.pb")
    r = subprocess.run([helper, model, x_pb, y_pb, str(TOL)], capture_output=True, text=True)
    text = (r.stdout + r.stderr).strip()
    m = re.search(r"max relative error: (\S+)", text)
    err = float(m.group(1)) if m else None
    if r.returncode == 2:
        return "not imported", text.replace("import failed: ", ""), None
    if r.returncode != 0:
        return "FAILED", text, err
    if dnsim:
        rr = subprocess.run([dnsim, "run", model, "--timing-only",
                             "--out", os.path.join(out, "run")], capture_output=True, text=True,
                            env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
        summary = os.path.join(out, "run", "summary.json")
        if rr.returncode != 0 or not os.path.exists(summary):
            return "FAILED", "dnsim run: " + (rr.stdout + rr.stderr).strip()[-400:], err
        with open(summary) as f:
            s = json.load(f)
        cycles = s.get("cycles_per_inference", 0)
        energy = sum(c["energy_pJ"] for c in s.get("energy_per_inference", []))
        if cycles <= 0 or energy <= 0:
            return "FAILED", f"dnsim run: {cycles} cycles, {energy} pJ per inference", err
        text += f"; replay: {cycles} cycles, {energy / 1e6:.3f} uJ per inference"
        # dnsim's own export of the imported graph: valid ONNX, and PyTorch's logits again.
        rt = os.path.join(out, "export.onnx")
        re_ = subprocess.run([dnsim, "inspect", model, "--export", rt],
                             capture_output=True, text=True)
        if re_.returncode != 0:
            return "FAILED", "dnsim inspect --export: " + (re_.stdout + re_.stderr)[-400:], err
        import onnx  # here, not at the top: --list must not need it
        onnx.checker.check_model(onnx.load(rt), full_check=True)
        r2 = subprocess.run([helper, rt, x_pb, y_pb, str(TOL)], capture_output=True, text=True)
        if r2.returncode != 0:
            return "FAILED", "re-import of dnsim's export: " + (r2.stdout + r2.stderr), err
        text += "; dnsim's export passes onnx.checker and re-imports within the tolerance"
    return "passed", text, err


MARKER = "<!-- model zoo: generated by tests/onnx_zoo/zoo.py --write-docs; do not edit -->"


def write_docs(path, rows, seconds):
    with open(path) as f:
        text = f.read()
    head = text.split(MARKER)[0].rstrip("\n") + "\n\n"
    ok = sum(r[1] == "passed" for r in rows)
    worst = max((r[3] for r in rows if r[3] is not None), default=0.0)
    lines = [MARKER, "", "## torchvision model zoo", "",
             "Generated by `tests/onnx_zoo/zoo.py --all --write-docs docs/onnx-conformance.md` "
             f"(Debian's PyTorch 1.13 / torchvision 0.14; {seconds:.0f} s on this page's run). "
             "Each case exports the model with random weights and randomised BatchNorm / "
             "LayerNorm statistics, runs it in PyTorch and in dnsim (importer + float executor) "
             "on the same random input, and compares the logits: error = max |dnsim - torch| / "
             f"max |torch| over the logits; a case passes at <= {TOL:g}. Variant `o13` is opset "
             "13 with constant folding, a fixed batch of 1 and initializers as initializers; "
             "`nofold`: `do_constant_folding=False`; `dyn`: a dynamic batch axis (the input has "
             "2 images); `initin`: `keep_initializers_as_inputs=True`. `--all` runs every model "
             "below; CI (`ctest -L zoo`) runs the models marked CI plus the variant matrix.", "",
             f"Cases: **{len(rows)}** — **{ok} passed**, worst error {worst:.2g}.", "",
             "| model | opset | variant | input | CI | imported | max relative error |",
             "|---|---|---|---|---|---|---|"]
    ci = set(case_ids(False))
    for case_id, status, detail, err in rows:
        name, variant = case_id.split("/")
        opset, fold, dyn, initin = parse_variant(variant)
        flags = ", ".join(f for f, on in (("no folding", not fold), ("dynamic batch", dyn),
                                          ("initializers as inputs", initin)) if on) or "default"
        imported = "yes" if status in ("passed", "FAILED") else "no: " + detail.replace("|", "/")
        if status == "FAILED":
            imported += " (FAILED: " + detail.replace("|", "/")[:120] + ")"
        size = MODELS[name][1]
        lines.append(f"| {name} | {opset} | {flags} | {size}x{size} | "
                     f"{'yes' if case_id in ci else ''} | {imported} | "
                     f"{'' if err is None else f'{err:.2g}'} |")
    with open(path, "w") as f:
        f.write(head + "\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--case")
    ap.add_argument("--helper")
    ap.add_argument("--dnsim")
    ap.add_argument("--work", default="zoo-work")
    ap.add_argument("--exports", help="folder of kept exports (default: the work folder)")
    ap.add_argument("--write-docs")
    a = ap.parse_args()
    if a.list:
        print("\n".join(case_ids(a.all)))
        return 0
    if a.case:
        status, detail, _ = run_case(a.case, a.helper, a.work, a.dnsim, a.exports)
        print(f"{a.case}: {status}: {detail}")
        return 0 if status == "passed" else 1
    if a.all:
        start = time.time()
        rows = []
        for case_id in case_ids(True):
            status, detail, err = run_case(case_id, a.helper, a.work)
            print(f"{case_id}: {status}: {detail}", flush=True)
            rows.append((case_id, status, detail, err))
            subprocess.run(["rm", "-rf", os.path.join(a.work, case_id.replace("/", "_"))])
        if a.write_docs:
            write_docs(a.write_docs, rows, time.time() - start)
        return 0 if all(r[1] == "passed" for r in rows) else 1
    ap.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
