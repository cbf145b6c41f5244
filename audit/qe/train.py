"""Fine-tune the detector on MQM spans: checkpoints, resume after a kill, fixed seed, progress with ETA.

The embeddings (the word matrix is 96 M of the base's 118 M parameters) stay frozen, and so do the
lowest ``frozen_layers`` kept layers: only the layers above them and the two heads train (and ship).
Each example is a (source, MT) pair; with probability ``source_drop`` its source is left out, so
one model serves the target-only mode too.

A checkpoint (``checkpoint.pt`` in the output folder, written atomically every
``checkpoint_every`` steps and at the end of each epoch) holds the trainable weights, the
optimizer and scheduler states and the step reached; the batch plan is a pure function of the
seed and the epoch, so a resumed run continues exactly where the killed one stopped.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .data import TEST_FOLD, Example, load_examples

CHECKPOINT = "checkpoint.pt"
#: Per-class weights of the token loss (OK, minor, major): errors are rare tokens.
TAG_WEIGHTS = (1.0, 2.0, 3.0)


@dataclass(frozen=True)
class TrainConfig:
    data: tuple[str, ...]
    out: str
    layers: int = 8
    #: The lowest kept layers stay frozen too (they are not shipped: they come from the base).
    frozen_layers: int = 2
    #: Two passes over every training-fold example: the shipped model (``mt-audit qe train`` defaults).
    epochs: int = 2
    lr: float = 6e-5
    head_lr: float = 1e-3
    batch_tokens: int = 3072
    source_drop: float = 0.3
    seed: int = 13
    checkpoint_every: int = 50
    warmup: float = 0.05
    #: Cap on training examples (None: all); tests train on a handful.
    max_examples: int | None = None
    base_dir: str | None = None
    threads: int | None = None
    #: Kept for the model card: which examples were held out.
    test_fold: int = TEST_FOLD
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 <= self.frozen_layers < self.layers:
            raise ConfigError(f"frozen_layers must be at least 0 and below layers ({self.layers}): nothing would "
                              f"train with {self.frozen_layers}", field="frozen_layers")


@dataclass(frozen=True)
class Encoded:
    source: tuple[int, ...]
    target: tuple[int, ...]
    labels: np.ndarray
    sentence: float


def encode_examples(examples: Sequence[Example], tokenizer) -> list[Encoded]:
    sources = tokenizer.encode_many([e.source for e in examples])
    targets = tokenizer.encode_many([e.target for e in examples])
    return [Encoded(s.ids, t.ids, e.token_labels(t.spans), e.sentence_target)
            for e, s, t in zip(examples, sources, targets, strict=True)]


def plan_batches(lengths: Sequence[int], batch_tokens: int, seed: int, epoch: int) -> list[list[int]]:
    """Length-bucketed batches (few pad tokens) in a seeded order: a pure function of its arguments."""
    rng = random.Random(seed * 1000 + epoch)
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        width = max([lengths[index], *(lengths[i] for i in current)])
        if current and width * (len(current) + 1) > batch_tokens:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    rng.shuffle(batches)
    return batches


def _length(item: Encoded) -> int:
    from .model import MAX_SOURCE_TOKENS, MAX_TARGET_TOKENS

    return min(len(item.source), MAX_SOURCE_TOKENS) + min(len(item.target), MAX_TARGET_TOKENS) + 4


class Trainer:
    def __init__(self, config: TrainConfig, progress: Callable[[int, int, float], None] | None = None) -> None:
        self.config = config
        self.out = Path(config.out)
        self.progress = progress

    def train_examples(self) -> list[Example]:
        examples = [e for e in load_examples(self.config.data, self.config.seed) if e.fold != self.config.test_fold]
        if not examples:
            raise ConfigError("no training examples outside the held-out fold", file=",".join(self.config.data))
        if self.config.max_examples is not None:
            random.Random(self.config.seed).shuffle(examples)
            examples = examples[:self.config.max_examples]
        return examples

    def run(self) -> Path:
        import torch

        from .base import load_base
        from .model import QEModel

        cfg = self.config
        torch.manual_seed(cfg.seed)
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        self.out.mkdir(parents=True, exist_ok=True)
        base = load_base(Path(cfg.base_dir) if cfg.base_dir else None, layers=cfg.layers)
        model = QEModel(base.encoder, base.encoder.config.hidden_size)
        # Embeddings frozen whole (their LayerNorm too): backward then stops at the first trained layer.
        model.encoder.embeddings.requires_grad_(False)
        for layer in list(base.encoder.encoder.layer)[:cfg.frozen_layers]:
            layer.requires_grad_(False)
        items = encode_examples(self.train_examples(), base.tokenizer)
        lengths = [_length(i) for i in items]
        steps_per_epoch = len(plan_batches(lengths, cfg.batch_tokens, cfg.seed, 0))
        total = steps_per_epoch * cfg.epochs
        optimizer, scheduler = _optimiser(model, cfg, total)
        step = self._resume(model, optimizer, scheduler)
        tok = base.tokenizer
        model.train()
        for epoch in range(step // steps_per_epoch, cfg.epochs):
            batches = plan_batches(lengths, cfg.batch_tokens, cfg.seed, epoch)
            for position in range(step - epoch * steps_per_epoch, len(batches)):
                loss = _step(model, [items[i] for i in batches[position]], tok, cfg, epoch * 100003 + position)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                if step % cfg.checkpoint_every == 0 or position == len(batches) - 1:
                    self._checkpoint(model, optimizer, scheduler, step)
                if self.progress is not None:
                    self.progress(step, total, loss)
        return self.export(model, step)

    # --- checkpoints -----------------------------------------------------------------
    def _checkpoint(self, model, optimizer, scheduler, step: int) -> None:
        import torch

        state = {"step": step, "model": _trainable_state(model), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "config": asdict(self.config),
                 "rng": torch.get_rng_state()}
        tmp = self.out / (CHECKPOINT + ".part")
        torch.save(state, tmp)
        tmp.replace(self.out / CHECKPOINT)

    def _resume(self, model, optimizer, scheduler) -> int:
        import torch

        path = self.out / CHECKPOINT
        if not path.is_file():
            return 0
        state = torch.load(path, map_location="cpu", weights_only=False)
        saved = {k: v for k, v in state["config"].items() if k not in ("threads", "checkpoint_every", "extra")}
        mine = {k: v for k, v in asdict(self.config).items() if k not in ("threads", "checkpoint_every", "extra")}
        if saved != mine:
            changed = sorted(k for k in mine if saved.get(k) != mine[k])
            raise ConfigError(f"the checkpoint was made with other settings ({', '.join(changed)}); "
                              "use another --out folder or the same settings", file=str(path))
        model.load_state_dict(state["model"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        if "rng" in state:
            torch.set_rng_state(state["rng"])
        return int(state["step"])

    def export(self, model, step: int) -> Path:
        from .weights import save_detector

        meta = {"layers": self.config.layers, "frozen_layers": self.config.frozen_layers, "steps": step,
                "seed": self.config.seed, "epochs": self.config.epochs,
                "data": [Path(d).name for d in self.config.data],
                "test_fold": self.config.test_fold, **self.config.extra}
        return save_detector(model, self.out / "model", meta)


def _trainable_state(model) -> dict:
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    return {k: v for k, v in model.state_dict().items() if k in names}


def _optimiser(model, cfg: TrainConfig, total: int):
    import torch

    heads = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("encoder.")]
    body = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("encoder.")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": cfg.lr}, {"params": heads, "lr": cfg.head_lr}],
                                  weight_decay=0.01)
    warm = max(1, int(total * cfg.warmup))

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _step(model, items: Sequence[Encoded], tok, cfg: TrainConfig, salt: int) -> float:
    import torch

    from .model import build_inputs

    rng = random.Random(cfg.seed * 7919 + salt)
    sources = [None if rng.random() < cfg.source_drop else i.source for i in items]
    batch = build_inputs([i.target for i in items], sources, tok.bos, tok.eos, tok.pad)
    logits, sentence = model(batch.input_ids, batch.attention_mask, batch.target_mask)
    parts = [logits[row, off:off + n] for row, (off, n) in enumerate(zip(batch.target_offsets, batch.target_lengths,
                                                                         strict=True))]
    labels = torch.cat([torch.from_numpy(i.labels[:n]) for i, n in zip(items, batch.target_lengths, strict=True)])
    weights = torch.tensor(TAG_WEIGHTS)
    log_probs = torch.log_softmax(torch.cat(parts), dim=-1)
    token_loss = -(labels * weights * log_probs).sum(-1).sum() / max(1, labels.shape[0])
    sent_loss = torch.nn.functional.mse_loss(sentence, torch.tensor([i.sentence for i in items]))
    loss = token_loss + sent_loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
    return float(loss.detach())

