"""The webgpu-vae model families as PyTorch modules, with the runtime's checkpoint tensor names,
so `load_state_dict(..., strict=True)` works on our checkpoints and our CLI loads theirs.

MLP VAE (`MLPVAE`, the PyTorch VAE example generalised to any list of hidden widths):
    one hidden layer:  fc1, fc21 (mu head), fc22 (logvar head), fc3, fc4          (784-400-20)
    otherwise:         encoder.{i}, fc21, fc22, decoder.{i}, fc4
  encoder.0 is the first layer after the input; decoder.0 is the layer right after the latent
  (widths mirrored). Every weight is [out, in], every bias [out]; ReLU after every hidden layer.

Convolutional VAE (`ConvVAE`, the keras-io architecture): enc1, enc2 (Conv2d, stride 2), fc1,
  fc21, fc22, fc3, dec1, dec2 (ConvTranspose2d, stride 2), dec3 (ConvTranspose2d, stride 1).

Graph VAE / GAE (`GraphVAE`, Kipf & Welling 2016) with PyTorch Geometric's autoencoder-example
  names: encoder.conv1.lin.weight [out, in], encoder.conv1.bias, then encoder.conv_mu.* and
  encoder.conv_logstd.* (VGAE) or encoder.conv2.* (GAE). The GCN layers are plain torch on a
  sparse normalised adjacency, D^-1/2 (A + I) D^-1/2, so no PyG install is needed.

Losses are the runtime's: per image, BCE from logits summed over pixels plus the analytic KL,
summed over the batch (the gradient the PyTorch example takes) and reported per image in nats.
As in the runtime, logvar is clamped at 80 inside exp() only (float32 exp overflows past 88.7);
where it is clamped no gradient flows through exp.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

# logvar is clamped at this value inside exp(), as the runtime's kernels and CPU reference do.
LOGVAR_CLAMP = 80.0


# ---------------------------------------------------------------------------------------------
# Losses shared by the image models


def bce_kl(logits, x, mu, logvar):
    """Summed reconstruction (BCE from logits over pixels) and KL over the batch: (recon, kl).

    Stable BCE: max(l, 0) - l*x + log1p(exp(-|l|)) (what binary_cross_entropy_with_logits does).
    KL(q(z|x) || N(0, I)) = -0.5 * sum(1 + logvar - mu^2 - exp(logvar)).
    """
    recon = F.binary_cross_entropy_with_logits(logits.reshape(x.shape[0], -1), x.reshape(x.shape[0], -1), reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - torch.exp(logvar.clamp(max=LOGVAR_CLAMP)))
    return recon, kl


def reparameterize(mu, logvar, generator=None):
    """z = mu + exp(0.5 * logvar) * eps, eps ~ N(0, I) (drawn from `generator` when given)."""
    eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + torch.exp(0.5 * logvar.clamp(max=LOGVAR_CLAMP)) * eps


class _ImageVAE(nn.Module):
    """encode -> reparameterize -> decode, shared by the MLP and conv VAEs."""

    def forward(self, x, generator=None):
        """(logits, mu, logvar) for images x; logits have x's shape."""
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, generator)
        return self.decode(z).reshape(x.shape), mu, logvar

    def loss(self, x, generator=None):
        """(recon, kl) summed over the batch x, one noise draw."""
        logits, mu, logvar = self(x, generator)
        return bce_kl(logits, x, mu, logvar)


# ---------------------------------------------------------------------------------------------
# MLP VAE


