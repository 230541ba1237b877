"""Tests of the PyTorch examples (no GPU, no network, a few seconds):

    /usr/bin/python3 -m unittest discover -s examples/pytorch -p 'test_*.py'

The safetensors codec against the format's rules, the models' tensor names and shapes against
the runtime's checkpoint layout, the loss against its float64 formula, the IDX reader, and a
short single-process training run whose checkpoint evaluate.py reads back.
"""

import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import idx_data  # noqa: E402
import safetensors_io as st  # noqa: E402
from models import (  # noqa: E402
    ConvVAE, GraphVAE, MLPVAE, bce_kl, checkpoint_metadata, graph_loss_weights, js_number, model_from_checkpoint,
    normalized_adjacency,
)


def _file(header, data=b"", raw_header=None):
    text = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + data


class SafetensorsCodec(unittest.TestCase):
    def test_round_trip_every_dtype(self):
        g = torch.Generator().manual_seed(3)
        tensors = {
            "w": torch.randn(3, 5, generator=g), "h": torch.randn(7, generator=g).half(), "b": torch.randn(2, 2, generator=g).bfloat16(),
            "d": torch.randn(4, generator=g, dtype=torch.float64), "i": torch.arange(6).reshape(2, 3), "empty": torch.zeros(0, 4),
            "scalar": torch.tensor(2.5),
        }
        back, meta = st.decode(st.encode(tensors, {"k": "v", "format": "webgpu-vae"}))
        self.assertEqual(meta, {"k": "v", "format": "webgpu-vae"})
        self.assertEqual(set(back), set(tensors))
        for k, t in tensors.items():
            self.assertEqual(back[k].dtype, t.dtype, k)
            self.assertEqual(back[k].shape, t.shape, k)
            self.assertTrue(torch.equal(back[k], t), k)

    def test_layout_matches_the_reference_writer(self):
        # F32 tensors sorted by name, packed from 0; metadata first, keys sorted; header padded
        # with spaces to a multiple of 8. This is also byte for byte what the TypeScript writer emits.
        b = st.encode({"fc2.weight": torch.ones(1, 2), "fc1.bias": torch.zeros(3)}, {"z": "1", "a": "2"})
        (n,) = struct.unpack("<Q", b[:8])
        self.assertEqual(n % 8, 0)
        text = b[8:8 + n].decode()
        self.assertEqual(text.rstrip(" "), '{"__metadata__":{"a":"2","z":"1"},"fc1.bias":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},'
                                           '"fc2.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[12,20]}}')
        self.assertEqual(len(b), 8 + n + 20)

    def test_wider_dtypes_come_first(self):
        b = st.encode({"a": torch.zeros(1, dtype=torch.float16), "b": torch.zeros(1, dtype=torch.float64), "c": torch.zeros(1)})
        (n,) = struct.unpack("<Q", b[:8])
        self.assertEqual(list(json.loads(b[8:8 + n])), ["b", "c", "a"])

    def test_refuses_bad_input_when_writing(self):
        with self.assertRaisesRegex(st.SafetensorsError, "not contiguous"):
            st.encode({"t": torch.zeros(3, 4).t()})
        with self.assertRaisesRegex(st.SafetensorsError, "must be strings"):
            st.encode({"t": torch.zeros(1)}, {"step": 3})
        with self.assertRaisesRegex(st.SafetensorsError, "reserved"):
            st.encode({"__metadata__": torch.zeros(1)})

    def test_rejects_broken_files(self):
        ok = {"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
        cases = [
            (b"\x01\x02", "shorter than the 8-byte"),
            (struct.pack("<Q", 200_000_000) + b"{}", "100 MB"),
            (struct.pack("<Q", 50) + b"{}", "runs past the end"),
            (_file(None, raw_header=b"\xff\xfe{}     "), "not valid UTF-8"),
            (_file(None, raw_header=b"{nope}  "), "not JSON"),
            (_file(None, raw_header=b"[1,2]   "), "must be a JSON object"),
            (_file(None, b"\0" * 8, raw_header=b'{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'),
             "duplicate key 't'"),
            (_file({"t": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 8), "not supported"),
            (_file({"t": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8), "12 bytes but data_offsets"),
            (_file({"t": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, b"\0" * 8), "whole number"),
            (_file({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4), "run past the end"),
            (_file({**ok, "u": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12), "overlap"),
            (_file({"t": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12), "a hole"),
            (_file(ok, b"\0" * 9), "1 trailing bytes"),
            (_file({"__metadata__": {"a": 1}, **ok}, b"\0" * 8), "object of strings"),
            (_file({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "x": 1}}, b"\0" * 8), "must be exactly"),
        ]
        for data, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(st.SafetensorsError, message):
                    st.decode(data, "f.safetensors")

    def test_files_and_metadata(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.safetensors")
            st.save_file({"a": torch.arange(3, dtype=torch.float32)}, path, metadata={"step": "7"})
            self.assertTrue(torch.equal(st.load_file(path)["a"], torch.arange(3, dtype=torch.float32)))
            self.assertEqual(st.load_metadata(path), {"step": "7"})


class ModelNames(unittest.TestCase):
    def test_mlp_one_hidden_layer_is_the_pytorch_example(self):
        shapes = {k: list(v.shape) for k, v in MLPVAE().state_dict().items()}
        self.assertEqual(shapes, {
            "fc1.weight": [400, 784], "fc1.bias": [400], "fc21.weight": [20, 400], "fc21.bias": [20], "fc22.weight": [20, 400],
            "fc22.bias": [20], "fc3.weight": [400, 20], "fc3.bias": [400], "fc4.weight": [784, 400], "fc4.bias": [784],
        })
        self.assertEqual(list(shapes), list({k: 0 for k in shapes}))  # registration order = checkpoint.ts layer order

    def test_mlp_deeper_uses_encoder_and_decoder_lists(self):
        shapes = {k: list(v.shape) for k, v in MLPVAE(784, [256, 128], 8).state_dict().items()}
        self.assertEqual(list(shapes), [
            "encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias", "fc21.weight", "fc21.bias", "fc22.weight",
            "fc22.bias", "decoder.0.weight", "decoder.0.bias", "decoder.1.weight", "decoder.1.bias", "fc4.weight", "fc4.bias",
        ])
        self.assertEqual(shapes["encoder.0.weight"], [256, 784])
        self.assertEqual(shapes["encoder.1.weight"], [128, 256])
        self.assertEqual(shapes["decoder.0.weight"], [128, 8])  # nearest the latent first
        self.assertEqual(shapes["decoder.1.weight"], [256, 128])
        self.assertEqual(shapes["fc4.weight"], [784, 256])
        no_hidden = MLPVAE(784, [], 2).state_dict()
        self.assertEqual(list(no_hidden), ["fc21.weight", "fc21.bias", "fc22.weight", "fc22.bias", "fc4.weight", "fc4.bias"])

    def test_conv_names_and_layouts(self):
        shapes = {k: list(v.shape) for k, v in ConvVAE().state_dict().items()}
        self.assertEqual(shapes, {
            "enc1.weight": [32, 1, 3, 3], "enc1.bias": [32], "enc2.weight": [64, 32, 3, 3], "enc2.bias": [64],
            "fc1.weight": [16, 3136], "fc1.bias": [16], "fc21.weight": [2, 16], "fc21.bias": [2], "fc22.weight": [2, 16], "fc22.bias": [2],
            "fc3.weight": [3136, 2], "fc3.bias": [3136], "dec1.weight": [64, 64, 3, 3], "dec1.bias": [64],
            "dec2.weight": [64, 32, 3, 3], "dec2.bias": [32], "dec3.weight": [32, 1, 3, 3], "dec3.bias": [1],
        })
        m = ConvVAE(latent=20)
        logits, mu, _ = m(torch.rand(3, 1, 28, 28))
        self.assertEqual(list(logits.shape), [3, 1, 28, 28])
        self.assertEqual(list(mu.shape), [3, 20])

    def test_graph_names_follow_pyg(self):
        self.assertEqual({k: list(v.shape) for k, v in GraphVAE(10).state_dict().items()}, {
            "encoder.conv1.lin.weight": [32, 10], "encoder.conv1.bias": [32], "encoder.conv_mu.lin.weight": [16, 32],
            "encoder.conv_mu.bias": [16], "encoder.conv_logstd.lin.weight": [16, 32], "encoder.conv_logstd.bias": [16],
        })
        self.assertEqual(sorted(GraphVAE(10, variational=False, bias=False).state_dict()), ["encoder.conv1.lin.weight", "encoder.conv2.lin.weight"])

    def test_checkpoints_load_both_ways(self):
        for model in (MLPVAE(), MLPVAE(784, [64, 32], 2), ConvVAE(latent=3, channels=(4, 8), dense=5)):
            meta = checkpoint_metadata(model, 128, 1, 5, 123.5)
            state, back = st.decode(st.encode({k: v.contiguous() for k, v in model.state_dict().items()}, meta))
            for with_meta in (back, {}):  # from metadata, and inferred from shapes
                loaded, _ = model_from_checkpoint(state, with_meta)
                self.assertEqual(type(loaded), type(model))
                for k, v in model.state_dict().items():
                    self.assertTrue(torch.equal(loaded.state_dict()[k], v), k)
        self.assertEqual(meta["objective"], "bce+kl")
        with self.assertRaisesRegex(ValueError, "objective 'gaussian"):
            model_from_checkpoint(MLPVAE().state_dict(), {"format": "webgpu-vae", "formatVersion": "1", "objective": "gaussian+kl"})

    def test_loss_numbers_as_our_loader_reads_them(self):
        self.assertEqual([js_number(v) for v in (1.5, float("nan"), float("inf"), -float("inf"))], ["1.5", "NaN", "Infinity", "-Infinity"])


class Losses(unittest.TestCase):
    def test_bce_kl_is_the_float64_formula(self):
        g = torch.Generator().manual_seed(1)
        logits = torch.randn(4, 9, generator=g, dtype=torch.float64) * 30  # saturated logits too
        x = torch.rand(4, 9, generator=g, dtype=torch.float64)
        mu = torch.randn(4, 3, generator=g, dtype=torch.float64)
        logvar = torch.randn(4, 3, generator=g, dtype=torch.float64)
        recon, kl = bce_kl(logits, x, mu, logvar)
        want_recon = (logits.clamp(min=0) - logits * x + torch.log1p(torch.exp(-logits.abs()))).sum()
        want_kl = -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum()
        self.assertAlmostEqual(float(recon), float(want_recon), places=9)
        self.assertAlmostEqual(float(kl), float(want_kl), places=9)

    def test_graph_pieces(self):
        # Path 0-1-2: degrees with self loops 2, 3, 2.
        adj = normalized_adjacency(torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]), 3).to_dense()
        d = torch.tensor([2.0, 3.0, 2.0]).rsqrt()
        want = (torch.eye(3) + torch.tensor([[0, 1, 0], [1, 0, 1], [0, 1, 0.0]])) * d[:, None] * d[None, :]
        self.assertTrue(torch.allclose(adj, want))
        pos_weight, norm = graph_loss_weights(3, 4)
        self.assertAlmostEqual(pos_weight, 5 / 4)
        self.assertAlmostEqual(norm, 9 / 10)


class Idx(unittest.TestCase):
    def test_round_trip_plain_and_gzip(self):
        g = torch.Generator().manual_seed(2)
        train = torch.randint(0, 256, (5, 4, 3), generator=g, dtype=torch.uint8)
        test = torch.randint(0, 256, (2, 4, 3), generator=g, dtype=torch.uint8)
        labels = torch.tensor([0, 9, 3, 3, 1], dtype=torch.uint8)
        for compress in (False, True):
            with tempfile.TemporaryDirectory() as d:
                idx_data.write_split(d, train, test, labels, None, compress=compress)
                split = idx_data.load_split(d)
                self.assertTrue(torch.equal(split["train"][0], train))
                self.assertTrue(torch.equal(split["train"][1], labels))
                self.assertTrue(torch.equal(split["test"][0], test))
                self.assertIsNone(split["test"][1])

    def test_rejections(self):
        with tempfile.TemporaryDirectory() as d:
            def put(name, data):
                path = os.path.join(d, name)
                with open(path, "wb") as f:
                    f.write(data)
                return path
            head = struct.pack(">4I", 0x803, 2, 2, 2)
            with self.assertRaisesRegex(idx_data.IdxError, "truncated"):
                idx_data.read_images(put("a", head + b"\0" * 7))
            with self.assertRaisesRegex(idx_data.IdxError, "more than the 24 bytes"):
                idx_data.read_images(put("b", head + b"\0" * 9))
            with self.assertRaisesRegex(idx_data.IdxError, "magic 0x12345678"):
                idx_data.read_images(put("c", struct.pack(">4I", 0x12345678, 1, 1, 1) + b"\0"))
            with self.assertRaisesRegex(idx_data.IdxError, "label 1 is 10"):
                idx_data.read_labels(put("d", struct.pack(">2I", 0x801, 2) + b"\x01\x0a"))
            # A gzip bomb stops one byte past what the header implies.
            bomb = gzip.compress(struct.pack(">4I", 0x803, 1, 1, 1) + b"\0" * 10_000_000)
            with self.assertRaisesRegex(idx_data.IdxError, "more than the 17 bytes"):
                idx_data.read_images(put("e.gz", bomb))


class Training(unittest.TestCase):
    def test_a_few_steps_then_evaluate(self):
        g = torch.Generator().manual_seed(5)
        images = (torch.rand(300, 28, 28, generator=g) < 0.2).to(torch.uint8) * 255
        with tempfile.TemporaryDirectory() as d:
            idx_data.write_split(d, images[:200], images[200:])
            out = os.path.join(d, "m.safetensors")
            run = lambda *a: subprocess.run([sys.executable, *a], capture_output=True, text=True, check=True)  # noqa: E731
            trained = json.loads(run(os.path.join(HERE, "train_ddp.py"), "--data", d, "--hidden", "32", "--latent", "4",
                                     "--max-steps", "3", "--batch", "64", "--out", out).stdout)
            again = json.loads(run(os.path.join(HERE, "evaluate.py"), out, "--data", d).stdout)
            self.assertEqual(trained["steps"], 3)
            self.assertAlmostEqual(trained["test_loss"], again["test_loss"], places=3)  # same seed, same noise
            meta = st.load_metadata(out)
            self.assertEqual({k: meta[k] for k in ("format", "formatVersion", "hidden", "latent", "step", "objective")},
                             {"format": "webgpu-vae", "formatVersion": "1", "hidden": "32", "latent": "4", "step": "3", "objective": "bce+kl"})


if __name__ == "__main__":
    unittest.main()
