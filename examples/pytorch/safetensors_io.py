"""safetensors files from PyTorch, with or without the `safetensors` package.

The functions below behave like `safetensors.torch.load_file` / `save_file` / `load` / `save`.
When the real package is importable it does the work; otherwise a small pure-Python codec
(torch only) reads and writes the same bytes:

    u64 little-endian header length N, N bytes of JSON header, then the tensor data.
    header: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}

Writing follows the reference implementation: tensors ordered by dtype (widest-ranked first, as
its Rust enum orders them) then by name, packed back to back from offset 0, `__metadata__` first
with its keys sorted, compact JSON, the header padded with spaces to a multiple of 8 bytes. For
all-F32 files (every webgpu-vae checkpoint) the result is byte-identical to the TypeScript
writer's. Reading validates everything the reference does: header length within the file and
under 100 MB, UTF-8 JSON object, no duplicate names, known dtypes, shapes and offsets that
agree, tensors that tile the data section exactly (no overlap, hole or trailing byte).

    from safetensors_io import load_file, save_file, load_metadata
    state = load_file("model.safetensors")            # {name: tensor}, on the CPU
    meta = load_metadata("model.safetensors")         # the __metadata__ string map
    save_file(model.state_dict(), "out.safetensors", metadata={"format": "webgpu-vae"})
"""

import json
import os
import struct
import sys

import torch

try:  # The real package, when pip could install it.
    from safetensors import safe_open as _safe_open
    from safetensors.torch import load as _st_load
    from safetensors.torch import save as _st_save

    HAVE_SAFETENSORS = True
except ImportError:  # pragma: no cover - depends on the machine
    HAVE_SAFETENSORS = False

__all__ = [
    "HAVE_SAFETENSORS", "SafetensorsError", "load", "load_file", "load_metadata", "load_with_metadata", "save", "save_file",
    "decode", "encode",
]

MAX_HEADER_BYTES = 100_000_000
METADATA_KEY = "__metadata__"

# dtype name -> torch dtype. Order is the reference implementation's enum order, which it uses
# (descending) to lay tensors out so wider types come first.
_DTYPES = [
    ("BOOL", torch.bool), ("U8", torch.uint8), ("I8", torch.int8), ("I16", torch.int16),
    ("F16", torch.float16), ("BF16", torch.bfloat16), ("I32", torch.int32), ("F32", torch.float32),
    ("F64", torch.float64), ("I64", torch.int64),
]
_RANK = {name: i for i, (name, _) in enumerate(_DTYPES)}
_TO_TORCH = dict(_DTYPES)
_FROM_TORCH = {t: name for name, t in _DTYPES}


class SafetensorsError(ValueError):
    """A file or tensor set that cannot be read or written; the message names the numbers."""


def _check_little_endian():
    if sys.byteorder != "little":
        raise SafetensorsError("safetensors_io: this pure-Python codec supports little-endian hosts only")


# ---------------------------------------------------------------------------------------------
# Writing


def encode(tensors, metadata=None):
    """Bytes of a safetensors file holding `tensors` ({name: tensor}) and `metadata` ({str: str})."""
    _check_little_endian()
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise SafetensorsError(f"metadata must be a dict of strings, got {type(metadata).__name__}")
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise SafetensorsError(f"metadata {k!r} is {v!r}: keys and values must be strings")
    items = []
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise SafetensorsError(f"tensor name {name!r} must be a string")
        if name == METADATA_KEY:
            raise SafetensorsError(f"{METADATA_KEY} is reserved and cannot name a tensor")
        if not isinstance(t, torch.Tensor):
            raise SafetensorsError(f"tensor {name!r} is a {type(t).__name__}, not a torch.Tensor")
        if t.layout != torch.strided:
            raise SafetensorsError(f"tensor {name!r} has layout {t.layout}; only dense tensors are written")
        if not t.is_contiguous():
            raise SafetensorsError(f"tensor {name!r} is not contiguous; call .contiguous() first")
        if t.dtype not in _FROM_TORCH:
            raise SafetensorsError(f"tensor {name!r} has dtype {t.dtype}, not one of {sorted(_TO_TORCH)}")
        items.append((name, _FROM_TORCH[t.dtype], t))
    items.sort(key=lambda it: (-_RANK[it[1]], it[0].encode("utf-8")))

    header = {}
    if metadata is not None:
        header[METADATA_KEY] = {k: metadata[k] for k in sorted(metadata, key=lambda s: s.encode("utf-8"))}
    chunks = []
    offset = 0
    for name, dtype, t in items:
        data = t.detach().cpu().reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


# ---------------------------------------------------------------------------------------------
# Reading


def _no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise SafetensorsError(f"duplicate key {k!r} in the header (JSON would keep only the last)")
        seen[k] = v
    return seen


def _whole(where, what, v):
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise SafetensorsError(f"{where}: {what} is {v!r}, must be a whole number >= 0")
    return v