class MLPVAE(_ImageVAE):
    """input -> hidden[0] -> ... -> hidden[-1] -> (mu, logvar) -> mirrored decoder -> logits.

    Parameters are registered in the checkpoint's layer order (encoder, fc21, fc22, decoder,
    fc4), so state_dict() lists them as the runtime's layerSpecs do. Initialisation is
    nn.Linear's: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, input_size=784, hidden=(400,), latent=20):
        super().__init__()
        self.input_size, self.hidden, self.latent = int(input_size), [int(h) for h in hidden], int(latent)
        widths = [self.input_size] + self.hidden
        one = len(self.hidden) == 1
        enc = [nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:])]
        if one:
            self.fc1 = enc[0]
        else:
            self.encoder = nn.ModuleList(enc)
        self.fc21 = nn.Linear(widths[-1], self.latent)
        self.fc22 = nn.Linear(widths[-1], self.latent)
        back = [self.latent] + self.hidden[::-1]
        dec = [nn.Linear(a, b) for a, b in zip(back[:-1], back[1:])]
        if one:
            self.fc3 = dec[0]
        else:
            self.decoder = nn.ModuleList(dec)
        self.fc4 = nn.Linear(back[-1], self.input_size)

    def _encoder_layers(self):
        return [self.fc1] if len(self.hidden) == 1 else list(self.encoder)

    def _decoder_layers(self):
        return [self.fc3] if len(self.hidden) == 1 else list(self.decoder)

    def encode(self, x):
        """(mu, logvar) of images x (any shape with input_size values per row)."""
        h = x.reshape(x.shape[0], self.input_size)
        for layer in self._encoder_layers():
            h = F.relu(layer(h))
        return self.fc21(h), self.fc22(h)

    def decode(self, z):
        """Logits (batch, input_size) of latent codes z."""
        h = z
        for layer in self._decoder_layers():
            h = F.relu(layer(h))
        return self.fc4(h)

    def config(self):
        """The runtime's configuration keys for this model (see checkpoint_metadata)."""
        return {"inputSize": str(self.input_size), "hidden": ",".join(map(str, self.hidden)), "latent": str(self.latent)}


def mlp_config_from_state(state):
    """(input_size, hidden, latent) of an MLP VAE state dict, from its tensor shapes."""
    if "fc1.weight" in state:
        hidden = [state["fc1.weight"].shape[0]]
        if "fc3.weight" not in state:
            raise ValueError("state has fc1 but no fc3: not an MLP VAE with one hidden layer")
    else:
        hidden = []
        while f"encoder.{len(hidden)}.weight" in state:
            hidden.append(state[f"encoder.{len(hidden)}.weight"].shape[0])
    for k in ("fc21.weight", "fc22.weight", "fc4.weight"):
        if k not in state:
            raise ValueError(f"state has no {k}: not an MLP VAE checkpoint (tensors: {', '.join(sorted(state)[:8])}...)")
    return state["fc4.weight"].shape[0], hidden, state["fc21.weight"].shape[0]


# ---------------------------------------------------------------------------------------------
# Convolutional VAE


