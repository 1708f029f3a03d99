// The localisation network: a small U-Net over the canonical sagittal slice (2 mm pixels) with
// four outputs per pixel: vertebral body (T9-L5, not the sacrum; sigmoid), body centre (Gaussian
// heatmap; sigmoid), L5 centre (the lowest lumbar body, above the sacrum; sigmoid) and the level
// counted up from L5 (linear: L5 = 0, L4 = 0.125, ..., S1 = -0.125), which every body votes with.
// Numbering anchors on L5 and checks the anchor against the votes. Written with tfjs-core ops only (no layers), so its parameters are a flat, ordered list
// that the weights file stores as is. Downsampling is a stride-2 convolution and upsampling a
// broadcast, so every op has a gradient on the wasm backend (no pooling or resize gradients).
import * as tf from '@tensorflow/tfjs-core';
import { LocateError } from './errors.js';

/** Output channels, in order. */
export const OUTPUTS = ['body', 'centre', 'l5', 'level'] as const;
/** Input sizes must be multiples of this (four stride-2 steps). */
export const SIZE_MULTIPLE = 16;

export interface NetSpec {
  /** Channels at full resolution; x2 per level down to `levels` levels. */
  base: number;
  levels: number;
  /** Most channels at any level. */
  cap: number;
}

export const DEFAULT_SPEC: NetSpec = { base: 8, levels: 5, cap: 64 };

export interface ParamDef {
  name: string;
  shape: number[];
}

function channels(spec: NetSpec): number[] {
  const out: number[] = [];
  for (let l = 0; l < spec.levels; l++) out.push(Math.min(spec.base * 2 ** l, spec.cap));
  return out;
}

/** Every parameter's name and shape, in weights-file order. */
export function paramDefs(spec: NetSpec = DEFAULT_SPEC): ParamDef[] {
  const ch = channels(spec);
  const defs: ParamDef[] = [];
  const conv = (name: string, cin: number, cout: number, k = 3) => {
    defs.push({ name: `${name}.w`, shape: [k, k, cin, cout] }, { name: `${name}.b`, shape: [cout] });
  };
  let cin = 1;
  for (let l = 0; l < spec.levels; l++) {
    if (l > 0) conv(`down${l}`, ch[l - 1], ch[l]);
    conv(`enc${l}.a`, l === 0 ? cin : ch[l], ch[l]);
    conv(`enc${l}.b`, ch[l], ch[l]);
    cin = ch[l];
  }
  for (let l = spec.levels - 2; l >= 0; l--) {
    conv(`dec${l}.a`, ch[l + 1] + ch[l], ch[l]);
    conv(`dec${l}.b`, ch[l], ch[l]);
  }
  conv('head', ch[0], OUTPUTS.length, 1);
  return defs;
}

export function paramCount(spec: NetSpec = DEFAULT_SPEC): number {
  return paramDefs(spec).reduce((s, d) => s + d.shape.reduce((a, b) => a * b, 1), 0);
}

/** He-normal weights, zero biases (the head's centre and L5 biases start at -4: rare positives). */
export function initParams(spec: NetSpec, rng: { next(): number }): Float32Array[] {
  const normal = () => {
    const u = Math.max(rng.next(), 1e-12);
    const v = rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return paramDefs(spec).map((d) => {
    const n = d.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    if (d.name.endsWith('.w')) {
      const fanIn = d.shape[0] * d.shape[1] * d.shape[2];
      const sd = Math.sqrt(2 / fanIn);
      for (let i = 0; i < n; i++) out[i] = normal() * sd;
    } else if (d.name === 'head.b') {
      out[1] = -4;
      out[2] = -4;
    }
    return out;
  });
}

function up2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const y = tf.add(tf.reshape(x, [n, h, 1, w, 1, c]), tf.zeros([1, 1, 2, 1, 2, 1]));
  return tf.reshape(y, [n, 2 * h, 2 * w, c]);
}

