"""The graph VAE / GAE (Kipf & Welling 2016) built from a spec of family "graph" (docs/spec.md),
with PyTorch Geometric's autoencoder-example names, so our graph checkpoints load with
`load_state_dict(strict=True)`:

    encoder.<name>.lin.weight [out, in], encoder.<name>.bias [out]   each gcn layer (conv1, ...)
    encoder.conv_mu.*, encoder.conv_logstd.*                           the head (VGAE), or
    encoder.conv2.*                                                    the GAE's head (kind ae)

Each gcn layer is act(Â x W) with Â = D^-1/2 (A + I) D^-1/2, in plain torch on a sparse
normalised adjacency (no PyG install needed). The spec's layers have no bias (the paper's): the
bias tensors exist so the names load strictly, zero and frozen, unless train_bias is asked for
(PyG's GCNConv trains one; GraphVAE keeps that).
"""

import torch
from torch import nn
from torch.nn import functional as F

from model_spec import SpecError, parse_spec, resolve_spec
from shorthand import graph_spec
from torch_layers import GCNConv, Names, attach, layer_module, run_ops

# log sigma is clamped at this value inside exp(), as the runtime's kernels and reference do.
LOGSTD_CLAMP = 40.0


def normalized_adjacency(edge_index, num_nodes):
    """Sparse D^-1/2 (A + I) D^-1/2 of an undirected graph given both directions in edge_index [2, E]."""
    loops = torch.arange(num_nodes).repeat(2, 1)
    idx = torch.cat([edge_index, loops], dim=1)
    val = torch.ones(idx.shape[1])
    a = torch.sparse_coo_tensor(idx, val, (num_nodes, num_nodes)).coalesce()
    deg = torch.sparse.sum(a, dim=1).to_dense()
    d = deg.pow(-0.5)
    i = a.indices()
    return torch.sparse_coo_tensor(i, a.values() * d[i[0]] * d[i[1]], (num_nodes, num_nodes)).coalesce()


class SpecGraphVAE(nn.Module):
    """A graph spec's VGAE (kind vae) or GAE (kind ae) on `features` features per node: its gcn
    layers, then the head's mu (and log sigma) layers, and the inner-product decoder sigmoid(z z^T).
    bias=False leaves out the bias tensors (PyG's layers built with bias=False)."""

    def __init__(self, spec, features, bias=True, train_bias=False):
        super().__init__()
        r = resolve_spec(spec, features)
        if r.family != "graph":
            raise SpecError(f"spec: a {r.family} spec; SpecGraphVAE builds family graph (use SpecVAE, or model_from_spec)")
        self.spec, self.features, self.latent, self.variational = r.spec, int(features), r.latent, r.kind == "vae"
        self.encoder = Names()
        mods = []
        for op in r.encoder:
            mods.append(layer_module(op, bias))
            attach(self.encoder, op.name, mods[-1], op.where)
        heads = []
        for key in ("mu", "second"):
            name = r.head_names[key]
            if name is not None:
                heads.append(GCNConv(r.head_in, r.latent, bias))
                attach(self.encoder, name, heads[-1], f'head ({"mu" if key == "mu" else "logstd"}) "{name}"')
        if bias and not train_bias:
            for m in mods + heads:
                m.bias.requires_grad_(False)
        self._plan = (r.encoder, mods, heads)

    def encode(self, x, adj_norm):
        """(mu, logstd) for a VGAE, (z, None) for a GAE."""
        ops, mods, heads = self._plan
        h = run_ops(ops, mods, x, adj_norm)
        return heads[0](h, adj_norm), (heads[1](h, adj_norm) if self.variational else None)

    def sample(self, mu, logstd, generator=None):
        """z = mu + exp(logstd) * eps (mu itself for a GAE or in evaluation)."""
        if logstd is None or not self.training:
            return mu
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype)
        return mu + torch.exp(logstd.clamp(max=LOGSTD_CLAMP)) * eps

    @staticmethod
    def decode_dense(z):
        """Logits of every pair, z z^T (N x N)."""
        return z @ z.t()

    @staticmethod
    def score(z, pairs):
        """Probabilities sigmoid(z_i . z_j) of node pairs [2, P]."""
        return torch.sigmoid((z[pairs[0]] * z[pairs[1]]).sum(dim=1))


