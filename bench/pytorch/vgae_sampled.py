"""The VGAE / GAE with PyTorch Geometric's sampled reconstruction loss, in plain PyTorch: the
PyTorch column that webgpu-vae's sampled graph decoder is timed and scored against.

    /usr/bin/python3 bench/pytorch/vgae_sampled.py DATA_DIR [--model vgae|gae] [--seeds 1,2,3]
        [--negatives 1] [--epochs 200] [--threads 2] [--hits 50] [--hits-negatives 100000] [--split FILE]
        [--count-ops]

DATA_DIR holds an edge list `edges.csv(.gz)` (header source,target) with, optionally, its node
table `nodes.csv(.gz)` (header id[,class]: its rows fix the nodes and their order), as
`data/pubmed`; or the LINQS Cora files (`--features raw` then uses its word features). Prints one
JSON line per seed: held-out ROC AUC, AP and Hits@K (fractions), seconds per epoch (negative
sampling, forward, backward and Adam; evaluation not included: mean, median, and the process's
CPU time per epoch, steadier than wall time while other jobs load the cores) and the load
average. `--split FILE` takes the held-out edges from a file instead of the seeded split (see
vgae_reference.load_split; `npm run bench` passes webgpu-vae's own split this way).
`--count-ops` adds the operators of an epoch (torch.profiler, after training): what the same
epoch would launch on a GPU, for comparison with our dispatches per epoch.

What it computes (PyG's `GAE.recon_loss` / `VGAE.kl_loss` recipe, as in its link-prediction example):
- Split, encoder, initialisation and metrics are vgae_reference.py's (the paper's code): 5% of
  the undirected edges for validation and 10% for test, each with as many non-edges; GCN
  encoder on the training edges with A_norm = D^-1/2 (A + I) D^-1/2, hidden 32, latent 16, no
  biases, Glorot weights; identity features unless `--features raw` (then X W0 is a sparse
  product; with the identity it is W0 itself).
- Loss per epoch: mean over the E training edges (one direction each) of -log sigmoid(z_i . z_j)
  plus mean over K E negative pairs of -log(1 - sigmoid(z_i . z_j)), both by softplus on the
  logits; VGAE adds KL / N with KL = -0.5 mean_i sum_k (1 + 2 log sigma - mu^2 - sigma^2) and
  log sigma clamped at 10 as PyG does.
- Negatives: K E ordered pairs (i, j) drawn uniformly and independently every epoch (a seeded
  torch.Generator); a pair that is a training edge (either direction) or a self pair (i = j) is
  drawn again until none is left: uniform over the pairs that are neither. (PyG's
  negative_sampling also never returns self pairs or training edges.) Held-out edges may be drawn.
- Pairs are gathered with index_select on z; Â is a torch.sparse COO matrix (torch.sparse.mm).
- Adam, lr 0.01, 200 epochs. Scores from the posterior means.
- Hits@K as OGB's evaluator: the share of held-out positives scoring strictly above the K-th
  highest of one fixed, seeded set of M held-out non-edges of the whole graph (numpy-seeded
  here, so a different set than webgpu-vae's Philox draws; the same distribution).
"""

import argparse
import csv
import gzip
import io
import json
import os
import time

import numpy as np
import torch
from torch.nn import functional as F

from vgae_reference import Gae, add_model_args, held_out_metrics, load_cora, load_split, normalize, sparse_symmetric, split_edges


# ---------------------------------------------------------------------------------------------
# Data


def _text(folder, name):
    """The text of `name` or `name.gz` in `folder`, or None."""
    for candidate, opener in ((name + ".gz", gzip.open), (name, open)):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            with opener(path, "rt", newline="") as f:
                return f.read()
    return None


def load_edge_list(folder):
    """(n, undirected edges [E, 2] with i < j, unique, no self loops, node ids in order) of edges.csv
    and nodes.csv."""
    edges_text = _text(folder, "edges.csv")
    if edges_text is None:
        raise SystemExit(f"vgae_sampled: {folder} has no edges.csv(.gz) or cora.content(.gz)")
    nodes_text = _text(folder, "nodes.csv")
    ids = {}
    if nodes_text is not None:
        rows = csv.reader(io.StringIO(nodes_text))
        header = [h.strip().lower() for h in next(rows)]
        col = header.index("id")
        for row in rows:
            if row:
                ids.setdefault(row[col].strip(), len(ids))
    pairs = set()
    unknown = 0
    rows = csv.reader(io.StringIO(edges_text))
    first = next(rows)
    if not all(f.strip().lstrip("-").isdigit() for f in first):
        first = None  # a header
    for row in ([first] if first else []) + list(rows):
        if len(row) < 2:
            continue
        a, b = row[0].strip(), row[1].strip()
        if nodes_text is None:
            ids.setdefault(a, len(ids))
            ids.setdefault(b, len(ids))
        elif a not in ids or b not in ids:
            unknown += 1
            continue
        i, j = ids[a], ids[b]
        if i != j:
            pairs.add((min(i, j), max(i, j)))
    if unknown:
        print(json.dumps({"note": f"{unknown} edges name ids absent from nodes.csv: dropped"}), flush=True)
    return len(ids), np.array(sorted(pairs), dtype=np.int64), list(ids)