/**
 * Logits `[n, h, w, 3]` for input `[n, h, w, 1]` (h and w multiples of {@link SIZE_MULTIPLE}).
 * `params` are tensors in {@link paramDefs} order.
 */
export function forward(spec: NetSpec, params: readonly tf.Tensor[], x: tf.Tensor4D): tf.Tensor4D {
  let p = 0;
  const conv = (t: tf.Tensor4D, stride: 1 | 2 = 1, relu = true): tf.Tensor4D => {
    const w = params[p++] as tf.Tensor4D;
    const b = params[p++] as tf.Tensor1D;
    const y = tf.add(tf.conv2d(t, w, stride, 'same'), b) as tf.Tensor4D;
    return relu ? tf.relu(y) : y;
  };
  const skips: tf.Tensor4D[] = [];
  let t = x;
  for (let l = 0; l < spec.levels; l++) {
    if (l > 0) t = conv(t, 2);
    t = conv(conv(t));
    skips.push(t);
  }
  for (let l = spec.levels - 2; l >= 0; l--) {
    t = tf.concat([up2(t), skips[l]], 3) as tf.Tensor4D;
    t = conv(conv(t));
  }
  return conv(t, 1, false);
}

// ---- weights file: "OPLOC1" magic, JSON header length (u32 LE), JSON header, float32 LE data ----

export interface WeightsHeader {
  format: 'op-screen-locate';
  version: 1;
  spec: NetSpec;
  /** Millimetres per canonical pixel the network was trained at. */
  spacing: number;
  params: ParamDef[];
}

const MAGIC = 'OPLOC1';

export function encodeWeights(spec: NetSpec, spacing: number, params: readonly Float32Array[]): Uint8Array {
  const header: WeightsHeader = {
    format: 'op-screen-locate',
    version: 1,
    spec,
    spacing,
    params: paramDefs(spec),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const floats = params.reduce((s, a) => s + a.length, 0);
  const pad = (4 - ((MAGIC.length + 4 + json.length) % 4)) % 4;
  const out = new Uint8Array(MAGIC.length + 4 + json.length + pad + floats * 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length + pad, true);
  out.set(json, MAGIC.length + 4);
  out.fill(0x20, MAGIC.length + 4 + json.length, MAGIC.length + 4 + json.length + pad);
  const dv = new DataView(out.buffer);
  let o = MAGIC.length + 4 + json.length + pad;
  for (const a of params) for (let i = 0; i < a.length; i++, o += 4) dv.setFloat32(o, a[i], true);
  return out;
}

export function decodeWeights(
  bytes: Uint8Array,
  file?: string,
): { header: WeightsHeader; params: Float32Array[] } {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC)
    throw new LocateError('BAD_WEIGHTS', 'not an op-screen locate weights file (bad magic)', file);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = dv.getUint32(MAGIC.length, true);
  let header: WeightsHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + hlen)));
  } catch {
    throw new LocateError('BAD_WEIGHTS', 'the weights header is not JSON', file);
  }
  if (header.format !== 'op-screen-locate' || header.version !== 1) {
    throw new LocateError('BAD_WEIGHTS', `unknown weights format ${header.format} v${header.version}`, file);
  }
  const defs = paramDefs(header.spec);
  if (JSON.stringify(defs) !== JSON.stringify(header.params)) {
    throw new LocateError('BAD_WEIGHTS', 'the weights list does not match the network of this version', file);
  }
  let o = MAGIC.length + 4 + hlen;
  const params: Float32Array[] = [];
  for (const d of defs) {
    const n = d.shape.reduce((a, b) => a * b, 1);
    if (o + 4 * n > bytes.byteLength)
      throw new LocateError('BAD_WEIGHTS', 'the weights file is truncated', file);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, o += 4) a[i] = dv.getFloat32(o, true);
    params.push(a);
  }
  if (o !== bytes.byteLength)
    throw new LocateError('BAD_WEIGHTS', `${bytes.byteLength - o} bytes after the last weight`, file);
  return { header, params };
}
