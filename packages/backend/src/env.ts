import { BACKEND_ORDER, type BackendName } from './choice.js';
import { BackendError } from './errors.js';
import { type BackendInfo, selectBackend } from './select.js';

/**
 * The backend the CLI asks the model zoo for: `OP_SCREEN_BACKEND` (auto, tensorflow-gpu,
 * tensorflow, webgpu, wasm or cpu; unset or empty = auto). `webgpu` also takes a software adapter
 * (Mesa llvmpipe), which `auto` never does. Anything else is a BAD_OPTION error.
 */
export function backendPreference(env: NodeJS.ProcessEnv = process.env): 'auto' | BackendName {
  const v = (env.OP_SCREEN_BACKEND ?? '').trim();
  if (v === '' || v === 'auto') return 'auto';
  if ((BACKEND_ORDER as readonly string[]).includes(v)) return v as BackendName;
  throw new BackendError(
    'BAD_OPTION',
    `OP_SCREEN_BACKEND=${JSON.stringify(v)} is not a backend; use auto, ${BACKEND_ORDER.join(', ')}`,
  );
}

/**
 * Selects the backend `OP_SCREEN_BACKEND` asks for ({@link selectBackend} with
 * {@link backendPreference}): what every op-screen command computes on.
 */
export async function selectBackendFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<BackendInfo> {
  return selectBackend({ prefer: backendPreference(env) });
}
