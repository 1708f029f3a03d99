import { readFile } from 'node:fs/promises';
import { selectBackendFromEnv } from '@op-screen/backend';
import * as effnet from '@op-screen/efficientnet';
import { OpScreenError } from '@op-screen/pipeline';
import { decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';

/** A JPEG or PNG photo decoded to 8-bit RGB(A), by its bytes (never its name). */
export async function readPhoto(path: string): Promise<effnet.RgbImage> {
  const bytes = await readFile(path);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    try {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      return { data: img.data, width: img.width, height: img.height, channels: 4 };
    } catch (err) {
      throw new OpScreenError(
        'IMAGE_UNREADABLE',
        `${path} is a JPEG that cannot be decoded (${String((err as Error).message ?? err).split('\n')[0]}).`,
        path,
      );
    }
  }
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    let png: ReturnType<typeof decodePng>;
    try {
      png = decodePng(bytes);
    } catch (err) {
      throw new OpScreenError(
        'IMAGE_UNREADABLE',
        `${path} is a PNG that cannot be decoded (${(err as Error).message}).`,
        path,
      );
    }
    const { width, height } = png;
    const ch = png.channels;
    const scale = png.depth === 16 ? 1 / 257 : 1;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++)
      for (let k = 0; k < 3; k++)
        rgb[i * 3 + k] = Math.round((png.data[i * ch + (ch >= 3 ? k : 0)] as number) * scale);
    return { data: rgb, width, height, channels: 3 };
  }
  throw new OpScreenError('IMAGE_UNREADABLE', `${path} is neither a JPEG nor a PNG image.`, path);
}

export interface ClassifyOptions {
  /** Weights: a TensorFlow.js layers `model.json` (Keras layout), or a torchvision `.pth` / `.safetensors`. */
  weights: string;
  /** Architecture (default: `keras_resnet50` for model.json; required for torchvision files). */
  arch?: string;
  image: string;
  /** The preprocessing to use; refused with `PREPROCESSING_MISMATCH` unless it is the weights' own. */
  preprocessing?: 'caffe' | 'mean-std';
}

/**
 * `op-screen zoo classify`: the top-5 ImageNet classes of a photo with real weights, preprocessed
 * as those weights expect (the registry's entry for them is the one source of that preprocessing).
 */
export async function classifyPhoto(
  o: ClassifyOptions,
): Promise<{ arch: string; weights: string; top5: effnet.ImageNetClass[] }> {
  const tfjsLayers = o.weights.endsWith('.json');
  const arch = o.arch ?? (tfjsLayers ? 'keras_resnet50' : undefined);
  if (!arch)
    throw new OpScreenError(
      'BAD_OPTION',
      'a torchvision weight file needs its architecture.',
      o.weights,
      'arch',
    );
  const entry = effnet.getArch(arch);
  const source = entry.weights.find((w) =>
    tfjsLayers ? w.format === 'tfjs-layers' : w.layout === 'torchvision',
  );
  if (!source)
    throw new OpScreenError(
      'BAD_OPTION',
      `${arch} has no ${tfjsLayers ? 'TensorFlow.js layers (model.json)' : 'torchvision'} weights in the zoo; see op-screen zoo list.`,
      o.weights,
      'arch',
    );
  if (o.preprocessing) {
    // the asked normalisation as the zoo's table has it (its one source): the first entry of that kind
    const kind = o.preprocessing;
    const entryOfKind = effnet
      .listArchitectures()
      .flatMap((a) => effnet.getArch(a).weights)
      .find((w) => w.preprocessing.kind === kind) as effnet.WeightSource;
    effnet.checkPreprocessing(source, { ...source.preprocessing, ...entryOfKind.preprocessing });
  }
  const photo = await readPhoto(o.image);
  await selectBackendFromEnv();
  const model = effnet.createModel(entry.name, { init: 'zeros' });
  try {
    if (tfjsLayers) await effnet.loadTfjsLayersWeights(model, o.weights, { head: 'load' });
    else effnet.loadTorchvisionWeights(model, o.weights, { head: 'load' });
    const input = effnet.imagenetInput(photo, source.preprocessing);
    return {
      arch,
      weights: source.tag,
      top5: await effnet.classifyImageNet(model, input, source.preprocessing.crop),
    };
  } finally {
    model.dispose();
  }
}