class GraphVAE(SpecGraphVAE):
    """The default graph spec (conv1 ReLU, then the head; shorthand.graph_spec) as PyG's
    `VGAE(VariationalGCNEncoder(...))` (variational) or `GAE(GCNEncoder(...))`, biases trained as
    PyG trains them; bias=False for the paper's layers (then no *.bias tensors)."""

    def __init__(self, in_channels, hidden=32, latent=16, variational=True, bias=True):
        super().__init__(graph_spec(hidden, latent, "vae" if variational else "ae"), in_channels, bias, train_bias=True)


def graph_model_from_checkpoint(state, metadata, features=None):
    """A SpecGraphVAE whose strict load_state_dict accepts `state`: from the metadata's spec when it
    has one, else from its kind / hidden / latent (our older files), else from PyG's tensor names
    and shapes. Features per node: the metadata's (`none` means the identity: one per node), else
    `features`, else the first layer's weight."""
    weights = {k: v for k, v in state.items() if k.endswith(".lin.weight")}
    if not weights:
        raise ValueError(f"no PyTorch Geometric GCN weights (encoder.<name>.lin.weight) in the checkpoint (tensors: {', '.join(sorted(state)[:6])})")
    if metadata.get("features") is not None:
        features = int(metadata["nodes"]) if metadata["features"] == "none" else int(metadata["features"])
    if features is None:
        features = next(iter(weights.values())).shape[1]
    if "spec" in metadata:
        spec = parse_spec(metadata["spec"], 'metadata "spec"')
    elif "kind" in metadata and "hidden" in metadata:
        spec = graph_spec(int(metadata["hidden"]), int(metadata["latent"]), "vae" if metadata["kind"] == "vgae" else "ae")
    else:
        conv1, head = state.get("encoder.conv1.lin.weight"), state.get("encoder.conv_mu.lin.weight", state.get("encoder.conv2.lin.weight"))
        if conv1 is None or head is None:
            raise ValueError("no metadata, and its tensors are not PyTorch Geometric's VGAE or GAE (encoder.conv1, encoder.conv_mu or encoder.conv2)")
        spec = graph_spec(conv1.shape[0], head.shape[0], "vae" if "encoder.conv_mu.lin.weight" in state else "ae")
    model = SpecGraphVAE(spec, features, bias=any(k.endswith(".bias") for k in state))
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    return model


def graph_loss_weights(num_nodes, num_train_edges_directed):
    """(pos_weight, norm) of the paper's weighted BCE, from the training adjacency's nonzeros
    (both directions counted, no self loops): pos_weight = (N^2 - E) / E, norm = N^2 / (2 (N^2 - E))."""
    n2 = float(num_nodes) * num_nodes
    e = float(num_train_edges_directed)
    return (n2 - e) / e, n2 / ((n2 - e) * 2)


def graph_vae_loss(logits, labels, mu, logstd, pos_weight, norm):
    """The paper's objective (gae/optimizer.py): norm * mean weighted BCE over all N^2 pairs,
    minus (for a VGAE) KL / N with the KL averaged over nodes. `labels` is the training adjacency
    plus the identity, dense. Returns (loss, recon, kl) as tensors."""
    n = logits.shape[0]
    recon = norm * F.binary_cross_entropy_with_logits(logits, labels, pos_weight=torch.tensor(pos_weight, dtype=logits.dtype))
    if logstd is None:
        return recon, recon, torch.zeros((), dtype=logits.dtype)
    sigma2 = torch.exp(2 * logstd.clamp(max=LOGSTD_CLAMP))
    kl = -(0.5 / n) * torch.mean(torch.sum(1 + 2 * logstd - mu.pow(2) - sigma2, dim=1))
    return recon + kl, recon, kl


__all__ = ["GraphVAE", "SpecGraphVAE", "graph_loss_weights", "graph_model_from_checkpoint", "graph_vae_loss", "normalized_adjacency"]
