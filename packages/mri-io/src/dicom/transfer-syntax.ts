/** How the pixel data of a transfer syntax is encoded, and which decoder handles it. */
export type PixelEncoding =
  | 'native'
  | 'deflate'
  | 'rle'
  | 'jpeg'
  | 'jpeg-lossless'
  | 'jpeg-ls'
  | 'jpeg2000'
  | 'htj2k';

export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  encoding: PixelEncoding;
  /** Data set byte order (pixel data of native syntaxes follows it). */
  littleEndian: boolean;
  explicitVr: boolean;
  /** The encoding may lose information (tests compare such images with a tolerance). */
  lossy: boolean;
}

const rows: Array<[string, string, PixelEncoding, boolean, boolean, boolean]> = [
  ['1.2.840.10008.1.2', 'Implicit VR Little Endian', 'native', true, false, false],
  ['1.2.840.10008.1.2.1', 'Explicit VR Little Endian', 'native', true, true, false],
  ['1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', 'deflate', true, true, false],
  ['1.2.840.10008.1.2.2', 'Explicit VR Big Endian', 'native', false, true, false],
  ['1.2.840.10008.1.2.5', 'RLE Lossless', 'rle', true, true, false],
  ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg', true, true, true],
  ['1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'jpeg', true, true, true],
  [
    '1.2.840.10008.1.2.4.57',
    'JPEG Lossless, Non-Hierarchical (Process 14)',
    'jpeg-lossless',
    true,
    true,
    false,
  ],
  [
    '1.2.840.10008.1.2.4.70',
    'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 SV1)',
    'jpeg-lossless',
    true,
    true,
    false,
  ],
  ['1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls', true, true, false],
  ['1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless)', 'jpeg-ls', true, true, true],
  ['1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)', 'jpeg2000', true, true, false],
  ['1.2.840.10008.1.2.4.91', 'JPEG 2000', 'jpeg2000', true, true, true],
  ['1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)', 'htj2k', true, true, false],
  [
    '1.2.840.10008.1.2.4.202',
    'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
    'htj2k',
    true,
    true,
    false,
  ],
  ['1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000', 'htj2k', true, true, true],
];

const TABLE: ReadonlyMap<string, TransferSyntaxInfo> = new Map(
  rows.map(([uid, name, encoding, littleEndian, explicitVr, lossy]) => [
    uid,
    { uid, name, encoding, littleEndian, explicitVr, lossy },
  ]),
);

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';

/** The transfer syntaxes this package decodes, by UID. */
export function transferSyntaxInfo(uid: string): TransferSyntaxInfo | undefined {
  return TABLE.get(uid);
}

export function supportedTransferSyntaxes(): TransferSyntaxInfo[] {
  return [...TABLE.values()];
}
