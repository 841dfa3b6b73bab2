"""symcheck: an open, fast and explainable symptom assessment. Not a diagnosis."""

__version__ = "0.1.0"

from symcheck.interview import Interview, assess  # noqa: E402
from symcheck.kb.pack import Pack, available_packs, load_pack  # noqa: E402
from symcheck.text import parse  # noqa: E402  (free text -> answers; issue 13)

__all__ = ["Interview", "Pack", "__version__", "assess", "available_packs", "load_pack", "parse"]
