"""The same Llama as the built-in engine, in PyTorch CPU, for bench/engine/engine.ts: training tokens/s of
forward + backward + clipping + AdamW at T = 128, batch 16. Prints one JSON line.
Usage: torch_llama.py small|base STEPS [VOCAB]   (VOCAB: the engine run's vocabulary, default the size's)"""
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

SIZES = {"small": dict(dim=128, n_layers=4, n_heads=4, n_kv_heads=2, hidden=352, vocab=1024),
         "base": dict(dim=256, n_layers=6, n_heads=8, n_kv_heads=4, hidden=704, vocab=2048)}
T, B = 128, 16

class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__(); self.eps = eps; self.weight = nn.Parameter(torch.ones(dim))
    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight

def rope(x, cos, sin):  # interleaved pairs, as the engine and llama.cpp
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c; hd = c["dim"] // c["n_heads"]; self.hd = hd
        self.attn_norm, self.ffn_norm = RMSNorm(c["dim"]), RMSNorm(c["dim"])
        self.q = nn.Linear(c["dim"], c["n_heads"] * hd, bias=False)
        self.k = nn.Linear(c["dim"], c["n_kv_heads"] * hd, bias=False)
        self.v = nn.Linear(c["dim"], c["n_kv_heads"] * hd, bias=False)
        self.o = nn.Linear(c["n_heads"] * hd, c["dim"], bias=False)
        self.gate = nn.Linear(c["dim"], c["hidden"], bias=False)
        self.up = nn.Linear(c["dim"], c["hidden"], bias=False)
        self.down = nn.Linear(c["hidden"], c["dim"], bias=False)
    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape; c = self.c; g = c["n_heads"] // c["n_kv_heads"]
        h = self.attn_norm(x)
        q = rope(self.q(h).view(b, t, c["n_heads"], self.hd), cos, sin).transpose(1, 2)
        k = rope(self.k(h).view(b, t, c["n_kv_heads"], self.hd), cos, sin).transpose(1, 2).repeat_interleave(g, dim=1)
        v = self.v(h).view(b, t, c["n_kv_heads"], self.hd).transpose(1, 2).repeat_interleave(g, dim=1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + mask
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, -1)
        x = x + self.o(y)
        h = self.ffn_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))

class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c["vocab"], c["dim"])
        self.layers = nn.ModuleList([Block(c) for _ in range(c["n_layers"])])
        self.norm = RMSNorm(c["dim"])
        hd = c["dim"] // c["n_heads"]
        freqs = 10000.0 ** (-torch.arange(0, hd, 2).float() / hd)
        angles = torch.arange(T).float()[:, None] * freqs[None, :]
        self.register_buffer("cos", angles.cos()[None, :, None, :]); self.register_buffer("sin", angles.sin()[None, :, None, :])
        self.register_buffer("mask", torch.full((T, T), -1e9).triu(1))
    def forward(self, tokens):
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        return self.norm(x) @ self.embed.weight.t()

def main():
    size, steps = sys.argv[1], int(sys.argv[2])
    c = dict(SIZES[size])
    if len(sys.argv) > 3:
        c["vocab"] = int(sys.argv[3])
    torch.manual_seed(0)
    model = Llama(c)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    tokens = torch.randint(0, c["vocab"], (B, T)); targets = torch.randint(0, c["vocab"], (B, T))
    def step():
        loss = F.cross_entropy(model(tokens).view(-1, c["vocab"]), targets.view(-1))
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
    step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"size": size, "parameters": sum(p.numel() for p in model.parameters()),
                      "tokens_per_second": steps * B * T / seconds,
                      "tokens_per_cpu_second": steps * B * T / cpu_seconds, "threads": torch.get_num_threads(), "torch": torch.__version__}))

main()
