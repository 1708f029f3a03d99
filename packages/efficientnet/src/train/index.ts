// Training engine (fine-tuning, wasm gradient kernels, worker pool, checkpoints).
export {};
