"""A corpus of real PyTorch model definitions, built at run time from installed packages.

    from tests.model_corpus import cases, build      # from the repository root
    for case in cases():
        model, inputs = build(case)                   # eval mode, seeded weights
        with torch.no_grad():
            expected = model(*inputs)

Three families: torchvision (classification and segmentation), transformers (tiny
configurations built from config objects: nothing is downloaded) and torch.nn's own
layers. Every model has random weights from a fixed seed, random batch-norm statistics
(so inference-mode batch norm is not the identity) and small inputs, so that the whole
corpus runs eagerly and exports in well under two minutes on two cores.
`GRAPHLET_CORPUS=full` adds bigger variants (full-width VGG, ResNet-50, FCN-ResNet-50,
...). A case whose package is not installed is reported by `missing_package`.

Each case takes its inputs positionally and returns a tensor or a tuple of tensors:
transformers models, which take keyword arguments and return `ModelOutput`s, are
wrapped in `KeywordCall`, which does only that.

torchvision's wheel is linked against the CUDA build of torch; `import_torchvision`
imports it with the CPU build (see there).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

CORPUS = os.environ.get("GRAPHLET_CORPUS", "").lower()
FULL = CORPUS == "full"
"""`GRAPHLET_CORPUS=full` adds the bigger variants."""
NOT_NATIVE_TOO = CORPUS in ("all", "full")
"""`GRAPHLET_CORPUS=all` (or `full`) also runs the models not native yet, as strict
xfails; by default (CI) the test runs only the models that must be native."""

SEED = 0

_torchvision_stubs: torch.library.Library | None = None


def import_torchvision() -> Any:
    """`torchvision`, or None when it is not installed.

    torchvision's C extension is built against the CUDA torch; with the CPU build it
    fails to load, and `import torchvision` then raises while registering fake kernels
    for `torchvision::nms` and `torchvision::qnms`, whose schemas the extension would
    have defined. When the extension does not load, those two schemas are defined
    here first (no kernel: calling them raises). No classification or segmentation
    model calls them; detection models do and are not in the corpus."""
    global _torchvision_stubs
    if "torchvision" in sys.modules:
        return sys.modules["torchvision"]
    spec = importlib.util.find_spec("torchvision")
    if spec is None or spec.origin is None:
        return None
    finder = importlib.machinery.FileFinder(
        str(Path(spec.origin).parent),
        (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
    )
    extension = finder.find_spec("_C")
    try:
        if extension is None or extension.origin is None:
            raise ImportError("torchvision has no _C extension")
        torch.ops.load_library(extension.origin)
    except (ImportError, OSError):
        if _torchvision_stubs is None:
            _torchvision_stubs = torch.library.Library("torchvision", "FRAGMENT")
            for op in ("nms", "qnms"):
                _torchvision_stubs.define(
                    f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor"
                )
    import torchvision

    return torchvision


def _transformers() -> Any:
    """`transformers`, after torchvision (which transformers imports when installed)."""
    import_torchvision()
    import transformers

    transformers.logging.set_verbosity_error()
    return transformers


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class ModelCase:
    """One model of the corpus: how to build it and its inputs, and how close a
    compiled run must come to eager (`torch.testing.assert_close(rtol=, atol=)`)."""

    name: str
    family: str
    """"torchvision", "transformers" or "torch.nn"; also the package it needs."""
    builder: Callable[[], tuple[nn.Module, tuple[torch.Tensor, ...]]]
    rtol: float = 1e-4
    atol: float = 1e-4
    full_only: bool = False
    dynamo_config: tuple[tuple[str, Any], ...] = ()
    """`torch._dynamo.config` settings the model needs to be traced whole (a user
    compiling it sets them too), as (name, value) pairs."""

    @property
    def package(self) -> str | None:
        return None if self.family == "torch.nn" else self.family


def missing_package(case: ModelCase) -> str | None:
    """The package a case needs that is not installed, or None."""
    if case.package is None:
        return None
    return None if importlib.util.find_spec(case.package) is not None else case.package


def build(case: ModelCase) -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    """The model in eval mode with seeded random weights and batch-norm statistics,
    and its example inputs (the same on every call)."""
    if case.family == "torchvision":
        import_torchvision()
    torch.manual_seed(SEED)
    model, inputs = case.builder()
    model.eval()
    _randomize_batch_norm_statistics(model)
    return model, inputs


def _randomize_batch_norm_statistics(model: nn.Module) -> None:
    gen = torch.Generator().manual_seed(SEED + 1)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_mean is not None:
            m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=gen))
            m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))


def _randn(*shape: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(SEED + 2)
    return torch.randn(*shape, generator=gen)


def _tokens(vocab: int, *shape: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(SEED + 3)
    return torch.randint(0, vocab, shape, generator=gen)


class KeywordCall(nn.Module):
    """A transformers model called with positional tensors given to it by keyword,
    returning the named fields of its output as a tuple (one field: a tensor)."""

    def __init__(self, model: nn.Module, names: Sequence[str], outputs: Sequence[str]) -> None:
        super().__init__()
        self.model = model
        self.names = tuple(names)
        self.outputs = tuple(outputs)

    def forward(self, *tensors: torch.Tensor) -> Any:
        out = self.model(**dict(zip(self.names, tensors)))
        fields = tuple(out[name] for name in self.outputs)
        return fields[0] if len(fields) == 1 else fields


# --------------------------------------------------------------------------- torchvision


def _image(size: int, channels: int = 3) -> tuple[torch.Tensor, ...]:
    return (_randn(1, channels, size, size),)


def _tv_classifier(name: str, size: int, **kwargs: Any) -> Callable[[], Any]:
    def builder() -> Any:
        models = import_torchvision().models
        return getattr(models, name)(weights=None, num_classes=10, **kwargs), _image(size)

    return builder


def _tv_vit() -> Any:
    models = import_torchvision().models
    vit = models.VisionTransformer(
        image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64
    )
    return vit, _image(32)


def _tv_swin() -> Any:
    models = import_torchvision().models
    swin = models.SwinTransformer(
        patch_size=[4, 4],
        embed_dim=16,
        depths=[2, 2],
        num_heads=[2, 4],
        window_size=[4, 4],
        num_classes=10,
    )
    return swin, _image(32)


def _tv_fcn_resnet18() -> Any:
    tv = import_torchvision()
    from torchvision.models._utils import IntermediateLayerGetter
    from torchvision.models.segmentation.fcn import FCN, FCNHead

    backbone = tv.models.resnet18(weights=None)
    body = IntermediateLayerGetter(backbone, return_layers={"layer4": "out"})
    return FCN(body, FCNHead(512, 5)), _image(64)


def _tv_mobilenet_v3_small_segmentation(head: str) -> Callable[[], Any]:
    """DeepLabV3 or LR-ASPP on a dilated MobileNetV3-Small (torchvision ships them
    on MobileNetV3-Large; the builders take any MobileNetV3)."""

    def builder() -> Any:
        tv = import_torchvision()
        from torchvision.models.segmentation.deeplabv3 import _deeplabv3_mobilenetv3
        from torchvision.models.segmentation.lraspp import _lraspp_mobilenetv3

        backbone = tv.models.mobilenet_v3_small(weights=None, dilated=True)
        if head == "deeplabv3":
            return _deeplabv3_mobilenetv3(backbone, 5, aux=False), _image(64)
        return _lraspp_mobilenetv3(backbone, 5), _image(64)

    return builder


def _tv_segmentation(name: str, size: int) -> Callable[[], Any]:
    def builder() -> Any:
        segmentation = import_torchvision().models.segmentation
        model = getattr(segmentation, name)(weights=None, weights_backbone=None, num_classes=5)
        return model, _image(size)

    return builder


class _SegmentationOut(nn.Module):
    """A torchvision segmentation model's `out` (it returns a dict)."""

    def __init__(self, builder: Callable[[], Any]) -> None:
        super().__init__()
        self.model, self.inputs = builder()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)["out"]


