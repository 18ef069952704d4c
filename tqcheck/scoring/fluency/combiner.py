"""The calibrated combiner: shipped logistic-regression coefficients applied with plain numpy."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tqcheck.core.errors import BackendError

MODEL_FILE = Path(__file__).with_name("model-v1.json")


@dataclass
class Combiner:
    """Standardise features, apply coefficients, return P(segment free of major errors)."""

    version: str
    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    data: dict = field(default_factory=dict)
    sha256: str = ""

    def probability(self, matrix: np.ndarray, columns: list[str]) -> np.ndarray:
        """P(no major error) for each row of ``matrix`` whose columns are named ``columns``.

        A feature the combiner knows but ``columns`` lacks (e.g. semantic off) is set to its
        training mean, so it adds nothing to the score.
        """
        index = {name: i for i, name in enumerate(columns)}
        x = np.tile(self.mean, (matrix.shape[0], 1))
        for j, name in enumerate(self.features):
            if name in index:
                x[:, j] = matrix[:, index[name]]
        z = (x - self.mean) / self.scale
        logit = z @ self.coef + self.intercept  # logit of P(major error)
        return 1.0 / (1.0 + np.exp(logit))


def load_combiner(path: Path = MODEL_FILE, variant: str = "default") -> Combiner:
    """The combiner stored in ``path`` (variant 'default' or 'deep')."""
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
        if variant not in data.get("variants", {}):
            raise BackendError(f"{path} has no coefficients for the '{variant}' tier; fit them with "
                               f"python -m bench.accuracy_fluency --fit{' --lm smollm2' if variant == 'deep' else ''}")
        part = data["variants"][variant]
        return Combiner(
            version=str(data["version"]),
            features=list(part["features"]),
            mean=np.asarray(part["mean"], dtype=float),
            scale=np.asarray(part["scale"], dtype=float),
            coef=np.asarray(part["coef"], dtype=float),
            intercept=float(part["intercept"]),
            data=data,
            sha256=hashlib.sha256(raw).hexdigest(),
        )
    except FileNotFoundError:
        raise BackendError(f"fluency coefficients missing: {path} (reinstall tqcheck)") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise BackendError(f"{path}: invalid fluency coefficient file ({exc})") from None
