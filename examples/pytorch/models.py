"""webgpu-vae models as PyTorch modules, built from the same JSON model spec as the runtime
(docs/spec.md), with the runtime's checkpoint tensor names: our checkpoints load with
`load_state_dict(..., strict=True)` and our CLI loads theirs.

    model = model_from_spec(spec)       # a dict or JSON text; family "vae" -> SpecVAE, "graph" -> SpecGraphVAE

SpecVAE: the spec's encoder layers, the head (two nn.Linear named by spec.head.mu / logvar on the
  encoder's output flattened), z = mu + exp(logvar / 2) eps (kind vae) or z = mu (kind ae), the
  decoder's layers. Each layer's tensors are `<name>.weight` and `<name>.bias` in PyTorch's layouts
  (Linear [out, in], Conv2d [out, in, k, k], ConvTranspose2d [in, out, k, k]); `encoder.0` nests.
The shorthands are specs (shorthand.py's mlp_spec / conv_spec, as src/model/shorthand.ts expands them):
  MLPVAE   the PyTorch VAE example generalised: fc1, fc21, fc22, fc3, fc4 with one hidden layer,
           encoder.{i}, fc21, fc22, decoder.{i}, fc4 otherwise (ReLU after every hidden layer).
  ConvVAE  the keras-io VAE: enc1..encN (Conv2d k3 s2 p1), fc1, fc21, fc22, fc3, dec1..dec{N+1}.
Graph VAE / GAE: graph_models.py (PyG's names, encoder.conv1.lin.weight ...).

Losses are the runtime's, per image, summed over the batch (the gradient the PyTorch example
takes): the reconstruction summed over the input (BCE from logits; or the Gaussian decoder's
sum (x - m)^2 / (2 sigma^2) + P log(sigma sqrt(2 pi)), src/reference/vae.ts gaussianKl) plus the
analytic KL (none for kind ae). As in the runtime, logvar is clamped at 80 inside exp() only
(float32 exp overflows past 88.7); where it is clamped no gradient flows through exp.
"""

import json
import math

import torch
from torch import nn
from torch.nn import functional as F

from graph_models import (  # noqa: F401  (re-exported: the graph models' home before specs)
    GraphVAE, SpecGraphVAE, graph_loss_weights, graph_model_from_checkpoint, graph_vae_loss, normalized_adjacency,
)
from model_spec import SpecError, parse_spec, resolve_spec
from shorthand import conv_spec, mlp_spec
from torch_layers import GCNConv, attach, layer_module, run_ops  # noqa: F401

# logvar is clamped at this value inside exp(), as the runtime's kernels and CPU reference do.
LOGVAR_CLAMP = 80.0
# The `objective` metadata of each (kind, likelihood), as src/checkpoint/checkpoint.ts names them.
OBJECTIVES = {"bce+kl": ("vae", "bernoulli"), "bce": ("ae", "bernoulli"), "gaussian+kl": ("vae", "gaussian"), "gaussian": ("ae", "gaussian")}


def objective_name(kind, likelihood):
    """The `objective` metadata value: the reconstruction term, plus `+kl` for a VAE."""
    return ("bce" if likelihood == "bernoulli" else "gaussian") + ("+kl" if kind == "vae" else "")


# ---------------------------------------------------------------------------------------------
# Losses, per image


def kl_rows(mu, logvar):
    """KL(q(z|x) || N(0, I)) of each row: -0.5 sum_j (1 + logvar - mu^2 - exp(logvar))."""
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - torch.exp(logvar.clamp(max=LOGVAR_CLAMP)), dim=1)


def recon_rows(out, x, likelihood, sigma):
    """Each row's reconstruction term: BCE from logits summed over the input, max(l, 0) - l x +
    log1p(exp(-|l|)) (binary_cross_entropy_with_logits); or the Gaussian decoder's negative log
    density, sum (x - m)^2 / (2 sigma^2) + P (log sigma + log(2 pi) / 2), constant included."""
    b = x.shape[0]
    out, x = out.reshape(b, -1), x.reshape(b, -1)
    if likelihood == "bernoulli":
        return F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(dim=1)
    p = x.shape[1]
    return (out - x).pow(2).sum(dim=1) / (2 * sigma * sigma) + p * (math.log(sigma) + 0.5 * math.log(2 * math.pi))


