"""Tests of the spec builder (models.model_from_spec, model_spec.py), no GPU, a few seconds:

    /usr/bin/python3 -m unittest discover -s examples/pytorch -p 'test_*.py'

Tensor names and shapes against hand-written expectations (the issue's RGB example, dotted
names, the graph family), each activation against hand-computed values, the Gaussian loss's
constant, the autoencoder, spec checkpoints both ways, and the one-line errors. That our
checkpoints load into these modules and give our loss is test/pytorch_spec.test.ts's part.
"""

import contextlib
import io
import json
import math
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import safetensors_io as st  # noqa: E402
from model_spec import SpecError, resolve_spec  # noqa: E402
from shorthand import conv_spec, mlp_spec  # noqa: E402
from models import (  # noqa: E402
    GraphVAE, MLPVAE, SpecVAE, checkpoint_metadata, graph_model_from_checkpoint, model_from_checkpoint, model_from_spec, normalized_adjacency,
    recon_rows,
)
from torch_layers import activate  # noqa: E402

RGB = {
    "input": [3, 32, 32], "latent": 32,
    "encoder": [
        {"type": "conv2d", "name": "enc1", "out": 32, "kernel": 4, "stride": 2, "padding": 1, "activation": "leaky_relu", "slope": 0.2},
        {"type": "flatten"}, {"type": "linear", "name": "fc1", "out": 256, "activation": "relu"},
    ],
    "decoder": [
        {"type": "linear", "name": "fc3", "out": 2048, "activation": "relu"}, {"type": "reshape", "shape": [32, 8, 8]},
        {"type": "conv_transpose2d", "name": "dec1", "out": 32, "kernel": 4, "stride": 2, "padding": 1, "activation": "relu"},
        {"type": "conv_transpose2d", "name": "dec2", "out": 3, "kernel": 4, "stride": 2, "padding": 1},
    ],
}


def small(**patch):
    """A [4] -> 3 -> latent 2 -> 4 spec, patched."""
    return {"input": [4], "latent": 2, "encoder": [{"type": "linear", "name": "h", "out": 3, "activation": "relu"}],
            "decoder": [{"type": "linear", "name": "o", "out": 4}], **patch}


def shapes(model):
    return {k: list(v.shape) for k, v in model.state_dict().items()}


