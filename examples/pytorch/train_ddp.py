"""Train webgpu-vae models with PyTorch DistributedDataParallel, and save checkpoints the
webgpu-vae CLI and page load as they are.

    torchrun --nproc_per_node=2 examples/pytorch/train_ddp.py --data DIR --out model.safetensors
        [--arch mlp|conv] [--init FILE.safetensors | --hidden 400 --latent 20 | --spec MODEL.json]
        [--epochs 10] [--max-steps N] [--batch 128] [--lr 1e-3] [--seed 1] [--draws 4]

Also runs as a single process without torchrun (`/usr/bin/python3 train_ddp.py ...`).

- Backend gloo on CPUs, nccl when CUDA is available (one GPU per process, by LOCAL_RANK).
- DIR holds the four standard IDX files (plain or .gz), or is the built dist/ folder for the
  runtime's embedded digits (first 8,000 train, last 2,000 test). A DistributedSampler gives
  each process its share of every epoch (shuffled by --seed and the epoch; when the training
  set does not divide by the number of processes it repeats a few images to even them out).
- --spec MODEL.json trains the model a JSON model spec describes (docs/spec.md; built by
  models.model_from_spec), on single-channel images whose size is its input's ([1, rows, cols]
  or [rows x cols]). The spec is the one place the model is described, so --spec refuses the
  architecture flags (--arch, --hidden, --latent, --channels, --dense) and --init in one line.
  Its checkpoint records the spec with `arch: spec`, as the runtime's own spec checkpoints do.
- --init starts from a checkpoint (ours or any with the same tensor names): the model's sizes
  come from its `__metadata__`, or from its tensor shapes when it has none. Adam starts fresh
  (checkpoints hold no optimizer state); the saved `step` continues from the file's.
- Each process takes --batch images per step (128, the PyTorch example's); the loss (the
  model's objective: BCE or the Gaussian decoder's, plus the KL for a VAE) is summed over the
  batch, as in that example, and DDP averages the gradients over processes, so W
  processes train like one with batch W x 128 (Adam does not see the constant factor).
- Reproducible: the same seed, data and number of processes give the same weights (the
  initialisation and sampler follow --seed, each process draws its noise from (seed, rank)).
- Rank 0 evaluates the test set (negative ELBO per image averaged over --draws noise draws)
  and prints one JSON line on stdout, {"test_loss", "recon", "kl", "steps"}; progress goes to
  stderr. With --out it saves the model with webgpu-vae's tensor names and metadata, written
  atomically (a temporary file beside it, then os.replace).
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import evaluate_images  # noqa: E402
from idx_data import load_split  # noqa: E402
from model_spec import SpecError, parse_spec, resolve_spec  # noqa: E402
from models import ConvVAE, MLPVAE, check_images, checkpoint_metadata, model_from_checkpoint, model_from_spec  # noqa: E402
from safetensors_io import load_with_metadata, save  # noqa: E402


class _Indices(Dataset):
    """0..n-1: the sampler shards indices; images are gathered from one tensor per batch."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Train a webgpu-vae model with PyTorch DDP (run under torchrun).")
    p.add_argument("--data", required=True, help="folder of the four IDX files, or dist/ for the embedded digits")
    p.add_argument("--arch", choices=["mlp", "conv"], default=None, help="model family (default mlp, or the --init file's)")
    p.add_argument("--init", default=None, help="start from this checkpoint (.safetensors)")
    p.add_argument("--hidden", default=None, help="MLP hidden widths, comma-separated (default 400)")
    p.add_argument("--latent", type=int, default=None, help="latent size (default 20 for mlp, 2 for conv)")
    p.add_argument("--channels", default=None, help="conv channels of enc1,enc2 (default 32,64)")
    p.add_argument("--dense", type=int, default=None, help="conv dense width (default 16)")
    p.add_argument("--spec", default=None, help="train the model this JSON model spec describes (docs/spec.md)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many steps")
    p.add_argument("--batch", type=int, default=128, help="images per process per step")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--draws", type=int, default=4, help="noise draws for the final test evaluation")
    p.add_argument("--threads", type=int, default=None, help="CPU threads per process (default: cores / processes)")
    p.add_argument("--backend", choices=["gloo", "nccl"], default=None, help="default: nccl with CUDA, gloo otherwise")
    p.add_argument("--out", default=None, help="save the trained model here (.safetensors)")
    a = p.parse_args(argv)
    for name in ("epochs", "batch", "draws"):
        if getattr(a, name) < 1:
            p.error(f"--{name} must be >= 1")
    if a.max_steps is not None and a.max_steps < 0:
        p.error("--max-steps must be >= 0")
    if not (a.lr > 0 and math.isfinite(a.lr)):
        p.error("--lr must be a finite number > 0")
    if a.seed < 0:
        p.error("--seed must be >= 0")
    if a.spec is not None:
        # The CLI's rule and wording: the spec is the one place the model is described.
        for flag, part in (("arch", "layers"), ("hidden", "layers"), ("latent", "latent"), ("channels", "layers"), ("dense", "layers")):
            if getattr(a, flag) is not None:
                usage_error(f"--{flag} and --spec together: the spec describes the model (its {part}), so give it there")
        if a.init is not None:
            usage_error("--init and --spec together: a checkpoint holds its model's spec, so give one of them")
        a.spec_doc = read_spec(a.spec)
    if a.init and (a.hidden is not None or a.latent is not None):
        p.error("--init takes the sizes from the checkpoint: leave out --hidden and --latent")
    return a


def usage_error(message):
    """A mistake in the flags: one line on stderr, exit status 2 (argparse's)."""
    print(f"train_ddp: {message}", file=sys.stderr)
    raise SystemExit(2)


