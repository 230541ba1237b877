"""MNIST-style IDX files for the PyTorch examples, read as strictly as webgpu-vae's reader.

A data folder is either the four standard files (plain or .gz; labels optional)

    train-images-idx3-ubyte  train-labels-idx1-ubyte  t10k-images-idx3-ubyte  t10k-labels-idx1-ubyte

(what `webgpu-vae train --data DIR` reads), or a folder holding the runtime's embedded set,
`mnist-10k-images-idx3-ubyte.gz` (the built `dist/`), split as the runtime splits it: the
first 8,000 digits train, the last 2,000 test.

Images come back as uint8 tensors [count, rows, cols]; the models take pixels as byte / 255.
"""

import gzip
import os
import struct
import zlib

import torch

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
MAX_IDX_BYTES = 2**31 - 1
NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
EMBEDDED = {"images": "mnist-10k-images-idx3-ubyte.gz", "labels": "mnist-10k-labels-idx1-ubyte.gz"}
EMBEDDED_TRAIN = 8000


class IdxError(ValueError):
    """A file that is not a valid IDX file; the message names the file and the numbers."""


def _read(path, kind):
    """The decompressed bytes of an IDX file, never more than its header implies (gzip bombs)."""
    with open(path, "rb") as f:
        magic2 = f.read(2)
    opener = gzip.open if magic2 == b"\x1f\x8b" else open
    header_len = 16 if kind == "images" else 8
    try:
        with opener(path, "rb") as f:
            head = f.read(header_len)
            dims, payload = _header(head, path, kind)
            body = f.read(payload + 1)
    except (OSError, EOFError, zlib.error) as e:
        raise IdxError(f"{path}: gzip data is corrupt ({e})") from e
    want = header_len + payload
    got = len(head) + len(body)
    if got < want:
        raise IdxError(f"{path}: file is {got} bytes, header implies {want}: truncated")
    if got > want:
        raise IdxError(f"{path}: file has more than the {want} bytes its header implies")
    return dims, body


def _header(head, path, kind):
    magic = IMAGES_MAGIC if kind == "images" else LABELS_MAGIC
    ndims = 3 if kind == "images" else 1
    if len(head) < 4:
        raise IdxError(f"{path}: file is {len(head)} bytes, shorter than an IDX magic number")
    (got,) = struct.unpack(">I", head[:4])
    if got != magic:
        if got >> 8 == 0x08:
            raise IdxError(f"{path}: IDX {kind} file must have {ndims} dimension(s), header says {got & 0xFF}")
        raise IdxError(f"{path}: not an IDX {kind} file: magic 0x{got:08x}, expected 0x{magic:08x}")
    if len(head) < 4 + 4 * ndims:
        raise IdxError(f"{path}: file is {len(head)} bytes, shorter than its {4 + 4 * ndims}-byte header")
    dims = list(struct.unpack(f">{ndims}I", head[4:4 + 4 * ndims]))
    if kind == "images" and (dims[1] == 0 or dims[2] == 0):
        raise IdxError(f"{path}: image size {dims[1]}x{dims[2]} is empty")
    payload = 1
    for d in dims:
        payload *= d
    if payload > MAX_IDX_BYTES:
        raise IdxError(f"{path}: header declares {'x'.join(map(str, dims))} = {payload} bytes, more than the {MAX_IDX_BYTES} accepted")
    return dims, payload


def read_images(path):
    """uint8 tensor [count, rows, cols] of an IDX images file (plain or gzipped)."""
    dims, body = _read(path, "images")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(dims) if body else torch.zeros(dims, dtype=torch.uint8)


def read_labels(path):
    """uint8 tensor [count] of an IDX labels file; every label must be 0-9."""
    dims, body = _read(path, "labels")
    labels = torch.frombuffer(bytearray(body), dtype=torch.uint8) if body else torch.zeros(0, dtype=torch.uint8)
    bad = (labels > 9).nonzero()
    if len(bad):
        i = int(bad[0])
        raise IdxError(f"{path}: label {i} is {int(labels[i])}, labels must be 0-9")
    return labels


def _find(folder, base, required):
    for name in (base, base + ".gz"):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    if required:
        raise IdxError(f"{folder}: missing {base} (or {base}.gz)")
    return None


def load_split(folder):
    """{"train": (images, labels or None), "test": (images, labels or None)} of a data folder."""
    if not os.path.isdir(folder):
        raise IdxError(f"--data {folder}: no such folder")
    if _find(folder, NAMES["train_images"], False) is None and os.path.exists(os.path.join(folder, EMBEDDED["images"])):
        images = read_images(os.path.join(folder, EMBEDDED["images"]))
        lp = os.path.join(folder, EMBEDDED["labels"])
        labels = read_labels(lp) if os.path.exists(lp) else None
        if labels is not None and len(labels) != len(images):
            raise IdxError(f"{folder}: {len(images)} embedded images but {len(labels)} labels")
        cut = lambda t, a, b: None if t is None else t[a:b]  # noqa: E731
        return {"train": (images[:EMBEDDED_TRAIN], cut(labels, 0, EMBEDDED_TRAIN)), "test": (images[EMBEDDED_TRAIN:], cut(labels, EMBEDDED_TRAIN, None))}
    out = {}
    for part in ("train", "test"):
        images = read_images(_find(folder, NAMES[f"{part}_images"], True))
        lp = _find(folder, NAMES[f"{part}_labels"], False)
        labels = read_labels(lp) if lp else None
        if labels is not None and len(labels) != len(images):
            raise IdxError(f"{folder}: {len(images)} {part} images but {len(labels)} labels")
        if len(images) == 0:
            raise IdxError(f"{folder}: the {part} images file holds no images")
        out[part] = (images, labels)
    if out["train"][0].shape[1:] != out["test"][0].shape[1:]:
        a, b = out["train"][0].shape[1:], out["test"][0].shape[1:]
        raise IdxError(f"{folder}: train images are {a[0]}x{a[1]} but test images are {b[0]}x{b[1]}")
    return out


def write_split(folder, train_images, test_images, train_labels=None, test_labels=None, compress=False):
    """Writes the four standard files (for tests and conversions); uint8 inputs [count, rows, cols]."""
    os.makedirs(folder, exist_ok=True)
    opener = gzip.open if compress else open
    suffix = ".gz" if compress else ""

    def put(name, header, payload):
        with opener(os.path.join(folder, name + suffix), "wb") as f:
            f.write(header + payload)

    for part, images, labels in (("train", train_images, train_labels), ("test", test_images, test_labels)):
        images = images.to(torch.uint8).contiguous()
        n, rows, cols = images.shape
        put(NAMES[f"{part}_images"], struct.pack(">4I", IMAGES_MAGIC, n, rows, cols), images.numpy().tobytes())
        if labels is not None:
            put(NAMES[f"{part}_labels"], struct.pack(">2I", LABELS_MAGIC, len(labels)), labels.to(torch.uint8).numpy().tobytes())
