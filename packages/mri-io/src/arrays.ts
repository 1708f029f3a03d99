/** A typed array of numbers (no BigInt arrays). */
export type NumericArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

export type Dtype = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export function dtypeOf(a: NumericArray): Dtype {
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Float32Array) return 'float32';
  return 'float64';
}

/** A new zero-filled array of `dtype`. */
export function allocate(dtype: Dtype, length: number): NumericArray {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint16':
      return new Uint16Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'uint32':
      return new Uint32Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'float32':
      return new Float32Array(length);
    default:
      return new Float64Array(length);
  }
}

/** Reverses the byte order of each `width`-byte sample in place (big endian <-> little endian). */
export function swapBytesInPlace(bytes: Uint8Array, width: number): void {
  const n = bytes.length - (bytes.length % width);
  if (width === 2) {
    for (let i = 0; i < n; i += 2) {
      const t = bytes[i];
      bytes[i] = bytes[i + 1];
      bytes[i + 1] = t;
    }
  } else if (width > 2) {
    const half = width >> 1;
    for (let i = 0; i < n; i += width) {
      for (let k = 0; k < half; k++) {
        const t = bytes[i + k];
        bytes[i + k] = bytes[i + width - 1 - k];
        bytes[i + width - 1 - k] = t;
      }
    }
  }
}