class ConvVAE(_ImageVAE):
    """The keras-io convolutional VAE in PyTorch terms (REFERENCE.md's tensor names).

    enc1: Conv2d(1, c1, 3, stride 2, pad 1)        rows x cols -> rows/2 x cols/2, ReLU
    enc2: Conv2d(c1, c2, 3, stride 2, pad 1)       -> rows/4 x cols/4, ReLU
    fc1:  Linear(c2 * rows/4 * cols/4, dense)      flattened in (C, H, W) order, ReLU
    fc21, fc22: Linear(dense, latent)              mu, logvar
    fc3:  Linear(latent, c2 * rows/4 * cols/4)     ReLU, viewed as (c2, rows/4, cols/4)
    dec1: ConvTranspose2d(c2, c2, 3, 2, 1, output_padding 1), ReLU
    dec2: ConvTranspose2d(c2, c1, 3, 2, 1, output_padding 1), ReLU
    dec3: ConvTranspose2d(c1, 1, 3, 1, 1)          logits
    Defaults are keras-io's (32, 64 channels, dense 16, latent 2, 28x28 images).
    """

    def __init__(self, latent=2, channels=(32, 64), dense=16, rows=28, cols=28):
        super().__init__()
        c1, c2 = (int(c) for c in channels)
        if rows % 4 or cols % 4:
            raise ValueError(f"ConvVAE: image size {rows}x{cols} must be a multiple of 4 in both dimensions")
        self.latent, self.channels, self.dense, self.rows, self.cols = int(latent), [c1, c2], int(dense), int(rows), int(cols)
        self.inner = (c2, rows // 4, cols // 4)
        flat = c2 * (rows // 4) * (cols // 4)
        self.enc1 = nn.Conv2d(1, c1, 3, stride=2, padding=1)
        self.enc2 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.fc1 = nn.Linear(flat, self.dense)
        self.fc21 = nn.Linear(self.dense, self.latent)
        self.fc22 = nn.Linear(self.dense, self.latent)
        self.fc3 = nn.Linear(self.latent, flat)
        self.dec1 = nn.ConvTranspose2d(c2, c2, 3, stride=2, padding=1, output_padding=1)
        self.dec2 = nn.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=1)
        self.dec3 = nn.ConvTranspose2d(c1, 1, 3, stride=1, padding=1)

    def encode(self, x):
        h = x.reshape(x.shape[0], 1, self.rows, self.cols)
        h = F.relu(self.enc2(F.relu(self.enc1(h))))
        h = F.relu(self.fc1(h.flatten(1)))
        return self.fc21(h), self.fc22(h)

    def decode(self, z):
        """Logits (batch, 1, rows, cols) of latent codes z."""
        h = F.relu(self.fc3(z)).reshape(z.shape[0], *self.inner)
        return self.dec3(F.relu(self.dec2(F.relu(self.dec1(h)))))

    def config(self):
        """Configuration keys for this model's checkpoint metadata (see checkpoint_metadata)."""
        return {
            "arch": "conv", "inputSize": str(self.rows * self.cols), "inputShape": f"1,{self.rows},{self.cols}",
            "channels": ",".join(map(str, self.channels)), "dense": str(self.dense), "latent": str(self.latent),
        }


def conv_config_from_state(state):
    """dict(latent, channels, dense) of a ConvVAE state dict, from its tensor shapes."""
    for k in ("enc1.weight", "enc2.weight", "fc1.weight", "fc21.weight"):
        if k not in state:
            raise ValueError(f"state has no {k}: not a conv VAE checkpoint")
    return {
        "latent": state["fc21.weight"].shape[0],
        "channels": (state["enc1.weight"].shape[0], state["enc2.weight"].shape[0]),
        "dense": state["fc1.weight"].shape[0],
    }


# ---------------------------------------------------------------------------------------------
# Checkpoint metadata in the runtime's format


def js_number(v):
    """A float as JavaScript's String(number) spells the specials (our loader parses them back)."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(v)


def checkpoint_metadata(model, batch, seed, step, loss=None, **extra):
    """The `__metadata__` of a webgpu-vae checkpoint (formatVersion 1, objective bce+kl)."""
    meta = {"format": "webgpu-vae", "formatVersion": "1", **model.config(), "batch": str(int(batch)), "objective": "bce+kl",
            "seed": str(int(seed)), "step": str(int(step))}
    if loss is not None:
        meta["loss"] = js_number(loss)
    for k, v in extra.items():
        if k in meta:
            raise ValueError(f"metadata key {k} is reserved")
        meta[k] = str(v)
    return meta


def model_from_checkpoint(state, metadata, arch=None):
    """A model whose strict load_state_dict accepts `state`: sizes from our metadata when the file
    has it (format webgpu-vae), otherwise inferred from tensor shapes. Returns (model, arch)."""
    ours = metadata.get("format") == "webgpu-vae"
    if ours and metadata.get("formatVersion") != "1":
        raise ValueError(f"checkpoint format version {metadata.get('formatVersion')!r}, this reads version 1")
    if ours and metadata.get("objective", "bce+kl") != "bce+kl":
        raise ValueError(f"checkpoint objective {metadata['objective']!r}: these examples train and evaluate bce+kl only")
    file_arch = metadata.get("arch") or ("conv" if "enc1.weight" in state else "mlp")
    if arch is not None and arch != file_arch:
        raise ValueError(f"checkpoint holds a {file_arch} model, --arch {arch} was asked for")
    if file_arch == "conv":
        if ours and "channels" in metadata:
            cfg = {"latent": int(metadata["latent"]), "channels": [int(c) for c in metadata["channels"].split(",")], "dense": int(metadata["dense"])}
            if "inputShape" in metadata:
                _, rows, cols = (int(d) for d in metadata["inputShape"].split(","))
                cfg.update(rows=rows, cols=cols)
        else:
            cfg = conv_config_from_state(state)
        model = ConvVAE(**cfg)
    elif file_arch == "mlp":
        if ours:
            hidden = [int(h) for h in metadata["hidden"].split(",")] if metadata["hidden"] else []
            model = MLPVAE(int(metadata["inputSize"]), hidden, int(metadata["latent"]))
        else:
            model = MLPVAE(*mlp_config_from_state(state))
    else:
        raise ValueError(f"checkpoint arch {file_arch!r} is not one of mlp, conv")
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    return model, file_arch


# ---------------------------------------------------------------------------------------------
# Graph VAE / GAE


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


class GCNConv(nn.Module):
    """One graph convolution, A_norm (X W^T) + b, named like PyG's GCNConv (lin.weight [out, in],
    bias [out]); Glorot-uniform weight and zero bias, as PyG initialises it."""

    def __init__(self, in_channels, out_channels, bias=True):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        nn.init.xavier_uniform_(self.lin.weight)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x, adj_norm):
        h = torch.sparse.mm(adj_norm, self.lin(x)) if adj_norm.is_sparse else adj_norm @ self.lin(x)
        return h + self.bias if self.bias is not None else h


class GCNEncoder(nn.Module):
    """GAE encoder: conv1 (ReLU) then conv2 -> z."""

    def __init__(self, in_channels, hidden=32, latent=16, bias=True):
        super().__init__()
        self.conv1 = GCNConv(in_channels, hidden, bias)
        self.conv2 = GCNConv(hidden, latent, bias)

    def forward(self, x, adj_norm):
        return self.conv2(F.relu(self.conv1(x, adj_norm)), adj_norm)


class VariationalGCNEncoder(nn.Module):
    """VGAE encoder: conv1 (ReLU), then conv_mu -> mu and conv_logstd -> log sigma (not log variance)."""

    def __init__(self, in_channels, hidden=32, latent=16, bias=True):
        super().__init__()
        self.conv1 = GCNConv(in_channels, hidden, bias)
        self.conv_mu = GCNConv(hidden, latent, bias)
        self.conv_logstd = GCNConv(hidden, latent, bias)

    def forward(self, x, adj_norm):
        h = F.relu(self.conv1(x, adj_norm))
        return self.conv_mu(h, adj_norm), self.conv_logstd(h, adj_norm)


class GraphVAE(nn.Module):
    """VGAE (variational=True) or GAE: a GCN encoder and the inner-product decoder sigmoid(z z^T).

    State dict names are PyG's `VGAE(VariationalGCNEncoder(...))` / `GAE(GCNEncoder(...))`:
    encoder.conv1.{lin.weight,bias}, encoder.conv_mu.*, encoder.conv_logstd.* (or encoder.conv2.*).
    The paper's layers have no bias: pass bias=False for that (then no *.bias tensors).
    """

    def __init__(self, in_channels, hidden=32, latent=16, variational=True, bias=True):
        super().__init__()
        self.variational = variational
        enc = VariationalGCNEncoder if variational else GCNEncoder
        self.encoder = enc(in_channels, hidden, latent, bias)

    def encode(self, x, adj_norm):
        """(mu, logstd) for a VGAE, (z, None) for a GAE."""
        out = self.encoder(x, adj_norm)
        return out if self.variational else (out, None)

    def sample(self, mu, logstd, generator=None):
        """z = mu + exp(logstd) * eps (mu itself for a GAE or in evaluation)."""
        if logstd is None or not self.training:
            return mu
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype)
        return mu + torch.exp(logstd) * eps

    @staticmethod
    def decode_dense(z):
        """Logits of every pair, z z^T (N x N)."""
        return z @ z.t()

    @staticmethod
    def score(z, pairs):
        """Probabilities sigmoid(z_i . z_j) of node pairs [2, P]."""
        return torch.sigmoid((z[pairs[0]] * z[pairs[1]]).sum(dim=1))


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
    kl = -(0.5 / n) * torch.mean(torch.sum(1 + 2 * logstd - mu.pow(2) - torch.exp(logstd).pow(2), dim=1))
    return recon + kl, recon, kl
