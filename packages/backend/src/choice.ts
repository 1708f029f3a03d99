// The decisions of selectBackend as pure functions, so the order and the webgpu rule are tested
// with injected adapter info instead of whatever GPU the test machine has.

/** Backends selectBackend knows, in the order `auto` tries them. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = [
  'tensorflow-gpu',
  'tensorflow',
  'webgpu',
  'wasm',
  'cpu',
];

/** What a WebGPU adapter says about itself (GPUAdapterInfo, or a summary of it). */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
  /** Already decided by whoever summarised the adapter (@op-screen/webgpu-kernels). */
  software?: boolean;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|software/i;

/**
 * Whether an adapter is a CPU rasteriser: Mesa llvmpipe/lavapipe/softpipe, SwiftShader, anything
 * naming itself "software", or a WebGPU fallback adapter.
 */
export function isSoftwareAdapterInfo(info: AdapterInfoLike): boolean {
  if (info.software === true || info.isFallbackAdapter === true) return true;
  return SOFTWARE_NAMES.test(
    [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' '),
  );
}

/** The backends to try, in order, for a `prefer` value. */
export function backendCandidates(prefer: 'auto' | BackendName): BackendName[] {
  return prefer === 'auto' ? [...BACKEND_ORDER] : [prefer];
}

function adapterName(info: AdapterInfoLike): string {
  return (
    [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') ||
    info.description ||
    'unnamed adapter'
  );
}

/**
 * Whether selectBackend takes the webgpu backend on this adapter: `null` = take it, else the
 * one-line reason. `auto` takes hardware adapters only (a software rasteriser is slower than
 * wasm); `prefer: 'webgpu'` takes any adapter. `adapter: null` means none was found, and
 * `whyNone` says why (one line).
 */
export function webgpuVerdict(
  prefer: 'auto' | 'webgpu',
  adapter: AdapterInfoLike | null,
  whyNone = 'no adapter found',
): string | null {
  if (adapter === null) {
    const why = (whyNone.split('\n')[0] ?? '').slice(0, 300);
    return prefer === 'auto' ? `no hardware WebGPU adapter (${why})` : `no WebGPU adapter (${why})`;
  }
  if (prefer === 'auto' && isSoftwareAdapterInfo(adapter))
    return `only a software adapter (${adapterName(adapter)}); auto takes hardware adapters only, prefer: 'webgpu' takes it`;
  return null;
}

/** One backend's attempt, as `BackendInfo.attempts` lists it. */
export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** One line: why it was not used (or `selected`). */
  reason: string;
}

/**
 * Tries `order` with `attempt` (null = initialised) and stops at the first that works. Returns
 * every attempt; the last is `ok` when one was selected.
 */
export async function firstUsable(
  order: readonly BackendName[],
  attempt: (name: BackendName) => Promise<string | null>,
): Promise<BackendAttempt[]> {
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    const reason = await attempt(name);
    attempts.push({ backend: name, ok: reason === null, reason: reason ?? 'selected' });
    if (reason === null) break;
  }
  return attempts;
}
