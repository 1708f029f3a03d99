import { availableParallelism } from 'node:os';
import { type BackendInfo, selectBackendFromEnv } from '@op-screen/backend';
import * as effnet from '@op-screen/efficientnet';
import * as metrics from '@op-screen/metrics';
import * as mriIo from '@op-screen/mri-io';
import type { Region } from '@op-screen/preprocess';
import * as pre from '@op-screen/preprocess';
import * as train from '@op-screen/train';
import { registerWasmKernels } from '@op-screen/wasm-kernels';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { RunConfig } from '../run/config.js';
import type { CropCheck, Cropper, SliceImage, SliceReader } from '../run/data.js';
import type { Engine, EpochRecord, FitSummary, Preparer, TrainBatch } from '../run/engine.js';
import type { ReproduceDeps } from '../run/types.js';

/** The study's preprocessing preset for the run's input size (the study presets at 380/224; the same steps resized otherwise). */
export function pipelineSpec(cfg: RunConfig): pre.PipelineSpec {
  const base = pre.getPreset('study-efficientnet-b4');
  const steps = base.steps.map((s) =>
    s.name === 'resize' ? { ...s, params: { ...s.params, height: cfg.inputSize, width: cfg.inputSize } } : s,
  );
  if (cfg.channels === 3) steps.push({ name: 'replicateChannels', params: { channels: 3 } });
  const n = cfg.inputNormalisation;
  if (n) {
    // crops are in [0, 1]: caffe's x * 255 - mean is (x - mean / 255) / (1 / 255); one channel
    // (gray replicated) takes the channels' average
    const mean = n.kind === 'caffe' ? n.mean.map((m) => m / 255) : n.mean;
    const std = n.kind === 'caffe' ? n.mean.map(() => 1 / 255) : n.std;
    const avg = (v: number[]) => [v.reduce((a, b) => a + b, 0) / v.length];
    steps.push({
      name: 'normalizeChannels',
      params: cfg.channels === 3 ? { mean, std } : { mean: avg(mean), std: avg(std) },
    });
  }
  return { name: cfg.inputSize === 380 ? base.name : cfg.preprocessPreset, steps };
}

export function createPreparer(cfg: RunConfig): Preparer {
  const pipeline = pre.createPipeline(pipelineSpec(cfg));
  const augmentationSpec = pre.getAugmentationPreset('study-train');
  return {
    prepare(crop: Region) {
      return pipeline.run(
        pre.imageFromData(crop.data, { height: crop.height, width: crop.width, channels: 1 }),
      ).data;
    },
    augmenter(seed: number) {
      const aug = pre.createAugmentation(augmentationSpec, pre.createRng(seed));
      return (x: Float32Array) =>
        aug.run(pre.imageFromData(x, { height: cfg.inputSize, width: cfg.inputSize, channels: cfg.channels }))
          .data;
    },
    describe() {
      return { pipeline: pipeline.spec, augmentation: cfg.augmentation ? augmentationSpec : null };
    },
  };
}

/**
 * The pipeline's input check (@op-screen/preprocess `inputWarnings`, what `runChecked` reports):
 * a constant or nearly constant crop is `CONSTANT_CROP`, skipped rather than trained on.
 */
export const constantCropCheck: CropCheck = (crop) =>
  pre.inputWarnings(pre.imageFromData(crop.data, { height: crop.height, width: crop.width, channels: 1 }));

/** Reads one slice through @op-screen/mri-io: a DICOM file, a DICOM series directory (mid-sagittal by default) or a NIfTI volume. */
export const mriIoSliceReader: SliceReader = async (
  image: string,
  slice: number | undefined,
): Promise<SliceImage> => mriIo.readSlice(image, slice === undefined ? {} : { slice });

/** ROI crop through @op-screen/mri-io (the slice must come from `mriIoSliceReader`). */
export const roiCropper: Cropper = (slice, box) => {
  const c = mriIo.cropRoi(slice as mriIo.Slice2D, box);
  return { data: c.data, width: c.columns, height: c.rows };
};

/**
 * Replicas for the trainer: `cfg.workers`, or for 0 one per core on the single-threaded wasm/cpu
 * backends and 1 elsewhere. This is the trainer's default before it learnt to pick 1 replica for
 * small work per sample (chooseReplicas); the facade pins it so that a run's numerics (BatchNorm
 * normalises each replica's shard) and its predictions.csv do not change with the trainer's default.
 */
