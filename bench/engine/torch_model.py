"""The Llama decoder the PyTorch benches train (torch_llama.py, torch_lora.py, torch_pretrained.py), written once:
the projections come from a linear factory (plain, or LoRA on a frozen base), and the rotary embedding is the
engine's interleaved pairs or Hugging Face's rotate-half. Also the timed training loop they share."""
import math, time
from dataclasses import dataclass
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Shape:
    dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    hidden: int
    vocab: int
    head_dim: int = 0  # 0: dim // n_heads
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    qkv_bias: bool = False  # qwen2
    tied: bool = True

    def __post_init__(self):
        self.head_dim = self.head_dim or self.dim // self.n_heads


def plain_linear(fan_in, fan_out, bias=False):
    return nn.Linear(fan_in, fan_out, bias=bias)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__(); self.eps = eps; self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class InterleavedRope:
    """Rotary embedding on interleaved pairs, as the engine and llama.cpp; x is (batch, heads, T, head_dim)."""
    def __init__(self, hd, T, theta):
        freqs = theta ** (-torch.arange(0, hd, 2).float() / hd)
        angles = torch.arange(T).float()[:, None] * freqs[None, :]
        self.cos, self.sin = angles.cos()[None, None], angles.sin()[None, None]

    def __call__(self, x):
        x0, x1 = x[..., 0::2], x[..., 1::2]
        return torch.stack((x0 * self.cos - x1 * self.sin, x0 * self.sin + x1 * self.cos), dim=-1).flatten(-2)


class RotateHalfRope:
    """Rotary embedding as Hugging Face's modelling code computes it (rotate-half); x is (batch, heads, T, head_dim)."""
    def __init__(self, hd, T, theta):
        inv = 1.0 / (theta ** (torch.arange(0, hd, 2).float() / hd))
        angles = torch.arange(T).float()[:, None] * inv[None, :]
        emb = torch.cat((angles, angles), dim=-1)
        self.cos, self.sin = emb.cos()[None, None], emb.sin()[None, None]

    def __call__(self, x):
        x1, x2 = x.chunk(2, dim=-1)
        return x * self.cos + torch.cat((-x2, x1), dim=-1) * self.sin


class Block(nn.Module):
    def __init__(self, s, linear):
        super().__init__()
        self.s = s; hd = s.head_dim
        self.attn_norm, self.ffn_norm = RMSNorm(s.dim, s.norm_eps), RMSNorm(s.dim, s.norm_eps)
        self.q = linear(s.dim, s.n_heads * hd, s.qkv_bias)
        self.k = linear(s.dim, s.n_kv_heads * hd, s.qkv_bias)
        self.v = linear(s.dim, s.n_kv_heads * hd, s.qkv_bias)
        self.o = linear(s.n_heads * hd, s.dim)
        self.gate = linear(s.dim, s.hidden)
        self.up = linear(s.dim, s.hidden)
        self.down = linear(s.hidden, s.dim)

    def forward(self, x, rope, mask):
        b, t, _ = x.shape; s = self.s; hd = s.head_dim; g = s.n_heads // s.n_kv_heads
        h = self.attn_norm(x)
        q = rope(self.q(h).view(b, t, s.n_heads, hd).transpose(1, 2))
        k = rope(self.k(h).view(b, t, s.n_kv_heads, hd).transpose(1, 2)).repeat_interleave(g, dim=1)
        v = self.v(h).view(b, t, s.n_kv_heads, hd).transpose(1, 2).repeat_interleave(g, dim=1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, -1)
        x = x + self.o(y)
        h = self.ffn_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Llama(nn.Module):
    """Causal decoder over T positions; eager attention with `mask_value` above the diagonal."""
    def __init__(self, s, T, linear=plain_linear, rope=InterleavedRope, mask_value=-1e9):
        super().__init__()
        self.embed = nn.Embedding(s.vocab, s.dim)
        self.layers = nn.ModuleList([Block(s, linear) for _ in range(s.n_layers)])
        self.norm = RMSNorm(s.dim, s.norm_eps)
        self.lm_head = None if s.tied else nn.Linear(s.dim, s.vocab, bias=False)
        self.rope = rope(s.head_dim, T, s.rope_theta)
        self.register_buffer("mask", torch.full((T, T), mask_value).triu(1))

    def forward(self, tokens):
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x, self.rope, self.mask)
        x = self.norm(x)
        return x @ self.embed.weight.t() if self.lm_head is None else self.lm_head(x)


def timed_training(model, trainable, vocab, B, T, steps, lr):
    """Forward + backward + global-norm clipping + AdamW (betas 0.9/0.95, weight decay 0.1) on random tokens,
    timed over `steps` steps after one warm-up step: tokens per wall and CPU second, seconds per step."""
    opt = torch.optim.AdamW(trainable, lr=lr, betas=(0.9, 0.95), weight_decay=0.1)
    tokens = torch.randint(0, vocab, (B, T)); targets = torch.randint(0, vocab, (B, T))

    def step():
        loss = F.cross_entropy(model(tokens).view(-1, vocab), targets.view(-1))
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(trainable, 1.0); opt.step()
        return loss.item()

    step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        loss = step()
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    return {"tokens_per_second": steps * B * T / seconds, "tokens_per_cpu_second": steps * B * T / cpu_seconds,
            "seconds_per_step": seconds / steps, "last_loss": loss}
