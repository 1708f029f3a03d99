import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstLine, WebGpuError } from './errors.js';

/** The parts of WebGPU's `GPUAdapter` this package reads (structural, so no DOM types are needed). */
export interface GpuAdapterLike {
  readonly features: ReadonlySet<string>;
  readonly limits: Record<string, number> | object;
  readonly info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  requestDevice(descriptor?: unknown): Promise<GpuDeviceLike>;
}

export interface GpuDeviceLike {
  destroy(): void;
  readonly lost?: Promise<unknown>;
}

export interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null>;
}

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** Which adapter {@link createNodeGpu} found, for logs and `op-screen doctor`. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Dawn backend: `vulkan` (or Dawn's platform default) for hardware, `opengles` for Mesa llvmpipe. */
  dawnBackend: 'default' | 'opengles';
  /** `compatibility` on the OpenGL ES path (WebGPU compatibility mode), else `core`. */
  featureLevel: 'core' | 'compatibility';
  /** True for CPU rasterisers (llvmpipe, lavapipe, SwiftShader, softpipe) and fallback adapters. */
  software: boolean;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxStorageBuffersPerShaderStage: number;
  };
}

export interface NodeGpu {
  /** Dawn's `GPU` object the adapter came from (what a browser has as `navigator.gpu`). */
  gpu: GpuLike;
  adapter: GpuAdapterLike;
  summary: AdapterSummary;
  /** Dawn's globals (GPUBufferUsage, GPUMapMode, ...), which tfjs-backend-webgpu reads from globalThis. */
  globals: Record<string, unknown>;
  /** What was tried before this adapter, one line each. */
  attempts: string[];
}

export interface CreateNodeGpuOptions {
  /**
   * Accept a software adapter (Mesa llvmpipe through Dawn's OpenGL ES backend, in WebGPU
   * compatibility mode) when no hardware adapter is found. Default false: hardware only.
   */
  software?: boolean;
  /** Skip the hardware attempt (tests that must run on the software adapter). Implies `software`. */
  softwareOnly?: boolean;
  /** Directories searched for Mesa's files (default: LD_LIBRARY_PATH, then the Debian multiarch dirs). */
  libraryDirs?: string[];
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|software rasterizer/i;

/** Whether adapter info names a CPU rasteriser or says it is a fallback adapter. */
export function isSoftwareAdapter(info: GpuAdapterLike['info']): boolean {
  if (!info) return false;
  if (info.isFallbackAdapter) return true;
  return SOFTWARE_NAMES.test(`${info.vendor ?? ''} ${info.device ?? ''} ${info.description ?? ''}`);
}

/** Debian packages whose files the software adapter loads (checked with {@link findMesaLibraries}). */
export const MESA_DEBIAN_PACKAGES: readonly string[] = ['libegl1', 'libegl-mesa0', 'libgl1-mesa-dri'];

const MESA_FILES: ReadonlyArray<[file: string, pkg: string]> = [
  ['libEGL.so.1', 'libegl1'],
  ['libEGL_mesa.so.0', 'libegl-mesa0'],
  ['dri/swrast_dri.so', 'libgl1-mesa-dri'],
];

/** LD_LIBRARY_PATH entries, then the Debian multiarch and generic library directories. */
export function defaultLibraryDirs(): string[] {
  const triplet = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const fromEnv = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== '');
  return [...fromEnv, `/usr/lib/${triplet}`, `/lib/${triplet}`, '/usr/lib64', '/usr/lib', '/lib'];
}

/**
 * Where the Mesa files of the software adapter are, or which are missing (with the Debian package
 * that provides each). The files are Linux's; on other systems they are reported missing.
 */
export function findMesaLibraries(dirs: string[] = defaultLibraryDirs()): {
  found: Record<string, string>;
  missing: Array<{ file: string; pkg: string }>;
} {
  const found: Record<string, string> = {};
  const missing: Array<{ file: string; pkg: string }> = [];
  for (const [file, pkg] of MESA_FILES) {
    const dir = dirs.find((d) => existsSync(join(d, file)));
    if (dir) found[file] = join(dir, file);
    else missing.push({ file, pkg });
  }
  return { found, missing };
}

