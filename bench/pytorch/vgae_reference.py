"""VGAE / GAE link prediction on Cora (Kipf & Welling 2016, "Variational Graph Auto-Encoders"),
following the formulation of the paper's reference code (github.com/tkipf/gae) in PyTorch, as
the figure a graph VAE in webgpu-vae is measured against.

    /usr/bin/python3 bench/pytorch/vgae_reference.py DATA_DIR [--model vgae|gae] [--features raw|none]
        [--seed 1] [--threads 2] [--epochs 200] [--split FILE]

DATA_DIR holds the LINQS files cora.content(.gz) and cora.cites(.gz). Prints one JSON line:
test ROC AUC and average precision (fractions, not percent), the same on the validation edges,
and seconds per training epoch (forward, backward and Adam; evaluation and data preparation not
included; mean, median and the process's CPU time per epoch; the machine's load average at the
end is printed beside them, since other work on the cores moves them). `--split FILE` takes the
held-out edges from a file instead (see load_split; `npm run bench` passes webgpu-vae's split).

What the reference code does, and this script too:
- Split: the graph's undirected edges (upper triangle) are shuffled; floor(E/20) go to
  validation, floor(E/10) to test, the rest to training. Each held-out set gets as many
  negatives: uniformly drawn node pairs i != j that are not edges, no pair twice. (The reference
  code's validation negatives exclude only training and validation edges; here they exclude
  every edge, and validation and test negatives are disjoint. The difference is under one pair
  on average on Cora.)
- Encoder on the training graph only: A_norm = D^-1/2 (A_train + I) D^-1/2,
  h = relu(A_norm X W0), mu = A_norm h W_mu, log sigma = A_norm h W_sigma (log sigma, not log
  variance), z = mu + eps * exp(log sigma); GAE: z = A_norm h W_mu. No biases, no dropout,
  Glorot-uniform weights, hidden 32, latent 16. X is the binary word features (`raw`) or the
  identity (`none`, the paper's "without features").
- Decoder: logits z z^T over all N x N pairs (dense).
- Loss: norm * mean over N^2 pairs of BCE-with-logits weighted by pos_weight on the positives,
  targets A_train + I; pos_weight = (N^2 - E) / E and norm = N^2 / (2 (N^2 - E)) with E the
  nonzeros of A_train (both directions). VGAE subtracts KL / N: (0.5 / N) * mean over nodes of
  sum(1 + 2 log sigma - mu^2 - sigma^2).
- Adam, lr 0.01, 200 full-graph epochs. Scores: sigmoid(mu_i . mu_j) from the posterior means.
- Metrics as sklearn computes them: ROC AUC with tied scores at their average rank, and average
  precision as the step-wise sum over distinct thresholds, sum_n (R_n - R_{n-1}) P_n.
"""

import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch
from torch.nn import functional as F


# ---------------------------------------------------------------------------------------------
# Data


def _open(folder, name):
    for candidate, opener in ((name + ".gz", gzip.open), (name, open)):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            return opener(path, "rt")
    raise SystemExit(f"vgae_reference: {folder} has no {name} or {name}.gz")


def load_cora(folder):
    """(features [N, F] float32, undirected edges [E, 2] with i < j, node ids in order) of the LINQS
    files; node order is the content file's line order."""
    ids, rows = {}, []
    with _open(folder, "cora.content") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            if parts[0] in ids:
                raise SystemExit(f"vgae_reference: paper {parts[0]} appears twice in cora.content")
            ids[parts[0]] = len(rows)
            rows.append(np.array(parts[1:-1], dtype=np.float32))
    features = np.stack(rows)
    edges = set()
    unknown = 0
    with _open(folder, "cora.cites") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 2:
                continue
            if parts[0] not in ids or parts[1] not in ids:
                unknown += 1
                continue
            a, b = ids[parts[0]], ids[parts[1]]
            if a != b:
                edges.add((min(a, b), max(a, b)))
    if unknown:
        raise SystemExit(f"vgae_reference: {unknown} links name papers missing from cora.content")
    return features, np.array(sorted(edges), dtype=np.int64), list(ids)


