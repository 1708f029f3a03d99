import type * as tfl from '@tensorflow/tfjs-layers';
import { ZooError } from './errors.js';
import { applyKerasMapping, type KerasTensorSource } from './keras-load.js';
import type { LoadOptions, LoadReport, WeightMapping } from './torchvision.js';

/** Keras preprocessing layers whose weights are input statistics, not network weights. */
const KERAS_PREPROCESSING = new Set(['normalization', 'rescaling']);

/**
 * Keras-applications layer name of one of our (torchvision-named) EfficientNet B0-B7 layers:
 * `features.2.0.block.1.0` -> `block2a_dwconv`, `features.0.1` -> `stem_bn`, `classifier.1` -> `predictions`.
 */
function kerasLayerName(model: tfl.LayersModel, name: string, headIndex: number): string | null {
  if (name === 'classifier.1') return 'predictions';
  const p = name.split('.');
  if (p[0] !== 'features') return null;
  const s = Number(p[1]);
  if (s === 0) return p[2] === '0' ? 'stem_conv' : p[2] === '1' ? 'stem_bn' : null;
  if (s === headIndex) return p[2] === '0' ? 'top_conv' : p[2] === '1' ? 'top_bn' : null;
  const j = Number(p[2]);
  const k = Number(p[4]);
  const part = p[5];
  const hasExpand = model.getLayer(`features.${s}.${j}.block.0.0`).getClassName() === 'Conv2D';
  const role = ['expand', 'dw', 'se', 'project'][hasExpand ? k : k + 1];
  const prefix = `block${s}${String.fromCharCode(97 + j)}_`;
  const table: Record<string, Record<string, string>> = {
    expand: { '0': 'expand_conv', '1': 'expand_bn' },
    dw: { '0': 'dwconv', '1': 'bn' },
    se: { fc1: 'se_reduce', fc2: 'se_expand' },
    project: { '0': 'project_conv', '1': 'project_bn' },
  };
  const leaf = role ? table[role]?.[part ?? ''] : undefined;
  return leaf ? prefix + leaf : null;
}

/**
 * The Keras-applications name-mapping table of an EfficientNet B0-B7 model built by `createModel`:
 * Keras weight `block2a_expand_conv/kernel:0` -> our `features.2.0.block.0.0/kernel`. Keras layouts
 * (HWIO kernels, [kh,kw,C,1] depthwise, [in,out] dense) are tfjs's, so no transform is needed.
 */
export function kerasMapping(model: tfl.LayersModel): WeightMapping[] {
  const isV1 = model.layers.some((l) => l.name === 'features.1.0.block.1.fc1');
  if (!isV1)
    throw new ZooError(
      'INVALID_OPTION',
      `Keras h5 loading supports EfficientNet B0-B7 (keras.applications.efficientnet); ${model.name} is not one of them`,
    );
  const headIndex = Math.max(
    ...model.layers.filter((l) => /^features\.\d+\.0$/.test(l.name)).map((l) => Number(l.name.split('.')[1])),
  );
  const rows: WeightMapping[] = [];
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const kn = kerasLayerName(model, layer.name, headIndex);
    if (!kn) throw new ZooError('INVALID_OPTION', `no Keras name for layer ${layer.name} of ${model.name}`);
    layer.weights.forEach((w, index) => {
      const leaf = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const shape = w.shape as number[];
      rows.push({
        source: `${kn}/${leaf}:0`,
        layer: layer.name,
        index,
        target: w.originalName,
        transform: 'none',
        sourceShape: shape,
        targetShape: shape,
        head: layer.name === 'classifier.1',
      });
    });
  }
  return rows;
}

interface H5Group {
  keys(): string[];
  get(path: string): unknown;
  attrs: Record<string, { value: unknown }>;
}
interface H5Dataset {
  shape: number[] | null;
  value: unknown;
}

function strings(v: unknown): string[] {
  if (v == null) return [];
  if (typeof v === 'string') return [v];
  return Array.from(v as ArrayLike<unknown>, (s) =>
    s instanceof Uint8Array ? new TextDecoder().decode(s) : String(s),
  );
}

/**
 * Loads a Keras-applications EfficientNet B0-B7 weight file (`model.save_weights` .h5 or a full
 * `model.save` .h5 with `model_weights`) via h5wasm. Build the model with the Keras conventions:
 * `createModel('efficientnet_b0', { bnEpsilon: 1e-3, padding: 'tf' })`, and feed images scaled as
 * Keras's built-in `Rescaling` + `Normalization` would (those input-statistics layers are skipped
 * and listed in `ignored`). Shapes are checked for every tensor before anything is written.
 */
export async function loadKerasH5Weights(
  model: tfl.LayersModel,
  file: string,
  options: LoadOptions = {},
): Promise<LoadReport> {
  const table = kerasMapping(model);
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  let f: InstanceType<typeof h5wasm.File>;
  try {
    f = new h5wasm.File(file, 'r');
  } catch (err) {
    throw new ZooError(
      'H5_INVALID',
      `${file} is not a readable HDF5 file (${(err as Error).message}); expected a Keras .h5 weight file`,
      file,
    );
  }
  try {
    let root = f as unknown as H5Group;
    if (f.keys().includes('model_weights')) root = f.get('model_weights') as unknown as H5Group;
    const layerNames = strings(root.attrs.layer_names?.value);
    if (layerNames.length === 0)
      throw new ZooError(
        'H5_INVALID',
        `${file} has no 'layer_names' attribute; it is not a Keras 2 .h5 weight file (Keras 3 '.weights.h5' files are not supported)`,
        file,
      );
    const datasets = new Map<string, { layer: string; path: string }>();
    for (const ln of layerNames) {
      const g = root.get(ln) as H5Group | null;
      if (!g) continue;
      for (const wn of strings(g.attrs.weight_names?.value))
        datasets.set(wn, { layer: ln, path: `${ln}/${wn}` });
    }
    const read = (name: string) => {
      const d = root.get((datasets.get(name) as { path: string }).path) as H5Dataset | null;
      if (!d)
        throw new ZooError(
          'H5_INVALID',
          `${file}: weight '${name}' is listed but its dataset is missing`,
          file,
        );
      return { shape: d.shape ?? [], data: Float32Array.from(d.value as ArrayLike<number>) };
    };
    const source: KerasTensorSource = {
      names: new Map([...datasets].map(([name, { layer }]) => [name, { layer }])),
      shape: (name) => (root.get((datasets.get(name) as { path: string }).path) as H5Dataset).shape ?? [],
      read: (name) => read(name).data,
    };
    const noHead = !model.layers.some((l) => l.name === 'classifier.1');
    return applyKerasMapping(
      model,
      table,
      source,
      file,
      options,
      (_name, layer) =>
        KERAS_PREPROCESSING.has(layer.replace(/_\d+$/, '')) || (layer === 'predictions' && noHead),
    );
  } finally {
    f.close();
  }
}
