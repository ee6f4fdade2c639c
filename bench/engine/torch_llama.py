"""The same Llama as the built-in engine, in PyTorch CPU, for bench/engine/engine.ts: training tokens/s of
forward + backward + clipping + AdamW at T = 128, batch 16. Prints one JSON line.
Usage: torch_llama.py small|base STEPS [VOCAB]   (VOCAB: the engine run's vocabulary, default the size's)"""
import json, sys
import torch
from torch_model import Llama, Shape, timed_training

SIZES = {"small": dict(dim=128, n_layers=4, n_heads=4, n_kv_heads=2, hidden=352, vocab=1024),
         "base": dict(dim=256, n_layers=6, n_heads=8, n_kv_heads=4, hidden=704, vocab=2048)}
T, B = 128, 16


def main():
    size, steps = sys.argv[1], int(sys.argv[2])
    c = dict(SIZES[size])
    if len(sys.argv) > 3:
        c["vocab"] = int(sys.argv[3])
    torch.manual_seed(0)
    model = Llama(Shape(**c), T)
    timed = timed_training(model, list(model.parameters()), c["vocab"], B, T, steps, lr=1e-3)
    print(json.dumps({"size": size, "parameters": sum(p.numel() for p in model.parameters()),
                      "tokens_per_second": timed["tokens_per_second"],
                      "tokens_per_cpu_second": timed["tokens_per_cpu_second"], "threads": torch.get_num_threads(), "torch": torch.__version__}))


main()