def split_edges(edges, n, rng):
    """(train, val, val_neg, test, test_neg) edge arrays [k, 2], as the reference code splits them."""
    e = len(edges)
    num_test, num_val = e // 10, e // 20
    order = rng.permutation(e)
    val, test, train = edges[order[:num_val]], edges[order[num_val:num_val + num_test]], edges[order[num_val + num_test:]]
    taken = {(int(a), int(b)) for a, b in edges}

    def negatives(count):
        out = []
        while len(out) < count:
            i, j = int(rng.randint(0, n)), int(rng.randint(0, n))
            if i == j:
                continue
            pair = (min(i, j), max(i, j))
            if pair in taken:
                continue
            taken.add(pair)
            out.append(pair)
        return np.array(out, dtype=np.int64)

    test_neg = negatives(num_test)
    val_neg = negatives(num_val)
    return train, val, val_neg, test, test_neg


def load_split(path, ids):
    """(train, val, val_neg, test, test_neg) edge arrays [k, 2] from a split file, on this script's
    node order. The file is JSON: `ids`, the node ids in the writer's order, and `train`, `val`,
    `val_neg`, `test`, `test_neg`, flat lists of node pairs indexing `ids` (webgpu-vae's benchmark
    writes its own seeded split so, to time and score both runtimes on the same edges)."""
    with open(path) as f:
        s = json.load(f)
    index = {node: i for i, node in enumerate(ids)}
    missing = [node for node in s["ids"] if node not in index]
    if missing or len(s["ids"]) != len(ids):
        raise SystemExit(f"{path}: the split's {len(s['ids'])} nodes are not this graph's {len(ids)} (e.g. {missing[:3]} unknown)")
    ours = np.array([index[node] for node in s["ids"]], dtype=np.int64)

    def pairs(key):
        flat = np.array(s[key], dtype=np.int64).reshape(-1, 2)
        return ours[flat] if len(flat) else flat

    return tuple(pairs(k) for k in ("train", "val", "val_neg", "test", "test_neg"))


def sparse_symmetric(edges, n, self_loops):
    """Sparse float32 adjacency with both directions of `edges` (and I when `self_loops`)."""
    idx = np.concatenate([edges, edges[:, ::-1]], axis=0)
    if self_loops:
        loops = np.arange(n)
        idx = np.concatenate([idx, np.stack([loops, loops], 1)], axis=0)
    i = torch.from_numpy(np.ascontiguousarray(idx.T))
    return torch.sparse_coo_tensor(i, torch.ones(i.shape[1]), (n, n)).coalesce()


def normalize(adj_with_loops):
    """D^-1/2 A D^-1/2 of a sparse adjacency (self loops already added)."""
    deg = torch.sparse.sum(adj_with_loops, dim=1).to_dense()
    d = deg.pow(-0.5)
    i = adj_with_loops.indices()
    return torch.sparse_coo_tensor(i, adj_with_loops.values() * d[i[0]] * d[i[1]], adj_with_loops.shape).coalesce()


# ---------------------------------------------------------------------------------------------
# Metrics (as sklearn.metrics.roc_auc_score / average_precision_score)


def roc_auc(scores, labels):
    """Area under the ROC curve: the Mann-Whitney statistic with ties at their average rank."""
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels, dtype=bool)
    order = np.argsort(scores, kind="mergesort")
    s = scores[order]
    ranks = np.empty(len(s))
    start = 0
    while start < len(s):
        end = start
        while end + 1 < len(s) and s[end + 1] == s[start]:
            end += 1
        ranks[start:end + 1] = (start + end) / 2 + 1  # average of ranks start+1 .. end+1
        start = end + 1
    r = np.empty(len(s))
    r[order] = ranks
    p, q = labels.sum(), (~labels).sum()
    return float((r[labels].sum() - p * (p + 1) / 2) / (p * q))


def average_precision(scores, labels):
    """sum over distinct thresholds, highest first, of (recall_n - recall_{n-1}) * precision_n."""
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], labels[order]
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]  # last index of each distinct score
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / y.sum()
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def link_scores(z, pos, neg):
    """(AUC, AP) of sigmoid(z_i . z_j) on positive and negative pairs."""
    def score(pairs):
        p = torch.from_numpy(pairs)
        return torch.sigmoid((z[p[:, 0]] * z[p[:, 1]]).sum(1)).numpy()
    s = np.concatenate([score(pos), score(neg)])
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    return roc_auc(s, y), average_precision(s, y)


# ---------------------------------------------------------------------------------------------
# Model


def glorot(rows, cols, gen):
    r = math.sqrt(6.0 / (rows + cols))
    return torch.nn.Parameter((torch.rand(rows, cols, generator=gen) * 2 - 1) * r)