def _segmentation(builder: Callable[[], Any]) -> Callable[[], Any]:
    def wrapped() -> Any:
        m = _SegmentationOut(builder)
        return m, m.inputs

    return wrapped


_TORCHVISION = [
    ModelCase("resnet18", "torchvision", _tv_classifier("resnet18", 64), 1e-3, 1e-3),
    ModelCase("resnet50", "torchvision", _tv_classifier("resnet50", 64), 1e-3, 1e-3, True),
    ModelCase("resnext50_32x4d", "torchvision", _tv_classifier("resnext50_32x4d", 64), 1e-3, 1e-3, True),
    ModelCase("mobilenet_v2", "torchvision", _tv_classifier("mobilenet_v2", 64), 1e-3, 1e-3),
    ModelCase("mobilenet_v3_small", "torchvision", _tv_classifier("mobilenet_v3_small", 64), 1e-3, 1e-3),
    ModelCase("mobilenet_v3_large", "torchvision", _tv_classifier("mobilenet_v3_large", 64), 1e-3, 1e-3, True),
    ModelCase("efficientnet_b0", "torchvision", _tv_classifier("efficientnet_b0", 64), 1e-3, 1e-3),
    ModelCase("squeezenet1_1", "torchvision", _tv_classifier("squeezenet1_1", 64), 1e-3, 1e-3),
    ModelCase("shufflenet_v2_x0_5", "torchvision", _tv_classifier("shufflenet_v2_x0_5", 64), 1e-3, 1e-3),
    ModelCase("mnasnet0_5", "torchvision", _tv_classifier("mnasnet0_5", 64), 1e-3, 1e-3),
    ModelCase("densenet121", "torchvision", _tv_classifier("densenet121", 64), 1e-3, 1e-3),
    ModelCase("regnet_y_400mf", "torchvision", _tv_classifier("regnet_y_400mf", 64), 1e-3, 1e-3),
    ModelCase("convnext_tiny", "torchvision", _tv_classifier("convnext_tiny", 64), 1e-3, 1e-3),
    ModelCase("googlenet", "torchvision", _tv_classifier("googlenet", 64, aux_logits=False, init_weights=False), 1e-3, 1e-3, True),
    ModelCase("vgg11", "torchvision", _tv_classifier("vgg11", 64), 1e-3, 1e-3, True),
    ModelCase("alexnet", "torchvision", _tv_classifier("alexnet", 64), 1e-3, 1e-3, True),
    ModelCase("vit_tiny", "torchvision", _tv_vit, 1e-3, 1e-3),
    ModelCase("swin_tiny", "torchvision", _tv_swin, 1e-3, 1e-3),
    ModelCase("fcn_resnet18", "torchvision", _segmentation(_tv_fcn_resnet18), 1e-3, 1e-3),
    ModelCase("fcn_resnet50", "torchvision", _segmentation(_tv_segmentation("fcn_resnet50", 64)), 1e-3, 1e-3, True),
    ModelCase("deeplabv3_mobilenet_v3_small", "torchvision", _segmentation(_tv_mobilenet_v3_small_segmentation("deeplabv3")), 1e-3, 1e-3),
    ModelCase("lraspp_mobilenet_v3_small", "torchvision", _segmentation(_tv_mobilenet_v3_small_segmentation("lraspp")), 1e-3, 1e-3),
    ModelCase("deeplabv3_mobilenet_v3_large", "torchvision", _segmentation(_tv_segmentation("deeplabv3_mobilenet_v3_large", 64)), 1e-3, 1e-3, True),
    ModelCase("lraspp_mobilenet_v3_large", "torchvision", _segmentation(_tv_segmentation("lraspp_mobilenet_v3_large", 64)), 1e-3, 1e-3, True),
]  # fmt: skip