/** Directories listed in /etc/ld.so.conf.d/*.conf (where the dynamic loader also looks). */
function ldConfDirs(): string[] {
  const dir = '/etc/ld.so.conf.d';
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.conf'))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
      .map((l) => l.trim())
      .filter((l) => l.startsWith('/'));
  } catch {
    return [];
  }
}

/**
 * Where the Vulkan loader `libvulkan.so.1` is (Linux), searched in {@link defaultLibraryDirs},
 * /etc/ld.so.conf.d's directories and /usr/local/lib; null when absent. Dawn's hardware path needs
 * it, so without it the hardware attempt is skipped before Dawn is loaded (and before Dawn logs
 * "Couldn't load Vulkan" to stderr). Other systems: always `'not checked'`.
 */
export function findVulkanLoader(dirs?: string[]): string | null {
  if (process.platform !== 'linux' && dirs === undefined) return 'not checked';
  const search = dirs ?? [...defaultLibraryDirs(), ...ldConfDirs(), '/usr/local/lib'];
  const dir = search.find((d) => existsSync(join(d, 'libvulkan.so.1')));
  return dir ? join(dir, 'libvulkan.so.1') : null;
}

/**
 * The GPU device nodes a Linux process sees: DRM render nodes (`/dev/dri/renderD*`: Intel, AMD,
 * ...), NVIDIA's (`/dev/nvidia0`, ...) and WSL2's (`/dev/dxg`). None means no GPU is visible, and
 * a Vulkan driver could only be a software one (lavapipe), whose probing prints warnings of
 * its own on stderr. `'not checked'` off Linux.
 */
export function findGpuDevices(devDir = '/dev'): string[] | 'not checked' {
  if (process.platform !== 'linux' && devDir === '/dev') return 'not checked';
  const out: string[] = [];
  const list = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  for (const f of list(join(devDir, 'dri'))) if (/^renderD\d+$/.test(f)) out.push(join(devDir, 'dri', f));
  for (const f of list(devDir)) if (/^nvidia\d+$/.test(f) || f === 'dxg') out.push(join(devDir, f));
  return out.sort();
}

let dawn: Promise<DawnModule> | null = null;

/** Loads `webgpu` (Dawn's prebuilt Node binding) once; a variable specifier keeps bundlers off it. */
export function loadDawn(): Promise<DawnModule> {
  if (!dawn) {
    const spec = 'webgpu';
    dawn = (import(/* @vite-ignore */ spec) as Promise<DawnModule>).catch((err: unknown) => {
      dawn = null;
      const code = (err as { code?: string }).code;
      const why =
        code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
          ? 'is not installed (npm install webgpu@0.6.2)'
          : `failed to load: ${firstLine(err)}`;
      throw new WebGpuError('MODULE_MISSING', `webgpu (Dawn for Node) ${why}`);
    });
  }
  return dawn;
}

function num(limits: object, key: string): number {
  return Number((limits as Record<string, number>)[key] ?? 0);
}

function summarise(adapter: GpuAdapterLike, dawnBackend: AdapterSummary['dawnBackend']): AdapterSummary {
  const info = adapter.info ?? {};
  const l = adapter.limits;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    dawnBackend,
    featureLevel: dawnBackend === 'opengles' ? 'compatibility' : 'core',
    software: isSoftwareAdapter(info),
    limits: {
      maxBufferSize: num(l, 'maxBufferSize'),
      maxStorageBufferBindingSize: num(l, 'maxStorageBufferBindingSize'),
      maxComputeWorkgroupStorageSize: num(l, 'maxComputeWorkgroupStorageSize'),
      maxComputeInvocationsPerWorkgroup: num(l, 'maxComputeInvocationsPerWorkgroup'),
      maxStorageBuffersPerShaderStage: num(l, 'maxStorageBuffersPerShaderStage'),
    },
  };
}

/** One line naming the adapter: `llvmpipe (LLVM 15.0.6, 256 bits) [software, opengles/compatibility]`. */
export function describeAdapter(s: AdapterSummary): string {
  const name = [s.vendor, s.architecture, s.device].filter((x) => x !== '').join(' ') || 'unnamed adapter';
  const kind = s.software ? 'software' : 'hardware';
  return `${name} (${s.description || 'no description'}) [${kind}, ${s.dawnBackend}/${s.featureLevel}, maxBufferSize ${s.limits.maxBufferSize}, maxStorageBufferBindingSize ${s.limits.maxStorageBufferBindingSize}]`;
}

