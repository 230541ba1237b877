"""The spec's layers as torch modules, and their names in a module tree.

- `activate(kind, param, v)`: the runtime's activations, exactly as src/layers/activation.ts
  defines them (none; relu max(v, 0); leaky_relu v or slope v; elu v or alpha (e^v - 1); tanh;
  sigmoid 1 / (1 + e^-v)), which are PyTorch's F.relu / F.leaky_relu / F.elu / tanh / sigmoid.
- `layer_module(op)`: nn.Linear, nn.Conv2d, nn.ConvTranspose2d or GCNConv for a resolved layer.
- `attach(root, name, module, where)`: registers `module` so that its tensors are `<name>.weight`
  and `<name>.bias` in root's state_dict. A name with dots (`encoder.0`, as nn.ModuleList names
  the PyTorch example's layers) becomes nested modules; a name PyTorch cannot register (an
  attribute of the module it would go in, an empty part) is refused in one line.
"""

import torch
from torch import nn
from torch.nn import functional as F

from model_spec import SpecError


def activate(kind, param, v):
    """The activation `kind` (with leaky_relu's slope or elu's alpha as `param`) of v."""
    if kind == "none":
        return v
    if kind == "relu":
        return F.relu(v)
    if kind == "leaky_relu":
        return F.leaky_relu(v, float(param))
    if kind == "elu":
        return F.elu(v, float(param))
    if kind == "tanh":
        return torch.tanh(v)
    if kind == "sigmoid":
        return torch.sigmoid(v)
    raise ValueError(f"unknown activation {kind!r}")


class GCNConv(nn.Module):
    """One graph convolution, A_norm (X W^T) + b, named like PyG's GCNConv (lin.weight [out, in],
    bias [out]); Glorot-uniform weight and zero bias, as PyG initialises it."""

    def __init__(self, in_channels, out_channels, bias=True):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        nn.init.xavier_uniform_(self.lin.weight)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x, adj_norm):
        h = torch.sparse.mm(adj_norm, self.lin(x)) if adj_norm.is_sparse else adj_norm @ self.lin(x)
        return h + self.bias if self.bias is not None else h


def layer_module(op, bias=True):
    """The torch module of a resolved layer (model_spec.Op); PyTorch's default initialisation."""
    f = op.fields
    if op.type == "linear":
        return nn.Linear(op.in_shape[0], f["out"])
    if op.type == "conv2d":
        return nn.Conv2d(op.in_shape[0], f["out"], f["kernel"], stride=f["stride"], padding=f["padding"])
    if op.type == "conv_transpose2d":
        return nn.ConvTranspose2d(op.in_shape[0], f["out"], f["kernel"], stride=f["stride"], padding=f["padding"],
                                  output_padding=f["output_padding"])
    if op.type == "gcn":
        return GCNConv(op.in_shape[0], f["out"], bias)
    raise ValueError(f"{op.where}: no torch module for layer type {op.type!r}")


def run_ops(ops, modules, h, *extra):
    """h through resolved ops (model_spec.Op) in order: views reshape the batch's rows, layers run
    their module (with `extra` arguments, e.g. the graph's adjacency) then their activation."""
    for op, m in zip(ops, modules):
        if op.type == "flatten":
            h = h.reshape(h.shape[0], -1)
        elif op.type == "reshape":
            h = h.reshape(h.shape[0], *op.out_shape)
        else:
            h = activate(op.activation, op.param, m(h, *extra))
    return h


class Names(nn.Module):
    """A module that only holds others: the `encoder` of `encoder.0` when no layer is named `encoder`."""


def _refuse(where, name, part, owner):
    raise SpecError(f"spec: {where}: PyTorch cannot register the name {name}: {part!r} is already an attribute of "
                    f"{type(owner).__name__}; rename the layer")


def attach(root, name, module, where):
    """Registers `module` under `root` by its dotted `name` (see the file comment)."""
    parts = name.split(".")
    if "" in parts:
        raise SpecError(f"spec: {where}: the name {name} has an empty part between dots; PyTorch module names cannot be empty")
    parent = root
    for part in parts[:-1]:
        child = parent._modules.get(part)
        if child is None:
            if hasattr(parent, part):
                _refuse(where, name, part, parent)
            child = Names()
            parent.add_module(part, child)
        parent = child
    last = parts[-1]
    held = parent._modules.get(last)
    if held is None:
        if hasattr(parent, last):
            _refuse(where, name, last, parent)
        parent.add_module(last, module)
        return
    if not isinstance(held, Names):
        _refuse(where, name, last, parent)
    # A longer name came first (`a.b` before `a`): the layer takes the holder's place, in order, and its children.
    for k, m in held._modules.items():
        if hasattr(module, k):
            _refuse(where, f"{name}.{k}", k, module)
        module.add_module(k, m)
    parent._modules[last] = module