# --------------------------------------------------------------------------- transformers

_VOCAB = 96
_SEQ = 8
_TINY_TEXT = dict(
    vocab_size=_VOCAB,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    max_position_embeddings=64,
)


def _hf(
    model_class: str,
    config_class: str,
    config: dict[str, Any],
    inputs: Callable[[], dict[str, torch.Tensor]],
    outputs: Sequence[str] = ("last_hidden_state",),
) -> Callable[[], Any]:
    def builder() -> Any:
        tf = _transformers()
        cfg = getattr(tf, config_class)(**config)
        model = getattr(tf, model_class)(cfg)
        named = inputs()
        return KeywordCall(model, list(named), outputs), tuple(named.values())

    return builder


def _text(seq: int = _SEQ) -> Callable[[], dict[str, torch.Tensor]]:
    return lambda: {"input_ids": _tokens(_VOCAB, 1, seq)}


def _text_with_mask() -> dict[str, torch.Tensor]:
    mask = torch.ones(1, _SEQ, dtype=torch.int64)
    mask[0, -2:] = 0
    return {"input_ids": _tokens(_VOCAB, 1, _SEQ), "attention_mask": mask}


def _seq2seq() -> dict[str, torch.Tensor]:
    return {"input_ids": _tokens(_VOCAB, 1, _SEQ), "decoder_input_ids": _tokens(_VOCAB, 1, 4)}