def bce_kl(logits, x, mu, logvar):
    """Summed reconstruction (BCE from logits over pixels) and KL over the batch: (recon, kl)."""
    return recon_rows(logits, x, "bernoulli", 0.1).sum(), kl_rows(mu, logvar).sum()


def reparameterize(mu, logvar, generator=None, eps=None):
    """z = mu + exp(0.5 * logvar) * eps, eps ~ N(0, I) (drawn from `generator`) unless given."""
    if eps is None:
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + torch.exp(0.5 * logvar.clamp(max=LOGVAR_CLAMP)) * eps.reshape(mu.shape).to(device=mu.device, dtype=mu.dtype)


# ---------------------------------------------------------------------------------------------
# The encoder-decoder family


class SpecVAE(nn.Module):
    """A spec of family "vae" as a module (see the file comment). `shorthand` holds the metadata
    keys of a shorthand model (`hidden`, or `arch: conv` with channels and dense); a model built
    from a spec records `arch: spec`. Layers register in the spec's order (encoder, head mu, head
    logvar, decoder), so state_dict() lists them as our checkpoints do."""

    def __init__(self, spec, shorthand=None):
        super().__init__()
        r = resolve_spec(spec)
        if r.family != "vae":
            raise SpecError(f"spec: a {r.family} spec; SpecVAE builds family vae (use SpecGraphVAE, or model_from_spec)")
        self.spec, self.input_shape, self.input_size, self.latent = r.spec, r.input, r.input_size, r.latent
        self.kind, self.likelihood, self.sigma = r.kind, r.likelihood, r.sigma
        self.shorthand = dict(shorthand) if shorthand else {"arch": "spec"}

        def build(ops):
            mods = [None if op.name is None else layer_module(op) for op in ops]
            for op, m in zip(ops, mods):
                if m is not None:
                    attach(self, op.name, m, op.where)
            return mods

        enc = build(r.encoder)
        heads = [nn.Linear(r.head_in, r.latent), nn.Linear(r.head_in, r.latent)]
        for (key, name), m in zip((("mu", r.head_names["mu"]), ("logvar", r.head_names["second"])), heads):
            attach(self, name, m, f'head ({key}) "{name}"')
        self._plan = {"encoder": (r.encoder, enc), "head": heads, "decoder": (r.decoder, build(r.decoder))}

    def encode(self, x):
        """(mu, logvar) of inputs x (any shape with input_size values per row)."""
        h = run_ops(*self._plan["encoder"], x.reshape(x.shape[0], *self.input_shape)).flatten(1)
        mu_layer, logvar_layer = self._plan["head"]
        return mu_layer(h), logvar_layer(h)

    def decode(self, z):
        """The decoder's output (batch, *input_shape): Bernoulli logits or Gaussian means."""
        return run_ops(*self._plan["decoder"], z)

    def forward(self, x, generator=None, eps=None):
        """(output, mu, logvar) for inputs x, the output in x's shape; eps [batch, latent] when given
        (kind vae), else drawn from `generator`. The autoencoder decodes mu itself."""
        mu, logvar = self.encode(x)
        z = mu if self.kind == "ae" else reparameterize(mu, logvar, generator, eps)
        return self.decode(z).reshape(x.shape), mu, logvar

    def loss_rows(self, out, x, mu, logvar):
        """(recon, kl) of each image [batch]: the runtime's per-image loss parts (kl 0 for kind ae)."""
        recon = recon_rows(out, x, self.likelihood, self.sigma)
        return recon, (kl_rows(mu, logvar) if self.kind == "vae" else torch.zeros_like(recon))

    def loss(self, x, generator=None, eps=None):
        """(recon, kl) summed over the batch x, one noise draw."""
        out, mu, logvar = self(x, generator, eps)
        recon, kl = self.loss_rows(out, x, mu, logvar)
        return recon.sum(), kl.sum()

    def config(self):
        """The runtime's metadata keys for this model (see checkpoint_metadata): the input, the
        shorthand's keys or `arch: spec`, the spec (JSON), the latent size and the objective."""
        return {
            "inputSize": str(self.input_size), "inputShape": ",".join(map(str, self.input_shape)), **self.shorthand,
            "spec": json.dumps(self.spec, separators=(",", ":")), "latent": str(self.latent),
            "objective": objective_name(self.kind, self.likelihood), **({"sigma": js_number(self.sigma)} if self.likelihood == "gaussian" else {}),
        }


