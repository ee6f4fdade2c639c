"""Full fine-tuning of a pretrained-shape Llama / Qwen2 in PyTorch CPU, for bench/engine/pretrained.ts: the Hugging
Face modelling semantics (rotate-half rotary, GQA by repeating k/v heads, q/k/v biases for qwen2, tied or untied
head, eager attention as transformers computes it without SDPA), random weights, forward + backward + global-norm
clipping + AdamW (betas 0.9/0.95, weight decay 0.1), timed over STEPS steps after one warm-up step.
Prints one JSON line: tokens/s per wall and CPU second, peak resident memory, threads.
Usage: torch_pretrained.py CONFIG_JSON BATCH T STEPS THREADS
  CONFIG_JSON: {"architecture", "vocabSize", "dim", "nLayers", "nHeads", "nKvHeads", "headDim"?, "hiddenDim",
               "normEps", "ropeTheta", "tiedEmbeddings"} (the engine's LlamaConfig)"""
import json, math, resource, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__(); self.eps = eps; self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c; hd = c["headDim"]; bias = c["architecture"] == "qwen2"
        self.input_layernorm = RMSNorm(c["dim"], c["normEps"]); self.post_attention_layernorm = RMSNorm(c["dim"], c["normEps"])
        self.q_proj = nn.Linear(c["dim"], c["nHeads"] * hd, bias=bias)
        self.k_proj = nn.Linear(c["dim"], c["nKvHeads"] * hd, bias=bias)
        self.v_proj = nn.Linear(c["dim"], c["nKvHeads"] * hd, bias=bias)
        self.o_proj = nn.Linear(c["nHeads"] * hd, c["dim"], bias=False)
        self.gate_proj = nn.Linear(c["dim"], c["hiddenDim"], bias=False)
        self.up_proj = nn.Linear(c["dim"], c["hiddenDim"], bias=False)
        self.down_proj = nn.Linear(c["hiddenDim"], c["dim"], bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape; c = self.c; hd = c["headDim"]; g = c["nHeads"] // c["nKvHeads"]
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, t, c["nHeads"], hd).transpose(1, 2)
        k = self.k_proj(h).view(b, t, c["nKvHeads"], hd).transpose(1, 2)
        v = self.v_proj(h).view(b, t, c["nKvHeads"], hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(g, dim=1), v.repeat_interleave(g, dim=1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, -1)
        x = x + self.o_proj(y)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Model(nn.Module):
    def __init__(self, c, T):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocabSize"], c["dim"])
        self.layers = nn.ModuleList([Block(c) for _ in range(c["nLayers"])])
        self.norm = RMSNorm(c["dim"], c["normEps"])
        self.lm_head = None if c["tiedEmbeddings"] else nn.Linear(c["dim"], c["vocabSize"], bias=False)
        hd = c["headDim"]
        inv = 1.0 / (c["ropeTheta"] ** (torch.arange(0, hd, 2).float() / hd))
        angles = torch.arange(T).float()[:, None] * inv[None, :]
        emb = torch.cat((angles, angles), dim=-1)
        self.register_buffer("cos", emb.cos()[None, None]); self.register_buffer("sin", emb.sin()[None, None])
        self.register_buffer("mask", torch.full((T, T), float("-inf")).triu(1))

    def forward(self, tokens):
        x = self.embed_tokens(tokens)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        x = self.norm(x)
        return x @ self.embed_tokens.weight.t() if self.lm_head is None else self.lm_head(x)


def main():
    c = json.loads(sys.argv[1]); B, T, steps, threads = (int(a) for a in sys.argv[2:6])
    c.setdefault("headDim", c["dim"] // c["nHeads"])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Model(c, T)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2: p.normal_(0, 0.02)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
    tokens = torch.randint(0, c["vocabSize"], (B, T)); targets = torch.randint(0, c["vocabSize"], (B, T))

    def step():
        loss = F.cross_entropy(model(tokens).view(-1, c["vocabSize"]), targets.view(-1))
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
        return loss.item()

    step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"parameters": sum(p.numel() for p in model.parameters()),
                      "tokens_per_second": steps * B * T / seconds, "tokens_per_cpu_second": steps * B * T / cpu_seconds,
                      "seconds_per_step": seconds / steps, "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


main()
