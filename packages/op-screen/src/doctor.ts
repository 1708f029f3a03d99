import {
  type BackendInfo,
  backendPreference,
  describeBackend,
  probeWebGpuAdapter,
  type WebGpuAdapterReport,
} from '@op-screen/backend';
import * as efficientnet from '@op-screen/efficientnet';
import * as metrics from '@op-screen/metrics';
import * as mriIo from '@op-screen/mri-io';
import * as preprocess from '@op-screen/preprocess';

export interface DoctorReport {
  node: string;
  platform: string;
  cpus: number;
  packages: Record<string, string>;
  /**
   * The tfjs backend the model zoo uses (`OP_SCREEN_BACKEND`, else auto; and why others were
   * skipped), versions, SIMD/threads, CUDA, cache dir.
   */
  backend: BackendInfo;
  /**
   * The WebGPU adapter Dawn finds (hardware first, then Mesa llvmpipe), in use or not: vendor,
   * architecture, hardware or software, limits; or why there is none.
   */
  adapter: WebGpuAdapterReport;
}

/** Versions and environment facts, printed by `op-screen doctor`. */
export async function doctor(): Promise<DoctorReport> {
  const os = await import('node:os');
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    packages: {
      [mriIo.PACKAGE_NAME]: mriIo.VERSION,
      [preprocess.PACKAGE_NAME]: preprocess.VERSION,
      [efficientnet.PACKAGE_NAME]: efficientnet.VERSION,
      [metrics.PACKAGE_NAME]: metrics.VERSION,
    },
    backend: await describeBackend({ prefer: backendPreference() }),
    adapter: await probeWebGpuAdapter(),
  };
}
