import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

const here = dirname(fileURLToPath(import.meta.url));
const stand = (name: string) => join(here, 'src', 'browser', name);
const CODECS = [
  '@cornerstonejs/codec-charls',
  '@cornerstonejs/codec-libjpeg-turbo-8bit',
  '@cornerstonejs/codec-openjpeg',
  '@cornerstonejs/codec-openjph',
];
/** Emscripten factory and wasm file of each codec (OpenJPH names them differently). */
const codecFiles = (pkg: string): [string, string] =>
  pkg === '@cornerstonejs/codec-openjph'
    ? [`${pkg}/wasmjs`, `${pkg}/wasm`]
    : [`${pkg}/decodewasmjs`, `${pkg}/decodewasm`];

/**
 * The browser build (dist/browser.js): Node built-ins reached by the shared modules resolve to
 * stand-ins in src/browser/ (fs throws a typed "pass bytes" error, zlib runs on fflate), those
 * that third-party code requires only on its Node path resolve to an empty module, and each
 * codec's Emscripten factory is wrapped to receive its wasm embedded in the bundle.
 */
const browserStandIns: Plugin = {
  name: 'mri-io-browser-stand-ins',
  setup(build) {
    // tsup strips the `node:` prefix, so the importer tells this package's own imports apart.
    build.onResolve({ filter: /^(node:)?(fs|fs\/promises|path|zlib)$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!args.importer.startsWith(join(here, 'src'))) return { path: stand('empty.ts') };
      const file = {
        fs: 'node-fs.ts',
        'fs/promises': 'node-fs.ts',
        path: 'node-path.ts',
        zlib: 'node-zlib.ts',
      }[name];
      return { path: stand(file ?? 'empty.ts') };
    });
    build.onResolve({ filter: /^@cornerstonejs\/codec-[a-z0-9-]+(\/decodewasmjs)?$/ }, (args) =>
      args.namespace === 'codec-with-wasm' ? undefined : { path: args.path, namespace: 'codec-with-wasm' },
    );
    build.onLoad({ filter: /.*/, namespace: 'codec-with-wasm' }, (args) => {
      const pkg = args.path.replace(/\/decodewasmjs$/, '');
      if (!CODECS.includes(pkg)) return { errors: [{ text: `unknown codec ${pkg}` }] };
      const [js, wasm] = codecFiles(pkg);
      return {
        resolveDir: here,
        contents: [
          `import factory from '${js}';`,
          `import wasmBinary from '${wasm}';`,
          'export default (options) => factory({ ...options, wasmBinary });',
        ].join('\n'),
      };
    });
  },
};

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
  },
  {
    entry: { browser: 'src/browser.ts' },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    platform: 'browser',
    removeNodeProtocol: false,
    target: 'es2022',
    // Bundled so their Node-only requires and wasm files are resolved here, not by the app's bundler.
    noExternal: [...CODECS, 'dicom-parser'],
    loader: { '.wasm': 'binary' },
    esbuildPlugins: [browserStandIns],
  },
]);