class Gae(torch.nn.Module):
    """The reference code's GCNModelVAE / GCNModelAE: weights only, applied as A_norm (X W)."""

    def __init__(self, in_features, hidden, latent, variational, gen):
        super().__init__()
        self.variational = variational
        self.w0 = glorot(in_features, hidden, gen)
        self.w_mu = glorot(hidden, latent, gen)
        self.w_sigma = glorot(hidden, latent, gen) if variational else None

    def encode(self, x, adj):
        # x None: identity features, so X W0 is W0 itself (no N x N identity is built).
        xw = self.w0 if x is None else torch.sparse.mm(x, self.w0) if x.is_sparse else x @ self.w0
        h = F.relu(torch.sparse.mm(adj, xw))
        mu = torch.sparse.mm(adj, h @ self.w_mu)
        log_sigma = torch.sparse.mm(adj, h @ self.w_sigma) if self.variational else None
        return mu, log_sigma


def add_model_args(p):
    """The flags both VGAE scripts share: model, threads, epochs, learning rate and sizes."""
    p.add_argument("--model", choices=["vgae", "gae"], default="vgae")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--latent", type=int, default=16)
    p.add_argument("--split", help="a split file (JSON, see load_split) instead of the seeded split")


def held_out_metrics(model, x, adj_norm, test, test_neg, val, val_neg):
    """(posterior means, test AUC, test AP, validation AUC, validation AP) of a trained model."""
    with torch.no_grad():
        mu, _ = model.encode(x, adj_norm)
    return (mu, *link_scores(mu, test, test_neg), *link_scores(mu, val, val_neg))


def main():
    p = argparse.ArgumentParser(description="VGAE / GAE on Cora as in Kipf & Welling's reference code.")
    p.add_argument("data", help="folder with cora.content(.gz) and cora.cites(.gz)")
    p.add_argument("--features", choices=["raw", "none"], default="raw", help="none: identity features")
    p.add_argument("--seed", type=int, default=1)
    add_model_args(p)
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    features, edges, ids = load_cora(args.data)
    n = features.shape[0]
    rng = np.random.RandomState(args.seed)
    train, val, val_neg, test, test_neg = load_split(args.split, ids) if args.split else split_edges(edges, n, rng)

    adj_norm = normalize(sparse_symmetric(train, n, self_loops=True))
    labels = sparse_symmetric(train, n, self_loops=True).to_dense()  # A_train + I
    e = 2.0 * len(train)  # nonzeros of A_train
    pos_weight = (n * n - e) / e
    norm = n * n / ((n * n - e) * 2)
    if args.features == "none":
        x = torch.sparse_coo_tensor(torch.arange(n).repeat(2, 1), torch.ones(n), (n, n)).coalesce()
    else:
        x = torch.from_numpy(features).to_sparse()

    gen = torch.Generator().manual_seed(args.seed)
    model = Gae(x.shape[1], args.hidden, args.latent, args.model == "vgae", gen)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    pw = torch.tensor(pos_weight)

    epoch_s = []
    cpu0 = time.process_time()
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        mu, log_sigma = model.encode(x, adj_norm)
        z = mu if log_sigma is None else mu + torch.randn(mu.shape, generator=gen) * torch.exp(log_sigma)
        loss = norm * F.binary_cross_entropy_with_logits(z @ z.t(), labels, pos_weight=pw)
        if log_sigma is not None:
            kl = (0.5 / n) * torch.mean(torch.sum(1 + 2 * log_sigma - mu.pow(2) - torch.exp(log_sigma).pow(2), 1))
            loss = loss - kl
        loss.backward()
        opt.step()
        epoch_s.append(time.perf_counter() - t0)
    cpu_s = time.process_time() - cpu0

    _, test_auc, test_ap, val_auc, val_ap = held_out_metrics(model, x, adj_norm, test, test_neg, val, val_neg)
    print(json.dumps({
        "model": args.model, "features": args.features, "seed": args.seed, "threads": args.threads, "epochs": args.epochs,
        "test_auc": round(test_auc, 5), "test_ap": round(test_ap, 5), "val_auc": round(val_auc, 5), "val_ap": round(val_ap, 5),
        "final_loss": round(float(loss), 5), "s_per_epoch": round(sum(epoch_s) / len(epoch_s), 4),
        "s_per_epoch_median": round(float(np.median(epoch_s)), 4),
        "cpu_s_per_epoch": round(cpu_s / args.epochs, 4),
        "nodes": n, "edges": len(edges), "train_edges": len(train), "test_edges": len(test), "val_edges": len(val),
        "torch": torch.__version__, "load_average": [round(v, 2) for v in os.getloadavg()],
    }))


if __name__ == "__main__":
    main()
