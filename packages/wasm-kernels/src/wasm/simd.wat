(module
  ;; every pointer is a byte offset into the wasm backend's own heap
  (import "env" "memory" (memory 0))

  ;; dwgather(x, xStride, w, y, count, c4): for j < count, y_j[0..4c4) += x_j * w, with y contiguous
  ;; (y_j = y + 16 c4 j) and x strided (x_j = x + xStride j): one tap of the depthwise forward along a row.
  (func $dwgather (export "dwgather") (param $x i32) (param $xStride i32) (param $w i32) (param $y i32) (param $count i32) (param $c4 i32)
    (local $k i32) (local $xp i32) (local $wp i32)
    (block $skip
      (br_if $skip (i32.eqz (local.get $count)))
      (loop $rows
        (local.set $xp (local.get $x))
        (local.set $wp (local.get $w))
        (local.set $k (local.get $c4))
        (loop $lanes
          (v128.store align=4
            (local.get $y)
            (f32x4.add
              (v128.load align=4 (local.get $y))
              (f32x4.mul (v128.load align=4 (local.get $xp)) (v128.load align=4 (local.get $wp)))))
          (local.set $y (i32.add (local.get $y) (i32.const 16)))
          (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
          (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
          (br_if $lanes (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $x (i32.add (local.get $x) (local.get $xStride)))
        (br_if $rows (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))))

  ;; dwaxpy(dy, w, dx, dxStride, count, c4): for j < count, dx_j[0..4c4) += dy_j * w, with dy contiguous
  ;; and dx strided (dx_j = dx + dxStride j): one tap of the depthwise input gradient scattered along a row.
  (func $dwaxpy (export "dwaxpy") (param $dy i32) (param $w i32) (param $dx i32) (param $dxStride i32) (param $count i32) (param $c4 i32)
    (local $k i32) (local $dxp i32) (local $wp i32)
    (block $skip
      (br_if $skip (i32.eqz (local.get $count)))
      (loop $rows
        (local.set $dxp (local.get $dx))
        (local.set $wp (local.get $w))
        (local.set $k (local.get $c4))
        (loop $lanes
          (v128.store align=4
            (local.get $dxp)
            (f32x4.add
              (v128.load align=4 (local.get $dxp))
              (f32x4.mul (v128.load align=4 (local.get $dy)) (v128.load align=4 (local.get $wp)))))
          (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
          (local.set $dxp (i32.add (local.get $dxp) (i32.const 16)))
          (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
          (br_if $lanes (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $dx (i32.add (local.get $dx) (local.get $dxStride)))
        (br_if $rows (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))))

  ;; fold64(src, dst, n4): dst[0..4n4) (float64) += src[0..4n4) (float32), then src = 0 ($zero is never
  ;; written: locals start at zero). Folds float32 partial sums into float64 totals.
  (func $fold64 (export "fold64") (param $src i32) (param $dst i32) (param $n4 i32)
    (local $v v128) (local $zero v128)
    (block $skip
      (br_if $skip (i32.eqz (local.get $n4)))
      (loop $rows
        (local.set $v (v128.load align=4 (local.get $src)))
        (v128.store align=4 (local.get $src) (local.get $zero))
        (v128.store align=8
          (local.get $dst)
          (f64x2.add (v128.load align=8 (local.get $dst)) (f64x2.promote_low_f32x4 (local.get $v))))
        (v128.store offset=16 align=8
          (local.get $dst)
          (f64x2.add
            (v128.load offset=16 align=8 (local.get $dst))
            (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
                (local.get $v)
                (local.get $v)))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (br_if $rows (local.tee $n4 (i32.sub (local.get $n4) (i32.const 1)))))))

  ;; dwrow(x, xStride, dy, acc, count, c4): for j < count, acc[0..4c4) += x_j * dy_j with x_j = x + xStride j
  ;; and dy_j = dy + 16 c4 j: the depthwise filter gradient's inner loop.
  (func $dwrow (export "dwrow") (param $x i32) (param $xStride i32) (param $dy i32) (param $acc i32) (param $count i32) (param $c4 i32)
    (local $k i32) (local $xp i32) (local $ap i32)
    (block $skip
      (br_if $skip (i32.eqz (local.get $count)))
      (loop $rows
        (local.set $xp (local.get $x))
        (local.set $ap (local.get $acc))
        (local.set $k (local.get $c4))
        (loop $lanes
          (v128.store align=4
            (local.get $ap)
            (f32x4.add
              (v128.load align=4 (local.get $ap))
              (f32x4.mul (v128.load align=4 (local.get $xp)) (v128.load align=4 (local.get $dy)))))
          (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
          (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
          (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
          (br_if $lanes (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $x (i32.add (local.get $x) (local.get $xStride)))
        (br_if $rows (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))))

  ;; colsum(x, acc, count, c4): acc[0..4c4) += each of `count` contiguous rows of x (Sum / Mean over rows).
  (func $colsum (export "colsum") (param $x i32) (param $acc i32) (param $count i32) (param $c4 i32)
    (local $k i32) (local $ap i32)
    (block $skip
      (br_if $skip (i32.eqz (local.get $count)))
      (loop $rows
        (local.set $ap (local.get $acc))
        (local.set $k (local.get $c4))
        (loop $lanes
          (v128.store align=4
            (local.get $ap)
            (f32x4.add (v128.load align=4 (local.get $ap)) (v128.load align=4 (local.get $x))))
          (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br_if $lanes (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (br_if $rows (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))))

  ;; bnsums(x, dy, mean, accA, accB, count, c4): per contiguous row j < count of x and dy,
  ;; accA += dy_j and accB += (x_j - mean) * dy_j: both per-channel sums of the BatchNorm gradient in one pass.
  (func $bnsums (export "bnsums") (param $x i32) (param $dy i32) (param $mean i32) (param $accA i32) (param $accB i32) (param $count i32) (param $c4 i32)
    (local $k i32) (local $mp i32) (local $ap i32) (local $bp i32) (local $d v128)
    (block $skip
      (br_if $skip (i32.eqz (local.get $count)))
      (loop $rows
        (local.set $mp (local.get $mean))
        (local.set $ap (local.get $accA))
        (local.set $bp (local.get $accB))
        (local.set $k (local.get $c4))
        (loop $lanes
          (local.set $d (v128.load align=4 (local.get $dy)))
          (v128.store align=4
            (local.get $ap)
            (f32x4.add (v128.load align=4 (local.get $ap)) (local.get $d)))
          (v128.store align=4
            (local.get $bp)
            (f32x4.add
              (v128.load align=4 (local.get $bp))
              (f32x4.mul
                (f32x4.sub (v128.load align=4 (local.get $x)) (v128.load align=4 (local.get $mp)))
                (local.get $d))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
          (local.set $mp (i32.add (local.get $mp) (i32.const 16)))
          (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 16)))
          (br_if $lanes (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (br_if $rows (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))))

  ;; silugrad(x, s, dy, out, n4): out = dy * (s * (1 + x * (1 - s))) for n4 groups of 4 floats,
  ;; s = sigmoid(x) saved by the forward pass: SiLU's derivative.
  (func $silugrad (export "silugrad") (param $x i32) (param $s i32) (param $dy i32) (param $out i32) (param $n4 i32)
    (local $one v128) (local $sv v128)
    (local.set $one (f32x4.splat (f32.const 0x1p+0)))
    (block $skip
      (br_if $skip (i32.eqz (local.get $n4)))
      (loop $rows
        (local.set $sv (v128.load align=4 (local.get $s)))
        (v128.store align=4
          (local.get $out)
          (f32x4.mul
            (v128.load align=4 (local.get $dy))
            (f32x4.mul
              (local.get $sv)
              (f32x4.add
                (local.get $one)
                (f32x4.mul
                  (v128.load align=4 (local.get $x))
                  (f32x4.sub (local.get $one) (local.get $sv)))))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br_if $rows (local.tee $n4 (i32.sub (local.get $n4) (i32.const 1)))))))

  ;; bnapply(x, mean, a, b, out, count, c4): per contiguous row j < count, out_j = (x_j - mean) * a + b
  ;; (the BatchNorm forward, a = scale / sqrt(var + eps) per channel).
  (func $bnapply (export "bnapply") (param $x i32) (param $mean i32) (param $a i32) (param $b i32) (param $out i32) (param $count i32) (param $c4 i32)
    (local $k i32) (local $mp i32) (local $ap i32) (local $bp i32)
    (block $skip
      (br_if $skip (i32.eqz (local.get $count)))
      (loop $rows
        (local.set $mp (local.get $mean))
        (local.set $ap (local.get $a))
        (local.set $bp (local.get $b))
        (local.set $k (local.get $c4))
        (loop $lanes
          (v128.store align=4
            (local.get $out)
            (f32x4.add
              (f32x4.mul
                (f32x4.sub (v128.load align=4 (local.get $x)) (v128.load align=4 (local.get $mp)))
                (v128.load align=4 (local.get $ap)))
              (v128.load align=4 (local.get $bp))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $out (i32.add (local.get $out) (i32.const 16)))
          (local.set $mp (i32.add (local.get $mp) (i32.const 16)))
          (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 16)))
          (br_if $lanes (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (br_if $rows (local.tee $count (i32.sub (local.get $count) (i32.const 1)))))))

  ;; gemmtile8(a, lda, b, ldb, c, ldc, count): C += A^T B for a 4 x 8 tile over `count` rows: A rows of 4
  ;; floats at a + lda j, B rows of 8 floats at b + ldb j (byte strides), C's 4 rows at c + ldc r.
  ;; Sums in registers $c<row><half>, added to C once at the end (the conv filter gradient).
  (func $gemmtile8 (export "gemmtile8") (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32) (param $count i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128) (local $b0 v128) (local $b1 v128) (local $as v128)
    (block $skip
      (br_if $skip (i32.eqz (local.get $count)))
      (loop $rows
        (local.set $b0 (v128.load align=4 (local.get $b)))
        (local.set $b1 (v128.load offset=16 align=4 (local.get $b)))
        (local.set $as (v128.load32_splat (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=4 (local.get $a)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=8 (local.get $a)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=12 (local.get $a)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $a (i32.add (local.get $a) (local.get $lda)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br_if $rows (local.tee $count (i32.sub (local.get $count) (i32.const 1))))))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c00)))
    (v128.store offset=16 align=4
      (local.get $c)
      (f32x4.add (v128.load offset=16 align=4 (local.get $c)) (local.get $c01)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c10)))
    (v128.store offset=16 align=4
      (local.get $c)
      (f32x4.add (v128.load offset=16 align=4 (local.get $c)) (local.get $c11)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c20)))
    (v128.store offset=16 align=4
      (local.get $c)
      (f32x4.add (v128.load offset=16 align=4 (local.get $c)) (local.get $c21)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c30)))
    (v128.store offset=16 align=4
      (local.get $c)
      (f32x4.add (v128.load offset=16 align=4 (local.get $c)) (local.get $c31)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc))))

  ;; gemmtile4(a, lda, b, ldb, c, ldc, count): gemmtile8 for a 4 x 4 tile.
  (func $gemmtile4 (export "gemmtile4") (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32) (param $count i32)
    (local $c00 v128) (local $c10 v128) (local $c20 v128) (local $c30 v128) (local $b0 v128) (local $as v128)
    (block $skip
      (br_if $skip (i32.eqz (local.get $count)))
      (loop $rows
        (local.set $b0 (v128.load align=4 (local.get $b)))
        (local.set $as (v128.load32_splat (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=4 (local.get $a)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=8 (local.get $a)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=12 (local.get $a)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $a (i32.add (local.get $a) (local.get $lda)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br_if $rows (local.tee $count (i32.sub (local.get $count) (i32.const 1))))))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c00)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c10)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c20)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c30)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc))))

  ;; gemmpack8(a, b, c, ldc, count): gemmtile8 over packed contiguous strips (A rows at a + 16 j,
  ;; B rows at b + 32 j), two rows per iteration, then the odd last row.
  (func $gemmpack8 (export "gemmpack8") (param $a i32) (param $b i32) (param $c i32) (param $ldc i32) (param $count i32)
    (local $pairs i32) (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128) (local $b0 v128) (local $b1 v128) (local $as v128)
    (local.set $pairs (i32.shr_u (local.get $count) (i32.const 1)))
    (block $skip
      (br_if $skip (i32.eqz (local.get $pairs)))
      (loop $rows
        (local.set $b0 (v128.load align=4 (local.get $b)))
        (local.set $b1 (v128.load offset=16 align=4 (local.get $b)))
        (local.set $as (v128.load32_splat (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=4 (local.get $a)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=8 (local.get $a)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=12 (local.get $a)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $b0 (v128.load offset=32 align=4 (local.get $b)))
        (local.set $b1 (v128.load offset=48 align=4 (local.get $b)))
        (local.set $as (v128.load32_splat offset=16 (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=20 (local.get $a)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=24 (local.get $a)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=28 (local.get $a)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br_if $rows (local.tee $pairs (i32.sub (local.get $pairs) (i32.const 1))))))
    (if $I2
      (i32.and (local.get $count) (i32.const 1))
      (then
        (local.set $b0 (v128.load align=4 (local.get $b)))
        (local.set $b1 (v128.load offset=16 align=4 (local.get $b)))
        (local.set $as (v128.load32_splat (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=4 (local.get $a)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=8 (local.get $a)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $as) (local.get $b1))))
        (local.set $as (v128.load32_splat offset=12 (local.get $a)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $as) (local.get $b1))))))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c00)))
    (v128.store offset=16 align=4
      (local.get $c)
      (f32x4.add (v128.load offset=16 align=4 (local.get $c)) (local.get $c01)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c10)))
    (v128.store offset=16 align=4
      (local.get $c)
      (f32x4.add (v128.load offset=16 align=4 (local.get $c)) (local.get $c11)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c20)))
    (v128.store offset=16 align=4
      (local.get $c)
      (f32x4.add (v128.load offset=16 align=4 (local.get $c)) (local.get $c21)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c30)))
    (v128.store offset=16 align=4
      (local.get $c)
      (f32x4.add (v128.load offset=16 align=4 (local.get $c)) (local.get $c31)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc))))

  ;; gemmpack4(a, b, c, ldc, count): gemmpack8 for a 4 x 4 tile (B rows at b + 16 j).
  (func $gemmpack4 (export "gemmpack4") (param $a i32) (param $b i32) (param $c i32) (param $ldc i32) (param $count i32)
    (local $pairs i32) (local $c00 v128) (local $c10 v128) (local $c20 v128) (local $c30 v128) (local $b0 v128) (local $as v128)
    (local.set $pairs (i32.shr_u (local.get $count) (i32.const 1)))
    (block $skip
      (br_if $skip (i32.eqz (local.get $pairs)))
      (loop $rows
        (local.set $b0 (v128.load align=4 (local.get $b)))
        (local.set $as (v128.load32_splat (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=4 (local.get $a)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=8 (local.get $a)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=12 (local.get $a)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $b0 (v128.load offset=16 align=4 (local.get $b)))
        (local.set $as (v128.load32_splat offset=16 (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=20 (local.get $a)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=24 (local.get $a)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=28 (local.get $a)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (br_if $rows (local.tee $pairs (i32.sub (local.get $pairs) (i32.const 1))))))
    (if $I2
      (i32.and (local.get $count) (i32.const 1))
      (then
        (local.set $b0 (v128.load align=4 (local.get $b)))
        (local.set $as (v128.load32_splat (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=4 (local.get $a)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=8 (local.get $a)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $as) (local.get $b0))))
        (local.set $as (v128.load32_splat offset=12 (local.get $a)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $as) (local.get $b0))))))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c00)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c10)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c20)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store align=4
      (local.get $c)
      (f32x4.add (v128.load align=4 (local.get $c)) (local.get $c30)))
    (local.set $c (i32.add (local.get $c) (local.get $ldc))))
)
