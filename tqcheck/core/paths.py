"""Where tqcheck's own files are: the package folder, its shipped models and, in a checkout, the repository."""

from __future__ import annotations

from pathlib import Path

#: The installed ``tqcheck`` package folder.
PACKAGE = Path(__file__).resolve().parent.parent
#: The shipped model weights (encoder, detector).
MODELS = PACKAGE / "models"
#: The repository root when running from a checkout (docs/, rules/ beside the package).
CHECKOUT = PACKAGE.parent
