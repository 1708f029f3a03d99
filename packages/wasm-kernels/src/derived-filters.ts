import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './backend.js';
import { free } from './heap.js';

/**
 * Filters rearranged for a gradient (transposed, flipped), kept per backend and per source
 * filter buffer: a training step runs the backward pass once per micro-batch with the same
 * weights, and a rearranged filter that keeps its buffer also keeps XNNPACK's packed copy of it
 * (the backend caches operators by filter buffer), so both are made once per weight update.
 * An entry is freed at the next lookup after its source buffer was disposed (the optimiser's
 * update replaces it), so the cache holds at most one copy of the current weights.
 */
const derivedFilters = new WeakMap<WasmBackendLike, Map<string, Map<object, TensorInfo>>>();

/** The `kind` rearrangement of `filter`, made by `make` once per filter buffer. */
export function derivedFilter(
  backend: WasmBackendLike,
  kind: string,
  filter: TensorInfo,
  make: () => TensorInfo,
): TensorInfo {
  let kinds = derivedFilters.get(backend);
  if (!kinds) {
    kinds = new Map();
    derivedFilters.set(backend, kinds);
  }
  let cache = kinds.get(kind);
  if (!cache) {
    cache = new Map();
    kinds.set(kind, cache);
  }
  for (const [source, derived] of cache) {
    if (!backend.dataIdMap.has(source)) {
      free(backend, derived);
      cache.delete(source);
    }
  }
  let derived = cache.get(filter.dataId);
  if (!derived) {
    derived = make();
    cache.set(filter.dataId, derived);
  }
  return derived;
}

/** Frees every cached rearranged filter of `backend` (tests; the cache otherwise empties itself). */
export function clearDerivedFilters(backend: WasmBackendLike): number {
  const kinds = derivedFilters.get(backend);
  let n = 0;
  for (const cache of kinds?.values() ?? []) {
    for (const derived of cache.values()) {
      free(backend, derived);
      n++;
    }
    cache.clear();
  }
  return n;
}
