const N = 8_000_000;
let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
const p = Float32Array.from({ length: N }, rnd), g = Float32Array.from({ length: N }, rnd), m = new Float32Array(N), v = new Float32Array(N);
const [beta1, beta2, eps, lr] = [0.9, 0.95, 1e-8, 1e-4];
function a(step: number, scale: number) {
  const c1 = 1 - beta1 ** step, c2 = 1 - beta2 ** step; const keep = 0.99999;
  for (let i = 0; i < N; i++) {
    const gi = g[i]! * scale;
    const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * gi);
    const vi = (v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi);
    p[i] = p[i]! * keep - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
  }
}
function b(step: number, scale: number) {
  const c1 = 1 - beta1 ** step, c2 = 1 - beta2 ** step; const keep = 0.99999;
  const stepSize = lr / c1, inv = 1 / Math.sqrt(c2), k1 = 1 - beta1, k2 = 1 - beta2;
  for (let i = 0; i < N; i++) {
    const gi = g[i]! * scale;
    const mi = (m[i] = beta1 * m[i]! + k1 * gi);
    const vi = (v[i] = beta2 * v[i]! + k2 * gi * gi);
    p[i] = p[i]! * keep - (stepSize * mi) / (Math.sqrt(vi) * inv + eps);
  }
}
function norm() { let s = 0; for (let i = 0; i < N; i++) s += g[i]! * g[i]!; return s; }
function copy() { const c = new Float32Array(N); c.set(g); return c; }
const time = (label: string, f: () => unknown) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); return `${label} ${((d.user + d.system) / N * 1000).toFixed(1)}ns`; };
for (let s = 1; s <= 4; s++) console.log(time('a', () => a(s, 0.7)), time('b', () => b(s, 0.7)), time('norm', norm), time('copy', copy));
