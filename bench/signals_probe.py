"""What is left of the CoLA / MLQE-PE DA probe of the detector's sentence model: ``with_extra``, which
bench/tuned_probes.py's ``cola`` probe reuses.

The probe itself (leave one MQM set out, the sentence model refitted with CoLA and DA rows beside the MQM rows;
verdict: not adopted, docs/detector.md) was removed from bench/ to keep it to the scripts that regenerate a page;
its code is ``git show 3fab348:bench/signals_probe.py``.
"""

from __future__ import annotations

import copy

import numpy as np

from tqcheck.scoring.detector.model import INCREASING, SentenceModel


def with_extra(fitted, extra_rows: np.ndarray, extra_y: np.ndarray, weight: float):
    """A copy of ``fitted`` whose sentence model also learned from the extra rows at ``weight``."""
    out = copy.copy(fitted)
    if len(extra_rows) and weight > 0:
        x = np.vstack([fitted.oof_rows, extra_rows])
        y = np.concatenate([fitted.oof_labels, extra_y])
        w = np.concatenate([np.ones(len(fitted.oof_rows)), np.full(len(extra_rows), weight)])
        model = SentenceModel.fit(x, y, fitted.sentence_model.names, weight=w, increasing=INCREASING)
        model.refit_intercept(fitted.oof_rows, fitted.oof_labels)
        out.sentence_model = model
    out.oof_probability = out.sentence_model.predict(fitted.oof_rows)
    return out