export function trainerWorkers(cfg: RunConfig, backend: string): number {
  if (cfg.workers > 0) return cfg.workers;
  return backend === 'wasm' || backend === 'cpu' ? availableParallelism() : 1;
}

function toEpoch(e: train.EpochRecord): EpochRecord {
  return { epoch: e.epoch, loss: e.loss, valLoss: e.valLoss, learningRate: e.learningRate };
}

let backendReady: Promise<BackendInfo> | null = null;
/** The zoo's backend, chosen once: `OP_SCREEN_BACKEND` (@op-screen/backend's backendPreference), else auto. */
async function ready(): Promise<BackendInfo> {
  if (!backendReady)
    backendReady = selectBackendFromEnv().then((info) => {
      if (info.backend === 'wasm') registerWasmKernels();
      return info;
    });
  return backendReady;
}

export const efficientnetEngine: Engine = {
  async createModel(cfg, seed) {
    await ready();
    const model = effnet.createModel(effnet.getArch(cfg.arch).name, {
      inputShape: [cfg.inputSize, cfg.inputSize, cfg.channels],
      numClasses: 1,
      seed,
      init: cfg.weights ? 'zeros' : 'random',
      // A zero one-logit head starts every image at p = 0.5. With the zoo's default head a fresh
      // EfficientNet gives training-mode logits with an SD of about 6 on our crops, so the first
      // epochs fight a loss of 5-10 and the small quick-preset runs never recover; a zero head starts
      // at the loss of a constant predictor. The loader skips the head, so it stays zero.
      headInit: 'zeros',
    });
    if (cfg.weights?.endsWith('.json'))
      await effnet.loadTfjsLayersWeights(model, cfg.weights, { head: 'skip' });
    else if (cfg.weights) await effnet.loadTorchvisionWeights(model, cfg.weights, { head: 'skip' });
    return model;
  },
  async fineTune(model, data, cfg, opts): Promise<FitSummary> {
    const r = await train.fineTune(model as tfl.LayersModel, data, {
      replicaModules: [effnet.zooLayersModule()],
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      learningRate: cfg.learningRate,
      reduceLrOnPlateau: cfg.reduceLrOnPlateau,
      earlyStopping: cfg.earlyStopping,
      seed: opts.seed,
      checkpointDir: opts.checkpointDir,
      resume: opts.resume,
      workers: trainerWorkers(cfg, (await ready()).backend),
      progress: 'auto',
      historyFile: opts.historyFile,
      onEpoch: opts.onEpoch ? (e) => opts.onEpoch?.(toEpoch(e)) : undefined,
    });
    return { history: r.history.map(toEpoch), bestEpoch: r.bestEpoch, stoppedEarly: r.stoppedEarly };
  },
  async predict(model, batches: AsyncIterable<TrainBatch>, cfg) {
    return train.predictProbabilities(model as tfl.LayersModel, batches, {
      replicaModules: [effnet.zooLayersModule()],
      workers: trainerWorkers(cfg, (await ready()).backend),
    });
  },
  async save(model, dir) {
    await effnet.saveModel(model as tfl.LayersModel, dir);
  },
  async load(dir) {
    await ready();
    return effnet.loadModel(dir);
  },
  async gradCam(model, x, size, channels) {
    return (await effnet.gradCam(model as tfl.LayersModel, x, [size, size, channels])).heatmap;
  },
  async describe() {
    return { ...(await ready()) } as unknown as Record<string, unknown>;
  },
  dispose(model) {
    (model as tfl.LayersModel).dispose();
  },
};

export async function packageVersions(): Promise<Record<string, string>> {
  return {
    [mriIo.PACKAGE_NAME]: mriIo.VERSION,
    [pre.PACKAGE_NAME]: pre.VERSION,
    [effnet.PACKAGE_NAME]: effnet.VERSION,
    [train.PACKAGE_NAME]: train.VERSION,
    [metrics.PACKAGE_NAME]: metrics.VERSION,
  };
}

export function defaultDeps(): ReproduceDeps {
  return {
    engine: efficientnetEngine,
    read: mriIoSliceReader,
    crop: roiCropper,
    checkCrop: constantCropCheck,
    makePreparer: createPreparer,
    versions: packageVersions,
  };
}