def decode(data, name="safetensors"):
    """({name: tensor}, {metadata}) from the bytes of a file; raises SafetensorsError naming `name`."""
    _check_little_endian()
    data = memoryview(data).cast("B")

    def fail(msg):
        raise SafetensorsError(f"{name}: {msg}")

    if len(data) < 8:
        fail(f"file is {len(data)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES:
        fail(f"header length {n} bytes is over the {MAX_HEADER_BYTES}-byte (100 MB) limit")
    if n > len(data) - 8:
        fail(f"header length {n} bytes runs past the end of the {len(data)}-byte file")
    try:
        text = bytes(data[8:8 + n]).decode("utf-8")
    except UnicodeDecodeError:
        fail(f"header ({n} bytes) is not valid UTF-8")
    try:
        header = json.loads(text, object_pairs_hook=_no_duplicates)
    except SafetensorsError as e:
        fail(str(e))
    except ValueError as e:
        fail(f"header ({n} bytes) is not JSON: {e}")
    if not isinstance(header, dict):
        fail(f"header is a {type(header).__name__}, must be a JSON object")

    metadata = header.pop(METADATA_KEY, None)
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        fail(f"{METADATA_KEY} must be an object of strings, got {metadata!r:.80}")

    data_start = 8 + n
    data_len = len(data) - data_start
    infos = []
    for key, entry in header.items():
        where = f"tensor {key!r}"
        if not isinstance(entry, dict):
            fail(f"{where}: entry is {entry!r:.60}, must be an object with dtype, shape and data_offsets")
        if set(entry) != {"dtype", "shape", "data_offsets"}:
            fail(f"{where}: fields are {sorted(entry)}, must be exactly dtype, shape, data_offsets")
        dtype = entry["dtype"]
        if dtype not in _TO_TORCH:
            fail(f"{where}: dtype {dtype!r} is not supported (supported: {', '.join(_TO_TORCH)})")
        shape = entry["shape"]
        if not isinstance(shape, list):
            fail(f"{where}: shape is {shape!r}, must be a list of whole numbers")
        shape = [_whole(f"{name}: {where}", f"shape[{i}]", d) for i, d in enumerate(shape)]
        offs = entry["data_offsets"]
        if not isinstance(offs, list) or len(offs) != 2:
            fail(f"{where}: data_offsets is {offs!r}, must be [begin, end]")
        begin, end = (_whole(f"{name}: {where}", f"data_offsets[{i}]", o) for i, o in enumerate(offs))
        if end < begin:
            fail(f"{where}: data_offsets [{begin}, {end}] end before they begin")
        count = 1
        for d in shape:
            count *= d
        size = count * torch.empty((), dtype=_TO_TORCH[dtype]).element_size()
        if size != end - begin:
            fail(f"{where}: {dtype} {shape} is {size} bytes but data_offsets [{begin}, {end}] hold {end - begin}")
        if end > data_len:
            fail(f"{where}: data_offsets [{begin}, {end}] run past the end of the {data_len}-byte data section")
        infos.append((begin, end, key, dtype, shape))

    cursor = 0
    prev = None
    for begin, end, key, _, _ in sorted(infos):
        if begin < cursor:
            fail(f"tensor {key!r} data_offsets [{begin}, {end}] overlap tensor {prev!r}")
        if begin > cursor:
            fail(f"data bytes [{cursor}, {begin}) before tensor {key!r} belong to no tensor (a hole)")
        cursor, prev = end, key
    if cursor != data_len:
        fail(f"{data_len - cursor} trailing bytes after the last tensor (data section is {data_len} bytes, tensors end at {cursor})")

    tensors = {}
    for begin, end, key, dtype, shape in sorted(infos, key=lambda i: i[2]):
        raw = bytearray(data[data_start + begin:data_start + end])  # a private, writable copy
        flat = torch.frombuffer(raw, dtype=_TO_TORCH[dtype]) if raw else torch.empty(0, dtype=_TO_TORCH[dtype])
        tensors[key] = flat.reshape(shape)
    return tensors, metadata


# ---------------------------------------------------------------------------------------------
# The safetensors.torch API


def save(tensors, metadata=None):
    """Bytes of a safetensors file (as `safetensors.torch.save`)."""
    if HAVE_SAFETENSORS:
        return _st_save(tensors, metadata=metadata)
    return encode(tensors, metadata)


def load(data):
    """{name: tensor} from bytes (as `safetensors.torch.load`)."""
    if HAVE_SAFETENSORS:
        return _st_load(bytes(data))
    return decode(data)[0]


def save_file(tensors, filename, metadata=None):
    """Writes a safetensors file (as `safetensors.torch.save_file`)."""
    data = save(tensors, metadata)
    with open(filename, "wb") as f:
        f.write(data)


def load_file(filename, device="cpu"):
    """{name: tensor} of a safetensors file on `device` (as `safetensors.torch.load_file`)."""
    if HAVE_SAFETENSORS:
        from safetensors.torch import load_file as _st_load_file
        return _st_load_file(filename, device=device)
    with open(filename, "rb") as f:
        tensors, _ = decode(f.read(), os.fspath(filename))
    return {k: v.to(device) for k, v in tensors.items()}


def load_metadata(filename):
    """The `__metadata__` string map of a safetensors file ({} when it has none)."""
    if HAVE_SAFETENSORS:
        with _safe_open(filename, framework="pt") as f:
            return dict(f.metadata() or {})
    # The whole file is validated, so a broken file fails here as safe_open would.
    return load_with_metadata(filename)[1]


def load_with_metadata(filename):
    """({name: tensor}, {metadata}) of a safetensors file, read once."""
    if HAVE_SAFETENSORS:
        return load_file(filename), load_metadata(filename)
    with open(filename, "rb") as f:
        return decode(f.read(), os.fspath(filename))

