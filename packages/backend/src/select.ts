import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { cacheDir } from './cache.js';
import {
  BACKEND_ORDER,
  type BackendAttempt,
  type BackendName,
  backendCandidates,
  firstUsable,
  webgpuVerdict,
} from './choice.js';
import { BackendError } from './errors.js';

/**
 * The WebGPU adapter in use (the shape of @op-screen/webgpu-kernels' `AdapterSummary`, restated
 * so this package's types do not need that optional package installed).
 */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  dawnBackend: 'default' | 'opengles';
  featureLevel: 'core' | 'compatibility';
  software: boolean;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxStorageBuffersPerShaderStage: number;
  };
}

export interface BackendInfo {
  /** The tfjs backend name in use (`tensorflow`, `wasm` or `cpu`). */
  backend: string;
  /** What `selectBackend` tried, in order, with a one-line reason for each backend it skipped. */
  attempts: BackendAttempt[];
  versions: Record<string, string>;
  /** wasm only: whether the SIMD build is in use. */
  simd: boolean | null;
  /** wasm only: threads of the wasm backend (1 in Node: its threaded build needs browser workers). */
  threads: number | null;
  /** Whether an NVIDIA device/driver is visible to this process (independent of whether tfjs uses it). */
  cudaVisible: boolean;
  cudaDetail: string;
  /** webgpu only: the adapter (vendor, architecture, hardware or software, limits). */
  webgpu: AdapterSummary | null;
  cacheDir: string;
}

export interface SelectBackendOptions {
  /** `auto` (default) tries {@link BACKEND_ORDER}; naming one backend tries only that one. */
  prefer?: 'auto' | BackendName;
}

const require = createRequire(import.meta.url);
const nativePackage: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

let selected: Promise<BackendInfo> | null = null;
let selectedPrefer: string | null = null;

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? '').slice(0, 200);
}

async function tryNative(which: 'tensorflow-gpu' | 'tensorflow'): Promise<string | null> {
  const spec = nativePackage[which];
  try {
    // A variable specifier keeps bundlers from resolving an optional package at build time.
    const mod: unknown = await import(/* @vite-ignore */ spec);
    void mod;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return `${spec} is not installed`;
    return `${spec} failed to load: ${firstLine(err)}`;
  }
  if (tf.findBackend('tensorflow') == null)
    return `${spec} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs-core ${tf.version_core} (versions must match)`;
  try {
    if (!(await tf.setBackend('tensorflow'))) return `${spec} backend failed to initialise`;
  } catch (err) {
    return `${spec} backend failed to initialise: ${firstLine(err)}`;
  }
  if (which === 'tensorflow-gpu' && !cudaVisibility().visible)
    return `${spec} loaded but no CUDA device is visible`;
  return null;
}

