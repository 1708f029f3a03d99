/**
 * A layer whose random draws in training a trainer can pin to a per-step seed. Gradient
 * checkpointing recomputes a segment's forward pass; with a step seed set, the recomputed masks
 * equal the first pass's. @op-screen/efficientnet's StochasticDepth implements it; implement it
 * in any custom random layer you train with `gradientCheckpointing`.
 */
export interface ReseedableLayer {
  setStepSeed(stepSeed: number | undefined): void;
}

/** Whether a layer implements {@link ReseedableLayer} (structurally: a `setStepSeed` method). */
export function isReseedableLayer(layer: unknown): layer is ReseedableLayer {
  return typeof (layer as { setStepSeed?: unknown } | null)?.setStepSeed === 'function';
}