def _pixels(size: int = 32) -> Callable[[], dict[str, torch.Tensor]]:
    return lambda: {"pixel_values": _randn(1, 3, size, size)}


_DECODER = dict(
    _TINY_TEXT,
    num_key_value_heads=1,
    use_cache=False,
    pad_token_id=0,
)
_VISION = dict(
    image_size=32,
    patch_size=8,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
)
_BART = dict(
    vocab_size=_VOCAB,
    d_model=32,
    encoder_layers=2,
    decoder_layers=2,
    encoder_attention_heads=2,
    decoder_attention_heads=2,
    encoder_ffn_dim=64,
    decoder_ffn_dim=64,
    max_position_embeddings=64,
    use_cache=False,
)
_WAV2VEC2 = dict(
    vocab_size=_VOCAB,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    conv_dim=(16, 16, 16),
    conv_stride=(5, 2, 2),
    conv_kernel=(10, 3, 3),
    num_conv_pos_embeddings=16,
    num_conv_pos_embedding_groups=4,
)

_TRANSFORMERS = [
    ModelCase("bert", "transformers", _hf("BertModel", "BertConfig", _TINY_TEXT, _text_with_mask)),
    ModelCase("distilbert", "transformers", _hf("DistilBertModel", "DistilBertConfig", dict(vocab_size=_VOCAB, dim=32, n_layers=2, n_heads=2, hidden_dim=64, max_position_embeddings=64), _text())),
    ModelCase("roberta", "transformers", _hf("RobertaModel", "RobertaConfig", dict(_TINY_TEXT, pad_token_id=1), _text())),
    ModelCase("albert", "transformers", _hf("AlbertModel", "AlbertConfig", dict(_TINY_TEXT, embedding_size=16), _text())),
    ModelCase("electra", "transformers", _hf("ElectraForSequenceClassification", "ElectraConfig", dict(_TINY_TEXT, embedding_size=16), _text(), ("logits",))),
    ModelCase("gpt2", "transformers", _hf("GPT2LMHeadModel", "GPT2Config", dict(vocab_size=_VOCAB, n_embd=32, n_layer=2, n_head=2, n_positions=64, use_cache=False), _text(), ("logits",))),
    ModelCase("llama", "transformers", _hf("LlamaForCausalLM", "LlamaConfig", _DECODER, _text(), ("logits",))),
    ModelCase("mistral", "transformers", _hf("MistralModel", "MistralConfig", dict(_DECODER, sliding_window=4), _text())),
    ModelCase("qwen2", "transformers", _hf("Qwen2Model", "Qwen2Config", _DECODER, _text())),
    ModelCase("phi", "transformers", _hf("PhiModel", "PhiConfig", dict(_DECODER, num_key_value_heads=2), _text())),
    ModelCase("opt", "transformers", _hf("OPTModel", "OPTConfig", dict(vocab_size=_VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, ffn_dim=64, word_embed_proj_dim=32, max_position_embeddings=64, use_cache=False), _text())),
    ModelCase("t5", "transformers", _hf("T5Model", "T5Config", dict(vocab_size=_VOCAB, d_model=32, d_kv=16, d_ff=64, num_layers=2, num_heads=2, use_cache=False), _seq2seq)),
    ModelCase("bart", "transformers", _hf("BartModel", "BartConfig", _BART, _seq2seq)),
    ModelCase("vit", "transformers", _hf("ViTModel", "ViTConfig", _VISION, _pixels())),
    ModelCase("convnext_hf", "transformers", _hf("ConvNextModel", "ConvNextConfig", dict(hidden_sizes=[8, 16, 32, 64], depths=[1, 1, 1, 1]), _pixels(), ("pooler_output",))),
    ModelCase("wav2vec2", "transformers", _hf("Wav2Vec2Model", "Wav2Vec2Config", _WAV2VEC2, lambda: {"input_values": _randn(1, 800)})),
    ModelCase("whisper", "transformers", _hf("WhisperModel", "WhisperConfig", dict(vocab_size=_VOCAB, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, num_mel_bins=16, max_source_positions=16, max_target_positions=16, pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=1, use_cache=False), lambda: {"input_features": _randn(1, 16, 32), "decoder_input_ids": _tokens(_VOCAB, 1, 4)})),
]  # fmt: skip


