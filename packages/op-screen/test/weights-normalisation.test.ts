import { pipelineSpec, resolveConfig } from '@op-screen/pipeline';
import { describe, expect, it } from 'vitest';

describe('ImageNet weights get their own input normalisation (the zoo entry is the one source)', () => {
  it('Keras ResNet-50 model.json: caffe BGR means on the 0-255 scale, recorded in the config', () => {
    const cfg = resolveConfig({ preset: 'study', arch: 'keras_resnet50', weights: '/w/ResNet50/model.json' });
    expect(cfg.inputNormalisation).toEqual({
      kind: 'caffe',
      weightsTag: 'IMAGENET_KERAS',
      mean: [103.939, 116.779, 123.68],
      std: [1, 1, 1],
    });
    const last = pipelineSpec(cfg).steps.at(-1);
    expect(last?.name).toBe('normalizeChannels');
    const p = last?.params as { mean: number[]; std: number[] };
    // x in [0, 1]: (x - m / 255) / (1 / 255) = 255 x - m
    expect(p.mean.map((m) => m * 255)).toEqual([103.939, 116.779, 123.68].map((m) => expect.closeTo(m, 9)));
    expect(p.std).toEqual([1 / 255, 1 / 255, 1 / 255]);
  });

  it('torchvision weights: mean/std; one input channel takes their average; no weights: nothing added', () => {
    const tv = resolveConfig({ preset: 'study', weights: '/w/efficientnet_b4.safetensors' });
    expect(tv.inputNormalisation?.kind).toBe('mean-std');
    expect(pipelineSpec(tv).steps.at(-1)?.params).toEqual({
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    const gray = resolveConfig({ preset: 'quick', arch: 'keras_resnet50', weights: '/w/model.json' });
    const p = pipelineSpec(gray).steps.at(-1)?.params as { mean: number[] };
    expect(p.mean).toHaveLength(1);
    const quick = resolveConfig({ preset: 'quick' });
    expect(quick.inputNormalisation).toBeUndefined();
    expect(pipelineSpec(quick).steps.map((s) => s.name)).not.toContain('normalizeChannels');
  });

  it('refuses weights the architecture has no entry for', () => {
    expect(() => resolveConfig({ preset: 'study', arch: 'resnet18', weights: '/w/model.json' })).toThrow(
      /resnet18 has no TensorFlow.js layers \(model.json\) ImageNet weights/,
    );
  });
});

describe('the model card of the initial weights', () => {
  it("meta.json names the weights' file, its sha256 (model.json and its shards) and their preprocessing", async () => {
    const { createHash } = await import('node:crypto');
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { reproduce } = await import('@op-screen/pipeline');
    const { defaultDeps } = await import('@op-screen/pipeline');
    const { writeSyntheticCohort } = await import('@op-screen/synth');
    const { linearEngine } = await import('./helpers/linear-engine.js');
    const { weightsSha256 } = await import('@op-screen/pipeline');
    const dir = mkdtempSync(join(tmpdir(), 'model-card-'));
    // a tfjs layers model.json with one shard: the hash covers both, in order
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [] }] }),
    );
    writeFileSync(join(dir, 'group1-shard1of1.bin'), Buffer.from([1, 2, 3]));
    const both = createHash('sha256')
      .update(readFileSync(join(dir, 'model.json')))
      .update(Buffer.from([1, 2, 3]))
      .digest('hex');
    expect(await weightsSha256(join(dir, 'model.json'))).toBe(both);
    // a run with torchvision weights (the linear engine does not read them; the card still names them)
    writeFileSync(join(dir, 'resnet18.safetensors'), 'not really weights');
    await writeSyntheticCohort(join(dir, 'cohort'), { patients: 16, seed: 3 });
    const out = join(dir, 'run');
    await reproduce(
      {
        manifest: join(dir, 'cohort', 'manifest.csv'),
        out,
        preset: 'tiny',
        epochs: 1,
        weights: join(dir, 'resnet18.safetensors'),
        log: () => {},
      },
      { ...defaultDeps(), engine: linearEngine },
    );
    const meta = JSON.parse(readFileSync(join(out, 'model', 'meta.json'), 'utf8'));
    expect(meta.weights).toEqual({
      file: join(dir, 'resnet18.safetensors'),
      sha256: createHash('sha256').update('not really weights').digest('hex'),
      tag: 'IMAGENET1K_V1',
      normalisation: {
        kind: 'mean-std',
        weightsTag: 'IMAGENET1K_V1',
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
      },
    });
  }, 60_000);
});