class MLPVAE(SpecVAE):
    """The MLP shorthand's spec (shorthand.mlp_spec): input -> hidden[0] -> ... -> (mu, logvar) ->
    mirrored decoder -> output. nn.Linear's initialisation: U(-1/sqrt(in), 1/sqrt(in))."""

    def __init__(self, input_size=784, hidden=(400,), latent=20, input_shape=None, likelihood="bernoulli", sigma=0.1, kind="vae"):
        shape = list(input_shape) if input_shape is not None else [int(input_size)]
        hidden = [int(h) for h in hidden]
        super().__init__(mlp_spec(shape, hidden, latent, likelihood, sigma, kind), {"hidden": ",".join(map(str, hidden))})
        self.hidden = hidden


class ConvVAE(SpecVAE):
    """The conv shorthand's spec (shorthand.conv_spec), keras-io's defaults: channels 32, 64,
    dense 16, latent 2, 28x28 single-channel images."""

    def __init__(self, latent=2, channels=(32, 64), dense=16, rows=28, cols=28, input_channels=1, likelihood="bernoulli", sigma=0.1, kind="vae"):
        channels = [int(c) for c in channels]
        spec = conv_spec([input_channels, rows, cols], channels, dense, latent, likelihood, sigma, kind)
        super().__init__(spec, {"arch": "conv", "channels": ",".join(map(str, channels)), "dense": str(int(dense))})
        self.channels, self.dense = channels, int(dense)


def model_from_spec(spec, features=None):
    """The module of a spec (a dict or JSON text): a SpecVAE for family "vae", a SpecGraphVAE for
    family "graph" (which needs `features`, the number of features per node). Raises SpecError
    (a ValueError) with a one-line message naming the layer and the numbers."""
    doc = parse_spec(spec)
    if isinstance(doc, dict) and doc.get("family") == "graph":
        return SpecGraphVAE(doc, features)
    return SpecVAE(doc)


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


def conv_config_from_state(state):
    """dict(latent, channels, dense) of a two-convolution ConvVAE state dict, from its tensor shapes."""
    for k in ("enc1.weight", "enc2.weight", "fc1.weight", "fc21.weight"):
        if k not in state:
            raise ValueError(f"state has no {k}: not a conv VAE checkpoint")
    return {
        "latent": state["fc21.weight"].shape[0],
        "channels": (state["enc1.weight"].shape[0], state["enc2.weight"].shape[0]),
        "dense": state["fc1.weight"].shape[0],
    }


def check_images(model, rows, cols):
    """None when rows x cols single-channel images fit the model's input, else what is wrong."""
    shape = model.input_shape
    fits = model.input_size == rows * cols and (len(shape) == 1 or list(shape) == [1, rows, cols])
    return None if fits else f"images are {rows}x{cols} ({rows * cols} pixels), the model takes {'x'.join(map(str, shape))}"


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
    """The `__metadata__` of a webgpu-vae checkpoint (formatVersion 1): the model's config(), the
    batch and the training state (the keys src/checkpoint/checkpoint.ts reads back)."""
    meta = {"format": "webgpu-vae", "formatVersion": "1", **model.config(), "batch": str(int(batch)), "seed": str(int(seed)), "step": str(int(step))}
    if loss is not None:
        meta["loss"] = js_number(loss)
    for k, v in extra.items():
        if k in meta:
            raise ValueError(f"metadata key {k} is reserved")
        meta[k] = str(v)
    return meta


