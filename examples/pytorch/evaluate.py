"""PyTorch's own evaluation of a webgpu-vae checkpoint: the test set's negative ELBO per image.

    /usr/bin/python3 examples/pytorch/evaluate.py MODEL.safetensors --data DIR [--draws 4] [--n N] [--seed 1]

prints one JSON line, the figures `webgpu-vae eval --model MODEL --data DIR --json` reports:

    {"test_loss": ..., "recon": ..., "kl": ..., "steps": ..., "n": ..., "draws": ...}

test_loss = recon + kl, nats per image: BCE from logits summed over pixels plus the analytic KL,
averaged over the test images and over `--draws` noise draws (eps differs from the runtime's
Philox noise, so the two agree to the noise of the average, well under 0.5 nats on 2,000
images). DIR is a folder of the four standard IDX files, or the built dist/ folder for the
runtime's embedded digits (its last 2,000 are the test set). MLP, conv and spec checkpoints all
work: the model comes from the file's metadata (its spec), or from its tensor shapes when it has
none; the loss is its objective's (BCE, or the Gaussian decoder's; the KL for a VAE).
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx_data import load_split  # noqa: E402
from models import check_images, model_from_checkpoint  # noqa: E402
from safetensors_io import load_with_metadata  # noqa: E402


@torch.no_grad()
def evaluate_images(model, images, draws=4, batch=500, seed=1, device="cpu"):
    """(recon, kl) per image of uint8 images [n, rows, cols], averaged over `draws` noise draws."""
    was_training = model.training
    model.eval()
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    recon = kl = 0.0
    n = images.shape[0]
    for _ in range(draws):
        for start in range(0, n, batch):
            x = images[start:start + batch].to(device=device, dtype=torch.float32) / 255
            r, k = model.loss(x, gen)
            recon += float(r)
            kl += float(k)
    model.train(was_training)
    return recon / (n * draws), kl / (n * draws)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="checkpoint (.safetensors) written by webgpu-vae or train_ddp.py")
    p.add_argument("--data", required=True, help="folder of the four IDX files, or dist/ for the embedded digits")
    p.add_argument("--draws", type=int, default=4, help="noise draws to average (default 4, as webgpu-vae eval)")
    p.add_argument("--n", type=int, default=None, help="evaluate the first N test images only")
    p.add_argument("--seed", type=int, default=1, help="seed of the evaluation noise")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores)")
    args = p.parse_args(argv)
    if args.draws < 1 or (args.n is not None and args.n < 1) or args.batch < 1:
        p.error("--draws, --n and --batch must be >= 1")
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        state, meta = load_with_metadata(args.model)
        model, _ = model_from_checkpoint(state, meta)
        test = load_split(args.data)["test"][0]
    except ValueError as e:
        print(f"evaluate: {e}", file=sys.stderr)
        return 1
    if args.n is not None:
        test = test[:args.n]
    wrong = check_images(model, test.shape[1], test.shape[2])
    if wrong:
        print(f"evaluate: {args.data}: {wrong}", file=sys.stderr)
        return 1
    model.to(device)
    recon, kl = evaluate_images(model, test, args.draws, args.batch, args.seed, device)
    steps = int(meta["step"]) if meta.get("step", "").isdigit() else None
    print(json.dumps({"test_loss": recon + kl, "recon": recon, "kl": kl, "steps": steps, "n": int(test.shape[0]), "draws": args.draws}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