def read_spec(path):
    """The checked spec in file `path` (before any data is read), or SystemExit with one line naming the file."""
    try:
        with open(path, "rb") as f:
            doc = parse_spec(f.read())
        if isinstance(doc, dict) and doc.get("family") == "graph":
            raise SpecError("a graph spec (family graph); this trains image models (graph_models.py builds graph ones)")
        return resolve_spec(doc).spec
    except OSError as e:
        raise SystemExit(f"train_ddp: --spec {path}: {e.strerror}") from None
    except SpecError as e:
        raise SystemExit(f"train_ddp: --spec {path}: {e}") from None


def build_model(args, image_shape):
    """(model, arch, start step) from --init, --spec or the size flags."""
    if args.spec:
        try:
            return model_from_spec(args.spec_doc), "spec", 0
        except SpecError as e:  # a name PyTorch cannot register (resolve_spec passed the rest)
            raise SystemExit(f"train_ddp: --spec {args.spec}: {e}") from None
    if args.init:
        state, meta = load_with_metadata(args.init)
        model, arch = model_from_checkpoint(state, meta, args.arch)
        step = int(meta["step"]) if meta.get("step", "").isdigit() else 0
        return model, arch, step
    rows, cols = image_shape
    if args.arch == "conv":
        channels = [int(c) for c in (args.channels or "32,64").split(",")]
        return ConvVAE(args.latent or 2, channels, args.dense or 16, rows, cols), "conv", 0
    hidden = [400] if args.hidden is None else [int(h) for h in args.hidden.split(",") if h]
    return MLPVAE(rows * cols, hidden, args.latent or 20, [1, rows, cols]), "mlp", 0


def write_atomic(path, data):
    """Writes bytes to `path` so readers see the old file or the new one, never a part."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def log(rank, msg):
    if rank == 0:
        print(msg, file=sys.stderr, flush=True)


def main(argv=None):
    args = parse_args(argv)
    distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    cuda = torch.cuda.is_available()
    if distributed:
        dist.init_process_group(args.backend or ("nccl" if cuda else "gloo"))
        rank, world = dist.get_rank(), dist.get_world_size()
        local_rank = int(os.environ.get("LOCAL_RANK", 0))
        local_world = int(os.environ.get("LOCAL_WORLD_SIZE", world))
    else:
        rank, world, local_rank, local_world = 0, 1, 0, 1
    device = torch.device(f"cuda:{local_rank}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // local_world))

    data = load_split(args.data)
    train_u8 = data["train"][0]
    test_u8 = data["test"][0]
    # Same initialisation on every rank (DDP also broadcasts rank 0's parameters).
    torch.manual_seed(args.seed)
    model, arch, start_step = build_model(args, tuple(train_u8.shape[1:]))
    wrong = check_images(model, train_u8.shape[1], train_u8.shape[2])
    if wrong:
        raise SystemExit(f"train_ddp: {args.data}: {wrong}")
    model.to(device)
    ddp = DistributedDataParallel(model, device_ids=[local_rank] if cuda else None) if distributed else model
    opt = torch.optim.Adam(ddp.parameters(), lr=args.lr)
    noise = torch.Generator(device=device)
    noise.manual_seed(args.seed * 1_000_003 + rank)

    sampler = DistributedSampler(_Indices(len(train_u8)), num_replicas=world, rank=rank, shuffle=True, seed=args.seed, drop_last=False)
    loader = DataLoader(_Indices(len(train_u8)), batch_size=args.batch, sampler=sampler, collate_fn=torch.tensor)
    train_gpu = train_u8.to(device)
    total = args.max_steps if args.max_steps is not None else args.epochs * len(loader)
    if arch == "spec":
        log(rank, f"train_ddp: spec {json.dumps(model.spec)}")
    shown = {k: v for k, v in model.config().items() if k != "spec"}
    log(rank, f"train_ddp: {arch} {json.dumps(shown)}, {world} process(es), backend "
              f"{dist.get_backend() if distributed else 'none'}, {len(train_u8)} train / {len(test_u8)} test images, "
              f"batch {args.batch} per process, {total} steps")

    steps = 0
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        if steps >= total:
            break
        sampler.set_epoch(epoch)
        sums = torch.zeros(3, dtype=torch.float64, device=device)  # loss, images, steps of this epoch
        for idx in loader:
            if steps >= total:
                break
            x = train_gpu[idx.to(device)].to(torch.float32) / 255
            opt.zero_grad(set_to_none=True)
            out, mu, logvar = ddp(x, noise)
            recon, kl = model.loss_rows(out, x, mu, logvar)
            loss = recon.sum() + kl.sum()
            loss.backward()
            opt.step()
            steps += 1
            sums += torch.tensor([float(loss), len(idx), 1.0], dtype=torch.float64, device=device)
        if distributed:
            dist.all_reduce(sums)
        elapsed = time.perf_counter() - t0
        log(rank, f"epoch {epoch + 1}: step {steps}, train loss {float(sums[0] / max(sums[1], 1)):.2f} nats/image, "
                  f"{1000 * elapsed / max(steps, 1):.1f} ms/step")

    result = None
    if rank == 0:
        recon, kl = evaluate_images(model, test_u8, args.draws, 500, args.seed, device)
        result = {"test_loss": recon + kl, "recon": recon, "kl": kl, "steps": steps}
        if args.out:
            state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()}
            meta = checkpoint_metadata(model, args.batch, args.seed, start_step + steps, result["test_loss"],
                                       trainer="pytorch-ddp", worldSize=world)
            write_atomic(args.out, save(state, meta))
            log(rank, f"saved {args.out} (step {start_step + steps})")
        print(json.dumps(result), flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