class Names(unittest.TestCase):
    def test_the_rgb_example(self):
        m = model_from_spec(json.dumps(RGB))
        want = {
            "enc1.weight": [32, 3, 4, 4], "enc1.bias": [32], "fc1.weight": [256, 8192], "fc1.bias": [256],
            "fc21.weight": [32, 256], "fc21.bias": [32], "fc22.weight": [32, 256], "fc22.bias": [32],
            "fc3.weight": [2048, 32], "fc3.bias": [2048], "dec1.weight": [32, 32, 4, 4], "dec1.bias": [32],
            "dec2.weight": [32, 3, 4, 4], "dec2.bias": [3],
        }
        self.assertEqual(list(shapes(m).items()), list(want.items()))  # names, shapes and the checkpoint's layer order
        out, mu, logvar = m(torch.rand(2, 3, 32, 32), eps=torch.zeros(2, 32))
        self.assertEqual([list(out.shape), list(mu.shape), list(logvar.shape)], [[2, 3, 32, 32], [2, 32], [2, 32]])
        # The canonical spec spells out the defaults, as src/model/spec.ts does.
        self.assertEqual(m.spec["decoder"][3], {"type": "conv_transpose2d", "name": "dec2", "out": 3, "kernel": 4, "stride": 2, "padding": 1,
                                                "output_padding": 0, "activation": "none"})
        self.assertEqual((m.spec["head"], m.spec["likelihood"], m.spec["kind"]), ({"mu": "fc21", "logvar": "fc22"}, "bernoulli", "vae"))

    def test_dotted_names_nest(self):
        spec = small(encoder=[{"type": "linear", "name": "a.b", "out": 3}, {"type": "linear", "name": "a", "out": 3},
                              {"type": "linear", "name": "encoder.0", "out": 3}], head={"mu": "q.mu", "logvar": "q.logvar"})
        self.assertEqual(sorted(shapes(model_from_spec(spec))), sorted([
            "a.b.weight", "a.b.bias", "a.weight", "a.bias", "encoder.0.weight", "encoder.0.bias",
            "q.mu.weight", "q.mu.bias", "q.logvar.weight", "q.logvar.bias", "o.weight", "o.bias"]))
        # The MLP shorthand with two hidden layers: the PyTorch example's nn.ModuleList names.
        m = model_from_spec(mlp_spec([1, 28, 28], [32, 16], 5))
        self.assertEqual(list(shapes(m)), list(shapes(MLPVAE(784, [32, 16], 5))))
        self.assertEqual(shapes(m)["decoder.1.weight"], [32, 16])

    def test_shorthands_expand_as_the_runtime_does(self):
        self.assertEqual(resolve_spec(mlp_spec([1, 28, 28], [400], 20)).spec["encoder"],
                         [{"type": "flatten"}, {"type": "linear", "name": "fc1", "out": 400, "activation": "relu"}])
        conv = resolve_spec(conv_spec([3, 16, 24], [8, 16], 10, 4)).spec
        self.assertEqual([e.get("name") for e in conv["decoder"]], ["fc3", None, "dec1", "dec2", "dec3"])
        self.assertEqual(conv["decoder"][0]["out"], 16 * 4 * 6)
        self.assertEqual(conv["decoder"][3], {"type": "conv_transpose2d", "name": "dec2", "out": 8, "kernel": 3, "stride": 2, "padding": 1,
                                              "output_padding": 1, "activation": "relu"})
        self.assertEqual(conv["decoder"][4]["out"], 3)

    def test_graph_specs(self):
        spec = {"family": "graph", "latent": 4, "encoder": [{"type": "gcn", "name": "conv1", "out": 8, "activation": "relu"},
                                                            {"type": "gcn", "name": "conv1b", "out": 6, "activation": "tanh"}]}
        m = model_from_spec(spec, features=5)
        self.assertEqual(shapes(m), {
            "encoder.conv1.lin.weight": [8, 5], "encoder.conv1.bias": [8], "encoder.conv1b.lin.weight": [6, 8], "encoder.conv1b.bias": [6],
            "encoder.conv_mu.lin.weight": [4, 6], "encoder.conv_mu.bias": [4], "encoder.conv_logstd.lin.weight": [4, 6], "encoder.conv_logstd.bias": [4],
        })
        self.assertFalse(any(p.requires_grad for k, p in m.named_parameters() if k.endswith(".bias")))  # the spec's gcn has no bias
        adj = normalized_adjacency(torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]), 3)
        mu, logstd = m.encode(torch.rand(3, 5), adj)
        self.assertEqual([list(mu.shape), list(logstd.shape)], [[3, 4], [3, 4]])
        gae = model_from_spec({**spec, "kind": "ae"}, features=5)
        self.assertEqual(sorted(k for k in shapes(gae) if "conv2" in k), ["encoder.conv2.bias", "encoder.conv2.lin.weight"])
        self.assertIsNone(gae.encode(torch.rand(3, 5), adj)[1])
        # Checkpoints: metadata with a spec; our older graph metadata (kind, hidden, latent); PyG's names alone.
        back = graph_model_from_checkpoint(m.state_dict(), {"format": "webgpu-vae", "spec": json.dumps(m.spec), "features": "5"})
        self.assertEqual(back.spec, m.spec)
        self.assertTrue(all(torch.equal(back.state_dict()[k], v) for k, v in m.state_dict().items()))
        default = GraphVAE(7)
        older = {"format": "webgpu-vae", "kind": "vgae", "hidden": "32", "latent": "16", "features": "none", "nodes": "7"}
        for meta in (older, {}):
            back = graph_model_from_checkpoint(default.state_dict(), meta)
            self.assertEqual((back.spec, back.features), (default.spec, 7))


