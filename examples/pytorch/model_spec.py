"""Model specs (docs/spec.md) in Python: the JSON model description checked and resolved as the
runtime's src/model/spec.ts does (same rules, same one-line messages); shorthand.py expands the
`mlp` / `conv` shorthands into specs. No torch here: models.py builds the modules from what
`resolve_spec` returns.

A resolved spec is a `ResolvedSpec`: the canonical spec (every default written out, the JSON our
checkpoints store), and each part as a list of `Op`s (layers and the flatten / reshape views)
with their input and output shapes, for building and running the module.
"""

import json
import math
import re

# What the runtime's settings table allows (src/settings.ts) and its layer types' fields
# (src/layers/*.ts): (min, max, default or None when required, what it is).
LATENT_MAX = {"vae": 1 << 12, "graph": 64}
SIGMA_RANGE = (0.001, 1000.0)
ACTIVATIONS = ("none", "relu", "leaky_relu", "elu", "tanh", "sigmoid")
# The activation parameter's field and PyTorch's default (LeakyReLU 0.01, ELU 1).
PARAM_FIELD = {"leaky_relu": "slope", "elu": "alpha"}
DEFAULT_PARAM = {"leaky_relu": 0.01, "elu": 1}
_CONV_FIELDS = {
    "out": (1, 1 << 16, None, "output channels"),
    "kernel": (1, 64, None, "kernel size (square)"),
    "stride": (1, 64, 1, "stride"),
    "padding": (0, 64, 0, "zero padding"),
}
LAYER_TYPES = {
    "linear": ("vae", {"out": (1, 1 << 24, None, "output width")}),
    "conv2d": ("vae", _CONV_FIELDS),
    "conv_transpose2d": ("vae", {**_CONV_FIELDS, "output_padding": (0, 63, 0, "extra rows and columns of output, below the stride")}),
    "gcn": ("graph", {"out": (1, 4096, None, "output width")}),
}
VIEW_TYPES = ("flatten", "reshape")
TOP_FIELDS = ("family", "input", "latent", "encoder", "head", "decoder", "likelihood", "sigma", "kind")
COMMON_FIELDS = ("type", "name", "activation", "slope", "alpha")
HEAD_DEFAULTS = {"vae": {"mu": "fc21", "logvar": "fc22"}, "graph": {"mu": "conv_mu", "logstd": "conv_logstd"}, "graph_ae": {"mu": "conv2"}}
HEAD_LAYER = "head"
_NAME = re.compile(r"^[A-Za-z_][\w.]*$", re.ASCII)
_MISSING = object()


class SpecError(ValueError):
    """A spec that is not valid; the message is one line naming the layer and the numbers."""


def _fail(message):
    raise SpecError(f"spec: {message}")


def _js(v):
    """A value as JavaScript sees it: whole floats are integers (JSON does not tell them apart)."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, list):
        return [_js(x) for x in v]
    if isinstance(v, dict):
        return {k: _js(x) for k, x in v.items()}
    return v


def shown(v):
    """A value for messages, as the runtime prints it: text in quotes, the rest as compact JSON."""
    if v is _MISSING:
        return "undefined"
    if isinstance(v, str):
        return f"'{v}'"
    try:
        return json.dumps(_js(v), separators=(",", ":"))
    except (TypeError, ValueError):
        return str(v)


def _shape_text(s):
    return "[" + ", ".join(str(d) for d in s) + "]"


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_whole(v):
    return _is_number(v) and float(v).is_integer()


def product(s):
    """The number of values of a shape."""
    n = 1
    for d in s:
        n *= d
    return n


def _check_shape(v, what):
    ok = isinstance(v, list) and len(v) in (1, 3) and all(_is_whole(d) and 1 <= d <= 1 << 24 for d in v)
    if not ok:
        _fail(f"{what} must be [features] or [channels, height, width] of whole numbers >= 1, got {shown(v)}")
    return [int(d) for d in v]


class Op:
    """One entry of a part, resolved: a layer (`name` set) or a view (flatten, reshape)."""

    def __init__(self, type, in_shape, out_shape, where, name=None, fields=None, activation="none", param=0.0):
        self.type, self.in_shape, self.out_shape, self.where = type, in_shape, out_shape, where
        self.name, self.fields, self.activation, self.param = name, fields or {}, activation, param

    def __repr__(self):
        return f"Op({self.type}, {self.name}, {self.in_shape} -> {self.out_shape})"


class ResolvedSpec:
    """A checked spec: `spec` (canonical, what checkpoints store), the parts as Ops, the head's names."""

    def __init__(self, **kw):
        self.family = kw["family"]
        self.input = kw["input"]
        self.latent = kw["latent"]
        self.kind = kw["kind"]
        self.likelihood = kw["likelihood"]
        self.sigma = kw["sigma"]
        self.encoder = kw["encoder"]
        self.decoder = kw["decoder"]
        self.head_in = kw["head_in"]
        self.head_names = kw["head_names"]
        self.spec = kw["spec"]

    @property
    def input_size(self):
        return product(self.input)


