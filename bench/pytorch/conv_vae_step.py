"""PyTorch CPU time of one training step of the convolutional VAE (REFERENCE's keras-io
architecture, examples/pytorch/models.py ConvVAE), the figure a WebGPU conv VAE is compared with.

    /usr/bin/python3 bench/pytorch/conv_vae_step.py [--batches 32,128] [--latent 2] [--threads 2] [--steps 20]

A step is what training does: forward, BCE-with-logits + KL summed over the batch, backward,
Adam. Inputs are real digits when the built dist/ holds the embedded set, random binary images
otherwise (the time does not depend on the values). After --warmup untimed steps, --steps steps
are timed one by one; the JSON line gives their median, mean and minimum per batch size, and
the same for the default MLP VAE (784-400-20) at batch 128 as a yardstick of the machine's
state (REFERENCE: about 0.14 s on 2 threads; the conv VAE about 0.45 s at batch 128). GFLOP per
step counts useful multiply-adds x 2 (forward, plus twice that for the two backward products);
a transposed convolution written as a convolution over a zero-dilated input counts about 4x
more in its stride-2 layers, which is where a figure of about 18 GFLOP at batch 128 comes from.
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "pytorch"))
from models import ConvVAE, MLPVAE  # noqa: E402


def conv_flops_per_image(m):
    """Useful forward FLOPs of one image (2 per multiply-add), layer by layer."""
    c1, c2 = m.channels
    r, c = m.rows, m.cols
    h1, h2 = (r // 2) * (c // 2), (r // 4) * (c // 4)
    macs = (
        h1 * c1 * 9 * 1            # enc1: every output of 1 x 3 x 3 inputs
        + h2 * c2 * 9 * c1         # enc2
        + 2 * (c2 * h2) * m.dense  # fc1
        + 2 * m.dense * m.latent   # fc21, fc22
        + m.latent * c2 * h2       # fc3
        + h2 * c2 * 9 * c2         # dec1: every input scatters to 3 x 3 x c2 outputs
        + h1 * c2 * 9 * c1         # dec2
        + r * c * c1 * 9 * 1       # dec3 (stride 1)
    )
    return 2 * macs


def images(n, rows, cols, gen):
    """Real digits from dist/ when built, else random binary images, as float [n, 1, rows, cols]."""
    try:
        from idx_data import load_split

        train = load_split(os.path.join(ROOT, "dist"))["train"][0]
        if train.shape[1:] == (rows, cols) and len(train) >= n:
            return train[:n].float().div(255).unsqueeze(1), "embedded digits"
    except (OSError, ValueError):
        pass
    return (torch.rand(n, 1, rows, cols, generator=gen) < 0.2).float(), "random binary images"


def time_steps(model, x, steps, warmup, gen):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        recon, kl = model.loss(x, gen)
        (recon + kl).backward()
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return {"median_s": round(statistics.median(times), 4), "mean_s": round(statistics.fmean(times), 4), "min_s": round(min(times), 4)}


def main():
    p = argparse.ArgumentParser(description="Time one PyTorch CPU training step of the conv VAE.")
    p.add_argument("--batches", default="32,128")
    p.add_argument("--latent", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    batches = [int(b) for b in args.batches.split(",")]
    data, source = images(max(batches + [128]), 28, 28, gen)
    load_before = os.getloadavg()[0]

    conv = ConvVAE(latent=args.latent)
    flops = 3 * conv_flops_per_image(conv)
    out = {"threads": args.threads, "latent": args.latent, "inputs": source, "torch": torch.__version__, "conv": {}}
    for b in batches:
        t = time_steps(conv, data[:b], args.steps, args.warmup, gen)
        t["gflop_per_step"] = round(flops * b / 1e9, 2)
        t["gflop_per_s"] = round(flops * b / 1e9 / t["median_s"], 2)
        out["conv"][str(b)] = t
    out["mlp_784_400_20_batch_128"] = time_steps(MLPVAE(), data[:128].reshape(128, 784), args.steps, args.warmup, gen)
    out["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
