/**
 * Sub-byte packing lives in ir/ (the *.qnet.json format stores packed tensors, and ir may import nothing
 * else); quant/ re-exports it for kernels and quantizers.
 */
export * from "../ir/packing.js";
