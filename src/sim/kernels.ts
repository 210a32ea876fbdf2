/**
 * Fixed kernel loop nests that replace the mapper on a core running a kernel library (`compute.kernel`).
 * `cmsis-nn` follows the int8 kernels of Arm's CMSIS-NN (github.com/ARM-software/CMSIS-NN,
 * Source/ConvolutionFunctions, FullyConnectedFunctions):
 * - convolution (arm_convolve_s8): im2col of two output pixels, then arm_nn_mat_mult_kernel_s8_s16 — two
 *   output channels × two pixels per inner loop over the whole reduction (R·S·C): tile Q = 2, K = 2, all of
 *   C, pixels outer and channels inner, so the two pixels' window is gathered once and every channel pair
 *   re-reads its weight rows;
 * - depthwise (arm_depthwise_conv_s8_opt): four channels at a time per output pixel, channels innermost;
 * - fully connected (arm_nn_vec_mat_mult_t_s8): two output rows at a time over the whole input vector.
 * The "buffers" of such a target stand for the kernel's working set (registers and the im2col scratch).
 */
import type { KernelNest } from "../hw/types.js";
import type { Mapping } from "./mapping.js";
import type { SimLayer, TiledDim } from "./workload.js";

export function kernelMapping(kernel: KernelNest, l: SimLayer): Mapping {
  switch (kernel) {
    case "cmsis-nn": {
      const depthwise = l.C === 1 && l.K === 1 && l.G > 1;
      const gemm = l.op === "fc" || l.op === "matmul";
      const tile: Record<TiledDim, number> = { N: 1, G: 1, K: Math.min(2, l.K), C: l.C, P: 1, Q: Math.min(2, l.Q) };
      let order: TiledDim[] = ["N", "G", "P", "Q", "K", "C"];
      if (depthwise) {
        tile.G = Math.min(4, l.G);
        tile.K = l.K;
        tile.Q = 1;
        order = ["N", "P", "Q", "G", "K", "C"];
      } else if (gemm) tile.Q = 1;
      return { dataflow: "vector", spatial: { rows: [], cols: [] }, tile, order };
    }
    default: {
      const never: never = kernel;
      return never;
    }
  }
}
