"""LoRA training of a frozen Llama in PyTorch CPU, for bench/engine/lora.ts: the same shapes, adapters
(rank, alpha, every projection: q, k, v, o, gate, up, down) and optimizer (AdamW on the adapters alone,
clipping) as the engine's LoRA mode. The base weights have requires_grad False, so autograd computes only
the input gradients through them and the adapters' gradients. Prints one JSON line.
Usage: torch_lora.py '<shape json>' STEPS BATCH T RANK ALPHA"""
import json, math, resource, sys
import torch
import torch.nn as nn
from torch_model import Llama, Shape, timed_training


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


def main():
    c = json.loads(sys.argv[1])
    steps, B, T, rank, alpha = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    torch.manual_seed(0)
    model = Llama(Shape(**c), T, linear=lambda fan_in, fan_out, bias=False: LoraLinear(fan_in, fan_out, rank, alpha))
    for name, p in model.named_parameters():
        p.requires_grad_("lora_" in name)
    trainable = [p for p in model.parameters() if p.requires_grad]
    timed = timed_training(model, trainable, c["vocab"], B, T, steps, lr=1e-3)
    print(json.dumps({"parameters": sum(p.numel() for p in model.parameters()), "trainable": sum(p.numel() for p in trainable),
                      "tokens_per_second": timed["tokens_per_second"], "tokens_per_cpu_second": timed["tokens_per_cpu_second"],
                      "threads": torch.get_num_threads(), "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                      "torch": torch.__version__}))


main()