# ---------------------------------------------------------------------------------------------
# Negatives


class PairFilter:
    """Membership of ordered pairs in a set of undirected pairs, by binary search on sorted keys."""

    def __init__(self, edges, n):
        self.n = n
        keys = torch.from_numpy(edges[:, 0] * n + edges[:, 1])
        self.keys = torch.sort(keys).values

    def contains(self, i, j):
        key = torch.minimum(i, j) * self.n + torch.maximum(i, j)
        pos = torch.searchsorted(self.keys, key).clamp(max=len(self.keys) - 1)
        return self.keys[pos] == key


def draw_negatives(count, n, train_filter, gen):
    """`count` ordered pairs, uniform over those that are neither self pairs nor training edges."""
    i = torch.randint(0, n, (count,), generator=gen)
    j = torch.randint(0, n, (count,), generator=gen)
    bad = (i == j) | train_filter.contains(i, j)
    while bool(bad.any()):
        k = int(bad.sum())
        i[bad] = torch.randint(0, n, (k,), generator=gen)
        j[bad] = torch.randint(0, n, (k,), generator=gen)
        bad = (i == j) | train_filter.contains(i, j)
    return i, j


def hits_negatives(edges, n, m, rng):
    """`m` distinct non-edges (i < j) of the whole graph, uniform (fewer when the graph has fewer)."""
    m = min(m, n * (n - 1) // 2 - len(edges))
    taken = set((edges[:, 0] * n + edges[:, 1]).tolist())
    out = {}
    while len(out) < m:
        a = rng.randint(0, n, size=2 * (m - len(out)) + 16)
        b = rng.randint(0, n, size=len(a))
        for x, y in zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist()):
            key = x * n + y
            if x != y and key not in taken and key not in out:
                out[key] = (x, y)
                if len(out) == m:
                    break
    return np.array(list(out.values()), dtype=np.int64)


def hits_at_k(mu, pos, neg, k):
    """OGB's Hits@K: positives scoring strictly above the K-th highest negative (1 when fewer than K)."""
    def logits(pairs):
        p = torch.from_numpy(pairs)
        return (mu[p[:, 0]] * mu[p[:, 1]]).sum(1).numpy()
    n = logits(neg)
    if len(n) < k:
        return 1.0
    kth = np.sort(n)[-k]
    return float(np.mean(logits(pos) > kth))


# ---------------------------------------------------------------------------------------------
# Operator counts

# Operators that only make or reshape a tensor's metadata (no kernel on a GPU).
METADATA_OPS = {
    "aten::empty", "aten::empty_strided", "aten::empty_like", "aten::view", "aten::_reshape_alias", "aten::reshape", "aten::as_strided",
    "aten::t", "aten::transpose", "aten::expand", "aten::slice", "aten::select", "aten::unsqueeze", "aten::squeeze", "aten::permute",
    "aten::detach", "aten::alias", "aten::resize_", "aten::lift_fresh", "aten::result_type", "aten::_indices", "aten::_values",
    "aten::indices", "aten::values", "aten::_nnz", "aten::size", "aten::stride", "aten::is_nonzero", "aten::sparse_dim",
    "aten::dense_dim", "aten::resolve_conj", "aten::resolve_neg", "aten::_coalesced_", "aten::is_coalesced", "aten::conj",
    "aten::to", "aten::new_empty", "aten::new_empty_strided",
}


