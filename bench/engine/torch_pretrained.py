"""Full fine-tuning of a pretrained-shape Llama / Qwen2 in PyTorch CPU, for bench/engine/pretrained.ts: the Hugging
Face modelling semantics (rotate-half rotary, GQA by repeating k/v heads, q/k/v biases for qwen2, tied or untied
head, eager attention as transformers computes it without SDPA), random weights, forward + backward + global-norm
clipping + AdamW (betas 0.9/0.95, weight decay 0.1), timed over STEPS steps after one warm-up step.
Prints one JSON line: tokens/s per wall and CPU second, peak resident memory, threads.
Usage: torch_pretrained.py CONFIG_JSON BATCH T STEPS THREADS
  CONFIG_JSON: {"architecture", "vocabSize", "dim", "nLayers", "nHeads", "nKvHeads", "headDim"?, "hiddenDim",
               "normEps", "ropeTheta", "tiedEmbeddings"} (the engine's LlamaConfig)"""
import json, resource, sys
import torch
from torch_model import Llama, RotateHalfRope, Shape, timed_training


def main():
    c = json.loads(sys.argv[1]); B, T, steps, threads = (int(a) for a in sys.argv[2:6])
    shape = Shape(dim=c["dim"], n_layers=c["nLayers"], n_heads=c["nHeads"], n_kv_heads=c["nKvHeads"], hidden=c["hiddenDim"],
                  vocab=c["vocabSize"], head_dim=c.get("headDim", 0), norm_eps=c["normEps"], rope_theta=c["ropeTheta"],
                  qkv_bias=c["architecture"] == "qwen2", tied=c["tiedEmbeddings"])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Llama(shape, T, rope=RotateHalfRope, mask_value=float("-inf"))
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2: p.normal_(0, 0.02)
    timed = timed_training(model, list(model.parameters()), shape.vocab, B, T, steps, lr=1e-4)
    print(json.dumps({"parameters": sum(p.numel() for p in model.parameters()),
                      "tokens_per_second": timed["tokens_per_second"], "tokens_per_cpu_second": timed["tokens_per_cpu_second"],
                      "seconds_per_step": timed["seconds_per_step"], "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


main()
