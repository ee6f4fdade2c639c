"""The optimizer step of bench/engine/adamw.ts in PyTorch CPU: torch.nn.utils.clip_grad_norm_ (global norm 1) and
torch.optim.AdamW (betas 0.9/0.95, eps 1e-8, weight decay 0.1 on matrices, none on vectors; this torch has no fused CPU AdamW) over
float32 parameters of the given sizes, for foreach=True and foreach=False, each timed over STEPS steps after one
warm-up step. Prints one JSON line: seconds per step of each, threads, peak resident memory, torch version.
Usage: torch_adamw.py SHAPES_JSON STEPS THREADS   (SHAPES_JSON: a list of shapes, e.g. [[49152, 576], [576]])"""
import json, resource, sys, time
import torch


def timed(shapes, steps, foreach):
    generator = torch.Generator().manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(*s, generator=generator) * 0.02) for s in shapes]
    for p in params:
        p.grad = torch.randn(p.shape, generator=generator) * 1e-3
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=1e-4, betas=(0.9, 0.95), eps=1e-8, foreach=foreach)

    def step():
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = (time.perf_counter() - start) / steps
    del opt, params, groups
    return seconds


def main():
    shapes = json.loads(sys.argv[1]); steps, threads = int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    result = {"foreach": timed(shapes, steps, True), "loop": timed(shapes, steps, False)}
    print(json.dumps({"seconds_per_step": result, "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "values": sum(torch.Size(s).numel() for s in shapes),
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


main()