# --------------------------------------------------------------------------- torch.nn


class _Recurrent(nn.Module):
    """A recurrent layer's output sequence (it returns (output, state))."""

    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)[0]


class _SelfAttention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(32, 4, batch_first=True)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.attention(x, x, x)


class _Transformer(nn.Module):
    """nn.Transformer with a causal mask on the target. `tgt_is_causal=True` says so:
    without it the layer compares the mask with a causal one and branches on the
    answer (`Tensor.item()`), which neither torch.export nor a whole Dynamo graph takes."""

    def __init__(self) -> None:
        super().__init__()
        self.transformer = nn.Transformer(
            d_model=32,
            nhead=4,
            num_encoder_layers=2,
            num_decoder_layers=2,
            dim_feedforward=64,
            batch_first=True,
        )

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
        return self.transformer(src, tgt, tgt_mask=mask, tgt_is_causal=True)


class _Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.TransformerDecoderLayer(32, 4, 64, batch_first=True, norm_first=True)

    def forward(self, tgt: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        return self.layer(tgt, memory)


class _EmbeddingBagClassifier(nn.Module):
    """Text classification: mean of token embeddings per bag, then a linear layer."""

    def __init__(self) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(100, 16, mode="mean")
        self.fc = nn.Linear(16, 4)

    def forward(self, tokens: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.fc(self.bag(tokens, offsets))


class _TokenClassifier(nn.Module):
    """Embedding, bidirectional LSTM, linear: a tagger."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(100, 16)
        self.lstm = nn.LSTM(16, 16, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(32, 5)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.fc(self.lstm(self.embedding(tokens))[0])


_ALLOW_RNN = (("allow_rnn", True),)
"""Dynamo refuses to trace RNN, GRU and LSTM layers unless told to."""


def _nn(build_model: Callable[[], nn.Module], *inputs: Callable[[], torch.Tensor]) -> Any:
    return lambda: (build_model(), tuple(make() for make in inputs))


def _conv2d_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=2),
        nn.BatchNorm2d(16),
        nn.Hardswish(),
        nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 10),
    )


def _conv1d_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv1d(4, 8, 5, padding=2),
        nn.BatchNorm1d(8),
        nn.ReLU(),
        nn.MaxPool1d(2),
        nn.Conv1d(8, 8, 3, dilation=2),
        nn.SiLU(),
        nn.AdaptiveMaxPool1d(1),
        nn.Flatten(),
        nn.Linear(8, 3),
    )


def _mlp() -> nn.Module:
    return nn.Sequential(
        nn.Linear(16, 32),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(32, 32),
        nn.GELU(),
        nn.LayerNorm(32),
        nn.Linear(32, 4),
        nn.Softmax(dim=-1),
    )


def _decoder_upsampler() -> nn.Module:
    return nn.Sequential(
        nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1),
        nn.GroupNorm(2, 4),
        nn.LeakyReLU(0.2),
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(4, 1, 3, padding=1),
        nn.Tanh(),
    )


_TORCH_NN = [
    ModelCase("nn_mlp", "torch.nn", _nn(_mlp, lambda: _randn(4, 16))),
    ModelCase("nn_conv2d_net", "torch.nn", _nn(_conv2d_net, lambda: _randn(2, 3, 16, 16))),
    ModelCase("nn_conv1d_net", "torch.nn", _nn(_conv1d_net, lambda: _randn(2, 4, 32))),
    ModelCase("nn_conv_transpose_decoder", "torch.nn", _nn(_decoder_upsampler, lambda: _randn(1, 8, 4, 4))),
    ModelCase("nn_transformer", "torch.nn", _nn(_Transformer, lambda: _randn(1, 6, 32), lambda: _randn(1, 5, 32))),
    ModelCase("nn_transformer_encoder_layer", "torch.nn", _nn(lambda: nn.TransformerEncoderLayer(32, 4, 64, batch_first=True), lambda: _randn(1, 6, 32))),
    ModelCase("nn_transformer_decoder_layer", "torch.nn", _nn(_Decoder, lambda: _randn(1, 5, 32), lambda: _randn(1, 6, 32))),
    ModelCase("nn_multihead_attention", "torch.nn", _nn(_SelfAttention, lambda: _randn(1, 6, 32))),
    ModelCase("nn_lstm", "torch.nn", _nn(lambda: _Recurrent(nn.LSTM(8, 16, num_layers=2, batch_first=True)), lambda: _randn(1, 7, 8)), dynamo_config=_ALLOW_RNN),
    ModelCase("nn_gru", "torch.nn", _nn(lambda: _Recurrent(nn.GRU(8, 16, batch_first=True)), lambda: _randn(1, 7, 8)), dynamo_config=_ALLOW_RNN),
    ModelCase("nn_rnn_tanh", "torch.nn", _nn(lambda: _Recurrent(nn.RNN(8, 16)), lambda: _randn(7, 1, 8)), dynamo_config=_ALLOW_RNN),
    ModelCase("nn_embedding_lstm_tagger", "torch.nn", _nn(_TokenClassifier, lambda: _tokens(100, 1, 9)), dynamo_config=_ALLOW_RNN),
    ModelCase("nn_embedding_bag", "torch.nn", _nn(_EmbeddingBagClassifier, lambda: _tokens(100, 10), lambda: torch.tensor([0, 3, 7]))),
]  # fmt: skip

ALL_CASES: list[ModelCase] = _TORCHVISION + _TRANSFORMERS + _TORCH_NN


def cases(full: bool | None = None) -> list[ModelCase]:
    """The corpus: the small cases, and the bigger ones too when `full` (default: the
    GRAPHLET_CORPUS environment variable)."""
    full = FULL if full is None else full
    return [c for c in ALL_CASES if full or not c.full_only]


def dynamo_config(case: ModelCase) -> Any:
    """A context manager that applies the case's `torch._dynamo.config` settings."""
    return torch._dynamo.config.patch(dict(case.dynamo_config))


def case(name: str) -> ModelCase:
    return next(c for c in ALL_CASES if c.name == name)