class Activations(unittest.TestCase):
    V = [-2.0, -0.5, 0.0, 0.5, 2.0]
    # By hand: slope 0.2; alpha 0.7 (e^-2 - 1 = -0.8646647167633873, e^-0.5 - 1 = -0.3934693402873666); tanh;
    # 1 / (1 + e^-v). Defaults are PyTorch's: slope 0.01, alpha 1.
    WANT = {
        ("none", None): V,
        ("relu", None): [0.0, 0.0, 0.0, 0.5, 2.0],
        ("leaky_relu", 0.2): [-0.4, -0.1, 0.0, 0.5, 2.0],
        ("leaky_relu", None): [-0.02, -0.005, 0.0, 0.5, 2.0],
        ("elu", 0.7): [0.7 * -0.8646647167633873, 0.7 * -0.3934693402873666, 0.0, 0.5, 2.0],
        ("elu", None): [-0.8646647167633873, -0.3934693402873666, 0.0, 0.5, 2.0],
        ("tanh", None): [-0.9640275800758169, -0.46211715726000974, 0.0, 0.46211715726000974, 0.9640275800758169],
        ("sigmoid", None): [0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546, 0.8807970779778823],
    }

    def test_each_activation_through_a_spec_layer(self):
        for (kind, param), want in self.WANT.items():
            with self.subTest(kind=kind, param=param):
                layer = {"type": "linear", "name": "h", "out": 5, "activation": kind, **({} if param is None else {"slope" if kind == "leaky_relu" else "alpha": param})}
                m = model_from_spec(small(input=[5], latent=5, encoder=[layer], decoder=[{"type": "linear", "name": "o", "out": 5}])).double()
                with torch.no_grad():  # identity weights: mu = act(x)
                    for lin in (m.h, m.fc21):
                        lin.weight.copy_(torch.eye(5))
                        lin.bias.zero_()
                    mu, _ = m.encode(torch.tensor([self.V], dtype=torch.float64))
                for got, w in zip(mu[0].tolist(), want):
                    self.assertAlmostEqual(got, w, places=14)
                if param is not None:
                    self.assertAlmostEqual(float(activate(kind, param, torch.tensor(-1.0, dtype=torch.float64))),
                                           -param if kind == "leaky_relu" else param * (math.exp(-1) - 1), places=14)


class Objectives(unittest.TestCase):
    def test_gaussian_reconstruction_includes_the_constant(self):
        # (0.5 - 0)^2 / (2 0.25) + 2 (log 0.5 + log(2 pi) / 2) = 0.5 + 2 (-0.6931471805599453 + 0.9189385332046727)
        got = recon_rows(torch.tensor([[0.5, 1.0]], dtype=torch.float64), torch.tensor([[0.0, 1.0]], dtype=torch.float64), "gaussian", 0.5)
        self.assertAlmostEqual(float(got[0]), 0.9515827052894548, places=13)

    def test_the_autoencoder_decodes_mu_and_has_no_kl(self):
        m = model_from_spec(small(kind="ae", likelihood="gaussian", sigma=0.2))
        x = torch.rand(3, 4)
        a = m.loss(x, eps=torch.randn(3, 2))
        b = m.loss(x, eps=torch.randn(3, 2) * 5)
        self.assertEqual([float(a[0]), float(a[1])], [float(b[0]), float(b[1])])
        self.assertEqual(float(a[1]), 0.0)

    def test_spec_checkpoints_both_ways(self):
        m = model_from_spec(small(likelihood="gaussian", sigma=0.25))
        meta = checkpoint_metadata(m, 16, 3, 9, 1.5)
        self.assertEqual({k: meta[k] for k in ("arch", "objective", "sigma", "inputShape", "inputSize", "latent", "batch", "formatVersion")},
                         {"arch": "spec", "objective": "gaussian+kl", "sigma": "0.25", "inputShape": "4", "inputSize": "4", "latent": "2", "batch": "16",
                          "formatVersion": "1"})
        self.assertEqual(json.loads(meta["spec"]), m.spec)
        state, back = st.decode(st.encode({k: v.contiguous() for k, v in m.state_dict().items()}, meta))
        loaded, arch = model_from_checkpoint(state, back)
        self.assertEqual((arch, type(loaded)), ("spec", SpecVAE))
        self.assertTrue(all(torch.equal(loaded.state_dict()[k], v) for k, v in m.state_dict().items()))
        with self.assertRaisesRegex(ValueError, r"^checkpoint metadata \"objective\" \('bce\+kl'\) disagrees with its spec \(gaussian\+kl\)$"):
            model_from_checkpoint(state, {**back, "objective": "bce+kl"})
        # A shorthand's keys must give the spec it records.
        mlp = MLPVAE(4, [3], 2)
        mlp_meta = checkpoint_metadata(mlp, 8, 1, 0)
        with self.assertRaisesRegex(ValueError, r"spec is not its mlp keys' spec \(spec\.encoder\[0\]\.out: 5 vs 3\)"):
            model_from_checkpoint(mlp.state_dict(), {**mlp_meta, "spec": json.dumps(mlp_spec([4], [5], 2))})


