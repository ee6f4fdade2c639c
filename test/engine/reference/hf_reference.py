"""
An independent reference for the engine: the forward pass of Hugging Face's LlamaForCausalLM,
Qwen2ForCausalLM and Qwen3ForCausalLM written from transformers' modelling code (rotate-half rotary applied
to q/k as stored, no permutation; Llama 3 rope scaling as _compute_llama3_parameters; q/k/v biases for
Qwen2; per-head RMSNorm on q and k before the rotation for Qwen3), in float64 with PyTorch autograd.

usage: python3 hf_reference.py <jobs.json>, jobs = [[model folder, input.json, output.json(, adapter folder)], ...]
(one process for every job: importing torch is the slow part)
With a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors, tensors as PEFT names them),
the base weights are frozen and each adapted weight becomes W + (lora_alpha / r) B A, as PEFT computes it
without dropout (merged or not, the same function); the gradients are then the adapter tensors', by the
adapter file's names.
input:  {"tokens": [[...], ...], "targets": [[...], ...], "weights": [[...], ...]}
output: {"logits": [B*T*V floats], "loss": sum(nll * weight), "grads": {name: [floats], ...}}
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        if info["dtype"] == "F32":
            a = np.frombuffer(raw, dtype="<f4")
        elif info["dtype"] == "F16":
            a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif info["dtype"] == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(f"{path}: {name}: dtype {info['dtype']}")
        out[name] = torch.tensor(a.reshape(info["shape"]).astype(np.float64))
    return out


def read_weights(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    if not os.path.exists(index):
        return read_safetensors(os.path.join(folder, "model.safetensors"))
    weights = {}
    for shard in sorted(set(json.load(open(index))["weight_map"].values())):
        weights.update(read_safetensors(os.path.join(folder, shard)))
    return weights


def inverse_frequencies(cfg, head_dim):
    base = cfg.get("rope_theta", 10000.0)
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    scaling = cfg.get("rope_scaling")
    if not scaling or scaling.get("rope_type", scaling.get("type")) in (None, "default"):
        return inv_freq
    assert scaling.get("rope_type", scaling.get("type")) == "llama3"
    factor = scaling["factor"]
    low_freq_factor = scaling["low_freq_factor"]
    high_freq_factor = scaling["high_freq_factor"]
    old_context_len = scaling["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium, smoothed, inv_freq_llama)


def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def forward(cfg, w, tokens):
    arch = cfg["architectures"][0]
    B, T = tokens.shape
    n_heads = cfg["num_attention_heads"]
    n_kv = cfg.get("num_key_value_heads", n_heads)
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // n_heads
    eps = cfg["rms_norm_eps"]
    inv_freq = inverse_frequencies(cfg, head_dim)
    freqs = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    x = w["model.embed_tokens.weight"][tokens]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)

        def proj(name):
            out = h @ w[p + f"self_attn.{name}_proj.weight"].T
            bias = w.get(p + f"self_attn.{name}_proj.bias")
            return out + bias if bias is not None else out

        q = proj("q").view(B, T, n_heads, head_dim)
        k = proj("k").view(B, T, n_kv, head_dim)
        v = proj("v").view(B, T, n_kv, head_dim).transpose(1, 2)
        if arch == "Qwen3ForCausalLM":
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        group = n_heads // n_kv
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = q @ k.transpose(2, 3) * head_dim**-0.5 + mask
        o = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B, T, n_heads * head_dim)
        x = x + o @ w[p + "self_attn.o_proj.weight"].T
        h2 = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = h2 @ w[p + "mlp.gate_proj.weight"].T
        up = h2 @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
    return x @ head.T


def apply_lora(w, adapter_folder):
    """Returns the weights with the adapter applied and the trainable adapter tensors (by their file names)."""
    acfg = json.load(open(os.path.join(adapter_folder, "adapter_config.json")))
    assert acfg["peft_type"] == "LORA" and not acfg.get("use_rslora") and not acfg.get("use_dora")
    scale = acfg["lora_alpha"] / acfg["r"]
    lora = read_safetensors(os.path.join(adapter_folder, "adapter_model.safetensors"))
    for t in lora.values():
        t.requires_grad_(True)
    effective = dict(w)
    prefix = "base_model.model."
    for name, a in lora.items():
        if ".lora_A.weight" not in name:
            continue
        b = lora[name.replace(".lora_A.", ".lora_B.")]
        target = name[len(prefix):].replace(".lora_A.weight", ".weight")
        effective[target] = w[target] + scale * (b @ a)
    return effective, lora


def run(folder, input_path, output_path, adapter_folder=None):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    w = read_weights(folder)
    if cfg.get("tie_word_embeddings"):
        w.pop("lm_head.weight", None)
    trainable = w
    if adapter_folder is not None:
        w, trainable = apply_lora(w, adapter_folder)
    else:
        for t in w.values():
            t.requires_grad_(True)
    batch = json.load(open(input_path))
    tokens = torch.tensor(batch["tokens"], dtype=torch.long)
    targets = torch.tensor(batch["targets"], dtype=torch.long).reshape(-1)
    weights = torch.tensor(batch["weights"], dtype=torch.float64).reshape(-1)
    logits = forward(cfg, w, tokens)
    flat = logits.reshape(-1, logits.shape[-1])
    nll = torch.nn.functional.cross_entropy(flat, targets, reduction="none")
    loss = (nll * weights).sum()
    loss.backward()
    out = {
        "logits": flat.detach().reshape(-1).tolist(),
        "loss": loss.item(),
        "grads": {name: t.grad.reshape(-1).tolist() for name, t in trainable.items() if t.grad is not None},
    }
    json.dump(out, open(output_path, "w"))


if __name__ == "__main__":
    for job in json.load(open(sys.argv[1])):
        run(*job)