async function tryHardware(mod: DawnModule, software: boolean, attempts: string[]): Promise<NodeGpu | null> {
  try {
    const gpu = mod.create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      attempts.push('hardware: Dawn found no adapter (Vulkan: is libvulkan1 and a GPU driver installed?)');
      return null;
    }
    const summary = summarise(adapter, 'default');
    if (summary.software && !software) {
      attempts.push(
        `hardware: only a software adapter (${summary.description || summary.device}) was offered`,
      );
      return null;
    }
    return { gpu, adapter, summary, globals: mod.globals, attempts };
  } catch (err) {
    attempts.push(`hardware: ${firstLine(err)}`);
    return null;
  }
}

async function trySoftware(mod: DawnModule, dirs: string[], attempts: string[]): Promise<NodeGpu | null> {
  const mesa = findMesaLibraries(dirs);
  if (mesa.missing.length > 0) {
    const pkgs = [...new Set(mesa.missing.map((m) => m.pkg))].join(' ');
    attempts.push(
      `software: Mesa ${mesa.missing.map((m) => m.file).join(', ')} not found (Debian: apt-get install ${pkgs})`,
    );
    return null;
  }
  // Mesa's EGL reads this when Dawn opens the display: no X11 or Wayland server is needed.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  try {
    const gpu = mod.create(['backend=opengles']);
    const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
    if (!adapter) {
      attempts.push(
        `software: Dawn's OpenGL ES backend found no adapter (EGL_PLATFORM=${process.env.EGL_PLATFORM})`,
      );
      return null;
    }
    return { gpu, adapter, summary: summarise(adapter, 'opengles'), globals: mod.globals, attempts };
  } catch (err) {
    attempts.push(`software: ${firstLine(err)}`);
    return null;
  }
}

/**
 * A WebGPU adapter in Node from Dawn (`webgpu` package): a hardware adapter first (Vulkan on
 * Linux), then, with `software: true`, Mesa llvmpipe through Dawn's OpenGL ES backend in WebGPU
 * compatibility mode. Throws {@link WebGpuError} `NO_ADAPTER` with one line saying why for each
 * path tried, or `MODULE_MISSING` when `webgpu` is not installed.
 */
export async function createNodeGpu(options: CreateNodeGpuOptions = {}): Promise<NodeGpu> {
  const software = options.software === true || options.softwareOnly === true;
  const attempts: string[] = [];
  const vulkan = options.softwareOnly ? 'skipped' : findVulkanLoader();
  if (vulkan === null)
    attempts.push(
      'hardware: no Vulkan loader (libvulkan.so.1; Debian: apt-get install libvulkan1 and the GPU driver)',
    );
  if (vulkan === null && !software)
    throw new WebGpuError(
      'NO_ADAPTER',
      `no WebGPU adapter: ${attempts.join('; ')}; software: not allowed (pass software: true)`,
    );
  const devices = options.softwareOnly || vulkan === null ? [] : findGpuDevices();
  const noGpu = Array.isArray(devices) && devices.length === 0 && vulkan !== null && !options.softwareOnly;
  if (noGpu)
    attempts.push(
      'hardware: no GPU device (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg) is visible to this process',
    );
  if (noGpu && !software)
    throw new WebGpuError(
      'NO_ADAPTER',
      `no WebGPU adapter: ${attempts.join('; ')}; software: not allowed (pass software: true)`,
    );
  const mod = await loadDawn();
  const hw =
    options.softwareOnly || vulkan === null || noGpu ? null : await tryHardware(mod, software, attempts);
  if (hw) return hw;
  if (!software) attempts.push('software: not allowed (pass software: true)');
  const sw = software ? await trySoftware(mod, options.libraryDirs ?? defaultLibraryDirs(), attempts) : null;
  if (sw) return sw;
  throw new WebGpuError('NO_ADAPTER', `no WebGPU adapter: ${attempts.join('; ')}`);
}
