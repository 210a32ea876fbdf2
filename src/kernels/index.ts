/** quarch/kernels: bit-exact integer kernels on typed arrays, and their float fake-quant references. */
export { conv2d } from "./conv2d.js";
export { makeWriter, newAccStats, writerOf } from "./epilogue.js";
export { matmul } from "./matmul.js";
export { pool } from "./pool.js";
export { castTensor, dequantizeLinear, dynamicQuantizeLinear, quantizeLinear } from "./quantize.js";
export { prepareSoftmax, softmax } from "./softmax.js";
export { setWasmKernels, wasmKernelsActive } from "./wasm/gemm.js";
export { conv2dXnor, matmulXnor } from "./xnor.js";
