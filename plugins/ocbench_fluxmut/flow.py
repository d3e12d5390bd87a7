"""Flux: the conditional normalizing flow q(x | c) and its maximum-likelihood training.

Everything here works in standardized coordinates; :mod:`ocbench_fluxmut.detector` owns the
standardization. The population for a context is a deterministic function of (weights, seed,
context).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from nflows.distributions.normal import StandardNormal
from nflows.flows.base import Flow
from nflows.transforms.autoregressive import (
    MaskedAffineAutoregressiveTransform,
    MaskedPiecewiseRationalQuadraticAutoregressiveTransform,
)
from nflows.transforms.base import CompositeTransform
from nflows.transforms.permutations import ReversePermutation

FLOWS = ("maf", "rqs")


@dataclass(frozen=True)
class FlowSpec:
    """Architecture of the flow; everything needed to rebuild it before loading weights."""

    features: int
    context_features: int  # 0 = unconditional
    flow: str = "maf"
    n_layers: int = 5
    hidden: int = 64
    n_blocks: int = 2
    n_bins: int = 8
    tail_bound: float = 4.0


def build_flow(spec: FlowSpec) -> Flow:
    """Masked autoregressive flow: n_layers of (reverse permutation, MADE transform).

    Reverse permutations between layers let every feature condition on every other one.
    ``rqs`` uses rational-quadratic splines with linear tails beyond ``tail_bound``
    (standardized units), so far-out test points still get a finite likelihood.
    """
    ctx = spec.context_features or None
    layers = []
    for _ in range(spec.n_layers):
        layers.append(ReversePermutation(spec.features))
        if spec.flow == "maf":
            layers.append(MaskedAffineAutoregressiveTransform(
                spec.features, spec.hidden, context_features=ctx, num_blocks=spec.n_blocks))
        else:
            layers.append(MaskedPiecewiseRationalQuadraticAutoregressiveTransform(
                spec.features, spec.hidden, context_features=ctx, num_blocks=spec.n_blocks,
                num_bins=spec.n_bins, tails="linear", tail_bound=spec.tail_bound))
    return Flow(CompositeTransform(layers), StandardNormal([spec.features]))


@dataclass(frozen=True)
class TrainConfig:
    max_epochs: int = 100
    patience: int = 10
    val_fraction: float = 0.1
    batch_size: int = 512
    lr: float = 1e-3


def train_flow(flow: Flow, X: np.ndarray, C: np.ndarray | None, cfg: TrainConfig,
               seed: int, device: torch.device) -> dict:
    """Maximum likelihood with a validation split and early stopping on validation NLL.

    Loads the best-validation weights into ``flow`` and returns a small training summary.
    """
    rng = np.random.default_rng(seed)
    n = len(X)
    n_val = int(round(cfg.val_fraction * n)) if n >= 10 else 0
    perm = rng.permutation(n)
    val_idx, tr_idx = perm[:n_val], perm[n_val:]
    x = torch.as_tensor(X, dtype=torch.float32, device=device)
    c = None if C is None else torch.as_tensor(C, dtype=torch.float32, device=device)

    def nll(idx: np.ndarray) -> torch.Tensor:
        ix = torch.as_tensor(idx, device=device)
        return -flow.log_prob(x[ix], context=None if c is None else c[ix]).mean()

    opt = torch.optim.Adam(flow.parameters(), lr=cfg.lr)
    best, best_state, best_epoch, epoch = np.inf, copy.deepcopy(flow.state_dict()), 0, 0
    for epoch in range(1, cfg.max_epochs + 1):
        flow.train()
        order = rng.permutation(tr_idx)  # one shuffled pass per epoch
        for b in range(0, len(order), cfg.batch_size):
            opt.zero_grad()
            loss = nll(order[b: b + cfg.batch_size])
            loss.backward()
            # spline flows occasionally spike early on; clipping keeps the fit stable
            torch.nn.utils.clip_grad_norm_(flow.parameters(), 5.0)
            opt.step()
        flow.eval()
        with torch.no_grad():
            monitor = val_idx if n_val else tr_idx
            val = nll(monitor).item()
        if val < best - 1e-4:
            best, best_state, best_epoch = val, copy.deepcopy(flow.state_dict()), epoch
        elif epoch - best_epoch >= cfg.patience:
            break
    flow.load_state_dict(best_state)
    flow.eval()
    return {"epochs": epoch, "best_epoch": best_epoch, "best_val_nll": best}


def population_noise(contexts: np.ndarray | None, n_samples: int, features: int,
                     seed: int) -> np.ndarray:
    """Base noise (G, N, d) for the populations at ``contexts`` (None: one population).

    Each population's noise is seeded by (seed, the bytes of its context): populations at
    different contexts are independent, so the random error of one population's quantiles
    averages out over a test set, while a point's score stays a deterministic function of
    (x, c), whatever else is scored with it.
    """
    rows = [np.empty(0)] if contexts is None else np.ascontiguousarray(contexts, np.float64)
    out = np.empty((len(rows), n_samples, features), dtype=np.float32)
    for i, row in enumerate(rows):
        key = [int(seed) % 2**32, *row.view(np.uint32).tolist()]
        out[i] = np.random.default_rng(key).standard_normal((n_samples, features))
    return out


@torch.no_grad()
def generate(flow: Flow, noise: np.ndarray, contexts: np.ndarray | None,
             device: torch.device) -> tuple[np.ndarray, np.ndarray]:
    """Push noise (G, N, d) through the flow at contexts (G, k): samples and log q (G, N).

    One batched inverse pass, the contexts repeated N times each.
    """
    g, n, d = noise.shape
    z = torch.as_tensor(noise.reshape(g * n, d), device=device)
    c = None if contexts is None else torch.as_tensor(
        contexts, dtype=torch.float32, device=device).repeat_interleave(n, dim=0)
    x, logdet = flow._transform.inverse(z, context=c)
    logp = flow._distribution.log_prob(z) - logdet
    return (x.cpu().numpy().reshape(g, n, d).astype(np.float64),
            logp.cpu().numpy().reshape(g, n).astype(np.float64))


@torch.no_grad()
def log_prob(flow: Flow, X: np.ndarray, C: np.ndarray | None, device: torch.device,
             chunk: int = 65536) -> np.ndarray:
    """log q(x | c) in standardized coordinates, chunked."""
    out = []
    for b in range(0, len(X), chunk):
        x = torch.as_tensor(X[b: b + chunk], dtype=torch.float32, device=device)
        c = None if C is None else torch.as_tensor(C[b: b + chunk], dtype=torch.float32,
                                                   device=device)
        out.append(flow.log_prob(x, context=c).cpu().numpy())
    return np.concatenate(out).astype(np.float64)
