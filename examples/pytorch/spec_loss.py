"""PyTorch's loss of a webgpu-vae checkpoint on given inputs and noise, per image: what our
runtime computes on the same parameters, batch and eps (test/pytorch_spec.test.ts compares them).

    /usr/bin/python3 examples/pytorch/spec_loss.py MODEL.safetensors --inputs X.f32 [--eps EPS.f32]

X.f32 holds B rows of the model's input size and EPS.f32 B rows of its latent size (the noise of
z = mu + exp(logvar / 2) eps; not needed for an autoencoder), as raw little-endian float32. The
model comes from the checkpoint's metadata (its spec; model_from_checkpoint) and loads with
strict=True. Prints one JSON line, the loss computed twice: in float32 (as training runs) and in
float64 (the same float32 parameters and inputs, widened: what our float64 reference computes):

    {"arch", "spec", "count",
     "float32": {"recon": [per image], "kl": [per image], "loss": (sum recon + sum kl) / count},
     "float64": {...}}
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import model_from_checkpoint  # noqa: E402
from safetensors_io import load_with_metadata  # noqa: E402


def read_f32(path, width, what):
    """Rows of `width` float32 values from a raw little-endian file, as a [rows, width] tensor."""
    data = open(path, "rb").read()
    if len(data) % 4 or len(data) == 0 or (len(data) // 4) % width:
        raise ValueError(f"{path}: {len(data)} bytes, not a whole number of {what} rows of {width} float32 values")
    t = torch.frombuffer(bytearray(data), dtype=torch.float32)
    return t.reshape(-1, width)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="checkpoint (.safetensors) written by webgpu-vae or these examples")
    p.add_argument("--inputs", required=True, help="raw float32 inputs, rows of the model's input size")
    p.add_argument("--eps", default=None, help="raw float32 noise, rows of the latent size (a VAE needs it)")
    args = p.parse_args(argv)
    try:
        state, meta = load_with_metadata(args.model)
        model, arch = model_from_checkpoint(state, meta)
        x = read_f32(args.inputs, model.input_size, "input")
        eps = None
        if model.kind == "vae":
            if args.eps is None:
                raise ValueError("--eps is needed: the model is a VAE (z = mu + exp(logvar / 2) eps)")
            eps = read_f32(args.eps, model.latent, "noise")
            if eps.shape[0] != x.shape[0]:
                raise ValueError(f"{args.eps} holds {eps.shape[0]} rows of noise, {args.inputs} holds {x.shape[0]} inputs")
    except ValueError as e:
        print(f"spec_loss: {e}", file=sys.stderr)
        return 1
    result = {"arch": arch, "spec": model.spec, "count": int(x.shape[0])}
    for name, dtype in (("float32", torch.float32), ("float64", torch.float64)):
        model.to(dtype)
        with torch.no_grad():
            out, mu, logvar = model(x.to(dtype), eps=None if eps is None else eps.to(dtype))
            recon, kl = model.loss_rows(out, x.to(dtype), mu, logvar)
        result[name] = {"recon": recon.tolist(), "kl": kl.tolist(), "loss": float(recon.sum() + kl.sum()) / result["count"]}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