def _entry_activation(e, where):
    kind = e.get("activation", "none")
    if not isinstance(kind, str) or kind not in ACTIVATIONS:
        _fail(f"{where}: activation must be one of {', '.join(ACTIVATIONS)}, got {shown(kind)}")
    for field in ("slope", "alpha"):
        if field in e and PARAM_FIELD.get(kind) != field:
            owner = "leaky_relu" if field == "slope" else "elu"
            _fail(f'{where}: "{field}" is {owner}\'s parameter, but the activation is {kind}')
    field = PARAM_FIELD.get(kind)
    if field is None:
        return kind, 0.0
    v = e.get(field, DEFAULT_PARAM[kind])
    # leaky_relu's slope may be 0 (then it is ReLU); elu's alpha must be positive.
    ok = _is_number(v) and (0 <= v <= 1e6 if field == "slope" else 0 < v <= 1e6)
    if not ok:
        _fail(f'{where}: "{field}" must be a number {">= 0" if field == "slope" else "> 0"}, got {shown(v)}')
    return kind, _js(v)


def _layer_output(type, f, shape):
    """The output shape of a layer of `type` with fields `f` on `shape`, or an Error with the numbers."""
    if type in ("linear", "gcn"):
        if len(shape) != 1:
            raise ValueError(f"{type} takes a flat input, got {_shape_text(shape)}; put {{ \"type\": \"flatten\" }} before it")
        return [f["out"]]
    if len(shape) != 3:
        raise ValueError(f"{type} takes a [channels, height, width] input, got {_shape_text(shape)}; "
                         f"put {{ \"type\": \"reshape\", \"shape\": [C, H, W] }} before it")
    _, h, w = shape
    k, s, p = f["kernel"], f["stride"], f["padding"]
    if type == "conv2d":
        if h + 2 * p < k or w + 2 * p < k:
            raise ValueError(f"kernel {k} with padding {p} does not fit a {h}x{w} input")
        return [f["out"], (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1]
    op = f["output_padding"]
    if op >= s:
        raise ValueError(f"output padding {op} must be smaller than stride {s}")
    ho, wo = (h - 1) * s - 2 * p + k + op, (w - 1) * s - 2 * p + k + op
    if ho < 1 or wo < 1:
        raise ValueError(f"kernel {k} with padding {p} gives a {ho}x{wo} output from a {h}x{w} input")
    return [f["out"], ho, wo]


def _resolve_part(family, names, part, entries, shape):
    """(ops, output shape, canonical entries) of the entries of `part` from `shape`."""
    if not isinstance(entries, list):
        _fail(f'"{part}" must be a list of layers, got {shown(entries)}')
    ops, canonical = [], []
    for i, raw in enumerate(entries):
        at = f"{part} layer {i + 1}"
        if not isinstance(raw, dict):
            _fail(f'{at} must be an object with a "type", got {shown(raw)}')
        type = raw.get("type")
        if not isinstance(type, str):
            _fail(f'{at} has no "type" (a layer type, "flatten" or "reshape")')
        if type in VIEW_TYPES:
            where = f"{at} ({type})"
            if "name" in raw:
                _fail(f"{where} takes no name (it is a view, with no parameters), got {shown(raw['name'])}")
            for k in raw:
                if k != "type" and not (type == "reshape" and k == "shape"):
                    _fail(f'{where}: unknown field "{k}" (fields: type{", shape" if type == "reshape" else ""})')
            out = [product(shape)] if type == "flatten" else _check_shape(raw.get("shape", _MISSING), f'{where}: "shape"')
            if product(out) != product(shape):
                _fail(f"{where}: shape {_shape_text(out)} holds {product(out)} values, its input {_shape_text(shape)} holds {product(shape)}")
            ops.append(Op(type, shape, out, where))
            canonical.append({"type": type} if type == "flatten" else {"type": type, "shape": out})
            shape = out
            continue
        if type not in LAYER_TYPES:
            _fail(f"{at}: unknown layer type {json.dumps(type)} (registered: {', '.join(LAYER_TYPES)})")
        type_family, rules = LAYER_TYPES[type]
        name = raw.get("name", _MISSING)
        if not isinstance(name, str) or not _NAME.match(name) or name.endswith("."):
            _fail(f'{at} ({type}) needs a "name" of letters, digits, _ and . (its parameters are <name>.weight, <name>.bias), got {shown(name)}')
        where = f'{at} "{name}" ({type})'
        if type_family != family:
            _fail(f"{where}: a {type_family} layer type; this spec's family is {family}")
        if name == HEAD_LAYER:
            _fail(f"{where}: the name {HEAD_LAYER} is reserved for the head")
        if name in names:
            _fail(f"{where}: the name {name} is already used by {names[name]}")
        names[name] = at
        allowed = list(COMMON_FIELDS) + list(rules)
        for k in raw:
            if k not in allowed:
                listed = ", ".join(f for f in allowed if f not in ("slope", "alpha"))
                _fail(f'{where}: unknown field "{k}" (fields: {listed}, and slope or alpha with their activation)')
        act, param = _entry_activation(raw, where)
        fields = {}
        for k, (lo, hi, default, doc) in rules.items():
            v = raw.get(k, default if default is not None else _MISSING)
            if v is _MISSING:
                _fail(f'{where}: "{k}" is required ({doc})')
            if not _is_whole(v) or not lo <= v <= hi:
                _fail(f'{where}: "{k}" must be a whole number from {lo} to {hi}, got {shown(v)}')
            fields[k] = int(v)
        try:
            out = _layer_output(type, fields, shape)
        except ValueError as e:
            _fail(f"{where}: {e}")
        ops.append(Op(type, shape, out, where, name, fields, act, param))
        entry = {"type": type, "name": name, **fields, "activation": act}
        if act in PARAM_FIELD:
            entry[PARAM_FIELD[act]] = param
        canonical.append(entry)
        shape = out
    return ops, shape, canonical


def _head_names(family, names, raw, kind):
    """({"mu", "second"}, canonical head) of the spec's `head`, checked against the layers' names."""
    if raw is not _MISSING and not isinstance(raw, dict):
        _fail(f'"head" must be an object such as {{ "mu": "fc21", "logvar": "fc22" }}, got {shown(raw)}')
    h = {} if raw is _MISSING else raw
    graph = family == "graph"
    second_key = "logstd" if graph else "logvar"
    allowed = ("type", "mu", second_key)
    for k in h:
        if k not in allowed:
            _fail(f'head: unknown field "{k}" (fields: {", ".join(allowed)})')
    head_type = "gcn" if graph else "linear"
    if "type" in h and h["type"] != head_type:
        _fail(f'head: "type" must be {head_type} for the {family} family, got {shown(h["type"])}')
    gae = graph and kind == "ae"
    defaults = HEAD_DEFAULTS["graph_ae" if gae else family]

    def name(key):
        v = h.get(key, defaults.get(key, _MISSING))
        if v is _MISSING:
            return None
        if not isinstance(v, str) or not _NAME.match(v):
            _fail(f'head: "{key}" must be a name of letters, digits, _ and ., got {shown(v)}')
        if v in names:
            _fail(f"head: the {key} name {v} is already used by {names[v]}")
        names[v] = f"the head's {key}"
        return v

    mu = name("mu")
    # PyTorch Geometric's GAE has one layer after conv1 (conv2): no log sigma half to name.
    if gae and second_key in h:
        _fail(f'head: a graph autoencoder (kind ae) has no "{second_key}" layer')
    second = None if gae else name(second_key)
    canonical = {**({"type": "gcn"} if graph else {}), "mu": mu, **({second_key: second} if second else {})}
    return {"mu": mu, "second": second}, canonical


def _choice(key, v, choices):
    if not isinstance(v, str) or v not in choices:
        _fail(f"{key} must be {' or '.join(choices) if len(choices) == 2 else 'one of ' + ', '.join(choices)}, got {shown(v)}")
    return v


def parse_spec(text, name="spec"):
    """A spec from JSON text (str or bytes), with `name` in the parse error; a dict passes through."""
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except ValueError as e:
        raise SpecError(f"{name}: not valid JSON ({e})") from None


def resolve_spec(doc, features=None):
    """Checks a spec (a dict, or JSON text) and resolves it; raises SpecError (a ValueError) whose
    one-line message names the layer and the numbers. A graph spec needs `features`, the number of
    features per node (from the data: its feature columns, or the node count for identity features)."""
    doc = parse_spec(doc)
    if not isinstance(doc, dict):
        _fail(f'a model spec is a JSON object with "input", "latent", "encoder" and "decoder", got {shown(doc)}')
    for k in doc:
        if k not in TOP_FIELDS:
            _fail(f'unknown field "{k}" (fields: {", ".join(TOP_FIELDS)})')
    family = doc.get("family", "vae")
    if family not in ("vae", "graph"):
        _fail(f'"family" must be vae or graph, got {shown(family)}')
    graph = family == "graph"
    kind = _choice("kind", doc.get("kind", "vae"), ("vae", "ae"))
    latent = doc.get("latent", _MISSING)
    if not _is_whole(latent) or not 1 <= latent <= LATENT_MAX[family]:
        _fail(f"latent must be a whole number from 1 to {LATENT_MAX[family]}, got {shown(latent)}")
    latent = int(latent)
    if graph:
        for k in ("input", "decoder", "likelihood", "sigma"):
            if k in doc:
                why = "the node features come from the data" if k == "input" else "its decoder is the inner product of the latent codes"
                _fail(f'a graph spec has no "{k}" ({why})')
        if features is None:
            _fail("a graph spec resolves on its data: the number of features per node is not known here (pass features=)")
        input_shape = _check_shape([features], "the graph's features")
    else:
        if "input" not in doc:
            _fail('"input" is required: [features] or [channels, height, width]')
        input_shape = _check_shape(doc["input"], '"input"')
    likelihood = "bernoulli" if graph else _choice("likelihood", doc.get("likelihood", "bernoulli"), ("bernoulli", "gaussian"))
    if not graph and "sigma" in doc and likelihood != "gaussian":
        _fail(f'"sigma" is the Gaussian decoder\'s; this spec\'s likelihood is {likelihood}')
    sigma = 0.1
    if likelihood == "gaussian":
        sigma = doc.get("sigma", 0.1)
        if not _is_number(sigma) or not SIGMA_RANGE[0] <= sigma <= SIGMA_RANGE[1]:
            _fail(f"sigma must be a number from {SIGMA_RANGE[0]:g} to {SIGMA_RANGE[1]:g}, got {shown(sigma)}")
        sigma = _js(sigma)
    names = {}
    enc, enc_out, enc_canonical = _resolve_part(family, names, "encoder", doc.get("encoder", _MISSING), input_shape)
    head_names, head_canonical = _head_names(family, names, doc.get("head", _MISSING), kind)
    head_in = product(enc_out)
    dec, dec_canonical = [], None
    if not graph:
        if not isinstance(doc.get("decoder"), list) or not doc["decoder"]:
            _fail("\"decoder\" must list at least one layer, from the latent code to the input's shape")
        dec, dec_out, dec_canonical = _resolve_part(family, names, "decoder", doc["decoder"], [latent])
        if dec_out != input_shape:
            _fail(f"the decoder ends with {_shape_text(dec_out)}, the input is {_shape_text(input_shape)}: its last layer must give the input's shape")
        layers = [op for op in dec if op.name is not None]
        if not layers:
            _fail('"decoder" has no layer with parameters; it needs at least one, from the latent code to the input')
        if layers[-1].activation != "none":
            what = "Bernoulli logits" if likelihood == "bernoulli" else "Gaussian's means"
            _fail(f'decoder layer "{layers[-1].name}": the last layer gives the {what}, so it takes no activation, got {layers[-1].activation}')
    spec = {**({"family": "graph"} if graph else {"input": input_shape}), "latent": latent, "encoder": enc_canonical, "head": head_canonical}
    if not graph:
        spec.update(decoder=dec_canonical, likelihood=likelihood, **({"sigma": sigma} if likelihood == "gaussian" else {}))
    spec["kind"] = kind
    return ResolvedSpec(family=family, input=input_shape, latent=latent, kind=kind, likelihood=likelihood, sigma=float(sigma),
                        encoder=enc, decoder=dec, head_in=head_in, head_names=head_names, spec=spec)
