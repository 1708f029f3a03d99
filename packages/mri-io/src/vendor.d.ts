// The cornerstone codec packages and jpeg-lossless-decoder-js ship no type declarations for the
// entry points used here; these describe only what this package calls.

interface EmscriptenModuleOptions {
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

interface CodecFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): CodecFrameInfo;
  delete(): void;
}

interface CharlsModule {
  JpegLSDecoder: new () => WasmDecoder;
}
interface LibJpegTurboModule {
  JPEGDecoder: new () => WasmDecoder;
}
interface OpenJpegModule {
  J2KDecoder: new () => WasmDecoder;
}

interface OpenJphModule {
  HTJ2KDecoder: new () => WasmDecoder;
  HTJ2KEncoder: new () => {
    getDecodedBuffer(
      info: CodecFrameInfo & { isSigned: boolean; isUsingColorTransform: boolean },
    ): Uint8Array;
    setQuality(lossless: boolean, quantizationStep: number): void;
    encode(): void;
    getEncodedBuffer(): Uint8Array;
    delete(): void;
  };
}

declare module '@cornerstonejs/codec-openjph' {
  const factory: (options?: EmscriptenModuleOptions) => Promise<OpenJphModule>;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (options?: EmscriptenModuleOptions) => Promise<CharlsModule>;
  export default factory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: (options?: EmscriptenModuleOptions) => Promise<LibJpegTurboModule>;
  export default factory;
}
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: (options?: EmscriptenModuleOptions) => Promise<OpenJpegModule>;
  export default factory;
}
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    decode(
      buffer: ArrayBuffer,
      offset?: number,
      length?: number,
      numBytes?: number,
    ): Uint8Array | Uint16Array;
  }
}
