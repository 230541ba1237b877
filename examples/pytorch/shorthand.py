"""The architecture shorthands expanded into model specs exactly as src/model/shorthand.ts expands
them (`--arch mlp` with `--hidden`, `--arch conv` with `--channels` and `--dense`), and the graph
family's default spec. Everything else builds from the spec (model_spec.resolve_spec).
"""

from model_spec import HEAD_DEFAULTS, SpecError, product


def _objective(likelihood, sigma, kind):
    return {"likelihood": likelihood, **({"sigma": sigma} if likelihood == "gaussian" else {}), "kind": kind}


def _relu(type, name, **fields):
    return {"type": type, "name": name, **fields, "activation": "relu"}


def mlp_spec(input_shape, hidden, latent, likelihood="bernoulli", sigma=0.1, kind="vae"):
    """The MLP shorthand (the PyTorch VAE example): linear layers with ReLU, the decoder mirroring
    the encoder's widths, a linear output of the input's size. Names: fc1 / fc3 with one hidden
    layer, encoder.{i} / decoder.{i} otherwise; head fc21 / fc22; output fc4; on an image input
    a flatten first and a reshape last."""
    input_shape = [int(d) for d in input_shape]
    hidden = [int(h) for h in hidden]
    one = len(hidden) == 1
    image = len(input_shape) == 3
    encoder = [{"type": "flatten"}] if image else []
    encoder += [_relu("linear", "fc1" if one else f"encoder.{i}", out=h) for i, h in enumerate(hidden)]
    decoder = [_relu("linear", "fc3" if one else f"decoder.{i}", out=h) for i, h in enumerate(reversed(hidden))]
    decoder.append({"type": "linear", "name": "fc4", "out": product(input_shape)})
    if image:
        decoder.append({"type": "reshape", "shape": list(input_shape)})
    return {"input": input_shape, "latent": int(latent), "encoder": encoder, "head": {"mu": "fc21", "logvar": "fc22"},
            "decoder": decoder, **_objective(likelihood, sigma, kind)}


def conv_spec(input_shape, channels, dense, latent, likelihood="bernoulli", sigma=0.1, kind="vae"):
    """The conv shorthand (keras-io's VAE): enc1..encN Conv2d(3, stride 2, padding 1) + ReLU,
    flatten, fc1 + ReLU; head fc21 / fc22; fc3 + ReLU, reshape, dec1..decN ConvTranspose2d(3, 2,
    1, output padding 1) + ReLU (cN -> cN, then c_{N-i+2} -> c_{N-i+1}), dec{N+1}
    ConvTranspose2d(c1 -> C, 3, 1, 1). Height and width must be multiples of 2^N."""
    c0, h0, w0 = (int(d) for d in input_shape)
    ch = [int(c) for c in channels]
    n = len(ch)
    if n == 0:
        raise SpecError("conv: needs at least one convolution in channels, got []")
    f = 2**n
    if h0 % f or w0 % f:
        raise SpecError(f"conv: halves the image {n} times (channels {','.join(map(str, ch))}), so its height and width must be multiples of {f}, got {h0}x{w0}")
    conv = {"kernel": 3, "stride": 2, "padding": 1}
    encoder = [_relu("conv2d", f"enc{i + 1}", out=c, **conv) for i, c in enumerate(ch)]
    c, h, w = ch[-1], h0 // f, w0 // f
    encoder += [{"type": "flatten"}, _relu("linear", "fc1", out=int(dense))]
    decoder = [_relu("linear", "fc3", out=c * h * w), {"type": "reshape", "shape": [c, h, w]}]
    decoder += [_relu("conv_transpose2d", f"dec{i}", out=ch[n - i], **conv, output_padding=1) for i in range(1, n + 1)]
    decoder.append({"type": "conv_transpose2d", "name": f"dec{n + 1}", "out": c0, "kernel": 3, "stride": 1, "padding": 1})
    return {"input": [c0, h0, w0], "latent": int(latent), "encoder": encoder, "head": {"mu": "fc21", "logvar": "fc22"},
            "decoder": decoder, **_objective(likelihood, sigma, kind)}


def graph_spec(hidden=32, latent=16, kind="vae"):
    """The graph VAE's default spec (the paper's VGAE; kind ae: the GAE): gcn conv1 (ReLU), then the head."""
    return {"family": "graph", "latent": int(latent), "encoder": [_relu("gcn", "conv1", out=int(hidden))],
            "head": {"type": "gcn", **(HEAD_DEFAULTS["graph"] if kind == "vae" else HEAD_DEFAULTS["graph_ae"])}, "kind": kind}
