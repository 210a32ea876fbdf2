;; int16 kernels for quarch's exact integer convolutions (WebAssembly SIMD128): block dot products for
;; dense layers (gemm) and per-channel multiply-accumulate for depthwise layers (dwconv).
;;
;; gemm(patch, nPix, w, nOC, K, out): out[p*nOC + oc] = sum_k patch[p*K + k] * w[oc*K + k]
;;   patch: nPix rows of K int16; w: nOC rows of K int16; out: int32, row-major [nPix, nOC].
;;   K is a multiple of 8, nPix a multiple of 2 and nOC a multiple of 4 (the caller pads with zeros).
;; i32x4.dot_i16x8_s adds two exact int16 products per lane; lane sums wrap modulo 2^32 like C's int32,
;; and the caller uses this kernel only where no int32 accumulator can overflow (a static bound), so
;; every result is the exact accumulator.
;; Compiled with wabt by scripts/build-wasm.ts into int8-gemm.wasm.ts (a test checks they agree).
(module
  (memory (export "memory") 1)
  (func (export "gemm") (param $patch i32) (param $nPix i32) (param $w i32) (param $nOC i32) (param $K i32) (param $out i32)
    (local $p i32) (local $oc i32) (local $kb i32) (local $rowBytes i32)
    (local $pa i32) (local $pb i32) (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $o i32)
    (local $va v128) (local $vb v128) (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $a00 v128) (local $a01 v128) (local $a02 v128) (local $a03 v128) (local $a10 v128) (local $a11 v128) (local $a12 v128) (local $a13 v128)
    (local.set $rowBytes (i32.shl (local.get $K) (i32.const 1)))
    (local.set $p (i32.const 0))
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $p) (local.get $nPix)))
        (local.set $pa (i32.add (local.get $patch) (i32.mul (local.get $p) (local.get $rowBytes))))
        (local.set $pb (i32.add (local.get $pa) (local.get $rowBytes)))
        (local.set $oc (i32.const 0))
        (block $cdone
          (loop $cloop
            (br_if $cdone (i32.ge_u (local.get $oc) (local.get $nOC)))
            (local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $oc) (local.get $rowBytes))))
            (local.set $w1 (i32.add (local.get $w0) (local.get $rowBytes)))
            (local.set $w2 (i32.add (local.get $w1) (local.get $rowBytes)))
            (local.set $w3 (i32.add (local.get $w2) (local.get $rowBytes)))
            (local.set $a00 (v128.const i32x4 0 0 0 0))
            (local.set $a01 (v128.const i32x4 0 0 0 0))
            (local.set $a02 (v128.const i32x4 0 0 0 0))
            (local.set $a03 (v128.const i32x4 0 0 0 0))
            (local.set $a10 (v128.const i32x4 0 0 0 0))
            (local.set $a11 (v128.const i32x4 0 0 0 0))
            (local.set $a12 (v128.const i32x4 0 0 0 0))
            (local.set $a13 (v128.const i32x4 0 0 0 0))
            (local.set $kb (i32.const 0))
            (block $kdone
              (loop $kloop
                (br_if $kdone (i32.ge_u (local.get $kb) (local.get $rowBytes)))
                (local.set $va (v128.load (i32.add (local.get $pa) (local.get $kb))))
                (local.set $vb (v128.load (i32.add (local.get $pb) (local.get $kb))))
                (local.set $x0 (v128.load (i32.add (local.get $w0) (local.get $kb))))
                (local.set $x1 (v128.load (i32.add (local.get $w1) (local.get $kb))))
                (local.set $x2 (v128.load (i32.add (local.get $w2) (local.get $kb))))
                (local.set $x3 (v128.load (i32.add (local.get $w3) (local.get $kb))))
                (local.set $a00 (i32x4.add (local.get $a00) (i32x4.dot_i16x8_s (local.get $va) (local.get $x0))))
                (local.set $a01 (i32x4.add (local.get $a01) (i32x4.dot_i16x8_s (local.get $va) (local.get $x1))))
                (local.set $a02 (i32x4.add (local.get $a02) (i32x4.dot_i16x8_s (local.get $va) (local.get $x2))))
                (local.set $a03 (i32x4.add (local.get $a03) (i32x4.dot_i16x8_s (local.get $va) (local.get $x3))))
                (local.set $a10 (i32x4.add (local.get $a10) (i32x4.dot_i16x8_s (local.get $vb) (local.get $x0))))
                (local.set $a11 (i32x4.add (local.get $a11) (i32x4.dot_i16x8_s (local.get $vb) (local.get $x1))))
                (local.set $a12 (i32x4.add (local.get $a12) (i32x4.dot_i16x8_s (local.get $vb) (local.get $x2))))
                (local.set $a13 (i32x4.add (local.get $a13) (i32x4.dot_i16x8_s (local.get $vb) (local.get $x3))))
                (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
                (br $kloop)))
            (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $nOC)) (local.get $oc)) (i32.const 2))))
            (i32.store offset=0 (local.get $o) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a00)) (i32x4.extract_lane 1 (local.get $a00))) (i32.add (i32x4.extract_lane 2 (local.get $a00)) (i32x4.extract_lane 3 (local.get $a00)))))
            (i32.store offset=4 (local.get $o) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a01)) (i32x4.extract_lane 1 (local.get $a01))) (i32.add (i32x4.extract_lane 2 (local.get $a01)) (i32x4.extract_lane 3 (local.get $a01)))))
            (i32.store offset=8 (local.get $o) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a02)) (i32x4.extract_lane 1 (local.get $a02))) (i32.add (i32x4.extract_lane 2 (local.get $a02)) (i32x4.extract_lane 3 (local.get $a02)))))
            (i32.store offset=12 (local.get $o) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a03)) (i32x4.extract_lane 1 (local.get $a03))) (i32.add (i32x4.extract_lane 2 (local.get $a03)) (i32x4.extract_lane 3 (local.get $a03)))))
            (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (i32.add (local.get $p) (i32.const 1)) (local.get $nOC)) (local.get $oc)) (i32.const 2))))
            (i32.store offset=0 (local.get $o) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a10)) (i32x4.extract_lane 1 (local.get $a10))) (i32.add (i32x4.extract_lane 2 (local.get $a10)) (i32x4.extract_lane 3 (local.get $a10)))))
            (i32.store offset=4 (local.get $o) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a11)) (i32x4.extract_lane 1 (local.get $a11))) (i32.add (i32x4.extract_lane 2 (local.get $a11)) (i32x4.extract_lane 3 (local.get $a11)))))
            (i32.store offset=8 (local.get $o) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a12)) (i32x4.extract_lane 1 (local.get $a12))) (i32.add (i32x4.extract_lane 2 (local.get $a12)) (i32x4.extract_lane 3 (local.get $a12)))))
            (i32.store offset=12 (local.get $o) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a13)) (i32x4.extract_lane 1 (local.get $a13))) (i32.add (i32x4.extract_lane 2 (local.get $a13)) (i32x4.extract_lane 3 (local.get $a13)))))
            (local.set $oc (i32.add (local.get $oc) (i32.const 4)))
            (br $cloop)))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (br $ploop))))

  ;; dwconv(x, H, W, Cp, w, kH, kW, sH, sW, dH, dW, pT, pL, oH, oW, out): depthwise convolution of one image.
  ;;   x: [H, W, Cp] int16 (centered, channels padded to a multiple of 8); w: [kH·kW, Cp] int16;
  ;;   out: [oH, oW, Cp] int32 = Σ over in-image taps of x·w per channel (taps outside the image skipped).
  (func (export "dwconv") (param $x i32) (param $H i32) (param $W i32) (param $Cp i32) (param $w i32)
        (param $kH i32) (param $kW i32) (param $sH i32) (param $sW i32) (param $dH i32) (param $dW i32)
        (param $pT i32) (param $pL i32) (param $oH i32) (param $oW i32) (param $out i32)
    (local $oy i32) (local $ox i32) (local $ky i32) (local $kx i32) (local $iy i32) (local $ix i32)
    (local $o i32) (local $xp i32) (local $wp i32) (local $cb i32) (local $cEnd i32) (local $xv v128) (local $wv v128)
    (local.set $cEnd (i32.shl (local.get $Cp) (i32.const 1)))
    (local.set $oy (i32.const 0))
    (block $ydone (loop $yloop
      (br_if $ydone (i32.ge_s (local.get $oy) (local.get $oH)))
      (local.set $ox (i32.const 0))
      (block $xdone (loop $xloop
        (br_if $xdone (i32.ge_s (local.get $ox) (local.get $oW)))
        (local.set $o (i32.add (local.get $out)
          (i32.shl (i32.mul (i32.add (i32.mul (local.get $oy) (local.get $oW)) (local.get $ox)) (local.get $Cp)) (i32.const 2))))
        ;; zero this pixel's accumulators
        (local.set $cb (i32.const 0))
        (block $zdone (loop $zloop
          (br_if $zdone (i32.ge_u (local.get $cb) (local.get $cEnd)))
          (v128.store (i32.add (local.get $o) (i32.shl (local.get $cb) (i32.const 1))) (v128.const i32x4 0 0 0 0))
          (v128.store offset=16 (i32.add (local.get $o) (i32.shl (local.get $cb) (i32.const 1))) (v128.const i32x4 0 0 0 0))
          (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
          (br $zloop)))
        (local.set $ky (i32.const 0))
        (block $kydone (loop $kyloop
          (br_if $kydone (i32.ge_s (local.get $ky) (local.get $kH)))
          (local.set $iy (i32.add (i32.sub (i32.mul (local.get $oy) (local.get $sH)) (local.get $pT)) (i32.mul (local.get $ky) (local.get $dH))))
          (if (i32.and (i32.ge_s (local.get $iy) (i32.const 0)) (i32.lt_s (local.get $iy) (local.get $H)))
            (then
              (local.set $kx (i32.const 0))
              (block $kxdone (loop $kxloop
                (br_if $kxdone (i32.ge_s (local.get $kx) (local.get $kW)))
                (local.set $ix (i32.add (i32.sub (i32.mul (local.get $ox) (local.get $sW)) (local.get $pL)) (i32.mul (local.get $kx) (local.get $dW))))
                (if (i32.and (i32.ge_s (local.get $ix) (i32.const 0)) (i32.lt_s (local.get $ix) (local.get $W)))
                  (then
                    (local.set $xp (i32.add (local.get $x)
                      (i32.shl (i32.mul (i32.add (i32.mul (local.get $iy) (local.get $W)) (local.get $ix)) (local.get $Cp)) (i32.const 1))))
                    (local.set $wp (i32.add (local.get $w)
                      (i32.shl (i32.mul (i32.add (i32.mul (local.get $ky) (local.get $kW)) (local.get $kx)) (local.get $Cp)) (i32.const 1))))
                    (local.set $cb (i32.const 0))
                    (block $cdone (loop $cloop
                      (br_if $cdone (i32.ge_u (local.get $cb) (local.get $cEnd)))
                      (local.set $xv (v128.load (i32.add (local.get $xp) (local.get $cb))))
                      (local.set $wv (v128.load (i32.add (local.get $wp) (local.get $cb))))
                      (v128.store (i32.add (local.get $o) (i32.shl (local.get $cb) (i32.const 1)))
                        (i32x4.add (v128.load (i32.add (local.get $o) (i32.shl (local.get $cb) (i32.const 1))))
                                   (i32x4.extmul_low_i16x8_s (local.get $xv) (local.get $wv))))
                      (v128.store offset=16 (i32.add (local.get $o) (i32.shl (local.get $cb) (i32.const 1)))
                        (i32x4.add (v128.load offset=16 (i32.add (local.get $o) (i32.shl (local.get $cb) (i32.const 1))))
                                   (i32x4.extmul_high_i16x8_s (local.get $xv) (local.get $wv))))
                      (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
                      (br $cloop)))))
                (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                (br $kxloop)))))
          (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
          (br $kyloop)))
        (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
        (br $xloop)))
      (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
      (br $yloop)))
  )
)