class Errors(unittest.TestCase):
    CASES = [
        ({**RGB, "encoder": [{"type": "linear", "name": "fc1", "out": 8}]},
         'spec: encoder layer 1 "fc1" (linear): linear takes a flat input, got [3, 32, 32]; put { "type": "flatten" } before it'),
        ({**RGB, "encoder": [{"type": "conv2d", "name": "enc1", "out": 8, "kernel": 40}]},
         'spec: encoder layer 1 "enc1" (conv2d): kernel 40 with padding 0 does not fit a 32x32 input'),
        ({**RGB, "decoder": [{"type": "linear", "name": "fc3", "out": 2048}, {"type": "reshape", "shape": [32, 8, 9]}]},
         "spec: decoder layer 2 (reshape): shape [32, 8, 9] holds 2304 values, its input [2048] holds 2048"),
        ({**RGB, "decoder": RGB["decoder"][:3]},
         "spec: the decoder ends with [32, 16, 16], the input is [3, 32, 32]: its last layer must give the input's shape"),
        ({**RGB, "decoder": [{"type": "reshape", "shape": [2, 4, 4]}, {"type": "conv_transpose2d", "name": "d", "out": 3, "kernel": 2, "stride": 2, "output_padding": 2}]},
         'spec: decoder layer 2 "d" (conv_transpose2d): output padding 2 must be smaller than stride 2'),
        (small(decoder=[{"type": "linear", "name": "o", "out": 4, "activation": "sigmoid"}]),
         'spec: decoder layer "o": the last layer gives the Bernoulli logits, so it takes no activation, got sigmoid'),
        (small(encoder=[{"type": "linear", "name": "h", "out": 3, "kernal": 3}]),
         'spec: encoder layer 1 "h" (linear): unknown field "kernal" (fields: type, name, activation, out, and slope or alpha with their activation)'),
        (small(encoder=[{"type": "linear", "name": "h", "out": 3, "activation": "elu", "alpha": 0}]),
         'spec: encoder layer 1 "h" (linear): "alpha" must be a number > 0, got 0'),
        (small(decoder=[{"type": "linear", "name": "h", "out": 4}]), 'spec: decoder layer 1 "h" (linear): the name h is already used by encoder layer 1'),
        (small(latent=0), "spec: latent must be a whole number from 1 to 4096, got 0"),
        (small(sigma=0.5), "spec: \"sigma\" is the Gaussian decoder's; this spec's likelihood is bernoulli"),
        (small(encoder=[{"type": "gcn", "name": "g", "out": 3}]), 'spec: encoder layer 1 "g" (gcn): a graph layer type; this spec\'s family is vae'),
        # What PyTorch itself would refuse with a KeyError far from the spec:
        (small(encoder=[{"type": "linear", "name": "forward", "out": 3}]),
         'spec: encoder layer 1 "forward" (linear): PyTorch cannot register the name forward: \'forward\' is already an attribute of SpecVAE; rename the layer'),
        (small(encoder=[{"type": "linear", "name": "h", "out": 3}, {"type": "linear", "name": "h.weight", "out": 3}]),
         'spec: encoder layer 2 "h.weight" (linear): PyTorch cannot register the name h.weight: \'weight\' is already an attribute of Linear; rename the layer'),
        (small(encoder=[{"type": "linear", "name": "a..b", "out": 3}]),
         'spec: encoder layer 1 "a..b" (linear): the name a..b has an empty part between dots; PyTorch module names cannot be empty'),
        ('{"input": [4', "spec: not valid JSON (Expecting ',' delimiter: line 1 column 13 (char 12))"),
        ({"family": "graph", "latent": 4, "encoder": []}, "spec: a graph spec resolves on its data: the number of features per node is not known here (pass features=)"),
    ]

    def test_one_line_each_naming_the_layer_and_numbers(self):
        for spec, message in self.CASES:
            with self.subTest(message=message):
                with self.assertRaises(SpecError) as e:
                    model_from_spec(spec)
                self.assertEqual(str(e.exception), message)
                self.assertIsInstance(e.exception, ValueError)

    def test_train_ddp_refuses_the_shorthand_flags_beside_a_spec(self):
        import train_ddp
        for flags, line in ((["--hidden", "8"], "--hidden and --spec together: the spec describes the model (its layers), so give it there"),
                            (["--init", "x.safetensors"], "--init and --spec together: a checkpoint holds its model's spec, so give one of them")):
            err = io.StringIO()
            with self.subTest(flags=flags), contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as e:
                train_ddp.parse_args(["--data", "d", "--spec", "s.json", *flags])
            self.assertEqual((e.exception.code, err.getvalue()), (2, f"train_ddp: {line}\n"))


if __name__ == "__main__":
    unittest.main()
