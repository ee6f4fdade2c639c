"""LoRA training of a frozen Llama in PyTorch CPU, for bench/engine/lora.ts: the same shapes, adapters
(rank, alpha, every projection: q, k, v, o, gate, up, down) and optimizer (AdamW on the adapters alone,
clipping) as the engine's LoRA mode. The base weights have requires_grad False, so autograd computes only
the input gradients through them and the adapters' gradients. Prints one JSON line.
Usage: torch_lora.py '<shape json>' STEPS BATCH T RANK ALPHA"""
import json, math, resource, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__(); self.eps = eps; self.weight = nn.Parameter(torch.ones(dim))
    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class LoraLinear(nn.Module):
    """PEFT's LoRA Linear without dropout: x W^T + (alpha / r) (x A^T) B^T; A kaiming-uniform, B zeros."""
    def __init__(self, fan_in, fan_out, rank, alpha):
        super().__init__()
        self.base = nn.Linear(fan_in, fan_out, bias=False)
        self.lora_A = nn.Linear(fan_in, rank, bias=False)
        self.lora_B = nn.Linear(rank, fan_out, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.scale = alpha / rank
    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scale


def rope(x, cos, sin):  # interleaved pairs, as the engine
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, c, rank, alpha):
        super().__init__()
        self.c = c; hd = c["head_dim"]; self.hd = hd
        lin = lambda i, o: LoraLinear(i, o, rank, alpha)
        self.attn_norm, self.ffn_norm = RMSNorm(c["dim"]), RMSNorm(c["dim"])
        self.q, self.k, self.v = lin(c["dim"], c["n_heads"] * hd), lin(c["dim"], c["n_kv_heads"] * hd), lin(c["dim"], c["n_kv_heads"] * hd)
        self.o = lin(c["n_heads"] * hd, c["dim"])
        self.gate, self.up, self.down = lin(c["dim"], c["hidden"]), lin(c["dim"], c["hidden"]), lin(c["hidden"], c["dim"])
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
    def __init__(self, c, T, rank, alpha):
        super().__init__()
        self.embed = nn.Embedding(c["vocab"], c["dim"])
        self.layers = nn.ModuleList([Block(c, rank, alpha) for _ in range(c["n_layers"])])
        self.norm = RMSNorm(c["dim"])
        hd = c["head_dim"]
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
    c = json.loads(sys.argv[1])
    steps, B, T, rank, alpha = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    torch.manual_seed(0)
    model = Llama(c, T, rank, alpha)
    for name, p in model.named_parameters():
        p.requires_grad_("lora_" in name)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    tokens = torch.randint(0, c["vocab"], (B, T)); targets = torch.randint(0, c["vocab"], (B, T))
    def step():
        loss = F.cross_entropy(model(tokens).view(-1, c["vocab"]), targets.view(-1))
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(trainable, 1.0); opt.step()
    step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"parameters": sum(p.numel() for p in model.parameters()), "trainable": sum(p.numel() for p in trainable),
                      "tokens_per_second": steps * B * T / seconds, "tokens_per_cpu_second": steps * B * T / cpu_seconds,
                      "threads": torch.get_num_threads(), "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                      "torch": torch.__version__}))

main()
