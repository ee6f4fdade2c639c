;; The arithmetic of the optimizer step (./adamw.ts) over one chunk of a parameter that the caller copied into this
;; module's memory: the sum of squares of a gradient and the AdamW update, two values per f64x2 vector.
;;
;; Every value is computed in float64 from float32 inputs and rounded to float32 when stored, with the same
;; operations in the same order as the scalar formula (no fused multiply-add; sqrt and division are correctly
;; rounded in both), so a value does not depend on where in a chunk it sits or on the chunk's length.
;;
;; Compiled to ./adamwKernelWasm.ts by scripts/wasm.ts (npm run wasm); test/engine/adamwKernel.test.ts checks that
;; the committed bytes are this file's.
(module
  (memory (export "memory") 1)

  ;; The sum of g[i]^2 over the n float32 values at byte offset $g, in float64. Each square of a float32 is exact in
  ;; float64; eight lanes (four f64x2 accumulators, 8 values per round) are added in a fixed order at the end, then
  ;; the last n mod 8 values one by one.
  (func (export "sumOfSquares") (param $g i32) (param $n i32) (result f64)
    (local $end i32) (local $x v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f64)
    (local.set $end (i32.add (local.get $g) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $rounds
      (loop $round
        (br_if $rounds (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $x (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $g))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $x) (local.get $x))))
        (local.set $x (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $g))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $x) (local.get $x))))
        (local.set $x (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $g))))
        (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $x) (local.get $x))))
        (local.set $x (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $g))))
        (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $x) (local.get $x))))
        (local.set $g (i32.add (local.get $g) (i32.const 32)))
        (br $round)))
    (local.set $a0 (f64x2.add (f64x2.add (local.get $a0) (local.get $a1)) (f64x2.add (local.get $a2) (local.get $a3))))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 7)) (i32.const 2))))
    (block $values
      (loop $value
        (br_if $values (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $s (f64.add (local.get $s) (f64.mul (f64.promote_f32 (f32.load (local.get $g))) (f64.promote_f32 (f32.load (local.get $g))))))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (br $value)))
    (local.get $s))

  ;; One AdamW step over the n float32 values at byte offsets $p (weights), $g (gradient), $m and $v (moments):
  ;;   g' = g scale, m <- b1 m + (1 - b1) g', v <- b2 v + (1 - b2) g' g',
  ;;   p <- p keep - stepSize m / (sqrt(v) invSqrtC2 + eps)
  ;; with the new m and v (in float64, before rounding) in the update of p.
  (func (export "update")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $keep f64) (param $scale f64) (param $stepSize f64) (param $invSqrtC2 f64) (param $beta1 f64) (param $beta2 f64) (param $eps f64)
    (local $end i32) (local $k1 f64) (local $k2 f64)
    (local $keep2 v128) (local $scale2 v128) (local $stepSize2 v128) (local $invSqrtC22 v128) (local $beta12 v128) (local $beta22 v128)
    (local $eps2 v128) (local $k12 v128) (local $k22 v128)
    (local $gi v128) (local $mi v128) (local $vi v128)
    (local $gs f64) (local $ms f64) (local $vs f64)
    (local.set $k1 (f64.sub (f64.const 1) (local.get $beta1)))
    (local.set $k2 (f64.sub (f64.const 1) (local.get $beta2)))
    (local.set $keep2 (f64x2.splat (local.get $keep)))
    (local.set $scale2 (f64x2.splat (local.get $scale)))
    (local.set $stepSize2 (f64x2.splat (local.get $stepSize)))
    (local.set $invSqrtC22 (f64x2.splat (local.get $invSqrtC2)))
    (local.set $beta12 (f64x2.splat (local.get $beta1)))
    (local.set $beta22 (f64x2.splat (local.get $beta2)))
    (local.set $eps2 (f64x2.splat (local.get $eps)))
    (local.set $k12 (f64x2.splat (local.get $k1)))
    (local.set $k22 (f64x2.splat (local.get $k2)))
    ;; Two values per round; the moments' and weights' offsets move with the gradient's.
    (local.set $end (i32.add (local.get $g) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2))))
    (block $rounds
      (loop $round
        (br_if $rounds (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $gi (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $g))) (local.get $scale2)))
        (local.set $mi
          (f64x2.add
            (f64x2.mul (local.get $beta12) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $m))))
            (f64x2.mul (local.get $k12) (local.get $gi))))
        (local.set $vi
          (f64x2.add
            (f64x2.mul (local.get $beta22) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $v))))
            (f64x2.mul (f64x2.mul (local.get $k22) (local.get $gi)) (local.get $gi))))
        (v128.store64_lane 0 (local.get $m) (f32x4.demote_f64x2_zero (local.get $mi)))
        (v128.store64_lane 0 (local.get $v) (f32x4.demote_f64x2_zero (local.get $vi)))
        (v128.store64_lane 0 (local.get $p)
          (f32x4.demote_f64x2_zero
            (f64x2.sub
              (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))) (local.get $keep2))
              (f64x2.div
                (f64x2.mul (local.get $stepSize2) (local.get $mi))
                (f64x2.add (f64x2.mul (f64x2.sqrt (local.get $vi)) (local.get $invSqrtC22)) (local.get $eps2))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (local.set $m (i32.add (local.get $m) (i32.const 8)))
        (local.set $v (i32.add (local.get $v) (i32.const 8)))
        (br $round)))
    ;; An odd last value: the same formula in scalar float64.
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $gs (f64.mul (f64.promote_f32 (f32.load (local.get $g))) (local.get $scale)))
        (local.set $ms (f64.add (f64.mul (local.get $beta1) (f64.promote_f32 (f32.load (local.get $m)))) (f64.mul (local.get $k1) (local.get $gs))))
        (local.set $vs
          (f64.add (f64.mul (local.get $beta2) (f64.promote_f32 (f32.load (local.get $v)))) (f64.mul (f64.mul (local.get $k2) (local.get $gs)) (local.get $gs))))
        (f32.store (local.get $m) (f32.demote_f64 (local.get $ms)))
        (f32.store (local.get $v) (f32.demote_f64 (local.get $vs)))
        (f32.store (local.get $p)
          (f32.demote_f64
            (f64.sub
              (f64.mul (f64.promote_f32 (f32.load (local.get $p))) (local.get $keep))
              (f64.div
                (f64.mul (local.get $stepSize) (local.get $ms))
                (f64.add (f64.mul (f64.sqrt (local.get $vs)) (local.get $invSqrtC2)) (local.get $eps)))))))))
)
