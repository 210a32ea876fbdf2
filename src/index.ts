/** quarch: co-design of quantized networks and the hardware that runs them. */
export * as ir from "./ir/index.js";
export * as quant from "./quant/index.js";
export * as kernels from "./kernels/index.js";
export * as exec from "./exec/index.js";
export * as onnx from "./onnx/index.js";
export * as tflite from "./tflite/index.js";
export * from "./errors.js";
