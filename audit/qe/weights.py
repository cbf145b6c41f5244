"""What the repository ships of the detector: the trained part only.

``detector.safetensors`` holds the kept encoder layers, the embedding LayerNorm and the two heads in
fp16 (the frozen 250k-row embedding matrix comes from the base, converted on the user's machine);
``detector.json`` says how many base layers the detector keeps and how it was trained.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..config import QEThresholds
from ..errors import ConfigError

WEIGHTS_FILE = "detector.safetensors"
META_FILE = "detector.json"


#: Opens the detector's section of the shipped calibration file (the section runs to the file's end).
CALIBRATION_MARKER = "# --- the learned detector (mt-audit qe calibrate --write) ---"


def shipped_detector_dir() -> Path:
    return Path(__file__).with_name("shipped")


def is_shipped(model_dir: Path) -> bool:
    return model_dir.resolve() == shipped_detector_dir().resolve()


def save_detector(model, out_dir: Path, meta: dict[str, Any]) -> Path:
    import torch
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items() if k in trainable}
    save_file(state, str(out_dir / WEIGHTS_FILE))
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    return out_dir


def read_meta(model_dir: Path) -> dict[str, Any]:
    path = model_dir / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"no detector here: {exc.strerror}", file=str(path)) from None
    except ValueError as exc:
        raise ConfigError(f"unreadable detector description: {exc}", file=str(path)) from None
    if not isinstance(meta, dict) or not isinstance(meta.get("layers"), int):
        raise ConfigError("field 'layers' must be an integer", file=str(path))
    return meta


def load_detector_state(model_dir: Path) -> dict:
    import torch
    from safetensors.torch import load_file

    path = model_dir / WEIGHTS_FILE
    if not path.is_file():
        raise ConfigError("no detector weights", file=str(path))
    return {k: v.to(torch.float32) for k, v in load_file(str(path)).items()}


def write_thresholds(model_dir: Path, levels: dict[str, dict[str, QEThresholds]], notes: str = "") -> Path:
    """Record the calibrated thresholds (per operating point, then per mode: ``span``, ``major``): the
    shipped detector's in the shipped calibration file (its last section, ``notes`` as comments above
    it), another's in its ``detector.json``. Returns the file written."""
    if is_shipped(model_dir):
        return _write_calibration(levels, notes)
    meta = read_meta(model_dir)
    meta["thresholds"] = thresholds_json(levels)
    (model_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    return model_dir / META_FILE


def thresholds_json(levels: dict[str, dict[str, QEThresholds]]) -> dict[str, dict[str, dict[str, float | None]]]:
    """Thresholds per operating point and mode as plain JSON values (``detector.json``, ``--json-out``)."""
    return {level: {mode: _threshold_values(t) for mode, t in modes.items()} for level, modes in levels.items()}


def _threshold_values(t: QEThresholds) -> dict[str, float | None]:
    """``span``, ``major``, and ``segment`` where the point has a sentence threshold."""
    values: dict[str, float | None] = {"span": t.span, "major": t.major}
    if t.segment is not None:
        values["segment"] = t.segment
    return values


def _write_calibration(levels: dict[str, dict[str, QEThresholds]], notes: str) -> Path:
    from ..config import CALIBRATION_FILE

    text = CALIBRATION_FILE.read_text(encoding="utf-8")
    text = text.split(CALIBRATION_MARKER, 1)[0].rstrip("\n") + "\n"
    lines = [CALIBRATION_MARKER, *(f"# {line}".rstrip() for line in notes.splitlines()), "qe_thresholds:"]
    for level, modes in levels.items():
        lines.append(f"  {level}:")
        lines.extend(f"    {mode}: {{{', '.join(f'{k}: {v}' for k, v in _threshold_values(t).items())}}}"
                     for mode, t in modes.items())
    CALIBRATION_FILE.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
    return CALIBRATION_FILE