def count_ops(epoch, epochs=3):
    """Operator calls per epoch over `epochs` more epochs, from torch.profiler: the innermost aten
    operators that compute (each would be at least one kernel launch on a GPU; metadata-only
    operators aside) and the host reads of a tensor's value (aten::_local_scalar_dense: a sync
    with the device on a GPU), with the most frequent names."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(epochs):
            epoch()
    names = {}
    syncs = 0
    for ev in prof.events():
        if not ev.name.startswith("aten::") or ev.name in METADATA_OPS:
            continue
        if ev.name == "aten::_local_scalar_dense":
            syncs += 1
        if any(c.name.startswith("aten::") and c.name not in METADATA_OPS for c in ev.cpu_children):
            continue
        names[ev.name] = names.get(ev.name, 0) + 1
    top = sorted(names.items(), key=lambda kv: -kv[1])[:12]
    return {"operators": round(sum(names.values()) / epochs, 1), "host_syncs": round(syncs / epochs, 1), "epochs": epochs,
            "top": {k: round(v / epochs, 1) for k, v in top}}


# ---------------------------------------------------------------------------------------------
# Training


def run(args, seed, n, edges, features, ids):
    rng = np.random.RandomState(seed)
    train, val, val_neg, test, test_neg = load_split(args.split, ids) if args.split else split_edges(edges, n, rng)
    adj_norm = normalize(sparse_symmetric(train, n, self_loops=True))
    x = None if features is None else torch.from_numpy(features).to_sparse()
    gen = torch.Generator().manual_seed(seed)
    model = Gae(n if x is None else x.shape[1], args.hidden, args.latent, args.model == "vgae", gen)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    src, dst = torch.from_numpy(train[:, 0]), torch.from_numpy(train[:, 1])
    train_filter = PairFilter(train, n)
    num_neg = args.negatives * len(train)

    def epoch():
        opt.zero_grad(set_to_none=True)
        ni, nj = draw_negatives(num_neg, n, train_filter, gen)
        mu, log_sigma = model.encode(x, adj_norm)
        if log_sigma is None:
            z = mu
        else:
            log_sigma = log_sigma.clamp(max=10.0)
            z = mu + torch.randn(mu.shape, generator=gen) * torch.exp(log_sigma)
        pos_logit = (z.index_select(0, src) * z.index_select(0, dst)).sum(1)
        neg_logit = (z.index_select(0, ni) * z.index_select(0, nj)).sum(1)
        # -log sigmoid(l) = softplus(-l); -log(1 - sigmoid(l)) = softplus(l).
        loss = F.softplus(-pos_logit).mean() + F.softplus(neg_logit).mean()
        if log_sigma is not None:
            kl = -0.5 * torch.mean(torch.sum(1 + 2 * log_sigma - mu.pow(2) - torch.exp(log_sigma).pow(2), 1))
            loss = loss + kl / n
        loss.backward()
        opt.step()
        return loss

    epoch_s = []
    cpu0 = time.process_time()
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        loss = epoch()
        epoch_s.append(time.perf_counter() - t0)
    cpu_s = time.process_time() - cpu0

    mu, test_auc, test_ap, val_auc, val_ap = held_out_metrics(model, x, adj_norm, test, test_neg, val, val_neg)
    k = args.hits
    hits = {}
    if k > 0:
        hneg = hits_negatives(edges, n, args.hits_negatives, np.random.RandomState(seed + 1000))
        hits = {f"test_hits@{k}": round(hits_at_k(mu, test, hneg, k), 5), f"val_hits@{k}": round(hits_at_k(mu, val, hneg, k), 5), "hits_negatives": len(hneg)}
    return {
        "model": args.model, "decoder": "sampled", "negatives": args.negatives, "seed": seed, "threads": args.threads, "epochs": args.epochs,
        "test_auc": round(test_auc, 5), "test_ap": round(test_ap, 5), "val_auc": round(val_auc, 5), "val_ap": round(val_ap, 5),
        **hits, "final_loss": round(float(loss), 5),
        **({"ops_per_epoch": count_ops(epoch)} if args.count_ops else {}),
        "s_per_epoch": round(sum(epoch_s) / len(epoch_s), 4), "s_per_epoch_median": round(float(np.median(epoch_s)), 4),
        "cpu_s_per_epoch": round(cpu_s / args.epochs, 4),
        "nodes": n, "edges": len(edges), "train_edges": len(train), "test_edges": len(test), "val_edges": len(val),
        "torch": torch.__version__, "load_average": [round(v, 2) for v in os.getloadavg()],
    }


def main():
    p = argparse.ArgumentParser(description="VGAE / GAE with PyG's sampled reconstruction loss, in plain PyTorch.")
    p.add_argument("data", help="folder with edges.csv(.gz) [+ nodes.csv(.gz)] or cora.content(.gz) + cora.cites(.gz)")
    p.add_argument("--features", choices=["raw", "none"], default="none", help="raw: the LINQS word features (Cora only)")
    p.add_argument("--seeds", default="1", help="comma-separated; one split, initialisation and run per seed")
    p.add_argument("--negatives", type=int, default=1, help="negative pairs per training edge, per epoch")
    add_model_args(p)
    p.add_argument("--hits", type=int, default=50, help="0: no Hits@K")
    p.add_argument("--count-ops", action="store_true", help="after training, count the operators of 3 more epochs (torch.profiler)")
    p.add_argument("--hits-negatives", type=int, default=100_000)
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    if _text(args.data, "cora.content") is not None:
        features, edges, ids = load_cora(args.data)
        n = features.shape[0]
        features = features if args.features == "raw" else None
    else:
        if args.features == "raw":
            raise SystemExit("vgae_sampled: --features raw needs the LINQS Cora files (an edge list has no word features)")
        n, edges, ids = load_edge_list(args.data)
        features = None
    for seed in [int(s) for s in args.seeds.split(",")]:
        print(json.dumps(run(args, seed, n, edges, features, ids)), flush=True)


if __name__ == "__main__":
    main()