function wasmDistDir(): string {
  return `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
}

async function tryWasm(): Promise<string | null> {
  try {
    const dir = wasmDistDir();
    if (!existsSync(join(dir, 'tfjs-backend-wasm.wasm'))) return `wasm binaries missing in ${dir}`;
    setWasmPaths(dir);
    if (!(await tf.setBackend('wasm'))) return 'wasm backend failed to initialise';
    return null;
  } catch (err) {
    return `wasm backend failed to initialise: ${firstLine(err)}`;
  }
}

let webgpuAdapter: AdapterSummary | null = null;

/**
 * WebGPU through @op-screen/webgpu-kernels (Dawn's `webgpu` package and
 * `@tensorflow/tfjs-backend-webgpu`, both optional, loaded only here). Whether an adapter is taken
 * is {@link webgpuVerdict}'s call: `auto` takes a hardware adapter only, `prefer: 'webgpu'` also
 * Mesa's llvmpipe (tests, no GPU). The backend is registered once per process, on the first
 * adapter taken.
 */
async function tryWebGpu(prefer: 'auto' | 'webgpu'): Promise<string | null> {
  let wg: typeof import('@op-screen/webgpu-kernels');
  try {
    // A variable specifier: the package is an optional peer, resolved only when webgpu is asked for.
    const spec = '@op-screen/webgpu-kernels';
    wg = (await import(/* @vite-ignore */ spec)) as typeof import('@op-screen/webgpu-kernels');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      return '@op-screen/webgpu-kernels is not installed (npm install @op-screen/webgpu-kernels webgpu @tensorflow/tfjs-backend-webgpu)';
    return `@op-screen/webgpu-kernels failed to load: ${firstLine(err)}`;
  }
  try {
    if (webgpuAdapter === null) {
      let gpu: Awaited<ReturnType<typeof wg.createNodeGpu>>;
      try {
        gpu = await wg.createNodeGpu({ software: prefer === 'webgpu' });
      } catch (err) {
        const why = firstLine(err)
          .replace(/^no WebGPU adapter: /, '')
          .replace(/; software: not allowed \(pass software: true\)/, '');
        return webgpuVerdict(prefer, null, why);
      }
      const verdict = webgpuVerdict(prefer, gpu.summary);
      if (verdict !== null) return verdict;
      await wg.registerWebGpuBackend(gpu);
      webgpuAdapter = gpu.summary;
    } else {
      // the adapter registered earlier came after a hardware attempt; judge it again for this prefer
      const verdict = webgpuVerdict(prefer, webgpuAdapter);
      if (verdict !== null) return verdict;
    }
    // The WGSL kernels (AddN for many inputs, SiLU's one-pass gradient, ...). BatchNorm and Mean
    // keep tfjs-core's own gradients on webgpu (their fused forms are @op-screen/wasm-kernels').
    wg.registerWebGpuKernels();
    if (!(await tf.setBackend('webgpu'))) return 'webgpu backend failed to initialise';
    return null;
  } catch (err) {
    return `webgpu backend failed to initialise: ${firstLine(err)}`;
  }
}

async function trySelect(name: BackendName, prefer: string): Promise<string | null> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') return tryNative(name);
  if (name === 'webgpu') return tryWebGpu(prefer === 'webgpu' ? 'webgpu' : 'auto');
  if (name === 'wasm') return tryWasm();
  if (!(await tf.setBackend('cpu'))) return 'cpu backend failed to initialise';
  quietCpuBackend();
  return null;
}

/**
 * tfjs-backend-cpu prints "Hi, looks like you are running TensorFlow.js in Node.js ... install our
 * node backend" on its first tensor in Node: advice a library's users cannot follow here (that
 * backend does not install offline) and did not ask for. Marks the active cpu backend as used, so
 * it stays quiet; nothing else changes (no global tfjs flag is set).
 */
export function quietCpuBackend(): void {
  if (tf.getBackend() !== 'cpu') return;
  const b = tf.backend() as unknown as { firstUse?: boolean };
  if (typeof b.firstUse === 'boolean') b.firstUse = false;
}

/** CUDA visibility from the driver's files and `CUDA_VISIBLE_DEVICES` (no GPU library is loaded). */
export function cudaVisibility(): { visible: boolean; detail: string } {
  const env = process.env.CUDA_VISIBLE_DEVICES;
  if (env !== undefined && (env.trim() === '' || env.trim() === '-1'))
    return { visible: false, detail: `CUDA_VISIBLE_DEVICES=${JSON.stringify(env)} hides all devices` };
  if (process.platform !== 'linux') return { visible: false, detail: `not checked on ${process.platform}` };
  try {
    const version = readFileSync('/proc/driver/nvidia/version', 'utf8').split('\n')[0] ?? '';
    const dev = existsSync('/dev/nvidia0');
    return { visible: dev, detail: dev ? version.trim() : 'NVIDIA driver loaded but /dev/nvidia0 is absent' };
  } catch {
    return { visible: false, detail: 'no NVIDIA driver (/proc/driver/nvidia/version absent)' };
  }
}

async function describeCurrent(attempts: BackendAttempt[]): Promise<BackendInfo> {
  const backend = tf.getBackend();
  const versions: Record<string, string> = {
    'tfjs-core': tf.version_core,
    'tfjs-backend-wasm': version_wasm,
  };
  try {
    versions['tfjs-layers'] = (
      require('@tensorflow/tfjs-layers/package.json') as { version: string }
    ).version;
  } catch {
    /* layers is a dependency; absence only drops the line */
  }
  let simd: boolean | null = null;
  let threads: number | null = null;
  if (backend === 'wasm') {
    simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    threads = getThreadsCount();
  }
  if (backend === 'tensorflow') {
    const v = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding?.TF_Version;
    if (v) versions.tensorflow = v;
  }
  const cuda = cudaVisibility();
  return {
    backend,
    attempts,
    versions,
    simd,
    threads,
    cudaVisible: cuda.visible,
    cudaDetail: cuda.detail,
    webgpu: backend === 'webgpu' ? webgpuAdapter : null,
    cacheDir: cacheDir(),
  };
}

/**
 * Chooses and initialises the tfjs backend once per process (later calls return the same answer).
 * `auto`: `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (both optional, loaded only if
 * installed), then WebGPU on a hardware adapter (`webgpu` and `@tensorflow/tfjs-backend-webgpu`
 * optional; llvmpipe, SwiftShader and fallback adapters count as software and are skipped;
 * `prefer: 'webgpu'` takes them too), then the WebAssembly backend (installed with this package;
 * its `.wasm` files are read from node_modules, no network), then the pure-JS cpu backend. Every skipped backend gets a one-line
 * reason in `attempts`.
 */
export function selectBackend(options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const prefer = options.prefer ?? 'auto';
  if (selected && selectedPrefer === prefer) return selected;
  selectedPrefer = prefer;
  selected = (async () => {
    if (prefer !== 'auto' && !BACKEND_ORDER.includes(prefer))
      throw new BackendError(
        'INVALID_OPTION',
        `unknown backend '${prefer}'; use one of auto, ${BACKEND_ORDER.join(', ')}`,
      );
    const attempts = await firstUsable(backendCandidates(prefer), (name) => trySelect(name, prefer));
    if (attempts[attempts.length - 1]?.ok) {
      await tf.ready();
      return describeCurrent(attempts);
    }
    throw new BackendError(
      'BACKEND_UNAVAILABLE',
      `no tfjs backend could be initialised: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}`,
    );
  })();
  selected.catch(() => {
    selected = null;
  });
  return selected;
}

/** What `op-screen doctor` says about WebGPU: the adapter Dawn finds, whether or not it is in use. */
export interface WebGpuAdapterReport {
  found: boolean;
  /** `hardware`, `software` (llvmpipe, SwiftShader, fallback adapters), or null when none was found. */
  kind: 'hardware' | 'software' | null;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Dawn backend and WebGPU feature level (`opengles`/`compatibility` for Mesa llvmpipe). */
  dawnBackend: AdapterSummary['dawnBackend'] | null;
  featureLevel: AdapterSummary['featureLevel'] | null;
  limits: AdapterSummary['limits'] | null;
  /** Whether the selected tfjs backend is webgpu on this adapter. */
  inUse: boolean;
  /** One line: `in use`, why auto passes it by, or why there is none. */
  reason: string;
}

function adapterReport(s: AdapterSummary, inUse: boolean): WebGpuAdapterReport {
  return {
    found: true,
    kind: s.software ? 'software' : 'hardware',
    vendor: s.vendor,
    architecture: s.architecture,
    device: s.device,
    description: s.description,
    dawnBackend: s.dawnBackend,
    featureLevel: s.featureLevel,
    limits: s.limits,
    inUse,
    reason: inUse ? 'in use' : (webgpuVerdict('auto', s) ?? 'found; another backend was selected first'),
  };
}

/**
 * Looks for a WebGPU adapter (hardware first, then Mesa llvmpipe) without selecting it: the
 * adapter of the webgpu backend when it is in use, else what `createNodeGpu({ software: true })`
 * of @op-screen/webgpu-kernels finds (an optional package, loaded only here).
 */
export async function probeWebGpuAdapter(): Promise<WebGpuAdapterReport> {
  const none = (reason: string): WebGpuAdapterReport => ({
    found: false,
    kind: null,
    vendor: '',
    architecture: '',
    device: '',
    description: '',
    dawnBackend: null,
    featureLevel: null,
    limits: null,
    inUse: false,
    reason,
  });
  if (webgpuAdapter !== null) return adapterReport(webgpuAdapter, tf.getBackend() === 'webgpu');
  try {
    const spec = '@op-screen/webgpu-kernels';
    const wg = (await import(/* @vite-ignore */ spec)) as typeof import('@op-screen/webgpu-kernels');
    const gpu = await wg.createNodeGpu({ software: true });
    return adapterReport(gpu.summary, false);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      return none('@op-screen/webgpu-kernels is not installed');
    return none(firstLine(err));
  }
}

/** Alias of {@link selectBackend} for callers that think of it as initialisation. */
export const initBackend = selectBackend;

/**
 * What `op-screen doctor` prints: the backend `selectBackend()` picks (initialising it if needed),
 * the reasons others were skipped, versions, SIMD/threads, CUDA visibility and the weight cache.
 */
export async function describeBackend(options: SelectBackendOptions = {}): Promise<BackendInfo> {
  return selectBackend(options);
}