def _difference(a, b, path="spec"):
    """Where two specs first differ, as `path: a vs b`; None when equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            d = _difference(a.get(k), b.get(k), f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return next((d for d in (_difference(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b))) if d), None)
    return None if a == b else f"{path}: {json.dumps(a)} vs {json.dumps(b)}"


def _objective(metadata, ours):
    """(kind, likelihood, sigma or None) from the metadata's objective (bce+kl for other files)."""
    objective = metadata.get("objective", "bce+kl") if ours else "bce+kl"
    if objective not in OBJECTIVES:
        raise ValueError(f"checkpoint objective {objective!r}: this reads {', '.join(OBJECTIVES)}")
    kind, likelihood = OBJECTIVES[objective]
    if likelihood != "gaussian":
        return kind, likelihood, None
    text = metadata.get("sigma")
    if text is None:
        raise ValueError(f"checkpoint objective {objective!r} without \"sigma\": a Gaussian decoder needs it")
    try:
        return kind, likelihood, float(text)
    except ValueError:
        raise ValueError(f"checkpoint metadata \"sigma\" is {text!r}, must be a number") from None


def model_from_checkpoint(state, metadata, arch=None):
    """A model whose strict load_state_dict accepts `state`: from the metadata's spec when the file
    has one (a shorthand's file also has its keys, which must give the same spec), else from our
    older metadata's sizes, else inferred from tensor shapes. Returns (model, arch), arch being
    mlp, conv or spec."""
    ours = metadata.get("format") == "webgpu-vae"
    if ours and metadata.get("formatVersion") != "1":
        raise ValueError(f"checkpoint format version {metadata.get('formatVersion')!r}, this reads version 1")
    if metadata.get("arch") == "graph":
        raise ValueError("a graph VAE checkpoint: load it with graph_model_from_checkpoint")
    kind, likelihood, sigma = _objective(metadata, ours)
    file_arch = metadata.get("arch") or ("conv" if "enc1.weight" in state else "mlp")
    if arch is not None and arch != file_arch:
        raise ValueError(f"checkpoint holds a {file_arch} model, --arch {arch} was asked for")
    if file_arch not in ("mlp", "conv", "spec"):
        raise ValueError(f"checkpoint arch {file_arch!r} is not one of mlp, conv, spec")
    spec = resolve_spec(parse_spec(metadata["spec"], 'checkpoint metadata "spec"')).spec if ours and "spec" in metadata else None
    objective = {"likelihood": likelihood, "sigma": 0.1 if sigma is None else sigma, "kind": kind}
    shape = [int(d) for d in metadata["inputShape"].split(",")] if ours and "inputShape" in metadata else None
    if file_arch == "spec":
        if spec is None:
            raise ValueError('checkpoint metadata "arch" is "spec" but it has no "spec"')
        model = SpecVAE(spec)
    elif file_arch == "conv":
        if ours and "channels" in metadata:
            cfg = {"latent": int(metadata["latent"]), "channels": [int(c) for c in metadata["channels"].split(",")], "dense": int(metadata["dense"])}
            if shape is not None:
                cfg.update(input_channels=shape[0], rows=shape[1], cols=shape[2])
        else:
            cfg = conv_config_from_state(state)
        model = ConvVAE(**cfg, **objective)
    elif ours:
        hidden = [int(h) for h in metadata["hidden"].split(",")] if metadata["hidden"] else []
        model = MLPVAE(int(metadata["inputSize"]), hidden, int(metadata["latent"]), shape, **objective)
    else:
        model = MLPVAE(*mlp_config_from_state(state))
    if spec is not None and model.spec != spec:
        raise ValueError(f"checkpoint metadata's spec is not its {file_arch} keys' spec ({_difference(spec, model.spec)})")
    if (model.kind, model.likelihood) != (kind, likelihood) or (sigma is not None and sigma != model.sigma):
        raise ValueError(f"checkpoint metadata \"objective\" ({metadata.get('objective')!r}{'' if sigma is None else f', sigma {sigma}'}) "
                         f"disagrees with its spec ({objective_name(model.kind, model.likelihood)})")
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    return model, file_arch
